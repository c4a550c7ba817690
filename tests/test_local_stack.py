"""`coachplan up` for real: a dev server and a worker as children, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import asyncio
import base64
import json
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
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from coaching.actions import workflow_id_for
from coaching.connection import connect
from coaching.form import PlanForm
from coaching.settings import Settings
from coaching.visibility import SEARCH_ATTRIBUTES
from starter.binaries import installed_binary
from starter.local_stack import EXAMPLE_FORM, READY, next_steps, run_local_stack
from store.api_tokens import ApiTokens
from store.database import create_store_engine

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 25.0
STOP_TIMEOUT = 20.0

COACHPLAN = str(Path(sys.executable).parent / "coachplan")
PRIYA = "priya.raman@example.com"
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
            temporal_address=f"localhost:{free_port()}",
            ui_port=free_port(),
            web_port=free_port(),
            data_dir=data_dir,
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
    local_ca = stack.settings.data_dir / "keys" / "sealing-ca.pem"
    assert f"made a local CA for sealing certificates of completion: {local_ca}" in "\n".join(
        stack.output
    )
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
    data_dir = stack.settings.data_dir
    assert f"  Logs         {data_dir}/worker.log, {data_dir}/web.log" in output
    assert " INFO " not in output, "INFO records go to the log files only"
    assert "INFO coachplan.worker: worker started" in (data_dir / "worker.log").read_text()


def test_up_makes_the_key_ring_and_temporal_keeps_only_ciphertext(stack: Stack) -> None:
    """The acceptance: with `make run` up and a plan started, `temporal workflow show` prints
    no name, email or plan text; the UI asks the web app to decode, and so may HR's CLI."""
    stack.wait_for(READY, START_TIMEOUT)
    settings = stack.settings
    assert f"created the payload key ring {settings.payload_keys_path}" in "\n".join(stack.output)
    ui = f"http://localhost:{settings.ui_port}/api/v1/settings"
    with urllib.request.urlopen(ui, timeout=5) as response:
        codec = json.load(response)["Codec"]
    assert codec["Endpoint"] == f"http://localhost:{settings.web_port}/codec"

    env = {**os.environ, **settings.as_env()}
    started = subprocess.run(
        [COACHPLAN, "start", "--form", "examples/plan.yaml", "--as", PRIYA],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started
    plan_id = re.search(r"Started plan ([0-9a-f]{12}) ", started.stdout)
    assert plan_id is not None, started
    show = [
        str(installed_binary("temporal")),
        "workflow",
        "show",
        "--workflow-id",
        workflow_id_for(plan_id[1]),
        "--address",
        settings.temporal_address,
    ]
    deadline = time.monotonic() + 20
    while not re.search(
        r"ACTIVITY_TASK_COMPLETED|ActivityTaskCompleted", as_json := _run(show, "-o", "json")
    ):
        assert time.monotonic() < deadline, as_json
        time.sleep(0.5)
    printed = "\n".join([_run(show), _run(show, "--detailed"), as_json])

    form = PlanForm.load(EXAMPLE_FORM)
    for secret in (
        "Priya",
        "Kwame",
        "Marcus",
        "Raman",
        "Mensah",
        PRIYA,
        form.team_member,
        form.development_area[:40],
        form.goal.specific[:40],
        form.current_state[:40],
    ):
        assert secret not in printed, secret
    assert base64.b64encode(b"binary/encrypted").decode() in as_json

    engine = create_store_engine(settings.database)
    token = ApiTokens(engine).create("grace.liu", "codec", datetime.now(UTC)).token
    engine.dispose()
    codec = [f"--codec-endpoint={settings.web_url}/codec", f"--codec-auth=Bearer {token}"]
    assert form.development_area in _run(show, "--detailed", *codec), "HR reads it decoded"


def _run(command: list[str], *options: str) -> str:
    ran = subprocess.run([*command, *options], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran
    return ran.stdout


def test_the_banner_carries_the_addresses_and_ports_chosen(tmp_path: Path) -> None:
    chosen = Settings(
        temporal_address="localhost:7300",
        ui_port=8300,
        web_port=8080,
        data_dir=tmp_path / "my data",
        database_url="postgresql://coach:hunter2@db.internal:5432/coachplan",
        secret_key="a-secret-key-of-at-least-thirty-two-characters",
    )

    banner = next_steps(chosen).splitlines()

    assert f"{READY}." in banner
    assert (
        "  Web app      http://localhost:8080  (sign in as priya.raman@example.com to start a plan)"
    ) in banner
    assert "  Temporal UI  http://localhost:8300" in banner
    assert "  Temporal     localhost:7300, namespace default, task queue coaching-plans" in banner
    assert (
        f"  Logs         {tmp_path}/my data/worker.log, {tmp_path}/my data/web.log, "
        f"{tmp_path}/my data/temporal.log (here: warnings and errors only)"
    ) in banner
    assert "  HR's records postgresql://coach:***@db.internal:5432/coachplan" in banner
    assert f"  export TEMPORAL_ADDRESS=localhost:7300 COACHPLAN_DATA_DIR='{tmp_path}/my data'" in (
        banner
    )
    assert "  # and DATABASE_URL and COACHPLAN_SECRET_KEY as set here (secret, so not shown)" in (
        banner
    )
    assert not any("hunter2" in line or "a-secret-key" in line for line in banner)
    commands = [line.strip() for line in banner if "/coachplan " in line]
    assert commands[0].endswith("start --form examples/plan.yaml --as priya.raman@example.com")
    assert commands[-1].endswith("hr list --as grace.liu@example.com")


def test_the_banner_needs_no_exports_with_the_defaults() -> None:
    banner = next_steps(Settings())

    assert "  Web app      http://localhost:8000" in banner
    assert "  Temporal UI  http://localhost:8233\n" in banner
    assert "export" not in banner
    assert "  Logs         var/worker.log, var/web.log, var/temporal.log" in banner


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
