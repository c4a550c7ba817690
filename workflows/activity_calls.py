"""How the workflows call activities: one place for timeouts and retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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


@overload
async def act(
    activity: Callable[[Any, ActivityInput], Awaitable[ActivityOutput]], argument: ActivityInput
) -> ActivityOutput: ...


@overload
async def act(
    activity: Callable[[Any, ActivityInput], ActivityOutput], argument: ActivityInput
) -> ActivityOutput: ...


async def act(activity: Callable[[Any, ActivityInput], Any], argument: ActivityInput) -> Any:
    """Activities retry until they succeed, unless they say the failure is permanent."""
    return await workflow.execute_activity_method(
        activity,
        argument,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
    )


def _nothing(result: Any) -> None:
    return None


class HeldSteps:
    """Side effects that need a fix of the setup (a missing Google Workspace permission, say)
    wait beside the plan's story instead of failing it or stopping it.

    The person whose action caused the step gets their answer at once; `held` is told what
    to fix (HR reads it in the plan's record, operators see the failed activity in the
    Temporal UI); the step is tried again every `RETRY_AFTER_A_FIX`, in the order the steps
    were held, and `held(None)` once none is left. Nothing is skipped.
    """

    def __init__(self, held: Callable[[str | None], None]) -> None:
        self._held = held
        self._waiting: list[asyncio.Task[None]] = []

    async def run(
        self,
        activity: Callable[[Any, ActivityInput], ActivityOutput],
        argument: ActivityInput,
        then: Callable[[ActivityOutput], None] = _nothing,
    ) -> None:
        """Runs the activity, then `then` with its result, now or once the setup is fixed."""
        try:
            result = await act(activity, argument)
        except ActivityError as error:
            self._hold(error)
            self._waiting.append(asyncio.create_task(self._retry(activity, argument, then)))
            return
        then(result)

    async def finish(self) -> None:
        """Waits for every held step: a plan ends only once all of them went through."""
        await workflow.wait_condition(lambda: all(task.done() for task in self._waiting))
        await asyncio.gather(*self._waiting)

    async def _retry(
        self,
        activity: Callable[[Any, ActivityInput], ActivityOutput],
        argument: ActivityInput,
        then: Callable[[ActivityOutput], None],
    ) -> None:
        while True:
            await workflow.sleep(RETRY_AFTER_A_FIX)
            try:
                result = await act(activity, argument)
                break
            except ActivityError as error:
                self._hold(error)
        then(result)
        if sum(not task.done() for task in self._waiting) <= 1:
            self._held(None)

    def _hold(self, error: ActivityError) -> None:
        cause = error.cause
        if not (isinstance(cause, ApplicationError) and cause.details[:1] == (NEEDS_A_FIX,)):
            raise error
        workflow.logger.warning("held until the setup is fixed: %s", cause.message)
        self._held(cause.message)
