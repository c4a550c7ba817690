"""Garbage through every Update of a running plan: each payload is refused with a message
naming the field and the rule, and the plan's state stays exactly as it was.

One plan on the time-skipping server serves every example. The tests are synchronous, as
hypothesis drives them, and run each call to completion on the session's event loop (where
the worker and the client live), which is otherwise idle while a synchronous test runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic_core
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from coaching import actions
from coaching.validation import explain
from tests.garbage import ACTION_EXAMPLES, EDGE_TEXT, broken
from tests.workflows.running_plan import STRANGER, RunningPlan

Result = TypeVar("Result")

UPDATES: dict[str, type[BaseModel]] = {
    "approve": actions.ApproveAlignment,
    "request_changes": actions.RequestChanges,
    "revise": actions.RevisePlan,
    "propose_activities": actions.ProposeActivities,
    "mark_ready": actions.MarkReady,
    "sign": actions.SignPlan,
    "decline": actions.DeclineToSign,
    "record_check_in": actions.RecordCheckIn,
    "move_check_in": actions.MoveCheckIn,
    "skip_check_in": actions.SkipCheckIn,
    "add_check_in_note": actions.AddCheckInNote,
    "submit_review": actions.SubmitReview,
    "comment_on_review": actions.CommentOnReview,
    "extend": actions.ExtendPlan,
    "cancel": actions.CancelPlan,
}
EXAMPLES: dict[str, dict[str, Any]] = {
    name: ACTION_EXAMPLES[model] for name, model in UPDATES.items() if model is not actions.SignPlan
} | {
    "sign": {
        key: value
        for key, value in ACTION_EXAMPLES[actions.SignRequest].items()
        if key != "consent_to_sign_electronically"
    }
}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(EDGE_TEXT),
)
json_garbage = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
"""What a script can put in a JSON payload: JSON has no NaN, infinities or 128-bit numbers."""


@dataclass
class Fuzzed:
    plan: RunningPlan
    loop: asyncio.AbstractEventLoop
    before: str

    def run(self, work: Coroutine[Any, Any, Result]) -> Result:
        return self.loop.run_until_complete(work)


@pytest.fixture
async def fuzzed(plan: RunningPlan) -> Fuzzed:
    await plan.settled()
    before = (await plan.status()).model_dump_json()
    return Fuzzed(plan, asyncio.get_running_loop(), before)


def as_the_workflow_reads_it(model: type[BaseModel], payload: Any) -> ValidationError | None:
    """What the worker's converter makes of the payload: JSON, read by the action's model;
    `null` and bytes travel in encodings of their own, and are handed over as they are."""
    try:
        if payload is None or isinstance(payload, bytes):
            model.model_validate(payload)
        else:
            model.model_validate_json(pydantic_core.to_json(payload))
    except ValidationError as error:
        return error
    return None


@st.composite
def garbage_updates(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(UPDATES)))
    payload = draw(st.one_of(broken(EXAMPLES[name], json_garbage), json_garbage))
    if as_the_workflow_reads_it(UPDATES[name], payload) is None and isinstance(payload, dict):
        # Still well formed: from a stranger, so that the plan refuses it all the same.
        payload = {**payload, "actor": STRANGER}
    return name, payload


@given(garbage_updates())
@example(("approve", None))
@example(("cancel", b"a reason, as bytes"))
@example(("sign", []))
def test_garbage_in_any_update_is_refused_by_field_and_changes_nothing(
    fuzzed: Fuzzed, update: tuple[str, Any]
) -> None:
    name, payload = update
    fuzzed.run(_refused_by_field(fuzzed, name, payload))


async def _refused_by_field(fuzzed: Fuzzed, name: str, payload: Any) -> None:
    plan = fuzzed.plan
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await plan.handle.execute_update(name, payload)
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    problem = as_the_workflow_reads_it(UPDATES[name], payload)
    if problem is None:
        assert cause.message == f"{STRANGER} is not a party to this coaching plan"
    else:
        assert cause.type == "InvalidInput"
        assert cause.message == "; ".join(explain(problem))
    assert (await plan.status()).model_dump_json() == fuzzed.before
