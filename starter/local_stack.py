"""`coachplan up`: the whole system on one machine: a Temporal dev server, the worker and
the web app.

Each runs as a child process in its own session, so that Ctrl-C reaches only this process and
the children stop in reverse order: the web app, the worker (it finishes its activities),
then the server. If one child dies, the others are stopped too: a half-running stack only
misleads.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from coaching.connection import connect
from coaching.form import PlanForm
from coaching.key_ring import KeyRingError, key_ring_on_first_use
from coaching.org import OrgDirectory
from coaching.settings import ENV_VARS, Settings
from coaching.visibility import dev_server_flags
from integrations.local.sealing_ca import LocalSealingCa
from starter.binaries import MissingBinary, installed_binary
from starter.schedules import ensure_schedules
from store.schema import upgrade_database

READY = "coachplan is up"
"""Printed once the server answers and the worker polls: tests and scripts wait for it."""

EXAMPLE_FORM = Path("examples/plan.yaml")
LOCAL_HOSTS = ("localhost", "127.0.0.1")
SERVER_START_TIMEOUT = 30.0
WORKER_START_TIMEOUT = 30.0
WEB_START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
"""Per child: the worker's graceful shutdown takes up to 10 s."""
PROGRESS_EVERY = 3.0
CLI_SETTINGS = (
    "temporal_address",
    "namespace",
    "task_queue",
    "data_dir",
    "org_file",
    "database_url",
    "secret_key",
    "payload_keys_file",
)
"""What the commands the banner prints read: they reach this stack only with the same values."""
LOG_TAIL_LINES = 15

T = TypeVar("T")


class StackError(Exception):
    """Why the stack cannot start or keep running, for the person who ran `coachplan up`."""


class _Interrupted(Exception):
    """SIGINT or SIGTERM: the normal way to stop."""


@dataclass
class _Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path | None = None

    def describe_exit(self) -> str:
        message = f"{self.name} exited unexpectedly (exit code {self.process.returncode})"
        if self.log is not None and self.log.exists():
            tail = self.log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            message += f"; the end of {self.log}:\n" + "\n".join(tail)
        return message


def run_local_stack(settings: Settings) -> int:
    """Runs until Ctrl-C or SIGTERM (exit code 0) or until something fails (non-zero)."""
    try:
        _check_can_start(settings)
        _prepare_database(settings)
        _prepare_keys(settings)
    except StackError as error:
        print(f"coachplan up: {error}", file=sys.stderr, flush=True)
        return 1
    made = prepare_local_sealing(settings)
    if made is not None:
        print(made, flush=True)
    return asyncio.run(_run(settings))


def prepare_local_sealing(settings: Settings) -> str | None:
    """Without the organisation's sealing key, the embedded setup's local CA seals the
    certificates: made here on first use, so that this console says where it is. Returns the
    line that says so, or None when there was nothing to make."""
    if settings.sealing_key_file is not None:
        return None
    ca = LocalSealingCa(settings.data_dir)
    return ca.created_line() if ca.ensure() else None


def _check_can_start(settings: Settings) -> None:
    if settings.temporal_host not in LOCAL_HOSTS:
        raise StackError(
            f"TEMPORAL_ADDRESS is {settings.temporal_address}, but `coachplan up` runs a local "
            "server; unset it or use localhost:<port>"
        )
    for host, port, what, variable in (
        (settings.temporal_host, settings.temporal_port, "Temporal", "TEMPORAL_ADDRESS"),
        (settings.temporal_host, settings.ui_port, "the Temporal UI", "COACHPLAN_UI_PORT"),
        (settings.web_host, settings.web_port, "the web app", "COACHPLAN_WEB_PORT"),
    ):
        if _in_use(host, port):
            raise StackError(
                f"port {port} (for {what}) is already in use: is another `coachplan up` or "
                f"Temporal server running? Stop it, or choose another port with {variable}."
            )


def _prepare_database(settings: Settings) -> None:
    """HR's records need their tables before the worker writes the first one."""
    try:
        print(upgrade_database(settings.database), flush=True)
    except OperationalError as error:
        raise StackError(
            f"cannot prepare HR's database at {settings.database}: {error.orig} "
            "(check DATABASE_URL)"
        ) from None


def _prepare_keys(settings: Settings) -> None:
    """The worker, the web app and the CLI all read the key ring: it exists before them."""
    try:
        key_ring_on_first_use(settings, lambda line: print(line, flush=True))
    except KeyRingError as error:
        raise StackError(str(error)) from None


def _in_use(host: str, port: int) -> bool:
    """Binds like a server would (SO_REUSEADDR ignores connections in TIME_WAIT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((socket.gethostbyname(host), port))
        except OSError:
            return True
    return False


async def _run(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    children: list[_Child] = []
    try:
        children.append(await _start_server(settings))
        client = await _watch(_wait_for_server(settings), stop, children)
        children.append(await _start_worker(settings))
        await _watch(_wait_for_worker(client, settings), stop, children)
        for schedule in await _watch(ensure_schedules(client, settings), stop, children):
            print(f"schedule {schedule.schedule_id}: {schedule.description}", flush=True)
        children.append(await _start_web(settings))
        await _watch(_wait_for_web(settings), stop, children)
        print(next_steps(settings), flush=True)
        await _watch(stop.wait(), stop, children)
    except _Interrupted:
        print("\nstopping coachplan...", flush=True)
    except StackError as error:
        print(f"coachplan up: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for child in reversed(children):
            await _stop(child)
    return 0


async def _start_server(settings: Settings) -> _Child:
    try:
        temporal = installed_binary("temporal")
    except MissingBinary as error:
        raise StackError(str(error)) from None
    log = _log_file(settings, "temporal")
    with log.open("wb") as output:
        process = await _spawn(
            [
                str(temporal),
                "server",
                "start-dev",
                "--db-filename",
                str(settings.data_dir / "temporal.db"),
                "--ip",
                settings.temporal_host,
                "--port",
                str(settings.temporal_port),
                "--ui-port",
                str(settings.ui_port),
                "--ui-codec-endpoint",
                codec_endpoint(settings),
                "--namespace",
                settings.namespace,
                "--log-level",
                "warn",
                *dev_server_flags(),
            ],
            output=output,
        )
    print(f"started the Temporal server (pid {process.pid}), logging to {log}", flush=True)
    return _Child("the Temporal server", process, log)


def codec_endpoint(settings: Settings) -> str:
    """Where the Temporal UI asks the web app to decode payloads, for people allowed to."""
    return f"{settings.web_url}/codec"


async def _start_worker(settings: Settings) -> _Child:
    return await _start_logged("the worker", "worker", settings)


async def _start_web(settings: Settings) -> _Child:
    return await _start_logged("the web app", "web", settings)


async def _start_logged(name: str, program: str, settings: Settings) -> _Child:
    """Its log goes to a file; only warnings and errors reach this console."""
    log = _log_file(settings, program)
    process = await _spawn(
        [sys.executable, "-m", "starter.logged_child", program, str(log)],
        env=_child_env(settings),
    )
    print(f"started {name} (pid {process.pid}), logging to {log}", flush=True)
    return _Child(name, process, log)


def _log_file(settings: Settings, program: str) -> Path:
    return settings.data_dir / f"{program}.log"


def _child_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.as_env(), "PYTHONUNBUFFERED": "1"}


async def _wait_for_web(settings: Settings) -> None:
    """Until the sign-in page answers: only then can a person open the address."""
    url = f"http://{settings.web_host}:{settings.web_port}/sign-in"
    deadline = time.monotonic() + WEB_START_TIMEOUT
    while time.monotonic() < deadline:
        if await asyncio.to_thread(_answers_http, url):
            return
        await asyncio.sleep(0.3)
    raise StackError(f"the web app did not answer on {url} within {WEB_START_TIMEOUT:.0f} s")


async def _spawn(
    command: list[str], output: IO[bytes] | None = None, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        env=env,
        start_new_session=True,
    )


async def _watch(step: Awaitable[T], stop: asyncio.Event, children: list[_Child]) -> T:
    """Awaits `step` unless a signal arrives or a child exits first."""
    task = asyncio.ensure_future(step)
    stopped = asyncio.ensure_future(stop.wait())
    exits = {asyncio.ensure_future(child.process.wait()): child for child in children}
    futures: set[asyncio.Future[Any]] = {task, stopped, *exits}
    try:
        done, _ = await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in futures:
            future.cancel()
    if stopped in done:
        raise _Interrupted
    for future, child in exits.items():
        if future in done:
            raise StackError(child.describe_exit())
    return task.result()


async def _wait_for_server(settings: Settings) -> Client:
    """Until the frontend accepts a client and the UI answers HTTP."""
    url = f"http://{settings.temporal_host}:{settings.ui_port}/"
    started = time.monotonic()
    reported = started
    while True:
        try:
            client = await asyncio.wait_for(connect(settings), timeout=3)
            if await asyncio.to_thread(_answers_http, url):
                return client
        except (RuntimeError, OSError, TimeoutError):
            pass
        now = time.monotonic()
        if now - started > SERVER_START_TIMEOUT:
            raise StackError(
                f"the Temporal server did not answer on {settings.temporal_address} and {url} "
                f"within {SERVER_START_TIMEOUT:.0f} s; see {_log_file(settings, 'temporal')}"
            )
        if now - reported >= PROGRESS_EVERY:
            reported = now
            print(
                f"waiting for the Temporal server on {settings.temporal_address} "
                f"({now - started:.0f} s)...",
                flush=True,
            )
        await asyncio.sleep(0.3)


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= int(response.status) < 500
    except OSError:
        return False


async def _wait_for_worker(client: Client, settings: Settings) -> None:
    """Until the worker polls its task queue: only then can a plan actually start."""
    request = DescribeTaskQueueRequest(
        namespace=settings.namespace,
        task_queue=TaskQueue(name=settings.task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if (await client.workflow_service.describe_task_queue(request)).pollers:
                return
        except RPCError:
            pass
        await asyncio.sleep(0.3)
    raise StackError(
        f"the worker did not poll task queue {settings.task_queue} within "
        f"{WORKER_START_TIMEOUT:.0f} s"
    )


def next_steps(settings: Settings) -> str:
    """The ready banner: where everything is, and commands that reach this very stack from
    another terminal (with the addresses and ports chosen for it)."""
    cli = Path(sys.executable).parent / "coachplan"
    if cli.is_relative_to(Path.cwd()):
        cli = cli.relative_to(Path.cwd())
    manager = _example_manager(settings) or "<manager email>"
    logs = ", ".join(str(_log_file(settings, name)) for name in ("worker", "web", "temporal"))
    exported, secret = _cli_environment(settings)
    setup = [f"  export {' '.join(exported)}"] if exported else []
    if secret:
        setup.append(f"  # and {' and '.join(secret)} as set here (secret, so not shown)")
    return "\n".join(
        [
            "",
            f"{READY}.",
            f"  Web app      {settings.web_url}  (sign in as {manager} to start a plan)",
            f"  Temporal UI  http://{settings.temporal_host}:{settings.ui_port}",
            f"  Temporal     {settings.temporal_address}, namespace {settings.namespace}, "
            f"task queue {settings.task_queue}",
            f"  Files        {settings.data_dir}/ ({_what_is_in_files(settings)})",
            f"  Keys         {settings.payload_keys_path} (encrypts every Temporal payload: "
            "back it up)",
            f"  Logs         {logs} (here: warnings and errors only)",
            f"  HR's records {_without_password(settings.database)}",
            "",
            "Try, in another terminal:",
            *setup,
            f"  {cli} start --form {EXAMPLE_FORM} --as {manager}",
            f"  {cli} list --as {manager}",
            f"  {cli} status <plan id> --as {manager}",
            f"  {cli} demo",
            f"  {cli} hr list --as {_example_hr(settings) or '<HR email>'}",
            "",
            "Press Ctrl-C to stop.",
        ]
    )


def _cli_environment(settings: Settings) -> tuple[list[str], list[str]]:
    """`VARIABLE=value` for each setting the commands need that is not the default, and the
    names of those whose value is secret (never printed)."""
    defaults = Settings()
    exported, secret = [], []
    for field in CLI_SETTINGS:
        value = getattr(settings, field)
        if value == getattr(defaults, field):
            continue
        variable = ENV_VARS[field]
        if field == "secret_key" or (field == "database_url" and make_url(value).password):
            secret.append(variable)
        else:
            exported.append(f"{variable}={shlex.quote(str(value))}")
    return exported, secret


def _what_is_in_files(settings: Settings) -> str:
    if settings.integrations == "google":
        return "temporal.db; documents, check-ins and messages are in Google Workspace"
    return "documents, calendar invites, outbox, temporal.db"


def _without_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _example_manager(settings: Settings) -> str | None:
    """The manager of the example form's team member: who may start the example plan."""
    try:
        form = PlanForm.load(EXAMPLE_FORM)
        org = OrgDirectory.load(settings.org_file)
        manager_id = org.by_email(form.team_member).manager
        return org.by_id(manager_id).email if manager_id is not None else None
    except (OSError, ValueError, yaml.YAMLError):
        return None


def _example_hr(settings: Settings) -> str | None:
    try:
        return OrgDirectory.load(settings.org_file).hr_people[0].email
    except (OSError, ValueError, yaml.YAMLError):
        return None


async def _stop(child: _Child) -> None:
    """SIGTERM, then SIGKILL if it does not stop in time."""
    if child.process.returncode is not None:
        return
    print(f"stopping {child.name}...", flush=True)
    child.process.terminate()
    try:
        await asyncio.wait_for(child.process.wait(), timeout=STOP_TIMEOUT)
    except TimeoutError:
        print(f"{child.name} did not stop in {STOP_TIMEOUT:.0f} s; killing it", flush=True)
        child.process.kill()
        await child.process.wait()
    print(f"{child.name} stopped", flush=True)
