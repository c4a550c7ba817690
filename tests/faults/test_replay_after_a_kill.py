"""A plan's history from `test_worker_killed.py` that a new worker could not go on with.

Recorded on 2026-11-26: the worker was killed while the plan closed; the new worker took the
review comment (an Update) after a timed-out workflow task, and every worker since fails the
plan's workflow task with "[TMPRL1100] Nondeterminism error: Activity machine does not handle
this event: HistoryEvent(id: 261, TimerCanceled)": in the history the Update's task cancels the
comment window's timer before it schedules the final document; replayed, the order differs.
The plan is stuck for good. Once fixed, this passes, and the strict xfail says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.payload_keys import TEST_CONVERTER
from workflows.coaching_plan import CoachingPlanWorkflow

HISTORY = Path(__file__).parent / "histories" / "killed_while_closing.json"


@pytest.mark.xfail(
    strict=True,
    reason="replaying an Update that cancels a timer orders commands differently (issue 11)",
)
async def test_a_plan_killed_while_closing_replays() -> None:
    history = WorkflowHistory.from_json("killed-while-closing", json.loads(HISTORY.read_text()))
    replayer = Replayer(workflows=[CoachingPlanWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, str(result.replay_failure)
