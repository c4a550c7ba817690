"""When HR's database goes away, the plan goes on, and the records catch up when it is back.

The database is a real PostgreSQL behind a TCP proxy that the test cuts and restores.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from coaching.status import Phase
from store.database import create_store_engine
from tests.conftest import migrated, postgres_schema
from tests.tcp_proxy import TcpProxy
from tests.workflows.running_plan import MANAGER, MEMBER, RunningPlan, eventually
from tests.workflows.test_records import stored


@pytest.fixture
def schema_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield migrated(url)


@pytest.fixture
def proxy(schema_url: str) -> Iterator[TcpProxy]:
    target = make_url(schema_url)
    with TcpProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def plan_store(schema_url: str, proxy: TcpProxy) -> Iterator[Engine]:
    """The worker reaches PostgreSQL only through the proxy."""
    through_proxy = make_url(schema_url).set(host="127.0.0.1", port=proxy.port)
    engine = create_store_engine(through_proxy.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


async def test_records_catch_up_after_the_database_comes_back(
    plan: RunningPlan, proxy: TcpProxy
) -> None:
    proxy.cut()

    await plan.align()
    await plan.agree()
    await plan.sign_by(MANAGER)

    async def in_signing() -> bool:
        return (await plan.status()).phase is Phase.signing

    await eventually(in_signing)
    described = await plan.describe()
    attempts = [a.attempt for a in described.pending_activities]
    assert max(attempts, default=0) > 1, "the recording activity should be retrying"

    proxy.restore()

    async def caught_up() -> bool:
        record = await stored(plan)
        return len(record.audit) == len((await plan.status()).events)

    await eventually(caught_up, seconds=60)
    status = await plan.status()
    record = await stored(plan)
    assert record.plan.phase is Phase.signing
    assert [(a.action, a.actor) for a in record.audit] == [
        (e.kind, e.actor) for e in status.events
    ], "nothing missing, nothing doubled"
    assert [s.email for s in record.signatures] == [MANAGER.email]

    await plan.sign_by(MEMBER)
    await plan.reaches(Phase.active)
    assert (await stored(plan)).plan.phase is Phase.active
