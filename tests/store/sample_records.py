"""Plan records as the workflow sends them, for the store's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from coaching.org import Parties, Person
from coaching.plan import Role
from coaching.records import AuditEntry, PlanRecord, VersionRecord
from coaching.status import Obligation, Phase

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HR = Person(id="hana", name="Hana HR", email="hana@example.com")


def person(person_id: str) -> Person:
    return Person(id=person_id, name=person_id.title(), email=f"{person_id}@example.com")


def parties(manager: str = "mia", member: str = "tom", skip: str = "sara") -> Parties:
    return Parties(
        manager=person(manager), team_member=person(member), skip_level=person(skip), hr=[HR]
    )


def owes(role: Role, action: str, due: datetime | None, plan_parties: Parties) -> Obligation:
    return Obligation(
        role=role, who=[p.email for p in plan_parties.person(role)], action=action, due=due
    )


def audit(*actions: str, start: int = 1, version: int = 1) -> list[AuditEntry]:
    return [
        AuditEntry(
            key=f"event-{number}",
            at=NOW + timedelta(minutes=number),
            actor="mia@example.com",
            action=action,
            version=version,
        )
        for number, action in enumerate(actions, start=start)
    ]


def a_record(plan_id: str = "plan000001", revision: int = 1, **changes: Any) -> PlanRecord:
    """A plan in alignment, the skip-level owing an answer in two days, unless changed."""
    plan_parties = changes.pop("parties", parties())
    values: dict[str, Any] = {
        "plan_id": plan_id,
        "revision": revision,
        "parties": plan_parties,
        "phase": Phase.alignment,
        "outcome": None,
        "version": 1,
        "starts_on": date(2026, 12, 2),
        "ends_on": date(2027, 1, 1),
        "started_at": NOW - timedelta(days=1),
        "closed_at": None,
        "review_due_at": None,
        "owed": [owes(Role.skip_level, "approve version 1", NOW + timedelta(days=2), plan_parties)],
        "versions": [
            VersionRecord(
                number=1,
                sha256="a" * 64,
                author="mia@example.com",
                summary="First draft",
                created_at=NOW - timedelta(days=1),
            )
        ],
        "signatures": [],
        "check_ins": [],
        "review": None,
        "audit": audit("started"),
    }
    values.update(changes)
    return PlanRecord.model_validate(values)
