"""What changed between two versions reads part by part, items matched by their id."""

from __future__ import annotations

from datetime import date

from coaching.plan import ActivityStatus, PlanContent
from coaching.version_diff import ChangeKind, diff_contents
from tests.workflows.running_plan import plan_content

START = date(2026, 12, 3)


def changed(content: PlanContent, **updates: object) -> PlanContent:
    return PlanContent.model_validate({**content.model_dump(), **updates})


def test_identical_versions_have_no_changes() -> None:
    assert diff_contents(plan_content(START), plan_content(START)) == []


def test_an_edited_text_shows_the_words_that_changed() -> None:
    before = plan_content(START)
    after = changed(before, development_area="Written stakeholder communication")

    (change,) = diff_contents(before, after)

    assert change.part == "Development area"
    assert change.kind is ChangeKind.changed
    assert [(w.text, w.kind) for w in change.words] == [
        ("Stakeholder", ChangeKind.removed),
        ("Written stakeholder", ChangeKind.added),
        ("communication", None),
    ]


def test_an_added_and_a_dropped_activity_are_one_line_each() -> None:
    before = plan_content(START)
    activities = [
        before.activities[0].model_dump(),
        {
            "id": "a3",
            "description": "Run a dry-run update with a peer",
            "proposed_by": "team_member",
        },
    ]

    changes = diff_contents(before, changed(before, activities=activities))

    assert [(c.part, c.kind) for c in changes] == [
        ("Activity a2", ChangeKind.removed),
        ("Activity a3", ChangeKind.added),
    ]
    assert changes[1].after == "Run a dry-run update with a peer"


def test_a_status_change_reads_in_words() -> None:
    before = plan_content(START)
    first = before.activities[0].model_copy(update={"status": ActivityStatus.in_progress})

    (change,) = diff_contents(before, changed(before, activities=[first, before.activities[1]]))

    assert change.part == "Activity a1: status"
    assert (change.before, change.after) == ("planned", "in progress")
