"""What the workflow tells people: a typed account of what happened, never wording.

The workflow decides who hears of what, and what they owe by when; the notification activity
turns a `Notice` into a message for each person, in their language and time zone. So the
wording can change, or gain a language, without touching the workflow or its histories.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from coaching.org import Parties
from coaching.plan import Role, StrictModel, TimeZoneName
from coaching.status import Obligation, Outcome, Phase


class NoticeKind(StrEnum):
    """What happened. Each kind has its own message template."""

    alignment_requested = "alignment_requested"
    """The manager drafted a plan; the skip-level is asked to align on it."""
    changes_requested = "changes_requested"
    """The skip-level asked the manager to revise the draft (`text`: their comment)."""
    draft_revised = "draft_revised"
    """The manager revised the draft for the skip-level (`text`: the summary)."""
    co_authoring_opened = "co_authoring_opened"
    """The plan is shared with the team member: their first message about it."""
    proposal = "proposal"
    """One author proposed activities (`activities`, `text`: their note)."""
    signing_requested = "signing_requested"
    """Both marked the version ready; both are asked to sign it."""
    declined = "declined"
    """The team member declined to sign (`text`: their comment)."""
    plan_active = "plan_active"
    """Both signed: the plan runs from `starts_on` to `ends_on`, first check-in `check_in`."""
    check_in_overdue = "check_in_overdue"
    """A check-in's notes are missing after its grace period."""
    check_in_recorded = "check_in_recorded"
    """The manager recorded a check-in; the team member may add their notes."""
    check_in_moved = "check_in_moved"
    """A check-in moved from `check_in.previous_at` to `check_in.at` (`text`: the reason)."""
    check_in_skipped = "check_in_skipped"
    """A check-in will not take place (`text`: the reason)."""
    check_in_declined = "check_in_declined"
    """The `actor` declined a check-in's invitation: the manager is asked to move it."""
    review_due = "review_due"
    """The end date came: the manager owes the review."""
    review_submitted = "review_submitted"
    """The manager submitted the review; the team member may comment."""
    reminder = "reminder"
    """Someone still owes a step (`owed`); `escalates_at` says what happens next."""
    escalation = "escalation"
    """A step stalled since `waiting_since`; `closes_at` says what happens next, if anything."""
    extended = "extended"
    """The manager extended the plan to `ends_on` (`text`: the reason)."""
    closed = "closed"
    """The plan closed with `outcome`."""
    cancelled = "cancelled"
    """Someone cancelled the plan (`text`: the reason)."""


class CheckInMoment(StrictModel):
    """The check-in a notice is about."""

    number: int
    at: datetime
    previous_at: datetime | None = None
    """Where a moved check-in was before."""
    time_zone: TimeZoneName | None = None
    """The zone the check-in is agreed in (the cadence's); the team member's when None."""


class NoticeOrder(StrictModel):
    """A notice as the workflow asks for it: everything but the parties, whom the activity
    reads from HR's store (a plan's parties never change), so the plan's history does not
    carry them with every notice."""

    plan_id: str
    event_id: str = Field(description="Unique within the plan: the message is sent once per id.")
    kind: NoticeKind
    to: list[Role]
    phase: Phase
    version: int
    actor: str | None = Field(
        default=None, description="The email of who did it; none when the plan itself moved."
    )
    text: str = Field(default="", description="What the actor wrote: a comment or a reason.")
    owed: list[Obligation] = Field(
        default_factory=list, description="What is owed by when; each person reads their own."
    )
    check_in: CheckInMoment | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    outcome: Outcome | None = None
    activities: list[str] = Field(
        default_factory=list, description="A proposal's activities, as proposed."
    )
    signatures_voided: bool = Field(
        default=False, description="A proposal during signing voided the signatures given."
    )
    waiting_since: datetime | None = None
    escalates_at: datetime | None = None
    escalate_to: list[Role] = Field(default_factory=list)
    closes_at: datetime | None = Field(
        default=None, description="When the plan closes by itself if nobody acts."
    )
    team_member_included: bool | None = Field(
        default=None,
        description="Whether the skip-level has approved; None in notices from before the "
        "recipient gate, which then judges by the phase.",
    )

    def addressed(self, parties: Parties) -> Notice:
        return Notice.model_validate(self.model_dump(exclude_unset=True) | {"parties": parties})


class Notice(NoticeOrder):
    """A notice with the plan's parties: what the notification activity words. Before
    migration 0006 the workflow sent every notice so."""

    parties: Parties
