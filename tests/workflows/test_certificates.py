"""Certificates of completion in a plan's life: sealed when both have signed, and a final
record at closure or at a cancellation after signing, each one verifiable on its own."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.actions import CancelPlan, CommentOnReview, ReviewOutcome, SubmitReview
from coaching.certificate import PLAN_FILE
from coaching.status import Outcome, Phase
from integrations.local.sealing_ca import LocalSealingCa
from integrations.seal_check import read_sealed
from starter.verify_commands import async_verify_pdf
from store.models import CertificateRow
from tests.workflows.running_plan import HR, MANAGER, MEMBER, RunningPlan, eventually
from workflows.coaching_plan import CoachingPlanWorkflow as Plan


def certificate(plan: RunningPlan, name: str) -> Path:
    return plan.data_dir / "documents" / plan.plan_id / name


async def verified(plan: RunningPlan, name: str) -> dict[str, object]:
    """The certificate holds against the local CA; returns its plan.json."""
    path = certificate(plan, name)
    pdf = path.read_bytes()
    root = LocalSealingCa(plan.data_dir).ca_certificate.read_bytes()
    report = await async_verify_pdf(pdf, root, str(path))
    assert report.problems == []
    assert report.plan_id == plan.plan_id
    content: dict[str, object] = json.loads(read_sealed(pdf).attachments[PLAN_FILE])
    return content


def stored(plan: RunningPlan) -> list[tuple[int, str, int]]:
    with Session(plan.store) as session:
        rows = session.scalars(
            select(CertificateRow)
            .where(CertificateRow.plan_id == plan.plan_id)
            .order_by(CertificateRow.seq)
        )
        return [(row.seq, row.kind, row.version) for row in rows]


async def test_signing_seals_a_certificate_and_closing_a_final_record(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    signed = f"certificate-v{status.version}-signed.pdf"
    await eventually(lambda: certificate(plan, signed).exists())
    content = await verified(plan, signed)
    assert content["kind"] == "signed"
    assert [s["email"] for s in content["signatures"]] == [MANAGER.email, MEMBER.email]  # type: ignore[index]
    assert (
        plan.shared_with(status.version)
        == json.loads((plan.data_dir / "documents" / plan.plan_id / "sharing.json").read_text())[
            "certificates"
        ][signed]
    )

    assert status.review_due_at is not None
    await plan.advance_to(status.review_due_at + timedelta(minutes=5))
    await plan.reaches(Phase.review)
    await plan.act(
        Plan.submit_review,
        SubmitReview(
            actor=MANAGER.email,
            outcome=ReviewOutcome.partially_achieved,
            achievements="Two updates on time out of four.",
            next_steps="Keep the Friday slot free for writing.",
        ),
    )
    await plan.act(
        Plan.comment_on_review, CommentOnReview(actor=MEMBER.email, comment="Fair summary.")
    )
    assert await plan.handle.result() is Outcome.partially_achieved

    final = await verified(plan, f"certificate-v{status.version}-closed.pdf")
    assert final["outcome"] == "partially_achieved"
    assert final["review"]["team_member_comment"] == "Fair summary."  # type: ignore[index]
    assert len(final["check_ins"]) == len(status.check_ins)  # type: ignore[arg-type]
    assert stored(plan) == [(1, "signed", status.version), (2, "closed", status.version)]


async def test_a_plan_cancelled_before_both_signed_has_no_certificate(plan: RunningPlan) -> None:
    await plan.align()
    await plan.agree()
    await plan.reaches(Phase.signing)
    await plan.sign_by(MANAGER)
    await plan.act(Plan.cancel, CancelPlan(actor=HR.email, reason="The team member leaves."))
    assert await plan.handle.result() is Outcome.cancelled
    assert stored(plan) == []
    assert not list((plan.data_dir / "documents" / plan.plan_id).glob("*.pdf"))


async def test_a_plan_cancelled_after_signing_gets_its_final_record(plan: RunningPlan) -> None:
    await plan.activate()
    status = await plan.reaches(Phase.active)
    await plan.act(Plan.cancel, CancelPlan(actor=HR.email, reason="The team member leaves."))
    assert await plan.handle.result() is Outcome.cancelled
    final = await verified(plan, f"certificate-v{status.version}-closed.pdf")
    assert final["outcome"] == "cancelled"
    assert stored(plan) == [(1, "signed", status.version), (2, "closed", status.version)]
