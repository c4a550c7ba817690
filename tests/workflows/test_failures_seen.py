"""What people see of an integration's failures, beside what `test_held_for_a_fix.py` and
`tests/activities/test_failures.py` prove of the plan and of the classification.

A passing failure (a rate limit, a 5xx) is retried by Temporal while the operator sees the
attempts and the service's words on the pending activity; it then goes through once, and the
plan is never held. A failure that needs a fix of the setup is not retried by Temporal: it
fails at its first attempt, and the operator reads the same words as HR in the activity's
failure in the plan's history (decrypted by the codec endpoint, as the Temporal UI shows it).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from coaching.actions import RequestChanges
from integrations import Integrations
from integrations.failures import IntegrationFailure
from integrations.local.mail import OutboxMailer
from integrations.mail import OutgoingMessage
from tests.workflows.running_plan import SKIP, RunningPlan, eventually, local_integrations
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

BUSY = "Gmail answered 429 rateLimitExceeded while sending a message"
FIX = "Google answered 403 insufficientPermissions while sending a message: grant the scope"


class FailingMailbox:
    """Gmail as it fails: `busy` passing refusals before each message goes out, or `broken`
    until someone fixes the setup."""

    def __init__(self, folder: Path) -> None:
        self.busy = 0
        self.broken = False
        self.refused = 0
        self._outbox = OutboxMailer(folder)

    def send(self, message: OutgoingMessage) -> str:
        if self.broken:
            self.refused += 1
            raise IntegrationFailure(FIX, kind="Google403", retryable=False, status=403)
        if self.busy:
            self.busy -= 1
            self.refused += 1
            raise IntegrationFailure(
                BUSY, kind="Google429", retryable=True, retry_after=timedelta(seconds=1)
            )
        return self._outbox.send(message)


async def operator_reads(plan: RunningPlan, failure: Failure) -> str:
    """A failure's message as the Temporal UI shows it through the codec endpoint: failures
    keep their message in an encrypted payload (coaching/converter.py)."""
    decoded = await plan.env.client.data_converter.decode_failure(failure)
    return str(decoded.message if isinstance(decoded, ApplicationError) else decoded)


@pytest.fixture
def mailbox(tmp_path: Path) -> FailingMailbox:
    return FailingMailbox(tmp_path)


@pytest.fixture
def plan_integrations(tmp_path: Path, plan_store: Engine, mailbox: FailingMailbox) -> Integrations:
    return replace(local_integrations(tmp_path, plan_store), mail=mailbox)


async def test_a_passing_failure_is_retried_in_view_of_the_operator_and_goes_out_once(
    plan: RunningPlan, mailbox: FailingMailbox
) -> None:
    mailbox.busy = 3
    sent_before = len(plan.outbox())

    answer = asyncio.create_task(
        plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment="Add a measure."))
    )

    async def retrying_in_view() -> bool:
        for pending in (await plan.describe()).pending_activities:
            if pending.activity_type.name == "carry_out_effects" and pending.attempt > 1:
                return await operator_reads(plan, pending.last_failure) == BUSY
        return False

    await eventually(retrying_in_view)
    await answer
    await plan.settled()

    assert mailbox.refused == 3
    assert len(plan.outbox()) == sent_before + 1, "sent once, after the refusals"
    status = await plan.status()
    assert status.held_because is None
    assert "held" not in [e.kind for e in status.events]
    assert (await plan.stored()).plan.held_because is None


async def test_a_failure_needing_a_fix_fails_at_once_with_its_words_in_the_history(
    plan: RunningPlan, mailbox: FailingMailbox
) -> None:
    mailbox.broken = True

    await plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment="Add a measure."))

    async def held() -> bool:
        return (await plan.status()).held_because == FIX

    await eventually(held)
    await plan.settled()
    assert mailbox.refused == 1, "not retried by Temporal: the plan holds it"

    history = await plan.handle.fetch_history()
    failed = [
        event.activity_task_failed_event_attributes.failure
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
    ]
    kinds = [
        (f.application_failure_info.type, f.application_failure_info.non_retryable) for f in failed
    ]
    assert kinds == [("Google403", True)], "one attempt, final"
    assert FIX not in str(failed[0]), "the words travel encrypted, like every payload"
    assert await operator_reads(plan, failed[0]) == FIX

    async def recorded_for_hr() -> bool:
        return (await plan.stored()).plan.held_because == FIX

    await eventually(recorded_for_hr)
