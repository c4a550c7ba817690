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

from tests.payload_keys import TEST_CONVERTER
from tests.workflows.running_plan import HISTORIES
from workflows.coaching_plan import CoachingPlanWorkflow

RECORDED = sorted(HISTORIES.glob("*.json"))


def test_the_happy_path_is_recorded() -> None:
    assert HISTORIES / "happy_path.json" in RECORDED


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(f"replay-{path.stem}", json.loads(path.read_text()))
    replayer = Replayer(workflows=[CoachingPlanWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
