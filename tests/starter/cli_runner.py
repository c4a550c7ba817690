"""`coachplan` for real: the console script in a subprocess, against a dev server.

Every test reads what a person reads: the exit code, and the lines on stdout or stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client, WorkflowExecution

from coaching.actions import workflow_id_for
from coaching.settings import ENV_VARS, Settings
from store.database import create_store_engine
from store.hr_queries import HrQueries
from workflows.coaching_plan import CoachingPlanWorkflow

REPO = Path(__file__).resolve().parents[2]
COACHPLAN = str(Path(sys.executable).parent / "coachplan")
EXAMPLE_FORM = REPO / "examples" / "plan.yaml"
CLI_TIMEOUT = 60.0
WAIT = 20.0
"""How long a phase change or the visibility store may take before a test gives up."""

PRIYA = "priya.raman@example.com"  # the manager
KWAME = "kwame.mensah@example.com"  # the team member
MARCUS = "marcus.okafor@example.com"  # the skip-level
GRACE = "grace.liu@example.com"  # HR
LENA = "lena.hoffmann@example.com"  # Priya's other report: a colleague, not a party
OPEN_PLAN = re.compile(r"already has an open coaching plan \(([a-z0-9]+)\)")
STARTED = re.compile(r"Started plan ([0-9a-f]{12}) ")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"

    def json(self) -> Any:
        assert self.code == 0, self
        return json.loads(self.out)


def hermetic_env(**variables: str) -> dict[str, str]:
    """The caller's environment without any coachplan or Temporal settings, plus `variables`.

    A command gives up at once on an unreachable Temporal (COACHPLAN_TEMPORAL_WAIT_SECONDS=0),
    so tests of other things that point it at a closed port do not wait; the tests of the
    retrying set it themselves."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENV_VARS.values() and key not in ("FORCE_COLOR", "TTY_COMPATIBLE")
    }
    return {**env, "COLUMNS": "200", "COACHPLAN_TEMPORAL_WAIT_SECONDS": "0", **variables}


async def coachplan(*args: str, env: dict[str, str]) -> Ran:
    """Runs the console script as a person would; a traceback or a death by signal fails.

    A process that connected a Temporal client could die by a signal while Python finalized
    (temporalio/sdk-python#300); `starter.cli.main` leaves with `os._exit` so it cannot.
    """
    ran = await _run_once(*args, env=env)
    assert ran.code >= 0, f"coachplan {' '.join(args)} died by signal {-ran.code}\n{ran}"
    assert "Traceback" not in ran.out + ran.err, ran
    return ran


async def worker_start(env: dict[str, str]) -> Ran:
    """Starts `python -m worker` as an operator would, and waits (60 s at most) for it to
    stop at one of the checks it makes before it connects."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "worker",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def _run_once(*args: str, env: dict[str, str]) -> Ran:
    process = await asyncio.create_subprocess_exec(
        COACHPLAN,
        *args,
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"coachplan {' '.join(args)} took more than {CLI_TIMEOUT} s")
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


@dataclass(frozen=True)
class Cli:
    """Runs `coachplan` against the dev server, with a worker on this module's task queue."""

    client: Client
    env: dict[str, str]
    settings: Settings

    async def __call__(self, *args: str, **variables: str) -> Ran:
        return await coachplan(*args, env={**self.env, **variables})

    async def start(self, form: Path = EXAMPLE_FORM) -> str:
        """Starts a plan; a team member has one open plan at a time, so HR first cancels the
        one an earlier test left open."""
        ran = await self("start", "--form", str(form), "--as", PRIYA)
        left_open = OPEN_PLAN.search(ran.err)
        if left_open is not None:
            cancelled = await self(
                "act", left_open[1], "cancel", "--as", GRACE, "--reason", "Room for a new test"
            )
            assert cancelled.code == 0, cancelled
            ran = await self("start", "--form", str(form), "--as", PRIYA)
        assert ran.code == 0, ran
        matched = STARTED.search(ran.out)
        assert matched is not None, ran
        return matched[1]

    async def status(self, plan_id: str, viewer: str = GRACE) -> Any:
        return (await self("status", plan_id, "--as", viewer, "--json")).json()

    async def plan_ids(self, viewer: str) -> set[str]:
        listed = (await self("list", "--as", viewer, "--json")).json()
        assert listed["unreadable"] == [], listed
        return {plan["plan_id"] for plan in listed["plans"]}

    async def recorded(self, plan_id: str, **expected: Any) -> None:
        """Until HR's store, which `list` reads, holds the plan with these fields: the worker
        records each change a moment after the workflow makes it."""
        engine = create_store_engine(self.settings.database)
        try:
            deadline = time.monotonic() + WAIT
            while (found := HrQueries(engine).listing(plan_id)) is None or any(
                getattr(found, field) != value for field, value in expected.items()
            ):
                assert time.monotonic() < deadline, f"{plan_id} recorded as {found}"
                await asyncio.sleep(0.1)
        finally:
            engine.dispose()

    async def wait_for_phase(self, plan_id: str, phase: str, viewer: str = GRACE) -> Any:
        """Polls the workflow directly (a CLI run costs a second), then reads it by CLI."""
        handle = self.client.get_workflow_handle_for(
            CoachingPlanWorkflow.run, workflow_id_for(plan_id)
        )
        deadline = time.monotonic() + WAIT
        while (now := (await handle.query(CoachingPlanWorkflow.status)).phase) != phase:
            assert time.monotonic() < deadline, f"still {now}, not {phase}"
            await asyncio.sleep(0.1)
        status = await self.status(plan_id, viewer)
        assert status["phase"] == phase
        return status

    async def executions(self, plan_id: str) -> list[WorkflowExecution]:
        """What operators see, once the visibility store has caught up."""
        query = f'WorkflowId = "{workflow_id_for(plan_id)}"'
        deadline = time.monotonic() + WAIT
        while not (found := [e async for e in self.client.list_workflows(query)]):
            assert time.monotonic() < deadline, f"{query} finds nothing"
            await asyncio.sleep(0.2)
        return found

    async def wait_until_closed(self, plan_id: str) -> None:
        handle = self.client.get_workflow_handle(workflow_id_for(plan_id))
        running = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        deadline = time.monotonic() + WAIT
        while (await handle.describe()).raw_description.workflow_execution_info.status == running:
            assert time.monotonic() < deadline, f"plan {plan_id} is still running"
            await asyncio.sleep(0.2)
