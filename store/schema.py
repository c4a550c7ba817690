"""Brings a database to the newest schema with Alembic; `coachplan db upgrade` runs this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from store.database import create_store_engine, describe

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "store/migrations holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaOutdated(Exception):
    """The database answers, but `coachplan db upgrade` has not brought it to the newest schema."""


def require_current_schema(engine: Engine) -> None:
    """Raises `SchemaOutdated`, or SQLAlchemy's `OperationalError` if the database is down."""
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaOutdated(
            f"HR's records at {describe(engine)} have schema {current or 'empty'}, not "
            f"{head_revision()}: run `coachplan db upgrade`"
        )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Applies every migration not yet applied; returns the revisions before and after."""
    before = current_revision(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def upgrade_database(url: str) -> str:
    """Upgrades the database at `url` and says what changed, for the person who asked."""
    engine = create_store_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = describe(engine)
    if before == after:
        return f"HR's records at {where} are up to date (schema {after})."
    return f"HR's records at {where}: schema {before or 'empty'} -> {after}."
