"""How the workflows call activities: one place for timeouts and retries."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, overload

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.failures import NEEDS_A_FIX

ActivityInput = TypeVar("ActivityInput")
ActivityOutput = TypeVar("ActivityOutput")

RETRY_AFTER_A_FIX = timedelta(minutes=15)
"""How often a step held for a fix of the setup is tried again: nobody has to tell the plan."""


@dataclass(frozen=True)
class CallPolicy:
    """How long one kind of activity may take and how it is retried, written once per kind.

    A worker that dies mid-activity is noticed by the heartbeat timeout where there is one,
    else by the start-to-close timeout: either way in seconds, so a person waiting on the
    step waits seconds, not a minute."""

    start_to_close: timedelta
    retry: RetryPolicy
    heartbeat: timedelta | None = None


HR_STORE = CallPolicy(
    start_to_close=timedelta(seconds=10),
    retry=RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
    ),
)
"""One write to HR's database: milliseconds when it is up; retried until it is back."""
HR_STORE_AT_ONCE = CallPolicy(
    start_to_close=timedelta(seconds=5),
    retry=RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_attempts=3),
)
"""The same write as a local activity, tried a few times within the workflow task. A local
activity that kept retrying would add workflow tasks to the history while the database is
down, so the caller moves the write to an activity with `HR_STORE` instead."""
THE_WORLD = CallPolicy(
    start_to_close=timedelta(minutes=2),
    heartbeat=timedelta(seconds=10),
    retry=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
"""Documents, invites and messages: milliseconds on local files, seconds and several calls on
Google Workspace, with a heartbeat after each part and every two seconds."""
SEALING = CallPolicy(
    start_to_close=timedelta(minutes=2),
    heartbeat=timedelta(seconds=10),
    retry=RetryPolicy(maximum_interval=timedelta(seconds=10)),
)
"""A certificate: read from HR's store, rendered, sealed (perhaps with a time-stamping
server's answer) and stored beside the document; long steps, beating all along. Retried
often: what it mostly waits for is HR's store catching up with the plan."""
SWEEP = CallPolicy(
    start_to_close=timedelta(minutes=1),
    retry=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
"""The daily sweep's pages of open plans, and each plan's document and series looked over:
nobody waits on it, and one plan's look may take several calls."""


@overload
async def act(
    activity: Callable[[Any, ActivityInput], Awaitable[ActivityOutput]],
    argument: ActivityInput,
    policy: CallPolicy = ...,
) -> ActivityOutput: ...


@overload
async def act(
    activity: Callable[[Any, ActivityInput], ActivityOutput],
    argument: ActivityInput,
    policy: CallPolicy = ...,
) -> ActivityOutput: ...


async def act(
    activity: Callable[[Any, ActivityInput], Any],
    argument: ActivityInput,
    policy: CallPolicy = THE_WORLD,
) -> Any:
    """Activities retry until they succeed, unless they say the failure is permanent."""
    return await workflow.execute_activity_method(
        activity,
        argument,
        start_to_close_timeout=policy.start_to_close,
        heartbeat_timeout=policy.heartbeat,
        retry_policy=policy.retry,
    )


async def act_locally(
    activity: Callable[[Any, ActivityInput], ActivityOutput],
    argument: ActivityInput,
    policy: CallPolicy = HR_STORE_AT_ONCE,
) -> ActivityOutput:
    """A local activity: it runs inside the workflow task, and its input never enters the
    history (only a marker with its result does). For short writes to HR's own store."""
    return await workflow.execute_local_activity_method(
        activity,
        argument,
        start_to_close_timeout=policy.start_to_close,
        retry_policy=policy.retry,
    )


def _nothing(result: Any) -> None:
    return None


class StepMarks:
    """A step beside the plan's story (a batch of effects, a certificate, a record written
    late) leaves a mark in the plan's memo as it goes through: how many of its kind have, so
    the workflow task that took its result is never empty.

    SDK Core (temporalio 1.35) takes an empty workflow task and an Update scheduled right after
    it as one activation on a worker that does not have the plan in its cache, but as two on
    replay: the Update's commands came out in another order, and no later worker could go on
    with the plan (temporalio/sdk-python#1591, `tests/faults/test_replay_after_a_kill.py`)."""

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled
        self._through: Counter[str] = Counter()

    def went_through(self, step: Callable[..., Any]) -> None:
        if self._enabled:
            name = step.__name__
            self._through[name] += 1
            workflow.upsert_memo({name: self._through[name]})


class HeldSteps:
    """Side effects that need a fix of the setup (a missing Google Workspace permission, say)
    wait beside the plan's story instead of failing it or stopping it.

    The person whose action caused the step gets their answer at once; `held` is told what
    to fix (HR reads it in the plan's record, operators see the failed activity in the
    Temporal UI); the step is tried again every `RETRY_AFTER_A_FIX`, in the order the steps
    were held, and `held(None)` once none is left. Nothing is skipped.
    """

    def __init__(self, held: Callable[[str | None], None], marks: StepMarks) -> None:
        self._held = held
        self._marks = marks
        self._waiting: list[asyncio.Task[None]] = []

    async def run(
        self,
        activity: Callable[[Any, ActivityInput], ActivityOutput],
        argument: ActivityInput,
        then: Callable[[ActivityOutput], None] = _nothing,
        policy: CallPolicy = THE_WORLD,
    ) -> None:
        """Runs the activity, then `then` with its result, now or once the setup is fixed."""
        try:
            result = await act(activity, argument, policy)
        except ActivityError as error:
            self._hold(error)
            self._waiting.append(asyncio.create_task(self._retry(activity, argument, then, policy)))
            return
        then(result)
        self._marks.went_through(activity)

    async def finish(self) -> None:
        """Waits for every held step: a plan ends only once all of them went through."""
        await workflow.wait_condition(lambda: all(task.done() for task in self._waiting))
        await asyncio.gather(*self._waiting)

    async def _retry(
        self,
        activity: Callable[[Any, ActivityInput], ActivityOutput],
        argument: ActivityInput,
        then: Callable[[ActivityOutput], None],
        policy: CallPolicy,
    ) -> None:
        while True:
            await workflow.sleep(RETRY_AFTER_A_FIX)
            try:
                result = await act(activity, argument, policy)
                break
            except ActivityError as error:
                self._hold(error)
        then(result)
        self._marks.went_through(activity)
        if sum(not task.done() for task in self._waiting) <= 1:
            self._held(None)

    def _hold(self, error: ActivityError) -> None:
        cause = error.cause
        if not (isinstance(cause, ApplicationError) and cause.details[:1] == (NEEDS_A_FIX,)):
            raise error
        workflow.logger.warning("held until the setup is fixed: %s", cause.message)
        self._held(cause.message)
