"""How the workflows call activities: one place for timeouts and retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

ActivityInput = TypeVar("ActivityInput")
ActivityOutput = TypeVar("ActivityOutput")


async def act(
    activity: Callable[[Any, ActivityInput], ActivityOutput], argument: ActivityInput
) -> ActivityOutput:
    """Activities retry until they succeed, unless they say the failure is permanent."""
    return await workflow.execute_activity_method(
        activity,
        argument,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
    )
