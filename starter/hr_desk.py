"""HR's desk: who may see which plans in HR's records, and the questions they can ask.

Shared by the CLI and (later) the web app, so the access rule and its wording live once.
HR sees every plan; a manager sees the plans they run and those of their reports' reports;
nobody else sees HR's records. A plan's verification report is for HR and its parties.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from coaching.org import DirectoryEntry, DirectoryError, DirectorySource, OrgDirectory
from coaching.plan import Role
from coaching.settings import Settings
from coaching.verification import VerificationReport
from starter.plan_client import (
    DatabaseUnavailable,
    NotAllowed,
    PlanError,
    PlanNotFound,
    directory_source,
)
from store.database import create_store_engine, describe
from store.hr_queries import (
    HrQueries,
    MyPlans,
    OverdueGroup,
    PartyPlans,
    PlanCounts,
    PlanFilter,
    PlanHistory,
    PlanPage,
    Scope,
)
from store.plan_verification import verify_plan
from store.schema import SchemaOutdated, require_current_schema

Answer = TypeVar("Answer")


class HrFilters(BaseModel):
    """The list filters as people type them: emails and role names, not directory ids."""

    phase: list[str] = []
    outcome: list[str] = []
    overdue: bool = False
    owed_by: str | None = None
    manager: str | None = None
    started_from: str | None = None
    started_to: str | None = None
    closed_from: str | None = None
    closed_to: str | None = None
    limit: int | None = None


class HrDesk:
    def __init__(self, engine: Engine, directory: DirectorySource) -> None:
        self._directory = directory
        self.engine = engine
        self.queries = HrQueries(engine)

    @property
    def directory(self) -> OrgDirectory:
        return self._directory.current()

    @property
    def directory_source(self) -> DirectorySource:
        return self._directory

    @classmethod
    def open(cls, settings: Settings) -> HrDesk:
        """Refuses a database that `coachplan db upgrade` has not prepared, saying so."""
        directory = directory_source(settings)
        engine = create_store_engine(settings.database)
        try:
            require_current_schema(engine)
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"cannot read HR's records at {describe(engine)}: {error.orig}"
            ) from None
        except SchemaOutdated as error:
            raise DatabaseUnavailable(str(error)) from None
        return cls(engine, directory)

    def person(self, viewer: str) -> DirectoryEntry:
        try:
            return self.directory.by_email(viewer)
        except DirectoryError as error:
            raise PlanError(f"--as: {error}") from None

    def scope_for(self, viewer: str) -> Scope:
        person = self.person(viewer)
        if person.hr:
            return Scope.everyone()
        if self.directory.reports_of(person.email):
            return Scope(person_id=person.id)
        raise NotAllowed(
            f"{person.email} may not see HR's records: they are for HR, and for managers "
            "(their own plans and their reports' reports')"
        )

    def plans(self, viewer: str, filters: HrFilters) -> PlanPage:
        scope = self.scope_for(viewer)
        plan_filter = self._plan_filter(filters)
        return self._read(lambda: self.queries.list_plans(scope, plan_filter, _now()))

    def counts(self, viewer: str, filters: HrFilters) -> PlanCounts:
        scope = self.scope_for(viewer)
        plan_filter = self._plan_filter(filters)
        return self._read(lambda: self.queries.counts(scope, plan_filter, _now()))

    def my_plans(self, viewer: str) -> MyPlans:
        """The plans a person is a party to; anyone in the directory may ask."""
        person = self.person(viewer)
        return self._read(lambda: self.queries.my_plans(person.id, _now()))

    def plans_of(self, viewer: str, limit: int) -> PartyPlans:
        """`coachplan list`: the plans a person is a party to; HR's people see every plan."""
        person = self.person(viewer)
        party = None if person.hr else person.id
        return self._read(lambda: self.queries.plans_of(party, _now(), limit))

    def overdue(self, viewer: str) -> list[OverdueGroup]:
        scope = self.scope_for(viewer)
        return self._read(lambda: self.queries.overdue(scope, _now()))

    def history(self, viewer: str, plan_id: str) -> PlanHistory:
        scope = self.scope_for(viewer)
        found = self._read(lambda: self.queries.history(scope, plan_id, _now()))
        if found is None:
            raise PlanNotFound(plan_id)
        return found

    def verification(self, viewer: str, plan_id: str) -> VerificationReport:
        """`coachplan verify`: for HR and the plan's parties; anyone else hears that there
        is no such plan, as for one that does not exist."""
        person = self.person(viewer)
        listing = self._read(lambda: self.queries.listing(plan_id))
        if listing is None or not (person.hr or listing.has_party(person.id)):
            raise PlanNotFound(plan_id)
        report = self._read(lambda: verify_plan(self.engine, plan_id))
        if report is None:
            raise PlanNotFound(plan_id)
        return report

    def name_of(self, person_id: str) -> str:
        try:
            return self.directory.by_id(person_id).name
        except DirectoryError:
            return person_id

    def _plan_filter(self, filters: HrFilters) -> PlanFilter:
        """Raises pydantic's `ValidationError`, naming the field, for a malformed filter."""
        values = filters.model_dump(exclude_none=True, exclude={"owed_by", "manager"})
        if filters.manager is not None:
            values["manager"] = self._person_id("manager", filters.manager)
        if filters.owed_by in Role.__members__:
            values["owed_by_role"] = filters.owed_by
        elif filters.owed_by is not None:
            values["owed_by"] = self._person_id("owed_by", filters.owed_by)
        return PlanFilter.model_validate(values)

    def _person_id(self, field: str, email: str) -> str:
        try:
            return self.directory.by_email(email).id
        except DirectoryError as error:
            roles = ", ".join(Role.__members__)
            raise PlanError(f"{field}: {error} (give an email, or one of: {roles})") from None

    def _read(self, query: Callable[[], Answer]) -> Answer:
        try:
            return query()
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"cannot read HR's records at {describe(self.engine)}: {error.orig}"
            ) from None


def _now() -> datetime:
    return datetime.now(UTC)
