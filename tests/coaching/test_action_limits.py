"""Every text and list a person sends with an action has a limit, named when it is broken:
nothing they type can make a plan's history, its records or its certificate unbounded."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from coaching.actions import ApproveAlignment, ProposeActivities, RecordCheckIn
from coaching.validation import explain

ACTOR = "mia@example.com"
LONG = "x" * 4001


def check_in(**changes: Any) -> dict[str, Any]:
    return {
        "actor": ACTOR,
        "number": 1,
        "progress": [{"activity_id": "a1", "status": "in_progress"}],
        "support": [{"support_id": "s1", "delivered": True}],
        "feedback": "Steady progress.",
    } | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"adjustments": LONG}, "adjustments"),
        ({"progress": [{"activity_id": "a1", "status": "done", "note": LONG}]}, "progress[1].note"),
        ({"support": [{"support_id": "s1", "delivered": True, "note": LONG}]}, "support[1].note"),
        ({"progress": [{"activity_id": "a1", "status": "done"}] * 21}, "progress"),
        ({"support": [{"support_id": "s1", "delivered": True}] * 21}, "support"),
        ({"progress": [{"activity_id": "anything", "status": "done"}]}, "progress[1].activity_id"),
        ({"support": [{"support_id": "a1", "delivered": True}]}, "support[1].support_id"),
    ],
)
def test_a_check_in_beyond_its_limits_is_refused_by_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        RecordCheckIn.model_validate(check_in(**changes))
    (message,) = explain(refused.value)
    assert message.startswith(f"{field}:"), message


def test_a_check_in_at_its_limits_is_taken() -> None:
    action = RecordCheckIn.model_validate(check_in(adjustments="x" * 4000))
    assert len(action.adjustments) == 4000


def test_an_approval_comment_and_a_proposal_note_are_bounded() -> None:
    with pytest.raises(ValidationError) as refused:
        ApproveAlignment(actor=ACTOR, comment=LONG)
    assert explain(refused.value)[0].startswith("comment:")
    proposal = {"actor": ACTOR, "activities": [{"description": "Practise"}], "note": LONG}
    with pytest.raises(ValidationError) as refused:
        ProposeActivities.model_validate(proposal)
    assert explain(refused.value)[0].startswith("note:")
    with pytest.raises(ValidationError) as refused:
        ProposeActivities.model_validate(
            proposal | {"note": "", "activities": [{"id": "zz", "description": "Practise"}]}
        )
    assert explain(refused.value)[0].startswith("activities[1].id:")
