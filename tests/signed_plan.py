"""A plan signed with full evidence, recorded into HR's store the way the workflow records it.

Built through `PlanState` in plain Python and written by the real `record_plan` activity, so
the store holds what a running plan leaves there: two versions, a signature voided by the
second version, both parties' signatures on it, their consents and the chained audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from coaching.actions import (
    ActivityDraft,
    ApproveAlignment,
    MarkReady,
    ProposeActivities,
    StartPlan,
)
from coaching.evidence import SigningContext
from coaching.org import Parties, Person
from coaching.plan_record import Recorded, plan_record
from coaching.plan_state import PlanState
from coaching.status import Phase
from store.plan_records import PlanRecords
from tests.plan_examples import PARTIES, plan_content
from tests.signatures import signature

PLAN_ID = "signed000001"


class SteppingClock:
    """Each reading is a minute after the last, so every event has its own time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, 0, 123000, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class RecordedPlan:
    """A `PlanState` whose every step is recorded, as the workflow's keeper records it."""

    def __init__(self, store: Engine, plan_id: str = PLAN_ID, parties: Parties = PARTIES) -> None:
        self.clock = SteppingClock()
        self.plan = PlanState(
            StartPlan(plan_id=plan_id, parties=parties, content=plan_content(self.clock().date())),
            self.clock,
        )
        self.activities = RecordActivities(PlanRecords(store))
        self.revision = 0
        self.recorded = Recorded()
        self.record()

    def record(self) -> None:
        self.revision += 1
        recorded = Recorded.all_of(self.plan)
        ActivityEnvironment().run(
            self.activities.record_plan, plan_record(self.plan, self.revision, self.recorded)
        )
        self.recorded = recorded

    def step(self, change: Callable[[PlanState], object]) -> None:
        change(self.plan)
        self.record()

    def sign(self, person: Person, via: SigningContext | None = None) -> None:
        self.step(
            lambda p: p.sign(signature(p.plan_id, p.version, p.parties, person.email, context=via))
        )


def record_a_signed_plan(
    store: Engine, plan_id: str = PLAN_ID, parties: Parties = PARTIES
) -> PlanState:
    """Version 1 signed by the manager, then voided by the team member's version 2, which
    both sign; the plan is then active."""
    web = SigningContext(ip="192.0.2.7", user_agent="Firefox/140.0", session_id="s-1")
    manager, member = parties.manager, parties.team_member
    recorded = RecordedPlan(store, plan_id, parties)
    recorded.step(lambda p: p.approve(ApproveAlignment(actor=parties.skip_level.email)))
    recorded.step(lambda p: p.enter(Phase.co_authoring))
    for person in (manager, member):
        recorded.step(lambda p, who=person: p.mark_ready(MarkReady(actor=who.email, version=1)))
    recorded.step(lambda p: p.enter(Phase.signing))
    recorded.sign(manager, web)
    recorded.step(
        lambda p: p.propose(
            ProposeActivities(
                actor=member.email,
                activities=[
                    ActivityDraft(id=a.id, description=a.description)
                    for a in p.version.content.activities
                ]
                + [ActivityDraft(description="Present the update format at the team meeting")],
                note="One more activity",
            )
        )
    )
    recorded.step(lambda p: p.enter(Phase.co_authoring))
    for person in (manager, member):
        recorded.step(lambda p, who=person: p.mark_ready(MarkReady(actor=who.email, version=2)))
    recorded.step(lambda p: p.enter(Phase.signing))
    recorded.sign(manager, web)
    recorded.sign(member)
    recorded.step(lambda p: p.enter(Phase.active))
    return recorded.plan
