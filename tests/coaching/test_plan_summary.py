"""The summary anyone may see: the state of a plan, never who is on it or what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coaching.plan import Role
from coaching.status import Obligation, Phase, PlanStatus, PlanSummary, PlanVersion
from tests.workflows.running_plan import PARTIES, plan_content


def test_a_summary_names_roles_but_no_people_and_no_content() -> None:
    content = plan_content(date(2026, 12, 1))
    now = datetime(2026, 11, 25, tzinfo=UTC)
    status = PlanStatus(
        plan_id="abc123def456",
        phase=Phase.alignment,
        parties=PARTIES,
        team_member_included=False,
        version=1,
        content=content,
        sha256=content.content_hash(),
        versions=[
            PlanVersion(
                number=1,
                content=content,
                sha256=content.content_hash(),
                author=PARTIES.manager.email,
                summary="First draft",
                created_at=now,
            )
        ],
        ready=[],
        signatures=[],
        check_ins=[],
        review_due_at=None,
        review=None,
        owed=[
            Obligation(
                role=Role.skip_level,
                who=[PARTIES.skip_level.email],
                action="approve version 1 or request changes",
                due=now,
            )
        ],
        events=[],
        documents=[],
    )

    summary = PlanSummary.of(status).model_dump_json()

    assert '"skip_level"' in summary
    assert "approve version 1" in summary
    for person in PARTIES.everyone:
        assert person.email not in summary
        assert person.name not in summary
    assert content.development_area not in summary
