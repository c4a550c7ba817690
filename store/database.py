"""Engines for the two databases the store supports: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED = ("sqlite", "postgresql")


class DatabaseUrlError(ValueError):
    """A DATABASE_URL the store cannot use, explained."""


def database_url(url: str) -> URL:
    """Parses a URL; plain `postgresql://` (or `postgres://`) uses the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"'{url}' is not a database URL (for example sqlite:///var/coachplan.db or "
            "postgresql://user@localhost:5432/coachplan)"
        ) from None
    backend = "postgresql" if parsed.get_backend_name() == "postgres" else parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise DatabaseUrlError(
            f"'{parsed.render_as_string()}' uses {backend}; the store supports "
            f"{' and '.join(SUPPORTED)}"
        )
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("an in-memory SQLite database would lose HR's records: name a file")
    return parsed


def create_store_engine(url: str, **options: Any) -> Engine:
    """WAL lets HR read while the worker writes; pre-ping survives a restarted PostgreSQL.

    Statements' parameters are plan text, names and emails: they are kept out of SQLAlchemy's
    log lines and error messages (which reach logs and Temporal's failures)."""
    parsed = database_url(url)
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


def one_writer(engine: Engine) -> AbstractContextManager[Any]:
    """Held around a write transaction. SQLite lets one writer in at a time and makes the
    others poll, sleeping up to 100 ms between tries, so the lock sits idle while dozens of
    activity threads sleep: this process's writers to one file queue here instead, and each
    goes in as the one before leaves. PostgreSQL locks rows, not the database: no queue."""
    if engine.url.get_backend_name() != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_LOCK:
        return _SQLITE_WRITERS.setdefault(str(engine.url.database), threading.Lock())


def describe(engine: Engine) -> str:
    """The URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)
