"""The start form: friendly defaults in, a valid PlanContent out, or errors that name fields."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from coaching.form import ALIGNMENT_DAYS, PlanForm
from coaching.org import OrgDirectory
from coaching.plan import Role, SupportKind
from coaching.validation import explain

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 2)


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "team_member": "Kwame.Mensah@example.com",
        "development_area": "Writing design documents",
        "current_state": "Ideas are shared in chat, rarely written down.",
        "goal": {
            "specific": "Write and review the retry service design",
            "measure": "Design review outcome",
            "target": "Approved by two reviewers",
        },
        "activities": [
            {"description": "Read two past design docs"},
            {"description": "Draft the design", "due": date(2026, 3, 20)},
        ],
        "support": [
            {"kind": "meeting", "description": "Weekly office hour"},
            {"kind": "tool", "description": "Design template access"},
        ],
        "timeline": {"start": date(2026, 3, 9)},
        "cadence": {"weekday": "thursday", "time": "10:30", "time_zone": "Europe/Berlin"},
    }
    data.update(changes)
    return data


def errors_of(data: dict[str, Any], today: date = TODAY) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        PlanForm.model_validate(data).to_content(today)
    return explain(raised.value)


def test_defaults_start_a_week_out_and_last_thirty_days() -> None:
    content = PlanForm.model_validate(form_data(timeline={})).to_content(TODAY)

    start = TODAY + timedelta(days=ALIGNMENT_DAYS)
    assert content.timeline.start == start
    assert content.timeline.end == start + timedelta(days=30)
    assert content.goal.achieve_by == content.timeline.end


def test_timeline_may_be_left_out_entirely() -> None:
    data = form_data()
    del data["timeline"]
    del data["activities"][1]["due"]

    content = PlanForm.model_validate(data).to_content(TODAY)

    assert content.timeline.start == TODAY + timedelta(days=ALIGNMENT_DAYS)


def test_given_dates_are_kept() -> None:
    data = form_data(timeline={"start": date(2026, 3, 9), "end": date(2026, 4, 3)})
    data["goal"]["achieve_by"] = date(2026, 4, 1)

    content = PlanForm.model_validate(data).to_content(TODAY)

    assert (content.timeline.start, content.timeline.end) == (date(2026, 3, 9), date(2026, 4, 3))
    assert content.goal.achieve_by == date(2026, 4, 1)


def test_items_are_numbered_and_proposed_by_the_manager() -> None:
    content = PlanForm.model_validate(form_data()).to_content(TODAY)

    assert [a.id for a in content.activities] == ["a1", "a2"]
    assert [s.id for s in content.support] == ["s1", "s2"]
    assert {a.proposed_by for a in content.activities} == {Role.manager}
    assert content.activities[1].due == date(2026, 3, 20)
    assert content.support[0].kind is SupportKind.meeting


def test_team_member_email_is_normalised() -> None:
    assert PlanForm.model_validate(form_data()).team_member == "kwame.mensah@example.com"


def test_start_today_is_allowed() -> None:
    content = PlanForm.model_validate(form_data(timeline={"start": TODAY})).to_content(TODAY)

    assert content.timeline.start == TODAY


def test_past_start_is_refused_naming_the_field() -> None:
    lines = errors_of(form_data(timeline={"start": TODAY - timedelta(days=1)}))

    assert len(lines) == 1
    assert lines[0].startswith("timeline.start: must not be before today (2026-03-02)")


def test_goal_outside_the_timeline_is_refused() -> None:
    data = form_data()
    data["goal"]["achieve_by"] = date(2026, 5, 1)

    assert errors_of(data) == [
        "goal.achieve_by (2026-05-01) must be inside the timeline (2026-03-09 to 2026-04-08)"
    ]


def test_activity_due_outside_the_timeline_is_refused() -> None:
    data = form_data()
    data["activities"][1]["due"] = date(2026, 3, 1)

    [line] = errors_of(data)
    assert line.startswith("activity a2 is due 2026-03-01, outside the timeline")


def test_shape_errors_name_each_field() -> None:
    data = form_data(activites=[], support=[])
    del data["goal"]["measure"]
    data["cadence"]["time_zone"] = "Mars/Base"
    data["cadence"]["weekday"] = "someday"

    with pytest.raises(ValidationError) as raised:
        PlanForm.model_validate(data)
    lines = explain(raised.value)

    assert "goal.measure: is required" in lines
    assert "activites: is not a known field (check the spelling)" in lines
    assert "support: needs at least one item" in lines
    assert any(line.startswith("cadence.weekday: 'someday' is not one of") for line in lines)
    assert any(
        line.startswith("cadence.time_zone: 'Mars/Base' is not a known IANA time zone")
        for line in lines
    )
    assert len(lines) == 5


def test_list_items_are_counted_from_one() -> None:
    data = form_data()
    data["activities"][1]["description"] = "no"

    with pytest.raises(ValidationError) as raised:
        PlanForm.model_validate(data)

    assert explain(raised.value) == ["activities[2].description: must be at least 3 characters"]


def test_yaml_reads_an_unquoted_time_as_a_time() -> None:
    text = """
team_member: kwame.mensah@example.com
development_area: Writing design documents
current_state: Ideas are shared in chat.
goal: {specific: Write the design, measure: Review outcome, target: 2}
activities: [{description: Draft the design}]
support: [{kind: manager_assistance, description: Reviews within two days}]
cadence: {weekday: friday, time: 9:45, time_zone: America/New_York}
"""
    form = PlanForm.parse_yaml(text)

    assert form.cadence.time == time(9, 45)
    assert form.goal.target == "2"


def test_example_form_loads_and_resolves_against_the_example_org() -> None:
    form = PlanForm.load(ROOT / "examples" / "plan.yaml")
    org = OrgDirectory.load(ROOT / "examples" / "org.yaml")
    manager_id = org.by_email(form.team_member).manager
    assert manager_id is not None
    manager = org.by_id(manager_id)

    content = form.to_content(date.today())
    parties = org.parties_for(manager.email, form.team_member)

    assert form.timeline.start is None, "a fixed start date would go stale"
    assert content.timeline.start == date.today() + timedelta(days=ALIGNMENT_DAYS)
    assert content.cadence.time_zone == "Europe/Berlin"
    assert 3 <= len(content.activities) <= 4
    assert len({s.kind for s in content.support}) == 3
    assert parties.team_member.email == form.team_member
    assert parties.skip_level.id == manager.manager
