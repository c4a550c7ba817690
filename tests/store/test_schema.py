"""The Alembic migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from store.models import Base
from store.schema import current_revision, head_revision, upgrade


def test_the_migrations_create_what_the_models_describe(store: Engine) -> None:
    with store.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_upgrading_twice_changes_nothing_the_second_time(store: Engine) -> None:
    assert current_revision(store) == head_revision()

    before, after = upgrade(store)

    assert before == after == head_revision()
