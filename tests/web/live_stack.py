"""The real web app served over real HTTP, for a real browser: `live_stack`.

Behind it everything is real too: a Temporal time-skipping test server, a worker with the
local integrations, and HR's migrated SQLite store. The plan's clock stands still unless the
test moves it (`await live_stack.env.sleep(...)`, or `advance_to`), so a 30-day plan takes
seconds. uvicorn runs in the test's own event loop, on a socket bound before the app is built
(the port is in the settings, and nothing can take it in between).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from coaching.settings import Settings
from coaching.status import PlanStatus
from tests.outbox import messages
from tests.web.browserless import migrated_settings, running_app
from web.context import WebContext

HR = "grace.liu@example.com"
"""Whose eyes `status` reads the live state with: HR may see every plan."""
STARTUP_TIMEOUT = 10.0


@dataclass
class LiveStack:
    env: WorkflowEnvironment
    app: FastAPI
    settings: Settings
    base_url: str

    async def status(self, plan_id: str) -> PlanStatus:
        """The live state (the workflow's query), as HR sees it."""
        context: WebContext = self.app.state.context
        return await context.plans.status(plan_id, HR)

    async def now(self) -> datetime:
        """The plan's clock: the test server's time."""
        return await self.env.get_current_time()

    async def advance_to(self, moment: datetime) -> None:
        """Moves the plan's clock to `moment`, firing every timer on the way."""
        remaining = moment - await self.now()
        if remaining > timedelta(0):
            await self.env.sleep(remaining)

    async def until(
        self,
        plan_id: str,
        condition: Callable[[PlanStatus], bool],
        what: str,
        timeout: float = 15.0,
    ) -> PlanStatus:
        """Polls the live state (in real time, the clock unmoved) until `condition` holds."""
        return await eventually_status(lambda: self.status(plan_id), condition, what, timeout)

    async def mail(self, to: str, subject: str, timeout: float = 15.0) -> EmailMessage:
        """The message to `to` whose subject contains `subject`, once the local mailer has
        written it to the outbox (an activity sends it, a moment after the workflow moved on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in messages(self.settings.data_dir):
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    return message
            if loop.time() > deadline:
                raise AssertionError(f"no message to {to} about '{subject}' within {timeout} s")
            await asyncio.sleep(0.1)


async def eventually_status(
    read: Callable[[], Awaitable[PlanStatus]],
    condition: Callable[[PlanStatus], bool],
    what: str,
    timeout: float,
) -> PlanStatus:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await read()
        if condition(status):
            return status
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s (phase {status.phase})")
        await asyncio.sleep(0.1)


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def live_stack(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[LiveStack]:
    env = time_skipping_env
    sock = _bound_socket()
    port = sock.getsockname()[1]
    settings = migrated_settings(
        env.client, tmp_path, base_url=f"http://127.0.0.1:{port}", web_port=port
    )
    with sock:
        async with running_app(env.client, settings) as stack:
            app = stack.app
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
            )
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            try:
                await _started(server, serving)
                yield LiveStack(env=env, app=app, settings=settings, base_url=settings.web_url)
            finally:
                server.should_exit = True
                await serving


async def _started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while not server.started:
        if serving.done():
            serving.result()
            raise RuntimeError("uvicorn stopped before it started serving")
        if loop.time() > deadline:
            raise RuntimeError(f"uvicorn did not start within {STARTUP_TIMEOUT} s")
        await asyncio.sleep(0.01)
