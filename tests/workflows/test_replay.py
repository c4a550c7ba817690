"""Every recorded history still replays, so a change that would break running plans fails here.

Record new ones with `COACHPLAN_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows`. Among
them: a step held for a fix of the setup, and a plan in Google Workspace that the daily sweep
told of a stranger's access and a declined check-in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.cold_worker import updates_taken_with_the_task_before
from tests.payload_keys import TEST_CONVERTER
from tests.workflows.running_plan import HISTORIES
from workflows.coaching_plan import CoachingPlanWorkflow
from workflows.plan_patches import MARKED_STEPS_PATCH, PARTIES_IN_STORE_PATCH

RECORDED = sorted(HISTORIES.glob("*.json"))


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", json.loads(path.read_text()))


def _patches(history: WorkflowHistory) -> set[str]:
    return {
        json.loads(payload.data)["id"]
        for event in history.events
        if event.marker_recorded_event_attributes.marker_name == "core_patch"
        for payload in event.marker_recorded_event_attributes.details["patch-data"].payloads
    }


MARKING = {MARKED_STEPS_PATCH, PARTIES_IN_STORE_PATCH}
"""The marks' patch and every later one, which holds it."""
MARKED = [p for p in RECORDED if MARKING & _patches(_history(p))]


def test_the_happy_path_is_recorded() -> None:
    assert HISTORIES / "happy_path.json" in RECORDED


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_recorded_history_replays(path: Path) -> None:
    history = _history(path)
    replayer = Replayer(workflows=[CoachingPlanWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None


def test_the_happy_path_is_recorded_with_marked_side_steps() -> None:
    assert HISTORIES / "happy_path.json" in MARKED


@pytest.mark.parametrize("path", MARKED, ids=[p.stem for p in MARKED])
def test_no_update_rides_with_an_empty_task_once_side_steps_leave_marks(path: Path) -> None:
    """A cold worker would run such an Update with that task's jobs, a replay apart from
    them (`tests/cold_worker.py`)."""
    assert updates_taken_with_the_task_before(_history(path).events) == {}
