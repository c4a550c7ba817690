"""The Alembic migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, insert, select

from coaching.status import Phase
from store.api_tokens import ApiTokens
from store.database import create_store_engine
from store.models import Base, ObligationRow, PlanRow
from store.plan_records import PlanRecords
from store.schema import (
    SchemaOutdated,
    alembic_config,
    current_revision,
    head_revision,
    require_current_schema,
    upgrade,
)
from tests.conftest import postgres_schema
from tests.store.sample_records import NOW, a_record


def test_the_migrations_create_what_the_models_describe(store: Engine) -> None:
    with store.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_upgrading_twice_changes_nothing_the_second_time(store: Engine) -> None:
    assert current_revision(store) == head_revision()

    before, after = upgrade(store)

    assert before == after == head_revision()


def test_a_database_without_the_newest_schema_is_named_with_the_fix(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path}/empty.db")

    with pytest.raises(SchemaOutdated) as outdated:
        require_current_schema(engine)

    assert f"have schema empty, not {head_revision()}" in str(outdated.value)
    assert "run `coachplan db upgrade`" in str(outdated.value)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database no migration has touched yet."""
    if request.param == "sqlite":
        engine = create_store_engine(f"sqlite:///{tmp_path}/old.db")
        yield engine
        engine.dispose()
        return
    with postgres_schema() as url:
        engine = create_store_engine(url)
        yield engine
        engine.dispose()


def migrate(engine: Engine, to: str, *, down: bool = False) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, to)


def plan(plan_id: str, phase: str) -> dict[str, Any]:
    """A plan row as schema 0001 held it (naive UTC, as the reflected table takes it)."""
    return {
        "plan_id": plan_id,
        "revision": 1,
        "manager_id": "mia",
        "team_member_id": "tom",
        "skip_level_id": "sara",
        "phase": phase,
        "outcome": "cancelled" if phase == "cancelled" else None,
        "version": 1,
        "starts_on": date(2026, 12, 2),
        "ends_on": date(2027, 1, 1),
        "started_at": datetime(2026, 11, 24, 12),
        "closed_at": None,
        "review_due_at": None,
        "next_deadline": None,
        "next_owed_by": "",
        "next_action": "",
        "updated_at": datetime(2026, 11, 25, 12),
    }


def audit_line(plan_id: str, key: str, action: str, refused: bool = False) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "key": key,
        "at": datetime(2026, 11, 25, 12),
        "actor": "sara@example.com",
        "action": action,
        "detail": "",
        "version": 1,
        "refused": refused,
    }


def included(engine: Engine) -> dict[str, bool]:
    with engine.connect() as connection:
        query = select(PlanRow.plan_id, PlanRow.team_member_included)
        return dict(connection.execute(query).all())


def test_0002_brings_in_the_team_member_of_every_plan_past_alignment(blank: Engine) -> None:
    migrate(blank, "0001")
    with blank.begin() as connection:
        tables = MetaData()
        plans = Table("plans", tables, autoload_with=connection)
        audit_log = Table("audit_log", tables, autoload_with=connection)
        obligations = Table("obligations", tables, autoload_with=connection)
        connection.execute(
            insert(plans),
            [
                plan("aligning", "alignment"),
                plan("coauthor", "co_authoring"),
                plan("active", "active"),
                plan("closed", "closed"),
                plan("cancelled_early", "cancelled"),
                plan("cancelled_late", "cancelled"),
            ],
        )
        connection.execute(
            insert(audit_log),
            [
                audit_line("aligning", "event-1", "started"),
                audit_line("cancelled_early", "event-1", "started"),
                audit_line("cancelled_early", "refusal-1", "approved", refused=True),
                audit_line("cancelled_early", "event-2", "cancelled"),
                audit_line("cancelled_late", "event-1", "started"),
                audit_line("cancelled_late", "event-2", "approved"),
                audit_line("cancelled_late", "event-3", "cancelled"),
            ],
        )
        connection.execute(
            insert(obligations),
            {
                "plan_id": "active",
                "seq": 0,
                "role": "manager",
                "person_id": "mia",
                "action": "record check-in 1",
                "due": datetime(2026, 11, 26, 12),
                "optional": False,
            },
        )
    with pytest.raises(SchemaOutdated, match=f"have schema 0001, not {head_revision()}"):
        require_current_schema(blank)

    migrate(blank, "0002")

    assert included(blank) == {
        "aligning": False,
        "coauthor": True,
        "active": True,
        "closed": True,
        "cancelled_early": False,
        "cancelled_late": True,
    }
    with blank.connect() as connection:
        kept = connection.scalars(select(ObligationRow.action)).all()
    assert kept == ["record check-in 1"], "altering plans must not cascade to its children"
    assert upgrade(blank) == ("0002", head_revision())
    require_current_schema(blank)


def test_the_store_goes_back_to_0001_and_forward_again(blank: Engine) -> None:
    migrate(blank, "head")
    records = PlanRecords(blank)
    records.save(a_record("aligning"))
    records.save(a_record("active", phase=Phase.active, team_member_included=True))
    ApiTokens(blank).create("mia", "script", NOW)

    migrate(blank, "0001", down=True)
    assert current_revision(blank) == "0001"
    migrate(blank, "head")

    assert included(blank) == {"aligning": False, "active": True}
    with blank.connect() as connection:
        owed = connection.scalars(select(ObligationRow.plan_id).order_by("plan_id")).all()
    assert owed == ["active", "aligning"], "altering plans must not cascade to its children"
    assert ApiTokens(blank).list("mia") == [], "the tokens went with the table"


def test_0003_keeps_every_plan_on_the_way_down_and_up(blank: Engine) -> None:
    migrate(blank, "head")
    held = a_record("held", phase=Phase.active, team_member_included=True).model_copy(
        update={
            "held_because": "grant the Drive scope",
            "document": "https://docs.google.com/document/d/abc/edit",
        }
    )
    PlanRecords(blank).save(held)
    with blank.connect() as connection:
        stored = connection.execute(select(PlanRow.held_because, PlanRow.document)).one()
    assert tuple(stored) == ("grant the Drive scope", "https://docs.google.com/document/d/abc/edit")

    migrate(blank, "0002", down=True)
    migrate(blank, "head")

    assert included(blank) == {"held": True}
    with blank.connect() as connection:
        stored = connection.execute(select(PlanRow.held_because, PlanRow.calendar)).one()
    assert tuple(stored) == (None, None), "the next record brings them back"
