"""The daily sweep with the local integrations: someone added to a plan's sharing record by
hand loses access again, HR reads it in the audit log, and a quiet day changes nothing."""

from __future__ import annotations

import json
import uuid

from tests.workflows.running_plan import STRANGER, RunningPlan
from workflows.daily_sweep import DailySweepWorkflow, SweepRequest, SweepSummary


async def sweep(plan: RunningPlan, page_size: int = 100) -> SweepSummary:
    task_queue = (await plan.describe()).execution_config.task_queue.name
    return await plan.env.client.execute_workflow(
        DailySweepWorkflow.run,
        SweepRequest(page_size=page_size),
        id=f"sweep-{uuid.uuid4()}",
        task_queue=task_queue,
    )


def add_reader_by_hand(plan: RunningPlan, email: str) -> None:
    path = plan.data_dir / "documents" / plan.plan_id / "sharing.json"
    sharing = json.loads(path.read_text())
    latest = max(sharing["versions"], key=int)
    sharing["versions"][latest].append(email)
    path.write_text(json.dumps(sharing))


async def test_a_reader_added_by_hand_is_removed_and_audited(plan: RunningPlan) -> None:
    add_reader_by_hand(plan, STRANGER)

    summary = await sweep(plan)
    await plan.settled()

    assert summary == SweepSummary(plans=1, readers_removed=1, check_ins_declined=0)
    assert STRANGER not in plan.shared_with(1)
    status = await plan.status()
    assert (status.events[-1].kind, status.events[-1].detail) == (
        "access_removed",
        f"Not a party, removed from the document: {STRANGER}",
    )


async def test_a_quiet_day_adds_nothing_to_the_plan(plan: RunningPlan) -> None:
    await plan.settled()
    events = len((await plan.status()).events)
    history = len([e async for e in plan.handle.fetch_history_events()])

    # Time stands still, so the plan's own reminder cannot fire while the sweep runs.
    with plan.env.auto_time_skipping_disabled():
        summary = await sweep(plan, page_size=1)
        await plan.settled()

    assert summary == SweepSummary(plans=1)
    assert len((await plan.status()).events) == events
    assert len([e async for e in plan.handle.fetch_history_events()]) == history
