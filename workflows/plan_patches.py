"""The changes made under running plans, each behind `workflow.patched`, oldest first.

A plan replays with the behaviour it started with: the recorded histories in `tests/histories`
(`*_before_<change>.json`) prove each one still does.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow

RECORDS_PATCH = "hr-records-and-visibility"
"""Plans started before HR's records existed replay without them."""
PHASE_IN_UPDATE_PATCH = "phase-moves-in-update-handler"
"""Plans started before an Update moved the phase itself replay with `run` moving it, after
the side effects."""
CHECK_INS_PATCH = "check-ins-as-deadlines-with-notes-invites"
"""Plans started before check-ins could move replay as they ran: only overdue notes owed,
no invitation to add notes, and a series cancelled whole at an early end."""
CANONICAL_HASH_PATCH = "rfc8785-content-hashes"
"""Plans started before versions were hashed as RFC 8785 canonical JSON keep the hashes their
signatures bound to."""
CERTIFICATES_PATCH = "sealed-certificates"
"""Plans started before certificates of completion were sealed replay without them."""
LEAN_HISTORY_PATCH = "lean-history"
"""Plans started before the lean history replay with a recorded activity per record and per
effect. A plan started since has every earlier patch, so it asks for the newest alone: one
marker in its history instead of six."""
MARKED_STEPS_PATCH = "marked-side-steps"
"""Plans started before a step beside the story left a mark as it went through (`StepMarks`)
replay without the marks. Held with the lean history, which every plan started since has."""
PARTIES_IN_STORE_PATCH = "parties-read-from-store"
"""Plans started before the activities read the parties from HR's store send them with every
document, notice and certificate. A plan started since has its parties in the store from its
first record on, before any of those; it holds the marks and the lean history too."""


@dataclass(frozen=True)
class HeldPatches:
    """Which changes a plan runs with. A plan started since the lean history asks for the
    newest patch alone and holds every earlier one, so its history records one marker."""

    parties_in_store: bool
    marked: bool
    lean: bool

    @classmethod
    def of_this_plan(cls) -> HeldPatches:
        parties_in_store = workflow.patched(PARTIES_IN_STORE_PATCH)
        marked = parties_in_store or workflow.patched(MARKED_STEPS_PATCH)
        lean = marked or workflow.patched(LEAN_HISTORY_PATCH)
        return cls(parties_in_store=parties_in_store, marked=marked, lean=lean)

    def holds(self, patch: str) -> bool:
        """A patch from before the lean history: held by every plan that has the lean one."""
        return self.lean or workflow.patched(patch)
