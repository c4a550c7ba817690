"""A realistic plan, its four parties and the local integrations writing under tmp_path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from activities.calendar import CalendarActivities
from activities.documents import DocumentActivities
from activities.notifications import NotificationActivities
from coaching.org import Parties, Person
from coaching.plan import PlanContent
from coaching.status import PlanVersion
from integrations.local.calendar import IcsCalendar
from integrations.local.documents import LocalDocumentStore
from integrations.local.mail import OutboxMailer

MANAGER = Person(id="mara", name="Mara Keller", email="mara.keller@acme.example", title="Lead")
MEMBER = Person(id="tom", name="Tom Nguyen", email="tom.nguyen@acme.example", title="Engineer")
SKIP = Person(id="sofia", name="Sofia Brandt", email="sofia.brandt@acme.example")
HR = [
    Person(id="hana", name="Hana Ito", email="hana.ito@acme.example"),
    Person(id="ravi", name="Ravi Shah", email="ravi.shah@acme.example"),
]
STRANGER = Person(id="eve", name="Eve Outsider", email="eve@elsewhere.example")
START = date(2026, 10, 14)
END = date(2026, 11, 12)
"""A Wednesday to a Thursday in Europe/Berlin, across the end of summer time (2026-10-25)."""


@pytest.fixture
def parties() -> Parties:
    return Parties(manager=MANAGER, team_member=MEMBER, skip_level=SKIP, hr=HR)


@pytest.fixture
def content() -> PlanContent:
    return PlanContent.model_validate(
        {
            "development_area": "Stakeholder communication on cross-team projects",
            "current_state": "Updates reach stakeholders late and rarely name risks or decisions.",
            "goal": {
                "specific": "Send a written weekly update to the product stakeholders",
                "measure": "Weekly updates sent by Friday noon with risks and decisions named",
                "target": "4 of 4 weeks",
                "achieve_by": "2026-11-10",
            },
            "activities": [
                {
                    "description": "Draft an update template together with the manager",
                    "due": "2026-10-20",
                    "status": "in_progress",
                },
                {
                    "description": "Shadow the platform lead in a stakeholder review",
                    "proposed_by": "team_member",
                },
            ],
            "timeline": {"start": START.isoformat(), "end": END.isoformat()},
            "support": [
                {"kind": "meeting", "description": "Weekly 30-minute coaching 1:1"},
                {"kind": "manager_assistance", "description": "Review of the first two updates"},
                {"kind": "tool", "description": "Access to the roadmap dashboard"},
            ],
            "cadence": {"weekday": "thursday", "time": "10:00", "time_zone": "Europe/Berlin"},
        }
    )


def version_of(content: PlanContent, number: int = 2) -> PlanVersion:
    return PlanVersion(
        number=number,
        content=content,
        sha256=content.content_hash(),
        author=MANAGER.email,
        summary="Answered the skip-level's comments",
        created_at=datetime(2026, 10, 9, 14, 30, tzinfo=UTC),
    )


@pytest.fixture
def version(content: PlanContent) -> PlanVersion:
    return version_of(content)


@pytest.fixture
def documents(tmp_path: Path) -> DocumentActivities:
    return DocumentActivities(LocalDocumentStore(tmp_path))


@pytest.fixture
def calendar(tmp_path: Path) -> CalendarActivities:
    return CalendarActivities(IcsCalendar(tmp_path))


@pytest.fixture
def notifications(tmp_path: Path) -> NotificationActivities:
    return NotificationActivities(OutboxMailer(tmp_path))
