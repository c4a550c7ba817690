"""Who opened a plan, when, and through what: its page, the JSON API, the `coachplan`
command, HR's dashboard, or a decode through the codec server.

A plan is confidential to four parties; this record lets them see who opened it. Recording
is one INSERT and never costs the person their view: a store that cannot take it loses the
look, with a warning that names the plan id only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from coaching.plan import StrictModel
from store.models import PlanLookRow

SHOWN = 50
"""How many looks a plan's page lists; the count says how many there are in all."""

log = logging.getLogger(__name__)


class Through(StrEnum):
    page = "page"
    api = "api"
    cli = "cli"
    hr_dashboard = "hr_dashboard"
    codec = "codec"


class Look(StrictModel):
    plan_id: str | None
    """None for a codec decode whose payload names no plan."""
    person_id: str
    at: datetime
    through: Through


class PlanLookList(StrictModel):
    looks: list[Look]
    """The most recent first."""
    total: int


class PlanLooks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, plan_id: str | None, person_id: str, through: Through, at: datetime) -> bool:
        """False when the store could not take it (logged); the view goes on either way."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(PlanLookRow).values(
                        plan_id=plan_id, person_id=person_id, at=at, through=through.value
                    )
                )
        except SQLAlchemyError as error:
            log.warning(
                "a look at plan %s through %s was not recorded: %s",
                plan_id,
                through.value,
                type(error).__name__,
            )
            return False
        return True

    def of(self, plan_id: str, limit: int = SHOWN) -> PlanLookList:
        """Raises SQLAlchemy's errors: the caller decides what a page shows without them."""
        newest = (
            select(PlanLookRow)
            .where(PlanLookRow.plan_id == plan_id)
            .order_by(PlanLookRow.at.desc(), PlanLookRow.id.desc())
            .limit(limit)
        )
        total = select(func.count()).select_from(PlanLookRow).where(PlanLookRow.plan_id == plan_id)
        with self.engine.connect() as connection:
            rows = connection.execute(newest).all()
            count = connection.execute(total).scalar_one()
        return PlanLookList(
            looks=[
                Look(
                    plan_id=row.plan_id,
                    person_id=row.person_id,
                    at=row.at,
                    through=Through(row.through),
                )
                for row in rows
            ],
            total=count,
        )
