"""One dev-server worker per test module, and the `coachplan` runner that talks to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.settings import Settings
from integrations import build_integrations
from store.schema import upgrade_database
from tests.payload_keys import write_test_keys
from tests.starter.cli_runner import Cli, hermetic_env
from worker import build_worker


@pytest.fixture(scope="module")
async def cli(
    dev_server_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cli]:
    data_dir = tmp_path_factory.mktemp("coachplan-cli")
    task_queue = f"cli-{uuid.uuid4().hex[:8]}"
    target = dev_server_env.client.service_client.config.target_host
    settings = Settings(data_dir=data_dir, task_queue=task_queue, temporal_address=target)
    env = hermetic_env(
        TEMPORAL_ADDRESS=target,
        COACHPLAN_TASK_QUEUE=task_queue,
        COACHPLAN_DATA_DIR=str(data_dir),
        # A person's plan ids are a keyed sequence: a key per module keeps this module's
        # plans apart from another's on the shared dev server.
        COACHPLAN_SECRET_KEY=f"cli-test-{uuid.uuid4().hex}",
    )
    upgrade_database(settings.database)
    write_test_keys(settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            dev_server_env.client, task_queue, build_integrations(settings), executor
        )
        async with worker:
            yield Cli(dev_server_env.client, env, settings)
