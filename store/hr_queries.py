"""HR's questions, answered from the read model: which plans, what is overdue, what happened.

Each answer is one or two indexed queries, whatever the number of plans: HR never waits on
Temporal for a list. Who may ask is decided by `Scope`: HR sees every plan, a manager sees
the plans they run and those of their reports' reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Self

from pydantic import Field, model_validator
from sqlalchemy import ColumnElement, Engine, RowMapping, func, or_, select, true
from sqlalchemy.orm import Session

from coaching.plan import Role, StrictModel
from coaching.status import Outcome, Phase
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
    starts_on: date
    ends_on: date
    started_at: datetime
    closed_at: datetime | None
    next_deadline: datetime | None
    next_owed_by: list[Role]
    next_action: str
    overdue: bool


class PlanPage(StrictModel):
    plans: list[PlanListing]
    total: int = Field(description="How many plans match, of which `plans` is the first page.")


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


class HrQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_plans(self, scope: Scope, plan_filter: PlanFilter, now: datetime) -> PlanPage:
        """Sorted by next deadline (soonest first; plans owing nothing last)."""
        total = func.count().over().label("total")
        query = (
            select(*LISTING_COLUMNS, total)
            .where(scope.clause(), *self._conditions(plan_filter, now))
            .order_by(PlanRow.next_deadline.asc().nulls_last(), PlanRow.plan_id)
            .limit(plan_filter.limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return PlanPage(
            plans=[_listing(row, now) for row in rows], total=rows[0]["total"] if rows else 0
        )

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
