"""One example plan and its four parties, shared by the tests of every layer."""

from __future__ import annotations

from datetime import date, timedelta

from coaching.org import Parties, Person
from coaching.plan import PlanContent

MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
MEMBER = Person(id="tom", name="Tom Member", email="tom@example.com")
SKIP = Person(id="sara", name="Sara Skip", email="sara@example.com")
HR = Person(id="hana", name="Hana HR", email="hana@example.com")
STRANGER = "eve@example.com"
PARTIES = Parties(manager=MANAGER, team_member=MEMBER, skip_level=SKIP, hr=[HR])


def plan_content(start: date) -> PlanContent:
    return PlanContent.model_validate(
        {
            "development_area": "Stakeholder communication",
            "current_state": "Project updates reach stakeholders late and without risks named.",
            "goal": {
                "specific": "Send a written weekly update to the product stakeholders",
                "measure": "Weekly updates sent on time, with risks and decisions named",
                "target": "4 of 4 weeks",
                "achieve_by": (start + timedelta(days=28)).isoformat(),
            },
            "activities": [
                {"description": "Draft an update template with the manager"},
                {"description": "Shadow the lead's stakeholder review"},
            ],
            "timeline": {"start": start.isoformat()},
            "support": [
                {"kind": "meeting", "description": "Weekly 30-minute coaching 1:1"},
                {"kind": "manager_assistance", "description": "Review of the first two updates"},
            ],
            "cadence": {"weekday": "thursday", "time": "10:00", "time_zone": "Europe/Berlin"},
        }
    )
