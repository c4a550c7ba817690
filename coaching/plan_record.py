"""HR's record of a plan as it stands: what the record keepers send to HR's store.

Each record carries the whole current state, plus only what no earlier record carried: the
new audit lines and the content of new versions (a version's content never changes). `Recorded`
says how far the stored records already reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from coaching.records import AuditEntry, PlanRecord, VersionRecord

if TYPE_CHECKING:
    from coaching.plan_state import PlanState


class Recorded(NamedTuple):
    """How many events, refusals and versions' contents the stored records carry."""

    events: int = 0
    refusals: int = 0
    versions: int = 0

    @classmethod
    def all_of(cls, plan: PlanState) -> Recorded:
        return cls(len(plan.events), len(plan.refusals), len(plan.versions))


def plan_record(plan: PlanState, revision: int, recorded: Recorded) -> PlanRecord:
    """The plan now, with what comes after `recorded`."""
    timeline = plan.version.content.timeline
    return PlanRecord(
        plan_id=plan.plan_id,
        revision=revision,
        parties=plan.parties,
        phase=plan.phase,
        outcome=plan.outcome,
        team_member_included=plan.alignment_approved,
        version=plan.version.number,
        starts_on=timeline.start,
        ends_on=timeline.end,
        started_at=plan.started_at,
        closed_at=plan.closed_at,
        review_due_at=plan.review_due_at,
        owed=plan.owed(),
        versions=[
            VersionRecord.model_validate(
                v.model_dump(exclude=set() if number > recorded.versions else {"content"})
            )
            for number, v in enumerate(plan.versions, start=1)
        ],
        consents=list(plan.consents.values()),
        signatures=plan.signatures,
        check_ins=plan.check_ins,
        review=plan.review,
        held_because=plan.held_because,
        document=plan.documents[-1] if plan.documents else None,
        calendar=plan.calendar,
        audit=[
            *(
                AuditEntry(
                    key=f"event-{number}",
                    at=e.at,
                    actor=e.actor,
                    action=e.kind,
                    detail=e.detail,
                    version=e.version,
                    evidence_sha256=e.evidence_sha256,
                )
                for number, e in enumerate(
                    plan.events[recorded.events :], start=recorded.events + 1
                )
            ),
            *plan.refusals[recorded.refusals :],
        ],
    )
