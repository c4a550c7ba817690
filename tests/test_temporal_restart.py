"""Fault: the Temporal server restarts on its database file; open plans carry on, timers
included. A real `temporal server start-dev --db-filename` is killed (SIGKILL, no goodbye)
while a plan waits on its alignment-reminder timer, and started again on the same file; the
worker, in this process, never restarts. The reminder still reaches the skip-level."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client

from coaching.actions import StartPlan, workflow_id_for
from coaching.notices import NoticeKind
from coaching.policy import PlanPolicy
from coaching.settings import Settings
from coaching.status import Phase
from coaching.visibility import dev_server_flags
from integrations import build_integrations
from starter.binaries import installed_binary
from store.schema import upgrade_database
from tests.outbox import notices
from tests.payload_keys import TEST_CONVERTER, write_test_keys
from tests.plan_examples import PARTIES, SKIP, plan_content
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow

REMINDER_AFTER = timedelta(seconds=20)
"""Long enough for the kill and the restart to happen before it fires."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def dev_server(database: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`temporal server start-dev` on `database`, killed without warning at the end."""
    server = subprocess.Popen(
        [
            str(installed_binary("temporal")),
            *("server", "start-dev", "--headless", "--ip", "127.0.0.1"),
            *("--port", str(port), "--db-filename", str(database), "--log-level", "error"),
            *dev_server_flags(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield server
    finally:
        server.kill()
        server.wait(10)


async def reachable(address: str) -> Client:
    deadline = time.monotonic() + 60
    while True:
        try:
            return await Client.connect(address, data_converter=TEST_CONVERTER)
        except RuntimeError:
            assert time.monotonic() < deadline, f"the dev server at {address} never answered"
            await asyncio.sleep(0.3)


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_open_plans_carry_on_across_a_server_restart_timers_included(
    tmp_path: Path,
) -> None:
    database, port = tmp_path / "temporal.db", free_port()
    address = f"127.0.0.1:{port}"
    settings = Settings(
        data_dir=tmp_path, temporal_address=address, task_queue=f"restart-{uuid.uuid4().hex[:8]}"
    )
    upgrade_database(settings.database)
    write_test_keys(settings)
    policy = PlanPolicy(
        alignment_reminder_after=REMINDER_AFTER, alignment_escalation_after=timedelta(hours=1)
    )
    plan_id = uuid.uuid4().hex[:12]

    with ThreadPoolExecutor(max_workers=8) as executor:
        with dev_server(database, port) as first:
            client = await reachable(address)
            worker = build_worker(
                client, settings.task_queue, build_integrations(settings), executor
            )
            running = asyncio.create_task(worker.run())
            handle = await client.start_workflow(
                CoachingPlanWorkflow.run,
                StartPlan(
                    plan_id=plan_id,
                    parties=PARTIES,
                    content=plan_content(date.today() + timedelta(days=7)),
                    policy=policy,
                ),
                id=workflow_id_for(plan_id),
                task_queue=settings.task_queue,
            )
            status = await handle.query(CoachingPlanWorkflow.status)
            assert status.phase is Phase.alignment
            started = time.monotonic()
            first.kill()  # SIGKILL: whatever was not on the file is lost
        assert notices(tmp_path, SKIP.email, NoticeKind.reminder) == []

        with dev_server(database, port):
            await reachable(address)
            # The same worker, the same client: they reconnect by themselves.
            deadline = started + REMINDER_AFTER.total_seconds() + 90
            while not notices(tmp_path, SKIP.email, NoticeKind.reminder):
                assert time.monotonic() < deadline, "the reminder never came after the restart"
                assert not running.done(), running
                await asyncio.sleep(0.5)
            assert time.monotonic() - started >= REMINDER_AFTER.total_seconds()
            after = await handle.query(CoachingPlanWorkflow.status)
            assert after.phase is Phase.alignment
            assert after.plan_id == plan_id
            await worker.shutdown()
            await running
