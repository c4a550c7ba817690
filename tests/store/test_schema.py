"""The Alembic migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from store.database import create_store_engine
from store.models import Base
from store.schema import (
    SchemaOutdated,
    current_revision,
    head_revision,
    require_current_schema,
    upgrade,
)


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
