"""A side effect that needs a fix of the setup holds the plan: the operator sees the failed
activity, HR sees why in the plan's record, and the step goes through once it is fixed,
without anyone telling the plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from coaching.actions import RequestChanges
from integrations import Integrations
from integrations.failures import IntegrationFailure
from integrations.local.mail import OutboxMailer
from integrations.mail import OutgoingMessage
from tests.workflows.running_plan import SKIP, RunningPlan, eventually, local_integrations
from workflows.activity_calls import RETRY_AFTER_A_FIX
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

FIX = "Google answered 403 insufficientPermissions while sending a message: grant the scope"


class MailboxWithoutPermission:
    """Refuses like Gmail refuses a mailbox the service account may not send as."""

    def __init__(self, folder: Path) -> None:
        self.broken = False
        self._outbox = OutboxMailer(folder)

    def send(self, message: OutgoingMessage) -> str:
        if self.broken:
            raise IntegrationFailure(FIX, kind="Google403", retryable=False)
        return self._outbox.send(message)


@pytest.fixture
def mailbox(tmp_path: Path) -> MailboxWithoutPermission:
    return MailboxWithoutPermission(tmp_path)


@pytest.fixture
def plan_integrations(
    tmp_path: Path, plan_store: Engine, mailbox: MailboxWithoutPermission
) -> Integrations:
    local = local_integrations(tmp_path, plan_store)
    return replace(local, mail=mailbox)


async def test_a_step_needing_a_fix_holds_the_plan_until_it_goes_through(
    plan: RunningPlan, mailbox: MailboxWithoutPermission
) -> None:
    mailbox.broken = True
    sent_before = len(plan.outbox())

    await plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment="Add a measure."))

    async def held() -> bool:
        return (await plan.status()).held_because == FIX

    await eventually(held)
    await plan.settled()
    assert len(plan.outbox()) == sent_before
    assert [(e.actor, e.kind, e.detail) for e in (await plan.status()).events][-1] == (
        "system",
        "held",
        FIX,
    )

    async def recorded() -> bool:
        return (await plan.stored()).plan.held_because == FIX

    await eventually(recorded)

    mailbox.broken = False
    await plan.advance(RETRY_AFTER_A_FIX)

    async def resumed() -> bool:
        return (await plan.status()).held_because is None

    await eventually(resumed)
    await plan.settled()
    assert len(plan.outbox()) == sent_before + 1
    status = await plan.status()
    assert status.events[-1].kind == "resumed"
    assert status.phase.value == "alignment"

    async def cleared() -> bool:
        return (await plan.stored()).plan.held_because is None

    await eventually(cleared)
    assert [line.action for line in (await plan.stored()).audit][-2:] == ["held", "resumed"]
    await plan.keep_history("held_for_a_fix")


async def test_a_step_held_for_a_fix_is_tried_again_until_it_works(
    plan: RunningPlan, mailbox: MailboxWithoutPermission
) -> None:
    """Nothing is skipped: each retry still fails while the setup is broken."""
    mailbox.broken = True
    await plan.act(Plan.request_changes, RequestChanges(actor=SKIP.email, comment="Add a measure."))
    await plan.settled()

    await plan.advance(RETRY_AFTER_A_FIX * 3)
    await plan.settled()

    status = await plan.status()
    assert status.held_because == FIX
    assert [e.kind for e in status.events].count("held") == 1
