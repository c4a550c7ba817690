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
from tests.tcp_proxy import TcpProxy
from tests.workflows.running_plan import MANAGER, MEMBER, RunningPlan, eventually


@pytest.fixture
def plan_store(schema_url: str, postgres_proxy: TcpProxy) -> Iterator[Engine]:
    """The worker reaches PostgreSQL only through the proxy."""
    through_proxy = make_url(schema_url).set(host="127.0.0.1", port=postgres_proxy.port)
    engine = create_store_engine(through_proxy.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


@pytest.fixture
def direct(schema_url: str) -> Iterator[Engine]:
    """HR reads past the proxy: only the worker loses the database."""
    engine = create_store_engine(schema_url)
    yield engine
    engine.dispose()


async def test_records_catch_up_after_the_database_comes_back(
    plan: RunningPlan, postgres_proxy: TcpProxy, direct: Engine
) -> None:
    postgres_proxy.cut()

    await plan.align()
    await plan.agree()

    async def in_signing() -> bool:
        return (await plan.status()).phase is Phase.signing

    await eventually(in_signing)
    await plan.sign_by(MANAGER)

    async def recording_retries() -> bool:
        pending = (await plan.describe()).pending_activities
        return any(a.activity_type.name == "record_plan" and a.attempt > 1 for a in pending)

    await eventually(recording_retries, seconds=30)
    assert (await plan.stored(direct)).plan.phase is Phase.alignment, "nothing newer got through"

    postgres_proxy.restore()

    async def caught_up() -> bool:
        record = await plan.stored(direct)
        return len(record.audit) == len((await plan.status()).events)

    await eventually(caught_up, seconds=60)
    status = await plan.status()
    record = await plan.stored(direct)
    assert record.plan.phase is Phase.signing
    assert [(a.action, a.actor) for a in record.audit] == [
        (e.kind, e.actor) for e in status.events
    ], "nothing missing, nothing doubled"
    assert [s.email for s in record.signatures] == [MANAGER.email]

    await plan.sign_by(MEMBER)
    await plan.reaches(Phase.active)
    assert (await plan.stored(direct)).plan.phase is Phase.active
