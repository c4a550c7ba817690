"""`coachplan up` for real: a dev server and a worker as children, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from coaching.connection import connect
from coaching.settings import Settings
from coaching.visibility import SEARCH_ATTRIBUTES
from starter.local_stack import READY, run_local_stack

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 25.0
STOP_TIMEOUT = 20.0

RUN_STACK = (
    "from coaching.settings import Settings\n"
    "from starter.local_stack import run_local_stack\n"
    "raise SystemExit(run_local_stack(Settings.from_env()))\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Stack:
    """`coachplan up` in a subprocess, its output read line by line with timeouts."""

    def __init__(self, data_dir: Path) -> None:
        self.settings = Settings(
            temporal_address=f"localhost:{free_port()}", ui_port=free_port(), data_dir=data_dir
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUN_STACK],
            cwd=ROOT,
            env={**os.environ, **self.settings.as_env()},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            if text in line:
                return
        pytest.fail(f"no {text!r} within {timeout} s; output:\n" + "\n".join(self.output))

    def drain(self) -> str:
        while (line := self._lines.get(timeout=5)) is not None:
            self.output.append(line)
        return "\n".join(self.output)

    def pid_of(self, child: str) -> int:
        for line in self.output:
            found = re.search(rf"started {child} \(pid (\d+)\)", line)
            if found:
                return int(found[1])
        raise AssertionError(f"no pid for {child} in:\n" + "\n".join(self.output))

    def children(self) -> list[int]:
        return [int(m[1]) for line in self.output if (m := re.search(r"\(pid (\d+)\)", line))]

    def kill(self) -> None:
        """Last resort when a test fails half-way: nothing may outlive the test."""
        for pid in [self.process.pid, *self.children()]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "var")
    try:
        yield running
    finally:
        running.kill()


async def _namespace_and_search_attributes(settings: Settings) -> tuple[str, set[str]]:
    client = await connect(settings)
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return client.namespace, set(listed.custom_attributes)


def test_up_serves_temporal_and_the_ui_then_stops_on_ctrl_c(stack: Stack) -> None:
    stack.wait_for(READY, START_TIMEOUT)
    server, worker = stack.pid_of("the Temporal server"), stack.pid_of("the worker")

    namespace, attributes = asyncio.run(
        asyncio.wait_for(_namespace_and_search_attributes(stack.settings), 10)
    )
    assert namespace == "default"
    assert {key.name for key in SEARCH_ATTRIBUTES} <= attributes
    assert "HR's records at sqlite:///" in "\n".join(stack.output)
    assert (stack.settings.data_dir / "coachplan.db").exists()
    ui = f"http://localhost:{stack.settings.ui_port}/"
    with urllib.request.urlopen(ui, timeout=5) as response:
        assert response.status == 200
    assert (stack.settings.data_dir / "temporal.db").exists()

    stack.process.send_signal(signal.SIGINT)

    assert stack.process.wait(timeout=STOP_TIMEOUT) == 0
    output = stack.drain()
    assert "worker stopped" in output
    assert "the Temporal server stopped" in output
    assert not alive(server)
    assert not alive(worker)


def test_up_stops_the_worker_when_the_server_dies(stack: Stack) -> None:
    stack.wait_for(READY, START_TIMEOUT)
    server, worker = stack.pid_of("the Temporal server"), stack.pid_of("the worker")

    os.kill(server, signal.SIGKILL)

    assert stack.process.wait(timeout=STOP_TIMEOUT) == 1
    assert "the Temporal server exited unexpectedly" in stack.drain()
    assert not alive(worker)


def test_up_refuses_a_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(temporal_address=f"localhost:{port}", data_dir=tmp_path)

        assert run_local_stack(settings) == 1

    assert f"port {port} (for Temporal) is already in use" in capsys.readouterr().err
    assert not (tmp_path / "temporal.db").exists()


def test_up_refuses_a_remote_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_local_stack(Settings(temporal_address="temporal.example.com:7233")) == 1

    assert "runs a local server" in capsys.readouterr().err
