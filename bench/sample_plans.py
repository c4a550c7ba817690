"""Generated plans for the benchmarks: a 2,000-person org and plans in realistic phases.

Every plan's record is told as a story (its events in order, at the times people act), so the
records are what the workflow would have written; the same seed always gives the same plans.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from coaching.actions import SIGNING_INTENT, ReviewOutcome
from coaching.org import OrgDirectory, Parties, Person
from coaching.plan import Role
from coaching.records import AuditEntry, PlanRecord, VersionRecord
from coaching.status import (
    CheckIn,
    CheckInStatus,
    Obligation,
    Outcome,
    Phase,
    Review,
    ReviewForm,
    Signature,
)

SEED = 20261125
"""The same seed always builds the same org and plans."""

PHASE_MIX = {
    Phase.alignment: 0.05,
    Phase.co_authoring: 0.05,
    Phase.signing: 0.05,
    Phase.active: 0.45,
    Phase.review: 0.10,
    Phase.closed: 0.25,
    Phase.cancelled: 0.05,
}
LATE_SHARE = 0.07
"""Of plans in alignment, co-authoring, signing or active: how many are past their deadline.

Every review not yet submitted is past its deadline too (the review is due the moment the
phase begins), so about 11% of open plans end up overdue in all.
"""
REVIEW_SUBMITTED_SHARE = 0.6
CLOSED_OUTCOMES = {
    Outcome.achieved: 0.5,
    Outcome.partially_achieved: 0.25,
    Outcome.not_achieved: 0.15,
    Outcome.closed_without_review: 0.10,
}
PLAN_DAYS = 30
AGREEING = (Phase.alignment, Phase.co_authoring, Phase.signing)
"""The phases before a plan begins, in order."""
CHECK_IN_HOUR = 10
"""Check-ins and the review are due at 10:00 UTC: the cadence's usual time."""


@dataclass(frozen=True)
class Directory:
    """~2,000 people in four levels: a CEO, 19 directors, 280 managers, everyone else."""

    people: dict[str, Person]
    manager_of: dict[str, str]
    hr: list[Person]
    team_members: list[str]
    """Everyone who has a skip-level, HR excepted: who a plan can be for."""

    @classmethod
    def of_org(cls, org: OrgDirectory) -> Directory:
        """A real directory (`examples/org.yaml`) in this shape: everyone with a skip-level
        can have a plan, HR excepted."""
        people = {entry.id: org.public(entry) for entry in org.people}
        manager_of = {entry.id: entry.manager for entry in org.people if entry.manager}
        return cls(
            people=people,
            manager_of=manager_of,
            hr=org.hr_people,
            team_members=[
                entry.id for entry in org.people if not entry.hr and entry.manager in manager_of
            ],
        )


def build_directory(rng: random.Random, size: int = 2_000) -> Directory:
    people = {
        f"p{n:04d}": Person(id=f"p{n:04d}", name=f"Person {n:04d}", email=f"p{n:04d}@example.com")
        for n in range(1, size + 1)
    }
    ids = list(people)
    ceo, directors, managers, staff = ids[0], ids[1:20], ids[20:300], ids[300:]
    manager_of = dict.fromkeys(directors, ceo)
    manager_of |= {m: rng.choice(directors) for m in managers}
    manager_of |= {s: rng.choice(managers) for s in staff}
    hr_ids = staff[-3:]
    return Directory(
        people=people,
        manager_of=manager_of,
        hr=[people[h] for h in hr_ids],
        team_members=[p for p in managers + staff if p not in hr_ids],
    )


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _minutes(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    """A random duration between two bounds, in whole minutes, like the times people act at."""
    return MINUTE * rng.randint(low // MINUTE, high // MINUTE)


def _at_check_in_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, CHECK_IN_HOUR, tzinfo=UTC)


@dataclass
class Story:
    """One plan's past, told in order; its record is read off at the end."""

    plan_id: str
    parties: Parties
    audit: list[AuditEntry] = field(default_factory=list)
    versions: list[VersionRecord] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)

    def event(self, at: datetime, role: Role, action: str, detail: str = "") -> None:
        self.audit.append(
            AuditEntry(
                key=f"event-{len(self.audit) + 1}",
                at=at,
                actor=self.parties.person(role)[0].email,
                action=action,
                detail=detail,
                version=max(1, len(self.versions)),
            )
        )

    def draft(self, at: datetime, role: Role, summary: str) -> None:
        number = len(self.versions) + 1
        self.versions.append(
            VersionRecord(
                number=number,
                sha256=hashlib.sha256(f"{self.plan_id}/{number}".encode()).hexdigest(),
                author=self.parties.person(role)[0].email,
                summary=summary,
                created_at=at,
            )
        )
        self.event(at, role, "drafted" if number == 1 else "revised", summary)

    def sign(self, at: datetime, role: Role) -> None:
        person = self.parties.person(role)[0]
        current = self.versions[-1]
        self.signatures.append(
            Signature(
                role=role,
                email=person.email,
                name=person.name,
                intent=SIGNING_INTENT,
                version=current.number,
                sha256=current.sha256,
                signed_at=at,
            )
        )
        self.event(at, role, "signed", f"version {current.number}")

    def owes(
        self, role: Role, action: str, due: datetime | None, optional: bool = False
    ) -> Obligation:
        who = [p.email for p in self.parties.person(role)]
        return Obligation(role=role, who=who, action=action, due=due, optional=optional)


@dataclass(frozen=True)
class State:
    """What the current phase adds to the story: what is owed, and the plan's dates."""

    owed: list[Obligation]
    starts_on: date
    outcome: Outcome | None = None
    closed_at: datetime | None = None
    review_due_at: datetime | None = None
    review: Review | None = None


class PlanFactory:
    """Plans as the workflow would have recorded them, each consistent with its phase.

    Times are drawn relative to `now`: a plan's deadline is first chosen (past or future),
    and its history is laid out backwards from it.
    """

    def __init__(self, rng: random.Random, directory: Directory, now: datetime) -> None:
        self.rng = rng
        self.directory = directory
        self.now = now

    def plans(self, count: int) -> list[PlanRecord]:
        phases = [phase for phase, share in PHASE_MIX.items() for _ in range(round(share * count))]
        phases = (phases + [Phase.active] * count)[:count]
        self.rng.shuffle(phases)
        ids: dict[str, None] = {}
        while len(ids) < count:
            ids[f"{self.rng.getrandbits(48):012x}"] = None
        return [self.plan(plan_id, phase) for plan_id, phase in zip(ids, phases, strict=True)]

    def plan(self, plan_id: str, phase: Phase) -> PlanRecord:
        story = Story(plan_id, self._parties())
        build = {
            Phase.alignment: self._alignment,
            Phase.co_authoring: self._co_authoring,
            Phase.signing: self._signing,
            Phase.active: self._active,
            Phase.review: self._review,
            Phase.closed: self._closed,
            Phase.cancelled: self._cancelled,
        }[phase]
        state = build(story)
        return PlanRecord(
            plan_id=plan_id,
            revision=len(story.audit),
            parties=story.parties,
            phase=phase,
            outcome=state.outcome,
            version=len(story.versions),
            starts_on=state.starts_on,
            ends_on=state.starts_on + timedelta(days=PLAN_DAYS),
            started_at=story.audit[0].at,
            closed_at=state.closed_at,
            review_due_at=state.review_due_at,
            owed=state.owed,
            versions=story.versions,
            signatures=story.signatures,
            check_ins=story.check_ins,
            review=state.review,
            audit=story.audit,
        )

    def _parties(self) -> Parties:
        d = self.directory
        member = self.rng.choice(d.team_members)
        manager = d.manager_of[member]
        return Parties(
            manager=d.people[manager],
            team_member=d.people[member],
            skip_level=d.people[d.manager_of[manager]],
            hr=d.hr,
        )

    def _deadline(self, late: bool, ahead: timedelta) -> datetime:
        """A deadline already past (by up to ten days), or still ahead (by up to `ahead`)."""
        if late:
            return self.now - _minutes(self.rng, HOUR, 10 * DAY)
        return self.now + _minutes(self.rng, 10 * MINUTE, ahead)

    def _start_date(self, due: datetime, days: int) -> date:
        """A plan not yet agreed starts some days after its deadline, and never in the past."""
        return (max(due, self.now) + timedelta(days=days)).date()

    def _late(self) -> bool:
        return self.rng.random() < LATE_SHARE

    def _agree(self, story: Story, done: int, until: datetime) -> None:
        """Alignment, co-authoring and signing, the first `done` of them finished by `until`."""
        spans = [_minutes(self.rng, DAY, 4 * DAY), _minutes(self.rng, 2 * DAY, 8 * DAY)]
        spans = [*spans, _minutes(self.rng, HOUR, 3 * DAY)][:done]
        at = until - sum(spans, timedelta())
        story.event(at, Role.manager, "started")
        story.draft(at, Role.manager, "First draft")
        for phase, span in zip(AGREEING, spans, strict=False):
            if phase is Phase.alignment:
                if self.rng.random() < 0.2:
                    story.event(at + span / 3, Role.skip_level, "changes requested")
                    story.draft(at + span * 2 / 3, Role.manager, "Narrower first activity")
                story.event(at + span, Role.skip_level, "approved")
            elif phase is Phase.co_authoring:
                for step in range(self.rng.randint(0, 2)):
                    role = (Role.team_member, Role.manager)[step % 2]
                    story.draft(at + span * (step + 1) / 4, role, "Proposed changes")
                story.event(at + span, Role.manager, "ready")
                story.event(at + span, Role.team_member, "ready")
            else:
                story.sign(at + span / 2, Role.manager)
                story.sign(at + span, Role.team_member)
            at += span

    def _alignment(self, story: Story) -> State:
        """The skip-level owes an answer, or the manager a revision the skip-level asked for."""
        due = self._deadline(self._late(), 2 * DAY)
        if self.rng.random() < 0.2:
            self._agree(story, 0, due - 2 * DAY - _minutes(self.rng, HOUR, 2 * DAY))
            story.event(due - 2 * DAY, Role.skip_level, "changes requested")
            owed = [story.owes(Role.manager, "revise the draft (changes requested)", due)]
        else:
            self._agree(story, 0, due - 2 * DAY)
            action = f"approve version {len(story.versions)} or request changes"
            owed = [story.owes(Role.skip_level, action, due)]
        return State(owed=owed, starts_on=self._start_date(due, 14))

    def _co_authoring(self, story: Story) -> State:
        """Whoever has not marked the current version ready owes a proposal or a "ready"."""
        due = self._deadline(self._late(), 3 * DAY)
        self._agree(story, 1, due - 3 * DAY - _minutes(self.rng, HOUR, 2 * DAY))
        if self.rng.random() < 0.5:
            story.draft(due - 3 * DAY, Role.team_member, "Proposed changes")
        version = len(story.versions)
        both = [Role.manager, Role.team_member]
        waiting = self.rng.choice([both, [Role.manager], [Role.team_member]])
        for role in set(both) - set(waiting):
            story.event(due - 3 * DAY, role, "ready")
        action = f"propose changes or mark version {version} ready"
        owed = [story.owes(role, action, due) for role in waiting]
        return State(owed=owed, starts_on=self._start_date(due, 10))

    def _signing(self, story: Story) -> State:
        """Both sign the final version; sometimes the manager already has."""
        due = self._deadline(self._late(), 2 * DAY)
        waiting = [Role.manager, Role.team_member]
        if self.rng.random() < 0.5:
            self._agree(story, 2, due - 2 * DAY - _minutes(self.rng, MINUTE, HOUR))
            story.sign(due - 2 * DAY, Role.manager)
            waiting = [Role.team_member]
        else:
            self._agree(story, 2, due - 2 * DAY)
        version = len(story.versions)
        owed = [story.owes(role, f"sign version {version}", due) for role in waiting]
        return State(owed=owed, starts_on=self._start_date(due, 5))

    def _active(self, story: Story) -> State:
        """Weekly check-ins; the manager owes notes for one that is due, or late, sometimes."""
        owing = CheckInStatus.overdue if self._late() else None
        if owing is None and self.rng.random() < 0.3:
            owing = CheckInStatus.due
        weeks = timedelta(weeks=self.rng.randint(1, 3))
        if owing is CheckInStatus.overdue:
            starts = self.now - _minutes(self.rng, DAY + HOUR, 6 * DAY) - weeks
        elif owing is CheckInStatus.due:
            starts = self.now - _minutes(self.rng, 10 * MINUTE, 23 * HOUR) - weeks
        else:
            starts = self.now - _minutes(self.rng, HOUR, 27 * DAY)
        self._agree(story, 3, starts - _minutes(self.rng, DAY, 5 * DAY))
        self._check_ins(story, starts, owing)
        owed = [
            story.owes(Role.manager, f"record check-in {c.number}", c.due_at + DAY)
            for c in story.check_ins
            if c.status in (CheckInStatus.due, CheckInStatus.overdue)
        ]
        return State(owed=owed, starts_on=starts.date())

    def _check_ins(self, story: Story, starts: datetime, owing: CheckInStatus | None) -> None:
        """Four weekly check-ins from `starts`; past ones recorded (or missed), the rest ahead."""
        for number in range(1, 5):
            due_at = starts + timedelta(weeks=number)
            if due_at > self.now:
                status = CheckInStatus.scheduled
            elif owing is not None and due_at + timedelta(weeks=1) > self.now:
                status = owing
            else:
                status = CheckInStatus.missed if self.rng.random() < 0.1 else CheckInStatus.recorded
            recorded_at = None
            if status is CheckInStatus.recorded:
                recorded_at = min(due_at + _minutes(self.rng, MINUTE, 20 * HOUR), self.now)
                story.event(recorded_at, Role.manager, "check-in recorded", f"check-in {number}")
            story.check_ins.append(
                CheckIn(
                    number=number,
                    due_at=due_at,
                    status=status,
                    feedback="Steady progress on the agreed activities." if recorded_at else "",
                    recorded_at=recorded_at,
                )
            )

    def _finished(self, story: Story, review_due_at: datetime) -> date:
        """A plan that ran its 30 days, ending when its review was due."""
        starts = review_due_at - timedelta(days=PLAN_DAYS)
        self._agree(story, 3, starts - _minutes(self.rng, DAY, 5 * DAY))
        self._check_ins(story, starts, None)
        return starts.date()

    def _submitted(self, story: Story, at: datetime, outcome: ReviewOutcome) -> Review:
        story.event(at, Role.manager, "review submitted", outcome.value)
        recorded = sum(c.status is CheckInStatus.recorded for c in story.check_ins)
        return Review(
            outcome=outcome,
            achievements="Ran the weekly planning meeting twice without help.",
            next_steps="Keep the weekly planning meeting; revisit in a quarter.",
            evidence=ReviewForm(
                activities=[],
                support=[],
                check_ins_recorded=recorded,
                check_ins_missed=len(story.check_ins) - recorded,
                feedback=[],
                team_member_notes=[],
                suggested_outcome=outcome,
            ),
            submitted_by=story.parties.manager.email,
            submitted_at=at,
        )

    def _review(self, story: Story) -> State:
        """Not yet submitted (then already late: it is due when the phase begins), or submitted."""
        if self.rng.random() >= REVIEW_SUBMITTED_SHARE:
            due = _at_check_in_time((self.now - _minutes(self.rng, DAY, 13 * DAY)).date())
            starts_on = self._finished(story, due)
            action = "submit the review or extend the plan"
            owed = [story.owes(Role.manager, action, due)]
            return State(owed=owed, starts_on=starts_on, review_due_at=due)
        submitted = self.now - _minutes(self.rng, 10 * MINUTE, 3 * DAY)
        due = _at_check_in_time((submitted - _minutes(self.rng, DAY, 6 * DAY)).date())
        starts_on = self._finished(story, due)
        review = self._submitted(story, submitted, self.rng.choice(list(ReviewOutcome)))
        owed = [story.owes(Role.team_member, "comment on the review", None, optional=True)]
        return State(owed=owed, starts_on=starts_on, review_due_at=due, review=review)

    def _closed(self, story: Story) -> State:
        """Reviewed and closed after the comment window, or closed 14 days after no review."""
        outcome = self.rng.choices(list(CLOSED_OUTCOMES), list(CLOSED_OUTCOMES.values()))[0]
        closed_at = self.now - _minutes(self.rng, DAY, 300 * DAY)
        review = None
        if outcome is Outcome.closed_without_review:
            due = _at_check_in_time((closed_at - 14 * DAY).date())
            starts_on = self._finished(story, due)
            closed_at = due + 14 * DAY
        else:
            submitted = closed_at - 3 * DAY
            due = _at_check_in_time((submitted - _minutes(self.rng, DAY, 6 * DAY)).date())
            starts_on = self._finished(story, due)
            review = self._submitted(story, submitted, ReviewOutcome(outcome))
        story.event(closed_at, Role.manager, "closed", outcome.value)
        return State(
            owed=[],
            starts_on=starts_on,
            outcome=outcome,
            closed_at=closed_at,
            review_due_at=due,
            review=review,
        )

    def _cancelled(self, story: Story) -> State:
        """Cancelled before the plan began: in alignment, co-authoring or signing."""
        closed_at = self.now - _minutes(self.rng, DAY, 300 * DAY)
        self._agree(story, self.rng.randint(0, 2), closed_at - _minutes(self.rng, HOUR, 2 * DAY))
        story.event(closed_at, Role.manager, "cancelled", "The team member moved to another team")
        return State(
            owed=[],
            starts_on=(story.audit[0].at + 14 * DAY).date(),
            outcome=Outcome.cancelled,
            closed_at=closed_at,
        )


def overdue_ids(records: list[PlanRecord], now: datetime) -> set[str]:
    """What the overdue list must return, worked out from the records themselves."""
    return {r.plan_id for r in records if r.next_deadline is not None and r.next_deadline < now}
