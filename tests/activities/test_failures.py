"""The worker turns an integration's failure into what Temporal acts on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput

from activities.failures import NEEDS_A_FIX, IntegrationFailures
from integrations.failures import IntegrationFailure


class Failing(ActivityInboundInterceptor):
    def __init__(self, failure: Exception) -> None:
        self._failure = failure

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        raise self._failure


async def run(failure: Exception) -> ApplicationError:
    interceptor = IntegrationFailures().intercept_activity(Failing(failure))
    with pytest.raises(ApplicationError) as raised:
        await interceptor.execute_activity(None)  # type: ignore[arg-type]
    return raised.value


async def test_a_passing_failure_is_retried_after_the_pause_it_asks_for() -> None:
    error = await run(
        IntegrationFailure(
            "slow down",
            kind="GoogleSharingRateLimited",
            retryable=True,
            retry_after=timedelta(minutes=5),
        )
    )

    assert not error.non_retryable
    assert error.type == "GoogleSharingRateLimited"
    assert error.next_retry_delay == timedelta(minutes=5)


async def test_a_failure_that_needs_a_fix_is_final_and_marked() -> None:
    error = await run(IntegrationFailure("grant the scope", kind="Google403", retryable=False))

    assert error.non_retryable
    assert error.type == "Google403"
    assert error.message == "grant the scope"
    assert error.details == (NEEDS_A_FIX,)


async def test_other_errors_pass_unchanged() -> None:
    interceptor = IntegrationFailures().intercept_activity(Failing(KeyError("bug")))
    with pytest.raises(KeyError):
        await interceptor.execute_activity(None)  # type: ignore[arg-type]
