"""Every delay the workflow waits on, in one place, so companies and tests can change them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

LONGEST_DELAY = timedelta(days=366)
Delay = Annotated[timedelta, Field(gt=timedelta(0), le=LONGEST_DELAY)]
"""Every wait of a 30-day plan is days or weeks; a year bounds them, so no date computed from
one can overflow, whatever a company configures."""


class PlanPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alignment_reminder_after: Delay = timedelta(days=2)
    """Silence from the skip-level (or from the manager owing a revision) before a reminder."""
    alignment_escalation_after: Delay = timedelta(days=5)
    """Silence before HR is asked to help."""

    co_authoring_reminder_after: Delay = timedelta(days=3)
    """Silence from whoever owes the next step in co-authoring before a reminder."""

    signing_reminder_after: Delay = timedelta(days=2)
    signing_escalation_after: Delay = timedelta(days=5)
    """Unsigned plans are escalated to the skip-level and HR."""

    check_in_grace: Delay = timedelta(days=1)
    """How long after a check-in its notes may be missing before the manager is reminded."""

    review_reminder_after: Delay = timedelta(days=2)
    """After the review is due (the end date)."""
    review_escalation_after: Delay = timedelta(days=5)
    """After the review is due: the skip-level and HR are told."""
    review_closure_after: Delay = timedelta(days=14)
    """After the review is due: the plan closes as closed_without_review."""
    review_comment_window: Delay = timedelta(days=3)
    """After the manager submits the review: time for the team member to comment."""

    max_extension: Delay = timedelta(days=30)
    """How far past the current end date the one allowed extension may go."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        pairs = [
            ("alignment_reminder_after", "alignment_escalation_after"),
            ("signing_reminder_after", "signing_escalation_after"),
            ("review_reminder_after", "review_escalation_after"),
            ("review_escalation_after", "review_closure_after"),
        ]
        for earlier, later in pairs:
            if getattr(self, earlier) >= getattr(self, later):
                raise ValueError(f"{earlier} must be shorter than {later}")
        return self
