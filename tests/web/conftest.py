"""The real web app on a real Temporal dev server, with a worker and HR's store, per test.

Requests go through the ASGI transport (no socket), so each test is fast; everything behind
the app is real: the workflow, its activities, the store.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.settings import Settings
from integrations import build_integrations
from store.schema import upgrade_database
from tests.web.browserless import Browserless, WebStack
from web.app import create_app
from worker import build_worker


@pytest.fixture
def web_settings(dev_server_env: WorkflowEnvironment, tmp_path: Path) -> Settings:
    settings = Settings(
        data_dir=tmp_path,
        task_queue=f"web-{uuid.uuid4().hex[:8]}",
        temporal_address=dev_server_env.client.service_client.config.target_host,
        org_file=Path("examples/org.yaml"),
        # A key of its own keeps this test's plan ids apart from another's on the shared
        # server: a person's plan ids are a keyed sequence.
        secret_key=f"test-secret-{uuid.uuid4().hex}",
    )
    upgrade_database(settings.database)
    return settings


@pytest.fixture
async def web(
    dev_server_env: WorkflowEnvironment, web_settings: Settings
) -> AsyncIterator[WebStack]:
    integrations = build_integrations(web_settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            dev_server_env.client, web_settings.task_queue, integrations, executor
        )
        async with worker:
            app = create_app(web_settings, client=dev_server_env.client)
            yield WebStack(app=app, settings=web_settings, client=dev_server_env.client)
            integrations.records.engine.dispose()


@pytest.fixture
async def web_in_time(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[WebStack, WorkflowEnvironment]]:
    """The same stack on the time-skipping server: check-ins and reviews come when a test
    lets time pass (`env.sleep`)."""
    settings = Settings(
        data_dir=tmp_path,
        task_queue=f"web-{uuid.uuid4().hex[:8]}",
        temporal_address=time_skipping_env.client.service_client.config.target_host,
        org_file=Path("examples/org.yaml"),
    )
    upgrade_database(settings.database)
    integrations = build_integrations(settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(time_skipping_env.client, settings.task_queue, integrations, executor)
        async with worker:
            app = create_app(settings, client=time_skipping_env.client)
            yield WebStack(app, settings, time_skipping_env.client), time_skipping_env
            integrations.records.engine.dispose()


@pytest.fixture
async def browser_for(web: WebStack) -> AsyncIterator[Browserless]:
    """Signed-in sessions by email: `await browser_for.signed_in("priya.raman@example.com")`."""
    sessions = Browserless(web)
    yield sessions
    await sessions.close()
