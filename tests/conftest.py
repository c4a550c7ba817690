"""Temporal environments and databases for the tests, all real, on the project's own binaries.

PostgreSQL is used for real where one is reachable (127.0.0.1:5432, database `test`, or
COACHPLAN_TEST_POSTGRES_URL). In CI (CI=true) an unreachable PostgreSQL fails the tests that
need it instead of skipping them, so a green run always means both databases were tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from temporalio.testing import WorkflowEnvironment

from coaching.visibility import SEARCH_ATTRIBUTES, register_search_attributes
from starter.binaries import installed_binary
from store.database import create_store_engine, database_url
from store.schema import upgrade
from tests.payload_keys import TEST_CONVERTER
from tests.tcp_proxy import TcpProxy

settings.register_profile(
    "coachplan",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("thorough", parent=settings.get_profile("coachplan"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "coachplan"))
"""Property tests stay quick in the suite; `HYPOTHESIS_PROFILE=thorough` searches longer."""

POSTGRES_URL = os.environ.get(
    "COACHPLAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER,
        test_server_existing_path=str(installed_binary("temporal-test-server")),
    )
    async with env:
        await register_search_attributes(env.client, env.client.namespace)
        yield env


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real dev server (about 1.5 s to start), shared by the tests that need one."""
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=str(installed_binary("temporal")),
        dev_server_log_level="error",
        search_attributes=SEARCH_ATTRIBUTES,
    )
    async with env:
        yield env


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database URL: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield migrated(f"sqlite:///{tmp_path_factory.mktemp('store')}/coachplan.db")
        return
    with postgres_schema() as url:
        yield migrated(url)


@pytest.fixture
def store(database: str) -> Iterator[Engine]:
    engine = create_store_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """For tests about something else that need somewhere to record plans."""
    engine = create_store_engine(
        migrated(f"sqlite:///{tmp_path_factory.mktemp('store')}/coachplan.db")
    )
    yield engine
    engine.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A schema of its own for one test, dropped afterwards: tests never see each other's rows."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (in CI the PostgreSQL tests must run)")
        pytest.skip(reason)
    try:
        yield (
            database_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def migrated(url: str) -> str:
    engine = create_store_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A migrated PostgreSQL schema of the test's own."""
    with postgres_schema() as url:
        yield migrated(url)


@pytest.fixture
def postgres_proxy(schema_url: str) -> Iterator[TcpProxy]:
    """PostgreSQL behind a TCP proxy the test cuts and restores: a database that goes away."""
    target = make_url(schema_url)
    with TcpProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        yield proxy
