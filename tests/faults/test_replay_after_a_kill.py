"""A plan's history from `test_worker_killed.py` that a new worker could not go on with.

Recorded on 2026-11-26, before the lean history: the worker was killed while the plan closed;
the new worker, without the plan in its cache, took the review comment (an Update) together
with the workflow task before it, which had taken the result of a `record_plan` activity and
given no command (events 250-252). It ran the Update first, then the result: the comment
window's timer is cancelled (event 261) before the final document and the record are
scheduled. Every worker since replays the two tasks as two activations, runs the result first,
schedules the record first, and fails the plan's workflow task with "[TMPRL1100]
Nondeterminism error: Activity machine does not handle this event: HistoryEvent(id: 261,
TimerCanceled)". The plan is stuck for good: no workflow code replays both this history and
the same events taken by a warm worker. SDK Core's chunking is at fault (see
`tests/cold_worker.py`); plans started since the marked side steps leave no such empty task
after a step beside the story.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.cold_worker import as_a_cold_worker, updates_taken_with_the_task_before
from tests.payload_keys import TEST_CONVERTER
from workflows.coaching_plan import CoachingPlanWorkflow

HISTORY = Path(__file__).parent / "histories" / "killed_while_closing.json"
BEFORE_THE_MARKS = (
    Path(__file__).parent.parent / "histories" / "happy_path_before_marked_side_steps.json"
)


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


async def _replay(history: WorkflowHistory) -> BaseException | None:
    replayer = Replayer(workflows=[CoachingPlanWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure


async def test_a_plain_replay_of_it_still_meets_the_sdk_bug() -> None:
    """The day SDK Core replays this history as the cold worker ran it, this fails: then the
    plan can go on, and the marks may be reconsidered."""
    failure = await _replay(_history(HISTORY))
    assert failure is not None
    assert "Nondeterminism" in str(failure), str(failure)
    assert "id: 261, TimerCanceled" in str(failure), str(failure)


def test_the_new_worker_took_the_comment_with_the_empty_task_before_it() -> None:
    assert updates_taken_with_the_task_before(_history(HISTORY).events) == {
        "e46cbdb415c3479b85fef272ea72b13b": 251
    }


async def test_replayed_as_the_new_worker_ran_it_the_history_goes_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = _history(HISTORY)
    with as_a_cold_worker(monkeypatch, history.events):
        failure = await _replay(history)
    assert failure is None, str(failure)


async def test_a_lean_plan_without_the_marks_was_as_exposed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The approval of a lean plan recorded before the marks, had a cold worker taken it."""
    history = _history(BEFORE_THE_MARKS)
    assert updates_taken_with_the_task_before(history.events)
    with as_a_cold_worker(monkeypatch, history.events):
        failure = await _replay(history)
    assert failure is not None
    assert "Nondeterminism" in str(failure)
