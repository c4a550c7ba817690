"""The recorded whole life stays lean: what a standard plan costs Temporal, checked in."""

from __future__ import annotations

import json
from typing import Any

from temporalio.client import WorkflowHistory

from tests.payload_keys import TEST_CONVERTER
from tests.workflows.running_plan import HISTORIES


def test_the_recorded_happy_path_fits_in_300_events_and_100_kib() -> None:
    history = WorkflowHistory.from_json(
        "happy_path", json.loads((HISTORIES / "happy_path.json").read_text())
    )
    started = [e for e in history.events if e.HasField("workflow_task_started_event_attributes")]
    assert len(history.events) <= 300
    assert started[-1].workflow_task_started_event_attributes.history_size_bytes <= 100 * 1024


async def test_documents_notices_and_certificates_leave_the_parties_to_hr_store() -> None:
    """The parties travel once, in the plan's start; the activities read them from HR's
    store (a plan's parties never change)."""
    history = WorkflowHistory.from_json(
        "happy_path", json.loads((HISTORIES / "happy_path.json").read_text())
    )
    asked: list[dict[str, Any]] = []
    for event in history.events:
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name not in ("carry_out_effects", "seal_certificate"):
            continue
        [payload] = await TEST_CONVERTER.payload_codec.decode(scheduled.input.payloads)
        request = json.loads(payload.data)
        if scheduled.activity_type.name == "seal_certificate":
            asked.append(request)
        for effect in request.get("effects", []):
            asked.extend(effect[key] for key in ("order", "notice") if key in effect)

    assert len(asked) > 20
    assert all("parties" not in request for request in asked)
