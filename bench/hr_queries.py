"""How fast HR's questions are answered at 10,000 plans, on SQLite, PostgreSQL and Temporal.

Why it exists: `coachplan hr list --overdue` promises an answer in p95 < 20 ms at 10,000 plans on
both databases the store supports, and HR's lists are answered by the store rather than by
Temporal's visibility API. This script checks both claims with numbers instead of belief.

What it does: it fills a throwaway SQLite file and a throwaway PostgreSQL schema with generated
plans in realistic phases, through the worker's own writer (`PlanRecords.save`), and times the
queries the `coachplan hr` commands run. Then it starts never-running workflows with the same
phases and deadlines on a Temporal dev server, and times the overdue list answered by
visibility against the same list answered by SQL over the same plans.

Run it from the repository root (it takes a few minutes):

    .venv/bin/python bench/hr_queries.py
    .venv/bin/python bench/hr_queries.py --plans 2000 --repeat 50 --skip-postgres

Exit status: 0 when the targets are met; 1 when the overdue list misses its target on a
database, or two answers that must agree do not; 2 for bad arguments, or when PostgreSQL or
the Temporal binaries are not there.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import math
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from coaching.actions import SIGNING_INTENT, ReviewOutcome, workflow_id_for
from coaching.converter import data_converter
from coaching.org import Parties, Person
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
from coaching.visibility import NEXT_DEADLINE, PLAN_PHASE, SEARCH_ATTRIBUTES
from starter.binaries import MissingBinary, installed_binary
from store.database import DatabaseUrlError, create_store_engine, database_url
from store.hr_queries import HrQueries, PlanFilter, Scope
from store.plan_records import PlanRecords
from store.schema import upgrade

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
"""A fixed "now", so every run builds the same plans and asks the same questions."""
SEED = 20261125
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_MS = 20.0
"""The overdue list's p95 budget at 10,000 plans."""
WARMUP = 5
VISIBILITY_REPEAT = 30
START_CHUNK = 50
INDEXING_TIMEOUT = timedelta(seconds=120)
PROGRESS_EVERY = 1_000
WORKFLOW_TYPE = "CoachingPlanWorkflow"

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

T = TypeVar("T")
console = Console(highlight=False)


class SetupError(Exception):
    """Something the benchmark needs is missing; the message says what, for a person."""


# The org directory and the plans.


@dataclass(frozen=True)
class Directory:
    """~2,000 people in four levels: a CEO, 19 directors, 280 managers, everyone else."""

    people: dict[str, Person]
    manager_of: dict[str, str]
    hr: list[Person]
    team_members: list[str]
    """Everyone who has a skip-level, HR excepted: who a plan can be for."""


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


# Timing.


class Percentiles:
    """A row of timings: its p50, its p95, and whether the p95 met its target."""

    samples: list[float]
    target_ms: float | None

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.p95 < self.target_ms


@dataclass(frozen=True)
class Timing(Percentiles):
    database: str
    query: str
    plans: int
    rows: str
    samples: list[float]
    """Milliseconds, one per repetition."""
    target_ms: float | None = None


def percentile(samples: list[float], q: float) -> float:
    """Nearest rank: an actual measurement, never an interpolated one."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def settle_memory() -> None:
    """The generated plans stay in memory for the whole run; frozen, they are left out of
    the garbage collector's full passes, which would otherwise land inside the timings (a
    `coachplan hr` process never holds them)."""
    gc.collect()
    gc.freeze()


def measure(call: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    """Times `repeat` calls after a few warm-ups (pool connections, statement caches)."""
    settle_memory()
    for _ in range(WARMUP):
        result = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


async def measure_async(call: Callable[[], Awaitable[T]], repeat: int) -> tuple[list[float], T]:
    """`measure` for the Temporal client, timed on the event loop it runs on."""
    settle_memory()
    for _ in range(WARMUP):
        result = await call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


# The store.


def fill(engine: Engine, records: list[PlanRecord], label: str) -> None:
    """Migrates, then saves every record through the worker's writer, one transaction each."""
    upgrade(engine)
    writer = PlanRecords(engine)
    started = time.perf_counter()
    for done, record in enumerate(records, start=1):
        writer.save(record)
        if done % PROGRESS_EVERY == 0 or done == len(records):
            elapsed = time.perf_counter() - started
            console.print(f"  {label}: {done:,}/{len(records):,} plans saved, {elapsed:.1f} s")


def bench_store(
    label: str, url: str, records: list[PlanRecord], repeat: int, problems: list[str]
) -> list[Timing]:
    """Fills one database and times the four questions HR asks most."""
    rng = random.Random(SEED)
    engine = create_store_engine(url)
    try:
        fill(engine, records, label)
        queries = HrQueries(engine)
        everyone = Scope.everyone()
        plans = len(records)
        console.print(f"  {label}: timing {repeat} repetitions of each query")

        samples, page = measure(
            lambda: queries.list_plans(everyone, PlanFilter(overdue=True), NOW), repeat
        )
        expected = overdue_ids(records, NOW)
        if page.total != len(expected):
            problems.append(f"{label}: the overdue list counts {page.total}, not {len(expected)}")
        timings = [
            Timing(
                label,
                "list --overdue",
                plans,
                f"{len(page.plans)} of {page.total}",
                samples,
                TARGET_MS,
            )
        ]

        samples, groups = measure(lambda: queries.overdue(everyone, NOW), repeat)
        items = [item for group in groups for item in group.items]
        if {item.plan_id for item in items} != expected:
            problems.append(f"{label}: `hr overdue` does not list exactly the overdue plans")
        rows = f"{len(items)} items / {len(groups)} people"
        timings.append(Timing(label, "overdue", plans, rows, samples))

        ids = iter(rng.choices([r.plan_id for r in records], k=repeat + WARMUP))
        samples, history = measure(lambda: queries.history(everyone, next(ids), NOW), repeat)
        rows = "1 plan" if history else "none"
        timings.append(Timing(label, "show <random plan>", plans, rows, samples))

        manager = widest_manager(records)
        scope = Scope(person_id=manager)
        samples, page = measure(lambda: queries.list_plans(scope, PlanFilter(), NOW), repeat)
        rows = f"{len(page.plans)} of {page.total}"
        timings.append(Timing(label, f"list as manager {manager}", plans, rows, samples))
        return timings
    finally:
        engine.dispose()


def widest_manager(records: list[PlanRecord]) -> str:
    """The manager who sees the most plans (run, or skip-level on): a manager's longest list."""
    scopes = Counter(
        person for r in records for person in {r.parties.manager.id, r.parties.skip_level.id}
    )
    return scopes.most_common(1)[0][0]


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A schema of its own, dropped afterwards (also on error or Ctrl-C): no rows left behind."""
    try:
        parsed = database_url(url)
    except DatabaseUrlError as error:
        raise SetupError(f"--postgres-url: {error}") from None
    if parsed.get_backend_name() != "postgresql":
        raise SetupError(f"--postgres-url must be a PostgreSQL URL, not {url}")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = str(error.orig).strip().splitlines()[0]
        raise SetupError(
            f"PostgreSQL at {parsed.render_as_string()} is unreachable ({reason}); start it, "
            "pass --postgres-url, or use --skip-postgres"
        ) from None
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
        console.print(f"  PostgreSQL: dropped schema {name}")


# Temporal visibility.


@dataclass(frozen=True)
class Comparison:
    plans: int
    sql: Timing
    visibility: Timing
    sql_ids: set[str]
    visibility_ids: set[str]


def sql_overdue_ids(url: str, records: list[PlanRecord]) -> tuple[Timing, set[str]]:
    """The overdue list in full (no page limit, as visibility has none) over the same plans."""
    engine = create_store_engine(url)
    try:
        fill(engine, records, f"SQLite ({len(records):,} plans)")
        queries = HrQueries(engine)
        every_plan = PlanFilter(overdue=True, limit=10_000)
        samples, page = measure(
            lambda: queries.list_plans(Scope.everyone(), every_plan, NOW), VISIBILITY_REPEAT
        )
    finally:
        engine.dispose()
    timing = Timing("SQLite", "overdue list", len(records), str(page.total), samples)
    return timing, {p.plan_id for p in page.plans}


async def visibility_overdue_ids(
    records: list[PlanRecord], temporal: Path
) -> tuple[Timing, set[str]]:
    """Starts one idle workflow per plan, waits for indexing, then times the overdue query."""
    console.print("  Temporal: starting a dev server")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=data_converter,
        dev_server_log_level="error",
    )
    async with env:
        client = env.client
        await start_idle_workflows(client, records)
        await wait_until_indexed(client, len(records))
        query = (
            f'WorkflowType = "{WORKFLOW_TYPE}" AND '
            f'{NEXT_DEADLINE.name} < "{NOW.isoformat()}" AND ExecutionStatus = "Running"'
        )

        async def overdue() -> list[str]:
            return [execution.id async for execution in client.list_workflows(query)]

        console.print(f"  Temporal: timing {VISIBILITY_REPEAT} repetitions of the overdue query")
        samples, workflow_ids = await measure_async(overdue, VISIBILITY_REPEAT)
    timing = Timing(
        "Temporal visibility", "overdue list", len(records), str(len(workflow_ids)), samples
    )
    return timing, {w.removeprefix(workflow_id_for("")) for w in workflow_ids}


async def start_idle_workflows(client: Client, records: list[PlanRecord]) -> None:
    """On a task queue no worker polls: they never run, they only carry search attributes."""
    task_queue = f"hr-bench-nobody-polls-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()

    async def start(record: PlanRecord) -> None:
        pairs: list[SearchAttributePair[str] | SearchAttributePair[datetime]] = [
            SearchAttributePair(PLAN_PHASE, record.phase.value)
        ]
        if record.next_deadline is not None:
            pairs.append(SearchAttributePair(NEXT_DEADLINE, record.next_deadline))
        await client.start_workflow(
            WORKFLOW_TYPE,
            record.plan_id,
            id=workflow_id_for(record.plan_id),
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes(pairs),
        )

    for chunk in range(0, len(records), START_CHUNK):
        await asyncio.gather(*(start(r) for r in records[chunk : chunk + START_CHUNK]))
        done = min(chunk + START_CHUNK, len(records))
        if done % (4 * START_CHUNK) == 0 or done == len(records):
            elapsed = time.perf_counter() - started
            console.print(
                f"  Temporal: {done:,}/{len(records):,} workflows started, {elapsed:.1f} s"
            )


async def wait_until_indexed(client: Client, expected: int) -> None:
    """Visibility is eventually consistent: a list asked too early would miss plans."""
    query = f'WorkflowType = "{WORKFLOW_TYPE}"'
    deadline = time.monotonic() + INDEXING_TIMEOUT.total_seconds()
    while (count := (await client.count_workflows(query)).count) < expected:
        if time.monotonic() > deadline:
            raise SetupError(f"Temporal visibility indexed only {count} of {expected} workflows")
        await asyncio.sleep(0.2)
    console.print(f"  Temporal: visibility has indexed all {count:,} workflows")


def compare(url: str, records: list[PlanRecord], temporal: Path) -> Comparison:
    sql, sql_ids = sql_overdue_ids(url, records)
    visibility, visibility_ids = asyncio.run(visibility_overdue_ids(records, temporal))
    return Comparison(len(records), sql, visibility, sql_ids, visibility_ids)


# The report.


def report(timings: list[Timing], comparison: Comparison | None) -> None:
    table = Table(title=f"HR's queries (now = {NOW:%Y-%m-%d %H:%M} UTC)")
    for name in ("Database", "Query", "Plans", "Rows returned"):
        table.add_column(name)
    for name in ("p50 ms", "p95 ms", "p95 target", "Met?"):
        table.add_column(name, justify="right")
    for t in timings:
        met = {None: "—", True: "[green]yes[/]", False: "[red]no[/]"}[t.met]
        target = f"< {t.target_ms:g} ms" if t.target_ms is not None else "—"
        table.add_row(
            t.database, t.query, f"{t.plans:,}", t.rows, f"{t.p50:.2f}", f"{t.p95:.2f}", target, met
        )
    console.print(table)
    if comparison is None:
        return
    c = comparison
    console.print(f"\nThe overdue list over the same {c.plans:,} plans, in full:")
    for t in (c.sql, c.visibility):
        console.print(
            f"  {t.database:<20} {t.rows:>5} plans   p50 {t.p50:8.2f} ms   p95 {t.p95:8.2f} ms"
        )
    console.print(
        f"  Visibility / SQL: {c.visibility.p50 / c.sql.p50:.1f}x at p50, "
        f"{c.visibility.p95 / c.sql.p95:.1f}x at p95"
    )
    if c.sql_ids == c.visibility_ids:
        console.print(f"  Same plan ids from both: yes ({len(c.sql_ids)} plans)")
    else:
        console.print(
            f"  [red]Same plan ids from both: no[/] ({len(c.sql_ids - c.visibility_ids)} only in "
            f"SQL, {len(c.visibility_ids - c.sql_ids)} only in visibility)"
        )


def describe_mix(records: list[PlanRecord]) -> None:
    phases = Counter(r.phase for r in records)
    mix = ", ".join(f"{phase.value} {phases[phase]:,}" for phase in Phase)
    open_plans = sum(not r.phase.is_final for r in records)
    late = len(overdue_ids(records, NOW))
    console.print(f"Plans: {mix}")
    console.print(
        f"Past their deadline: {late:,} of {open_plans:,} open plans ({late / open_plans:.0%})"
    )


# The command line.


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Times the queries behind `coachplan hr list --overdue`, `hr overdue`, `hr show` and\n"
            "a manager's `hr list`, at 10,000 plans on SQLite and PostgreSQL, then the overdue\n"
            "list answered by Temporal visibility against the same list answered by SQL.\n\n"
            f"Exit status: 0 when the overdue list's p95 is under {TARGET_MS:g} ms on every\n"
            "database; 1 when it is not, or when two answers that must agree do not; 2 for bad\n"
            "arguments, an unreachable PostgreSQL or missing Temporal binaries."
        ),
        epilog=(
            "examples:\n"
            "  .venv/bin/python bench/hr_queries.py\n"
            "  .venv/bin/python bench/hr_queries.py --plans 2000 --repeat 50 "
            "--visibility-plans 200 --skip-postgres"
        ),
    )
    parser.add_argument("--plans", type=int, default=10_000, help="plans in each store")
    parser.add_argument("--repeat", type=int, default=200, help="timed repetitions per query")
    parser.add_argument(
        "--visibility-plans",
        type=int,
        default=1_000,
        help="idle workflows to start on a Temporal dev server, at most --plans "
        "(0 skips the comparison)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("COACHPLAN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL to benchmark, in a schema of its own "
        f"(default: $COACHPLAN_BENCH_POSTGRES_URL, else {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="benchmark SQLite only")
    arguments = parser.parse_args(argv)
    if arguments.plans < 1 or arguments.repeat < 1:
        parser.error("--plans and --repeat must be at least 1")
    if arguments.visibility_plans < 0:
        parser.error("--visibility-plans must be 0 (to skip) or more")
    arguments.visibility_plans = min(arguments.visibility_plans, arguments.plans)
    return arguments


def run(arguments: argparse.Namespace) -> int:
    started = time.perf_counter()
    problems: list[str] = []
    timings: list[Timing] = []
    comparison = None
    with ExitStack() as stack:
        postgres = None
        if not arguments.skip_postgres:
            postgres = stack.enter_context(postgres_schema(arguments.postgres_url))
        temporal = installed_binary("temporal") if arguments.visibility_plans else None
        rng = random.Random(SEED)
        console.print(f"Generating {arguments.plans:,} plans (seed {SEED})")
        records = PlanFactory(rng, build_directory(rng), NOW).plans(arguments.plans)
        describe_mix(records)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hr-bench-")))
        stores = [("SQLite", f"sqlite:///{folder}/store.db")]
        if postgres is not None:
            stores.append(("PostgreSQL", postgres))
        for label, url in stores:
            console.print(f"\n{label}: filling the store")
            timings += bench_store(label, url, records, arguments.repeat, problems)
        if temporal is not None:
            console.print("\nTemporal visibility against SQL")
            subset = records[: arguments.visibility_plans]
            comparison = compare(f"sqlite:///{folder}/subset.db", subset, temporal)
            if comparison.sql_ids != comparison.visibility_ids:
                problems.append("visibility and SQL disagree on which plans are overdue")
    console.print()
    report(timings, comparison)
    for problem in problems:
        console.print(f"[red]Wrong answer:[/] {problem}")
    missed = [t.database for t in timings if t.met is False]
    for database in missed:
        console.print(f"[red]Target missed:[/] the overdue list on {database}")
    console.print(f"\nTotal run time: {time.perf_counter() - started:.0f} s")
    return 1 if missed or problems else 0


def _terminated(_signum: int, _frame: FrameType | None) -> None:
    """`kill` cleans up like Ctrl-C: the schema and the dev server must not outlive the run."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, _terminated)
    if not console.is_terminal:
        console.width = 120  # Rich's 80 columns would fold the table when output is captured.
    try:
        return run(arguments)
    except (SetupError, MissingBinary) as error:
        console.print(f"[red]Cannot run the benchmark:[/] {error}")
        return 2
    except KeyboardInterrupt:
        console.print("Interrupted; the temporary databases and schema are removed.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
