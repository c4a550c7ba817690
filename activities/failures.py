"""Turns an integration's `IntegrationFailure` into what Temporal acts on.

A failure that goes away by itself stays retryable (with the pause the integration asks
for); one that needs a person to fix the setup is non-retryable and marked `NEEDS_A_FIX`,
so the workflow holds the plan and tries again later instead of failing or skipping the step.
"""

from __future__ import annotations

from typing import Any

from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from integrations.failures import IntegrationFailure

NEEDS_A_FIX = "needs-a-fix"
"""The first detail of an `ApplicationError` that only a change of the setup can clear."""


class IntegrationFailures(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ClassifiedFailures(next)


class _ClassifiedFailures(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except IntegrationFailure as failure:
            if failure.retryable:
                raise ApplicationError(
                    failure.message, type=failure.kind, next_retry_delay=failure.retry_after
                ) from None
            raise ApplicationError(
                failure.message, NEEDS_A_FIX, type=failure.kind, non_retryable=True
            ) from None
