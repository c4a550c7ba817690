"""A plan lived through `PlanState` with full signature evidence, and its certificate content,
for the tests of certificates (rendering, sealing, checking, storing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.documents import signing_copy
from activities.records import RecordActivities
from coaching.actions import (
    SIGNING_INTENT,
    ApproveAlignment,
    MarkReady,
    SignPlan,
    StartPlan,
    SubmitReview,
)
from coaching.certificate import (
    CertificateContent,
    CertificateKind,
    CertificateScope,
    ChainedAuditEntry,
    CheckInRecord,
    ReviewRecord,
    SignedVersion,
)
from coaching.evidence import (
    ConsentRecord,
    Disclosure,
    Identification,
    IdentificationMethod,
    SigningContext,
)
from coaching.org import Parties, Person
from coaching.plan_record import Recorded, plan_record
from coaching.plan_state import PlanState
from coaching.status import Outcome, Phase, ReviewOutcome
from store.audit_chain import audit_row_sha256
from store.plan_records import PlanRecords
from tests.plan_examples import HR, SKIP, plan_content

PLAN_ID = "cert0123abcd"
MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
MEMBER = Person(id="tomas", name="Tomás Nguyễn 阮文", email="tomas@example.com")
"""A name beyond the PDF core fonts' character set."""
PARTIES = Parties(manager=MANAGER, team_member=MEMBER, skip_level=SKIP, hr=[HR])
START = date(2026, 12, 7)
ISSUER = "https://login.example.com"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sign_action(plan: PlanState, person: Person, at: datetime) -> SignPlan:
    """Through the company's sign-in, on the web, consenting as they sign."""
    identified = Identification(
        method=IdentificationMethod.oidc, subject=f"sub-{person.id}", issuer=ISSUER
    )
    web = SigningContext(ip="192.0.2.7", user_agent="Firefox/140 🦊", session_id="s-1")
    consent = ConsentRecord.given(
        consent_id=f"consent-{person.id}-0001",
        person_id=person.id,
        email=person.email,
        name=person.name,
        disclosure=Disclosure(),
        at=at,
        through=identified,
        context=web,
    )
    return SignPlan(
        actor=person.email,
        version=plan.version.number,
        sha256=plan.version.sha256,
        intent=SIGNING_INTENT,
        document_sha256=signing_copy(plan.plan_id, plan.version, plan.parties).sha256,
        identified_by=identified,
        consent=consent,
        context=web,
    )


def signed_plan(clock: Clock) -> PlanState:
    """Aligned, co-authored and signed by both, as the workflow would move it."""
    content = plan_content(START)
    activities = [
        *content.activities,
        content.activities[0].model_copy(
            update={
                "id": "a3",
                "description": "Écrire «résumé» — ✅ then \x07review\ttogether\r\nwith “Mia”",
            }
        ),
    ]
    plan = PlanState(
        StartPlan(
            plan_id=PLAN_ID,
            parties=PARTIES,
            content=content.model_copy(update={"activities": activities}),
        ),
        clock,
    )
    plan.event(MANAGER.email, "started", "Draft version 1")
    clock.advance(hours=3)
    plan.approve(ApproveAlignment(actor=SKIP.email, comment="Right time."))
    plan.enter(Phase.co_authoring)
    for person in (MANAGER, MEMBER):
        clock.advance(hours=1)
        plan.mark_ready(MarkReady(actor=person.email, version=1))
    plan.enter(Phase.signing)
    for person in (MANAGER, MEMBER):
        clock.advance(minutes=30)
        plan.sign(sign_action(plan, person, clock.now))
    plan.enter(Phase.active)
    return plan


def closed_plan(clock: Clock) -> PlanState:
    plan = signed_plan(clock)
    clock.now = plan.check_ins[-1].due_at + timedelta(days=3)
    plan.enter(Phase.review)
    plan.submit_review(
        SubmitReview(
            actor=MANAGER.email,
            outcome=ReviewOutcome.achieved,
            achievements="Four updates sent on time — all named risks.",
            next_steps="Keep going.",
        )
    )
    plan.outcome = Outcome(ReviewOutcome.achieved.value)
    plan.enter(Phase.closed)
    return plan


def chained(plan: PlanState) -> list[ChainedAuditEntry]:
    """The plan's events as HR's store chains them."""
    rows: list[ChainedAuditEntry] = []
    previous: str | None = None
    for entry in plan_record(plan, 1, Recorded()).audit:
        sha256 = audit_row_sha256(
            {"plan_id": plan.plan_id, **entry.model_dump(), "prev_sha256": previous}
        )
        rows.append(ChainedAuditEntry(**entry.model_dump(), prev_sha256=previous, sha256=sha256))
        previous = sha256
    return rows


def record(store: Engine, plan: PlanState, revision: int = 1) -> None:
    """Writes the plan into HR's store as the workflow's record keeper does."""
    activities = RecordActivities(PlanRecords(store))
    ActivityEnvironment().run(activities.record_plan, plan_record(plan, revision, Recorded()))


def content_of(
    plan: PlanState, kind: CertificateKind = CertificateKind.signed
) -> CertificateContent:
    version = plan.version
    signatures = [s for s in plan.signatures if s.valid and s.version == version.number]
    audit = chained(plan)
    review = plan.review
    return CertificateContent(
        plan_id=plan.plan_id,
        kind=kind,
        issued_at=audit[-1].at,
        outcome=plan.outcome if kind is CertificateKind.closed else None,
        version=SignedVersion(
            number=version.number,
            sha256=version.sha256,
            hashed_as=version.hashed_as,
            content=version.content,
            signing_copy_sha256=signing_copy(plan.plan_id, version, plan.parties).sha256,
        ),
        parties=plan.parties,
        signatures=signatures,
        consents=[plan.consents[s.consent_id] for s in signatures if s.consent_id],
        check_ins=[
            CheckInRecord(number=c.number, due_at=c.due_at, status=c.status) for c in plan.check_ins
        ]
        if kind is CertificateKind.closed
        else [],
        review=ReviewRecord(
            outcome=review.outcome,
            achievements=review.achievements,
            next_steps=review.next_steps,
            submitted_by=review.submitted_by,
            submitted_at=review.submitted_at,
        )
        if kind is CertificateKind.closed and review is not None
        else None,
        audit=audit,
    )


def scope_of(plan: PlanState, kind: CertificateKind = CertificateKind.signed) -> CertificateScope:
    """As the workflow names it: the parties are read from HR's store."""
    return CertificateScope(
        plan_id=plan.plan_id,
        kind=kind,
        version=plan.version.number,
        signature_ids=[s.id for s in plan.signatures if s.valid],
        through_event=len(plan.events),
    )
