"""HR's questions, answered from the read model: which plans, what is overdue, what happened.

Each answer is one or two indexed queries, whatever the number of plans: HR never waits on
Temporal for a list. Who may ask is decided by `Scope`: HR sees every plan, a manager sees
the plans they run and those of their reports' reports. A person's own "My plans" page is
answered here too, from the plans they are a party to (`my_plans`), and so is
`coachplan list` (`plans_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, model_validator
from sqlalchemy import ColumnElement, Engine, Label, RowMapping, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from coaching.plan import Role, StrictModel
from coaching.status import Outcome, Phase
from coaching.validation import explain
from store.models import (
    AuditRow,
    CheckInRow,
    ObligationRow,
    PlanRow,
    ReviewRow,
    SignatureRow,
    VersionRow,
)

DEFAULT_LIMIT = 200
MY_PLANS_LIMIT = 50
"""Rows per list on a person's own page; a manager of many reaches the rest in HR's list."""


@dataclass(frozen=True)
class Scope:
    """The plans a viewer may see: all of them (HR), or those they run or are skip-level on."""

    person_id: str | None = None

    @classmethod
    def everyone(cls) -> Scope:
        return cls()

    def clause(self) -> ColumnElement[bool]:
        if self.person_id is None:
            return true()
        return or_(PlanRow.manager_id == self.person_id, PlanRow.skip_level_id == self.person_id)


class PlanFilter(StrictModel):
    """HR's list filters; every one is optional and they combine with AND."""

    phase: list[Phase] = Field(default_factory=list)
    outcome: list[Outcome] = Field(default_factory=list)
    overdue: bool = False
    owed_by_role: Role | None = None
    owed_by: str | None = Field(default=None, description="A directory id.")
    manager: str | None = Field(default=None, description="A directory id.")
    started_from: date | None = None
    started_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    limit: Annotated[int, Field(ge=1, le=10_000)] = DEFAULT_LIMIT

    @model_validator(mode="after")
    def _ranges_in_order(self) -> Self:
        for name in ("started", "closed"):
            start, end = getattr(self, f"{name}_from"), getattr(self, f"{name}_to")
            if start is not None and end is not None and start > end:
                raise ValueError(f"{name}_from ({start}) must not be after {name}_to ({end})")
        return self


class PlanListing(StrictModel):
    plan_id: str
    phase: Phase
    outcome: Outcome | None
    version: int
    manager_id: str
    team_member_id: str
    skip_level_id: str
    team_member_included: bool
    starts_on: date
    ends_on: date
    started_at: datetime
    closed_at: datetime | None
    next_deadline: datetime | None
    next_owed_by: list[Role]
    next_action: str
    held_because: str | None = None
    document: str | None = None
    calendar: str | None = None
    overdue: bool

    def has_party(self, person_id: str) -> bool:
        """Whether the person is the plan's manager, skip-level, or its team member once
        brought in (as `_party` asks the database)."""
        return person_id in (self.manager_id, self.skip_level_id) or (
            person_id == self.team_member_id and self.team_member_included
        )


class PlanPage(StrictModel):
    plans: list[PlanListing]
    total: int = Field(description="How many plans match, of which `plans` is the first page.")


class PlanCounts(StrictModel):
    """HR's dashboard tiles: every phase and outcome is present, at zero when none match."""

    total: int
    overdue: int = Field(description="Plans whose next deadline has passed.")
    by_phase: dict[Phase, int]
    by_outcome: dict[Outcome, int] = Field(description="Plans without an outcome are not counted.")


class OwedItem(StrictModel):
    """One step someone owes on an open plan, with whose plan it is, for a person's own page."""

    plan_id: str
    phase: Phase
    role: Role
    person_id: str = Field(description="Who owes it.")
    action: str
    due: datetime | None
    optional: bool
    overdue: bool = Field(description="Past its deadline; optional steps are never overdue.")
    team_member_id: str
    manager_id: str


class MyPlans(StrictModel):
    """A person's "My plans" page: only plans they are a party to, never as HR (HR has its
    dashboard), and as team member only once they have been brought in."""

    i_owe: list[OwedItem] = Field(description="Soonest due first, steps without a date last.")
    owed_to_me: list[OwedItem] = Field(description="What others owe on my plans, soonest first.")
    open_plans: list[PlanListing] = Field(description="By next deadline, like HR's list.")
    closed_plans: list[PlanListing] = Field(description="Closed or cancelled, newest first.")
    owed_to_me_total: int = Field(description="How many, of which `owed_to_me` is the first.")
    open_total: int
    closed_total: int


class UnreadablePlan(StrictModel):
    plan_id: str
    reason: str = Field(description="Why its record cannot be read, field by field.")


class PartyPlans(StrictModel):
    """The plans a person is a party to (every plan, for HR): open ones first, by next
    deadline, then closed ones, newest first. A record that cannot be read is listed in
    `unreadable` with the reason, never left out."""

    plans: list[PlanListing]
    unreadable: list[UnreadablePlan]
    total: int = Field(description="How many plans match, of which these are the first.")


class OverdueItem(StrictModel):
    plan_id: str
    phase: Phase
    role: Role
    action: str
    due: datetime


class OverdueGroup(StrictModel):
    """Everything one person owes past its deadline, oldest first."""

    person_id: str
    items: list[OverdueItem]


class VersionEntry(StrictModel):
    number: int
    sha256: str
    author: str
    summary: str
    created_at: datetime


class SignatureEntry(StrictModel):
    role: Role
    email: str
    version: int
    sha256: str
    signed_at: datetime
    voided_at: datetime | None
    voided_because: str


class CheckInEntry(StrictModel):
    number: int
    due_at: datetime
    status: str
    recorded_at: datetime | None
    team_member_notes: int


class ReviewEntry(StrictModel):
    outcome: str
    achievements: str
    next_steps: str
    submitted_by: str
    submitted_at: datetime
    team_member_comment: str | None


class AuditLine(StrictModel):
    at: datetime
    actor: str
    action: str
    detail: str
    version: int
    refused: bool


class OwedEntry(StrictModel):
    role: Role
    person_id: str
    action: str
    due: datetime | None
    optional: bool


class PlanHistory(StrictModel):
    """One plan's whole record: the listing, who owes what, then every version, signature,
    check-in and audit line."""

    plan: PlanListing
    owed: list[OwedEntry]
    versions: list[VersionEntry]
    signatures: list[SignatureEntry]
    check_ins: list[CheckInEntry]
    review: ReviewEntry | None
    audit: list[AuditLine]


LISTING_COLUMNS = [getattr(PlanRow, name) for name in PlanListing.model_fields if name != "overdue"]
FINAL_PHASES = [phase.value for phase in Phase if phase.is_final]


class HrQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_plans(self, scope: Scope, plan_filter: PlanFilter, now: datetime) -> PlanPage:
        """Sorted by next deadline (soonest first; plans owing nothing last), then by id: the
        order of `ix_plans_next_deadline_plan_id`, from which the page is read without
        sorting every plan."""
        conditions = [scope.clause(), *self._conditions(plan_filter, now)]
        query = (
            select(*LISTING_COLUMNS, _total_of(conditions))
            .where(*conditions)
            .order_by(PlanRow.next_deadline.asc().nulls_last(), PlanRow.plan_id)
            .limit(plan_filter.limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return PlanPage(plans=[_listing(row, now) for row in rows], total=_total(rows))

    def overdue(self, scope: Scope, now: datetime) -> list[OverdueGroup]:
        """What each person owes past its deadline, the longest-waiting person first."""
        query = (
            select(
                ObligationRow.person_id,
                ObligationRow.plan_id,
                PlanRow.phase,
                ObligationRow.role,
                ObligationRow.action,
                ObligationRow.due,
            )
            .join(PlanRow, PlanRow.plan_id == ObligationRow.plan_id)
            .where(scope.clause(), ObligationRow.due < now, ObligationRow.optional.is_(False))
            .order_by(ObligationRow.due, ObligationRow.plan_id)
        )
        groups: dict[str, list[OverdueItem]] = defaultdict(list)
        with self.engine.connect() as connection:
            for person_id, plan_id, phase, role, action, due in connection.execute(query):
                groups[person_id].append(
                    OverdueItem(plan_id=plan_id, phase=phase, role=role, action=action, due=due)
                )
        return [OverdueGroup(person_id=person, items=items) for person, items in groups.items()]

    def history(self, scope: Scope, plan_id: str, now: datetime) -> PlanHistory | None:
        """None when there is no such plan, or when it is outside the viewer's scope."""
        with Session(self.engine) as session:
            row = session.execute(
                select(*LISTING_COLUMNS).where(scope.clause(), PlanRow.plan_id == plan_id)
            ).first()
            if row is None:
                return None

            def rows(model: Any, *order: Any) -> list[Any]:
                return list(
                    session.scalars(select(model).where(model.plan_id == plan_id).order_by(*order))
                )

            reviews = rows(ReviewRow, ReviewRow.plan_id)
            return PlanHistory.model_validate(
                {
                    "plan": _listing(row._mapping, now),
                    "owed": rows(ObligationRow, ObligationRow.seq),
                    "versions": rows(VersionRow, VersionRow.number),
                    "signatures": rows(SignatureRow, SignatureRow.seq),
                    "check_ins": rows(CheckInRow, CheckInRow.number),
                    "review": reviews[0] if reviews else None,
                    "audit": rows(AuditRow, AuditRow.at, AuditRow.id),
                },
                from_attributes=True,
            )

    def counts(self, scope: Scope, plan_filter: PlanFilter, now: datetime) -> PlanCounts:
        """The plans `list_plans` would match, counted (its `limit` is not applied)."""
        late = func.sum(case((PlanRow.next_deadline < now, 1), else_=0))
        query = (
            select(PlanRow.phase, PlanRow.outcome, func.count(), late)
            .where(scope.clause(), *self._conditions(plan_filter, now))
            .group_by(PlanRow.phase, PlanRow.outcome)
        )
        by_phase = dict.fromkeys(Phase, 0)
        by_outcome = dict.fromkeys(Outcome, 0)
        overdue = 0
        with self.engine.connect() as connection:
            for phase, outcome, count, late_count in connection.execute(query):
                by_phase[Phase(phase)] += count
                if outcome is not None:
                    by_outcome[Outcome(outcome)] += count
                overdue += late_count or 0
        return PlanCounts(
            total=sum(by_phase.values()),
            overdue=overdue,
            by_phase=by_phase,
            by_outcome=by_outcome,
        )

    def my_plans(self, person_id: str, now: datetime, limit: int = MY_PLANS_LIMIT) -> MyPlans:
        """Four queries, whatever the number of plans. What I owe is listed whole; the other
        lists are the first `limit` rows and their totals (HR's list pages through the rest)."""
        mine = _party(person_id)
        owed = (
            select(
                ObligationRow.plan_id,
                PlanRow.phase,
                ObligationRow.role,
                ObligationRow.person_id,
                ObligationRow.action,
                ObligationRow.due,
                ObligationRow.optional,
                PlanRow.team_member_id,
                PlanRow.manager_id,
                func.count().over().label("total"),
            )
            .join(PlanRow, PlanRow.plan_id == ObligationRow.plan_id)
            .where(_open(), mine)
            .order_by(
                ObligationRow.due.asc().nulls_last(), ObligationRow.plan_id, ObligationRow.seq
            )
        )
        plans = select(*LISTING_COLUMNS, func.count().over().label("total")).where(mine)
        open_plans = plans.where(_open()).order_by(
            PlanRow.next_deadline.asc().nulls_last(), PlanRow.plan_id
        )
        closed_plans = plans.where(~_open()).order_by(
            PlanRow.closed_at.desc().nulls_last(), PlanRow.plan_id
        )
        with self.engine.connect() as connection:
            i_owe = connection.execute(owed.where(ObligationRow.person_id == person_id))
            owed_to_me = connection.execute(
                owed.where(ObligationRow.person_id != person_id).limit(limit)
            )
            i_owe_rows, owed_to_me_rows = i_owe.mappings().all(), owed_to_me.mappings().all()
            open_rows = connection.execute(open_plans.limit(limit)).mappings().all()
            closed_rows = connection.execute(closed_plans.limit(limit)).mappings().all()
        return MyPlans(
            i_owe=[_owed_item(row, now) for row in i_owe_rows],
            owed_to_me=[_owed_item(row, now) for row in owed_to_me_rows],
            open_plans=[_listing(row, now) for row in open_rows],
            closed_plans=[_listing(row, now) for row in closed_rows],
            owed_to_me_total=_total(owed_to_me_rows),
            open_total=_total(open_rows),
            closed_total=_total(closed_rows),
        )

    def plans_of(
        self, person_id: str | None, now: datetime, limit: int = DEFAULT_LIMIT
    ) -> PartyPlans:
        """One query: the plans `person_id` is a party to, or every plan when it is None."""
        closed = case((PlanRow.phase.in_(FINAL_PHASES), 1), else_=0)
        party = true() if person_id is None else _party(person_id)
        query = (
            select(*LISTING_COLUMNS, _total_of([party]))
            .where(party)
            .order_by(
                closed,
                PlanRow.next_deadline.asc().nulls_last(),
                PlanRow.closed_at.desc().nulls_last(),
                PlanRow.plan_id,
            )
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        plans, unreadable = [], []
        for row in rows:
            try:
                plans.append(_listing(row, now))
            except ValueError as error:
                reason = "; ".join(explain(error)) if isinstance(error, ValidationError) else error
                unreadable.append(UnreadablePlan(plan_id=row["plan_id"], reason=str(reason)))
        return PartyPlans(plans=plans, unreadable=unreadable, total=_total(rows))

    def open_plan_ids(self, after: str | None, limit: int) -> list[str]:
        """A page of the plans neither closed nor cancelled, by id, for the daily sweep."""
        query = select(PlanRow.plan_id).where(_open()).order_by(PlanRow.plan_id).limit(limit)
        if after is not None:
            query = query.where(PlanRow.plan_id > after)
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def open_plan_of(self, team_member_id: str, now: datetime | None = None) -> PlanListing | None:
        """The team member's plan that is neither closed nor cancelled, for the one-open-plan
        rule; the oldest if a race ever left two. Not scoped: it answers a start, not a viewer.

        `now` only decides the `overdue` flag; the clock's by default.
        """
        query = (
            select(*LISTING_COLUMNS)
            .where(PlanRow.team_member_id == team_member_id, _open())
            .order_by(PlanRow.started_at, PlanRow.plan_id)
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _listing(row, now or datetime.now(UTC))

    def listing(self, plan_id: str, now: datetime | None = None) -> PlanListing | None:
        """One plan's row, whoever asks: for deciding who may see it, not for showing it.

        `now` only decides the `overdue` flag; the clock's by default.
        """
        query = select(*LISTING_COLUMNS).where(PlanRow.plan_id == plan_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _listing(row, now or datetime.now(UTC))

    def plans_started_for(self, team_member_id: str) -> int:
        """How many plans the team member has ever had, in any phase."""
        query = select(func.count()).where(PlanRow.team_member_id == team_member_id)
        with self.engine.connect() as connection:
            return connection.scalar(query) or 0

    @staticmethod
    def _conditions(plan_filter: PlanFilter, now: datetime) -> list[ColumnElement[bool]]:
        f = plan_filter
        conditions: list[ColumnElement[bool]] = []
        if f.phase:
            conditions.append(PlanRow.phase.in_([p.value for p in f.phase]))
        if f.outcome:
            conditions.append(PlanRow.outcome.in_([o.value for o in f.outcome]))
        if f.overdue:
            conditions.append(PlanRow.next_deadline < now)
        if f.manager is not None:
            conditions.append(PlanRow.manager_id == f.manager)
        if f.owed_by is not None or f.owed_by_role is not None:
            owes = select(ObligationRow.plan_id).where(ObligationRow.optional.is_(False))
            if f.owed_by is not None:
                owes = owes.where(ObligationRow.person_id == f.owed_by)
            if f.owed_by_role is not None:
                owes = owes.where(ObligationRow.role == f.owed_by_role.value)
            conditions.append(PlanRow.plan_id.in_(owes))
        conditions += _between(PlanRow.started_at, f.started_from, f.started_to)
        conditions += _between(PlanRow.closed_at, f.closed_from, f.closed_to)
        return conditions


def _owed_item(row: RowMapping, now: datetime) -> OwedItem:
    values = {name: value for name, value in row.items() if name != "total"}
    late = row["due"] is not None and row["due"] < now and not row["optional"]
    return OwedItem(**values, overdue=late)


def _total_of(conditions: list[ColumnElement[bool]]) -> Label[int]:
    """How many plans match, as a column of a page's query: counted apart but in the same
    statement, so in the same snapshot. `count() over ()` would read every matching row in
    full before the limit; a count alone reads an index."""
    count = select(func.count()).select_from(PlanRow).where(*conditions).correlate(None)
    return count.scalar_subquery().label("total")


def _total(rows: Sequence[RowMapping]) -> int:
    return int(rows[0]["total"]) if rows else 0


def _open() -> ColumnElement[bool]:
    return PlanRow.phase.not_in(FINAL_PHASES)


def _party(person_id: str) -> ColumnElement[bool]:
    """The plans a person is a party to as manager, skip-level or team member; a team member
    only once brought in, before which they see nothing of the plan."""
    return or_(
        PlanRow.manager_id == person_id,
        PlanRow.skip_level_id == person_id,
        and_(PlanRow.team_member_id == person_id, PlanRow.team_member_included.is_(True)),
    )


def _between(column: Any, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Whole days, in UTC: `end` includes that day."""
    conditions = []
    if start is not None:
        conditions.append(column >= _midnight(start))
    if end is not None:
        conditions.append(column < _midnight(end + timedelta(days=1)))
    return conditions


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _listing(row: RowMapping, now: datetime) -> PlanListing:
    values = {name: value for name, value in row.items() if name != "total"}
    owed_by = values.pop("next_owed_by")
    deadline = values["next_deadline"]
    return PlanListing(
        **values,
        next_owed_by=[Role(r) for r in owed_by.split(",") if r],
        overdue=deadline is not None and deadline < now,
    )
