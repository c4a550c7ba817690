"""An Update's answer is the truth: whoever acts right after it is judged by the new phase.

The plan's documents and messages here take real seconds when a test says so, as a busy
document service or mail server would, so the side effects that follow a move are still
running when the next person acts. Nobody may be refused because of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from coaching.actions import (
    ActivityDraft,
    ApproveAlignment,
    CancelPlan,
    DeclineToSign,
    ExtendPlan,
    MarkReady,
    ProposeActivities,
)
from coaching.notices import NoticeKind
from coaching.plan import Role
from coaching.status import Outcome, Phase
from integrations import Integrations
from integrations.documents import RenderedDocument
from integrations.local.documents import LocalDocumentStore
from integrations.local.mail import OutboxMailer
from integrations.mail import OutgoingMessage
from tests.outbox import text_of
from tests.workflows.running_plan import (
    HR,
    MANAGER,
    MEMBER,
    SKIP,
    RunningPlan,
    eventually,
    local_integrations,
)
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

BUSY = 1.5
"""Real seconds a busy integration takes: far longer than a person's next click here."""


@dataclass
class Slowdown:
    """Real seconds each document render and each message takes; none until a test says."""

    documents: float = 0
    mail: float = 0


class SlowDocuments(LocalDocumentStore):
    def __init__(self, root: Path, slowdown: Slowdown) -> None:
        super().__init__(root)
        self._slowdown = slowdown

    def publish(self, document: RenderedDocument) -> str:
        time.sleep(self._slowdown.documents)
        return super().publish(document)


class SlowMail(OutboxMailer):
    def __init__(self, root: Path, slowdown: Slowdown) -> None:
        super().__init__(root)
        self._slowdown = slowdown

    def send(self, message: OutgoingMessage) -> str:
        time.sleep(self._slowdown.mail)
        return super().send(message)


@pytest.fixture
def slowdown() -> Slowdown:
    return Slowdown()


@pytest.fixture
def plan_integrations(tmp_path: Path, plan_store: Engine, slowdown: Slowdown) -> Integrations:
    local = local_integrations(tmp_path, plan_store)
    return replace(
        local, documents=SlowDocuments(tmp_path, slowdown), mail=SlowMail(tmp_path, slowdown)
    )


async def test_the_team_member_proposes_as_soon_as_the_skip_level_approves(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    slowdown.documents = BUSY
    approved = await plan.act(Plan.approve, ApproveAlignment(actor=SKIP.email, comment="Go."))
    assert approved.phase is Phase.co_authoring
    proposed = await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[ActivityDraft(id="a1", description="Draft an update template together")],
            note="Start with the template",
        ),
    )
    assert (proposed.phase, proposed.version) == (Phase.co_authoring, 2)

    await plan.settled()
    status = await plan.status()
    assert status.ready == [Role.team_member], "the story must not undo what people did"
    assert [o.role for o in status.owed] == [Role.manager]
    assert MEMBER.email in plan.shared_with(2)


async def test_signing_opens_as_the_second_ready_answers(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    await plan.align()
    slowdown.documents = BUSY
    await plan.act(Plan.mark_ready, MarkReady(actor=MANAGER.email, version=1))
    both = await plan.act(Plan.mark_ready, MarkReady(actor=MEMBER.email, version=1))
    assert both.phase is Phase.signing
    await plan.sign_by(MANAGER)
    status = await plan.status()
    assert [(s.role, s.version) for s in status.signatures] == [(Role.manager, 1)]
    assert [o.role for o in status.owed] == [Role.team_member]


async def test_the_last_signature_makes_the_plan_active_at_once(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    slowdown.documents = BUSY
    await plan.align()
    await plan.agree()
    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.status()
    assert status.phase is Phase.active
    assert status.check_ins
    assert status.review_due_at is not None
    signing = [e.kind for e in status.events][-5:]
    assert signing == ["consented", "signed", "consented", "signed", "active"]

    slowdown.documents = 0
    await plan.received(HR, "signed and active")
    await plan.settled()
    assert (plan.data_dir / "invites" / f"{plan.plan_id}.ics").exists()
    assert plan.mail_to(MEMBER, "ready to shape together") == []
    assert plan.notices_to(MEMBER, NoticeKind.signing_requested) == [], "nobody is asked twice"


async def test_the_team_member_proposes_as_soon_as_they_decline(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    await plan.align()
    await plan.agree()
    await plan.sign_by(MANAGER)
    slowdown.mail = BUSY
    declined = await plan.act(
        Plan.decline, DeclineToSign(actor=MEMBER.email, comment="The dates clash with on-call.")
    )
    assert declined.phase is Phase.co_authoring
    await plan.act(
        Plan.propose_activities,
        ProposeActivities(
            actor=MEMBER.email,
            activities=[ActivityDraft(id="a1", description="Draft an update template together")],
            note="One activity during on-call",
        ),
    )
    ready = await plan.act(Plan.mark_ready, MarkReady(actor=MANAGER.email, version=2))
    assert ready.phase is Phase.signing

    slowdown.mail = 0
    await plan.received(HR, "declined to sign")
    await plan.settled()
    [to_hr] = plan.mail_to(HR, "declined to sign")
    assert "The dates clash with on-call." in text_of(to_hr)
    status = await plan.status()
    assert (status.phase, status.version, status.signatures[0].valid) == (
        Phase.signing,
        2,
        False,
    )


async def test_extending_as_the_review_opens_returns_the_plan_to_active(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at - timedelta(minutes=1))
    await plan.settled()
    slowdown.mail = BUSY
    await plan.advance_to(status.review_due_at + timedelta(seconds=1))

    async def review_opened() -> bool:
        return (await plan.status()).phase is Phase.review

    await eventually(review_opened)
    new_end = status.content.timeline.end + timedelta(days=14)
    extended = await plan.act(
        Plan.extend, ExtendPlan(actor=MANAGER.email, new_end=new_end, reason="Two more weeks")
    )
    assert extended.phase is Phase.active

    slowdown.mail = 0
    await plan.settled()
    status = await plan.status()
    assert status.phase is Phase.active
    assert status.review_due_at is not None
    assert status.review_due_at.date() == new_end
    await plan.advance_to(status.review_due_at + timedelta(seconds=1))
    await plan.reaches(Phase.review)


async def test_a_cancelled_plan_reads_cancelled_at_once(
    plan: RunningPlan, slowdown: Slowdown
) -> None:
    slowdown.documents = BUSY
    await plan.align()
    cancelled = await plan.act(
        Plan.cancel, CancelPlan(actor=HR.email, reason="The team member changes teams.")
    )
    assert cancelled.phase is Phase.cancelled
    status = await plan.status()
    assert (status.phase, status.outcome) == (Phase.cancelled, Outcome.cancelled)
    assert status.owed == []

    slowdown.documents = 0
    assert await plan.handle.result() is Outcome.cancelled
    assert plan.mail_to(MEMBER, "cancelled")
    assert plan.mail_to(MEMBER, "ready to shape together") == []
