"""Which phases a plan has entered, and which of them its story has told.

An Update moves the plan's phase at once, since its answer is the truth; the story in
`CoachingPlanWorkflow.run` follows with the side effects (documents, messages, the calendar).
`PhaseStory` keeps the two in step: the story tells every phase the plan entered, once and in
order, even when people act faster than those side effects run.
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching.plan_state import PlanState
from coaching.status import Note, Phase


class PlanCancelled(Exception):
    """Unwinds whatever phase the plan is in when someone cancels it."""


@dataclass(frozen=True)
class PhaseEntry:
    """One move into a phase, kept so that the story tells each move in turn."""

    phase: Phase
    version: int
    declined: Note | None = None
    """The team member's decline, when that is what reopened co-authoring."""


class PhaseStory:
    def __init__(self, plan: PlanState, *, moves_in_updates: bool) -> None:
        self._plan = plan
        self._moves_in_updates = moves_in_updates
        """Plans started before Updates moved the phase leave every move to the story."""
        self._entered = [PhaseEntry(Phase.alignment, version=1)]
        self._told = 1
        """How many of the phases entered the story has taken up."""

    def enter(self, phase: Phase) -> None:
        plan = self._plan
        declined = plan.declined if phase is Phase.co_authoring else None
        self._entered.append(PhaseEntry(phase, plan.version.number, declined))
        plan.enter(phase)

    def move_on(self, phase: Phase) -> None:
        """An Update's move: the plan is in `phase` before the Update answers, so whoever acts
        next is judged by it. Its deadline comes when the story starts waiting there."""
        if self._moves_in_updates:
            self.enter(phase)
            self._plan.respond_by = None

    def tell(self, phase: Phase) -> None:
        """The story takes up its next phase: entered already by an Update, or entered now."""
        if self._plan.phase is Phase.cancelled:
            raise PlanCancelled
        if not self.behind():
            self.enter(phase)
        entry = self._entered[self._told]
        assert entry.phase is phase, f"the story is at {phase}, the plan entered {entry.phase}"
        self._told += 1

    def behind(self) -> bool:
        """The plan has entered a phase that the story has not taken up yet."""
        return self._told < len(self._entered)

    def caught_up(self) -> bool:
        """Whether the phase the story tells is still the plan's: nobody is asked to do a
        step they have already taken."""
        return not self.behind()

    def after_signing(self) -> PhaseEntry:
        """Where a signing round led: the Update's move (with the patch), or the move due now,
        which the story makes once HR has heard of a decline (before it)."""
        if self.behind():
            return self._entered[self._told]
        declined = self._plan.declined
        return PhaseEntry(
            Phase.active if declined is None else Phase.co_authoring,
            self._plan.version.number,
            declined,
        )
