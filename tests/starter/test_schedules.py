"""`coachplan schedules ensure`: the daily sweep's Schedule on a real dev server, created once
and brought up to date after that; the sweep it starts runs over the open plans."""

from __future__ import annotations

import contextlib

from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy
from temporalio.service import RPCError

from starter.schedules import DAILY_SWEEP_AT, DAILY_SWEEP_ID
from tests.starter.cli_runner import Cli
from tests.workflows.running_plan import eventually
from workflows.daily_sweep import SweepSummary


async def test_the_daily_sweep_is_scheduled_once_and_kept_up_to_date(cli: Cli) -> None:
    handle = cli.client.get_schedule_handle(DAILY_SWEEP_ID)
    with contextlib.suppress(RPCError):
        await handle.delete()

    first = await cli("schedules", "ensure")
    again = await cli("schedules", "ensure")

    assert first.code == 0, first
    assert f"{DAILY_SWEEP_ID}: created: daily sweep" in first.out
    assert again.code == 0, again
    assert f"{DAILY_SWEEP_ID}: up to date" in again.out
    described = await handle.describe()
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "DailySweepWorkflow"
    assert action.task_queue == cli.settings.task_queue
    assert described.schedule.spec.calendars == [DAILY_SWEEP_AT]
    assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP


async def test_a_triggered_sweep_goes_over_the_open_plans(cli: Cli) -> None:
    plan_id = await cli.start()
    await cli("schedules", "ensure")
    handle = cli.client.get_schedule_handle(DAILY_SWEEP_ID)

    await handle.trigger()

    async def started() -> bool:
        return bool((await handle.describe()).info.recent_actions)

    await eventually(started, seconds=20)
    [run] = (await handle.describe()).info.recent_actions[-1:]
    sweep = cli.client.get_workflow_handle(run.action.workflow_id, result_type=SweepSummary)
    summary = await sweep.result()
    assert summary.plans >= 1, f"plan {plan_id} is open and swept"
    assert summary.readers_removed == 0
