"""The recorded whole life stays lean: what a standard plan costs Temporal, checked in."""

from __future__ import annotations

import json

from temporalio.client import WorkflowHistory

from tests.workflows.running_plan import HISTORIES


def test_the_recorded_happy_path_fits_in_300_events_and_100_kib() -> None:
    history = WorkflowHistory.from_json(
        "happy_path", json.loads((HISTORIES / "happy_path.json").read_text())
    )
    started = [e for e in history.events if e.HasField("workflow_task_started_event_attributes")]
    assert len(history.events) <= 300
    assert started[-1].workflow_task_started_event_attributes.history_size_bytes <= 100 * 1024
