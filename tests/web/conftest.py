"""The real web app on a real Temporal server, with a worker and HR's store, per test.

Requests go through the ASGI transport (no socket), so each test is fast; everything behind
the app is real: the workflow, its activities, the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.settings import Settings
from tests.web.browserless import Browserless, WebStack, migrated_settings, running_app


@pytest.fixture
def web_settings(dev_server_env: WorkflowEnvironment, tmp_path: Path) -> Settings:
    return migrated_settings(dev_server_env.client, tmp_path)


@pytest.fixture
async def web(
    dev_server_env: WorkflowEnvironment, web_settings: Settings
) -> AsyncIterator[WebStack]:
    async with running_app(dev_server_env.client, web_settings) as stack:
        yield stack


@pytest.fixture
async def web_in_time(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[WebStack, WorkflowEnvironment]]:
    """The same stack on the time-skipping server: check-ins and reviews come when a test
    lets time pass (`env.sleep`)."""
    client = time_skipping_env.client
    async with running_app(client, migrated_settings(client, tmp_path)) as stack:
        yield stack, time_skipping_env


@pytest.fixture
async def browser_for(web: WebStack) -> AsyncIterator[Browserless]:
    """Signed-in sessions by email: `await browser_for.signed_in("priya.raman@example.com")`."""
    sessions = Browserless(web)
    yield sessions
    await sessions.close()
