"""Temporal environments for the tests, on the binaries the project's own packages install."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.converter import data_converter
from starter.binaries import installed_binary


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(installed_binary("temporal-test-server")),
    )
    async with env:
        yield env


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real dev server (about 1.5 s to start), shared by the tests that need one."""
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter,
        dev_server_existing_path=str(installed_binary("temporal")),
        dev_server_log_level="error",
    )
    async with env:
        yield env
