"""COACHPLAN_METRICS_PORT: the worker serves the Temporal SDK's Prometheus metrics, for
operators to scrape. The real worker process, on the dev server, read over HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
import uuid
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from coaching.settings import Settings
from store.schema import upgrade_database
from tests.payload_keys import write_test_keys
from tests.starter.cli_runner import REPO, hermetic_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_the_worker_serves_prometheus_metrics_when_asked(
    dev_server_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    address = dev_server_env.client.service_client.config.target_host
    settings = Settings(data_dir=tmp_path, temporal_address=address)
    upgrade_database(settings.database)
    write_test_keys(settings)
    metrics = f"127.0.0.1:{free_port()}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "worker",
        cwd=REPO,
        env=hermetic_env(
            TEMPORAL_ADDRESS=address,
            COACHPLAN_DATA_DIR=str(tmp_path),
            COACHPLAN_TASK_QUEUE=f"metrics-{uuid.uuid4().hex[:8]}",
            COACHPLAN_METRICS_PORT=metrics,
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as http:
            while True:
                assert worker.returncode is None, await worker.communicate()
                try:
                    answer = await http.get(f"http://{metrics}/metrics")
                    if "temporal_" in answer.text:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "no temporal_ metric was served"
                await asyncio.sleep(0.5)
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(worker.communicate(), 30)

    assert answer.status_code == 200
    assert any(line.startswith("temporal_") for line in answer.text.splitlines()), answer.text
    assert f"Temporal SDK metrics at http://{metrics}/metrics" in err.decode()
    assert worker.returncode == 0, err.decode()
