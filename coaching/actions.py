"""What people do to a plan: the start request and one model per human action.

Each action names its actor by email. The shape of the data is checked here; whether the
actor may do it now (person, phase, plan version) is checked by the workflow's validators.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from coaching.evidence import ConsentRecord, Identification, Sha256, SigningContext
from coaching.org import Email, Parties
from coaching.plan import (
    MAX_ITEMS,
    ActivityId,
    ActivityStatus,
    OptionalText,
    PlanContent,
    ShortText,
    StrictModel,
    SupportId,
    Text,
)
from coaching.policy import PlanPolicy

SIGNING_INTENT = "I have read this version of the coaching plan and I agree to work on it together."
"""The statement each signer adopts; recorded with the signature."""

PlanId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{6,32}$")]
Version = Annotated[int, Field(ge=1)]


def workflow_id_for(plan_id: str) -> str:
    """No names or emails in ids: operators see ids."""
    return f"coaching-plan-{plan_id}"


def plan_id_for(key: str, team_member_id: str, sequence: int) -> str:
    """The id of a team member's plan number `sequence` (0, 1, ...).

    The same person and number always give the same id, so Temporal's one-workflow-per-id
    rule keeps two racing starts from making two plans. Keyed, so nobody who sees an id can
    tell whose plan it is by hashing the directory.
    """
    message = f"{team_member_id}/{sequence}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:12]


class StartPlan(StrictModel):
    plan_id: PlanId
    parties: Parties
    content: PlanContent
    policy: PlanPolicy = PlanPolicy()


class Action(StrictModel):
    actor: Email


class ApproveAlignment(Action):
    """The skip-level agrees the growth opportunity is right; the team member is brought in."""

    comment: OptionalText = ""


class RequestChanges(Action):
    comment: Text


class RevisePlan(Action):
    """The manager's new draft during alignment, usually answering requested changes."""

    content: PlanContent
    summary: ShortText


class ActivityDraft(StrictModel):
    """An activity as proposed: without an id it is new; with one it edits that activity."""

    id: ActivityId | None = None
    description: Text
    due: date | None = None


class ProposeActivities(Action):
    """The proposer's whole list of activities: a new plan version."""

    activities: list[ActivityDraft] = Field(min_length=1, max_length=MAX_ITEMS)
    note: OptionalText = ""


class MarkReady(Action):
    """Ready to sign this exact version."""

    version: Version


class SignPlan(Action):
    """A signature on one exact version, with what proves it.

    The evidence fields are optional only so that histories from before them still replay;
    the workflow refuses a new signature without them.
    """

    version: Version
    sha256: Sha256
    intent: str = Field(description=f"Must be exactly: {SIGNING_INTENT}")
    document_sha256: Sha256 | None = Field(
        default=None, description="SHA-256 of the signing copy of this version the signer read."
    )
    identified_by: Identification | None = None
    consent: ConsentRecord | None = Field(
        default=None, description="The signer's consent to sign electronically."
    )
    context: SigningContext | None = None


class SignRequest(Action):
    """What a signer sends. The server that identified them adds how it did, where they
    signed from and their consent, and sends the workflow a `SignPlan`."""

    version: Version
    sha256: Sha256
    intent: str = Field(description=f"Must be exactly: {SIGNING_INTENT}")
    document_sha256: Sha256 = Field(
        description="SHA-256 of the signing copy you read (shown beside it)."
    )
    consent_to_sign_electronically: bool = Field(
        default=False,
        description="Agree to the disclosure on signing electronically; needed once, before "
        "your first electronic signature.",
    )


class DeclineToSign(Action):
    comment: Text


class ActivityProgress(StrictModel):
    activity_id: ActivityId
    status: ActivityStatus
    note: OptionalText = ""


class SupportDelivery(StrictModel):
    """Whether the manager's promised support actually happened since the last check-in."""

    support_id: SupportId
    delivered: bool
    note: OptionalText = ""


class RecordCheckIn(Action):
    number: Annotated[int, Field(ge=1)]
    progress: list[ActivityProgress] = Field(min_length=1, max_length=MAX_ITEMS)
    support: list[SupportDelivery] = Field(min_length=1, max_length=MAX_ITEMS)
    feedback: Text
    adjustments: OptionalText = ""


class MoveCheckIn(Action):
    """One check-in to another time (a holiday, a sick day, travel); the rest stay put."""

    number: Annotated[int, Field(ge=1)]
    to: AwareDatetime = Field(
        description="The new time, with its offset; it stays between its neighbours."
    )
    reason: Text


class SkipCheckIn(Action):
    """One check-in will not take place; the review counts it as skipped, not missed."""

    number: Annotated[int, Field(ge=1)]
    reason: Text


class AddCheckInNote(Action):
    number: Annotated[int, Field(ge=1)]
    note: Text


class ReviewOutcome(StrEnum):
    achieved = "achieved"
    partially_achieved = "partially_achieved"
    not_achieved = "not_achieved"


class SubmitReview(Action):
    outcome: ReviewOutcome
    achievements: Text
    next_steps: Text


class CommentOnReview(Action):
    comment: Text


class ExtendPlan(Action):
    new_end: date
    reason: Text


class CancelPlan(Action):
    reason: Text
