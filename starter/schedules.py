"""The Temporal Schedules coachplan needs, created or brought up to date in one call.

`make run` (through `coachplan up`) and `coachplan schedules ensure` both call
`ensure_schedules`, so a fresh server and an upgraded one end with the same schedules.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from coaching.settings import Settings
from workflows.daily_sweep import DailySweepWorkflow, SweepRequest

DAILY_SWEEP_ID = "coachplan-daily-sweep"
DAILY_SWEEP_AT = ScheduleCalendarSpec(
    hour=(ScheduleRange(6),), minute=(ScheduleRange(0),), second=(ScheduleRange(0),)
)
"""Every day at 06:00 UTC: before the working day in Europe, after it in the Americas."""


@dataclass(frozen=True)
class EnsuredSchedule:
    schedule_id: str
    created: bool
    """False when it existed and was brought up to date."""
    description: str


def daily_sweep(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DailySweepWorkflow.run,
            SweepRequest(),
            id=DAILY_SWEEP_ID,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(calendars=[DAILY_SWEEP_AT]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, settings: Settings) -> list[EnsuredSchedule]:
    schedule = daily_sweep(settings)
    description = "daily sweep of every open plan's share list and check-ins, at 06:00 UTC"
    try:
        await client.create_schedule(DAILY_SWEEP_ID, schedule)
        created = True
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(DAILY_SWEEP_ID).update(replace)
        created = False
    return [EnsuredSchedule(DAILY_SWEEP_ID, created, description)]
