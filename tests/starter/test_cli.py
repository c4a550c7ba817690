"""`coachplan` for real: the console script in a subprocess, a dev server, a worker in-process.

Every test reads what a person reads: the exit code, and the lines on stdout or stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client, WorkflowExecution
from temporalio.testing import WorkflowEnvironment

from coaching.actions import workflow_id_for
from coaching.settings import ENV_VARS, Settings
from integrations import build_integrations
from worker import build_worker
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
    """The caller's environment without any coachplan or Temporal settings, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENV_VARS.values() and key not in ("FORCE_COLOR", "TTY_COMPATIBLE")
    }
    return {**env, "COLUMNS": "200", **variables}


async def coachplan(*args: str, env: dict[str, str]) -> Ran:
    """Runs the console script as a person would; a traceback or a death by signal fails.

    A process that connected a Temporal client could die by a signal while Python finalized
    (temporalio/sdk-python#300); `starter.cli.main` leaves with `os._exit` so it cannot.
    """
    ran = await _run_once(*args, env=env)
    assert ran.code >= 0, f"coachplan {' '.join(args)} died by signal {-ran.code}\n{ran}"
    assert "Traceback" not in ran.out + ran.err, ran
    return ran


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
    task_queue: str

    async def __call__(self, *args: str, **variables: str) -> Ran:
        return await coachplan(*args, env={**self.env, **variables})

    async def start(self, form: Path = EXAMPLE_FORM) -> str:
        ran = await self("start", "--form", str(form), "--as", PRIYA)
        assert ran.code == 0, ran
        matched = STARTED.search(ran.out)
        assert matched is not None, ran
        return matched[1]

    async def status(self, plan_id: str, viewer: str = GRACE) -> Any:
        return (await self("status", plan_id, "--as", viewer, "--json")).json()

    async def plan_ids(self, viewer: str) -> set[str]:
        return {plan["plan_id"] for plan in (await self("list", "--as", viewer, "--json")).json()}

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


@pytest.fixture(scope="module")
async def cli(
    dev_server_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cli]:
    data_dir = tmp_path_factory.mktemp("coachplan-cli")
    task_queue = f"cli-{uuid.uuid4().hex[:8]}"
    target = dev_server_env.client.service_client.config.target_host
    settings = Settings(data_dir=data_dir, task_queue=task_queue, temporal_address=target)
    env = hermetic_env(
        TEMPORAL_ADDRESS=target, COACHPLAN_TASK_QUEUE=task_queue, COACHPLAN_DATA_DIR=str(data_dir)
    )
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            dev_server_env.client, task_queue, build_integrations(settings), executor
        )
        async with worker:
            yield Cli(dev_server_env.client, env, task_queue)


def write_form(tmp_path: Path, **changes: Any) -> Path:
    """The example form with some top-level fields replaced (dicts are merged one level)."""
    form = yaml.safe_load(EXAMPLE_FORM.read_text())
    for key, value in changes.items():
        form[key] = {**form[key], **value} if isinstance(value, dict) else value
    path = tmp_path / f"form-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(form))
    return path


def inside_the_timeline() -> date:
    """The example form has no start: plans start a week out and run 30 days."""
    return date.today() + timedelta(days=10)


async def test_a_manager_starts_a_plan_and_the_skip_level_is_asked_first(cli: Cli) -> None:
    plan_id = await cli.start()

    as_json, as_text = await asyncio.gather(
        cli("status", plan_id, "--as", PRIYA, "--json"), cli("status", plan_id, "--as", PRIYA)
    )

    status = as_json.json()
    assert status["plan_id"] == plan_id
    assert status["phase"] == "alignment"
    assert status["team_member_included"] is False
    assert status["owed"][0]["role"] == "skip_level"
    assert status["owed"][0]["who"] == [MARCUS]
    assert status["parties"]["team_member"]["email"] == KWAME
    assert as_text.code == 0, as_text
    assert f"Coaching plan {plan_id}" in as_text.out
    assert "Phase alignment" in as_text.out
    assert f"skip level: {MARCUS}" in as_text.out

    (execution,) = await cli.executions(plan_id)
    assert execution.id == f"coaching-plan-{plan_id}"
    assert execution.workflow_type == CoachingPlanWorkflow.__name__
    assert execution.task_queue == cli.task_queue
    for person in (PRIYA, KWAME, MARCUS):
        first, last = person.split("@")[0].split(".")
        assert first not in execution.id.lower()
        assert last not in execution.id.lower()
    assert "@" not in execution.id


async def test_only_the_parties_see_a_plan_and_the_team_member_after_approval(
    cli: Cli,
) -> None:
    plan_id = await cli.start()

    member, colleague, hr, anyone, anyone_json = await asyncio.gather(
        cli("status", plan_id, "--as", KWAME),
        cli("status", plan_id, "--as", LENA),
        cli("status", plan_id, "--as", GRACE, "--json"),
        cli("status", plan_id),
        cli("status", plan_id, "--json"),
    )

    for refused, viewer in ((member, KWAME), (colleague, LENA)):
        assert refused.code == 2, refused
        assert f"error: {viewer} may not see plan {plan_id}" in refused.err
        assert refused.out == ""
    assert hr.json()["phase"] == "alignment"
    summary = anyone_json.json()
    assert summary["phase"] == "alignment"
    assert [(o["role"], o["who"]) for o in summary["owed"]] == [("skip_level", [])]
    assert anyone.code == 0, anyone
    assert f"Plan {plan_id}: phase alignment" in anyone.out
    assert "the skip level owes: approve version 1" in anyone.out
    for without_names in (anyone.out, anyone_json.out):
        assert "@" not in without_names
        assert "Kwame" not in without_names
        assert "webhook" not in without_names

    await cli.executions(plan_id)  # the list below reads the visibility store
    manager, skip_level, member_list, colleague_list = await asyncio.gather(
        *(cli.plan_ids(viewer) for viewer in (PRIYA, MARCUS, KWAME, LENA))
    )
    assert plan_id in manager
    assert plan_id in skip_level
    assert plan_id not in member_list
    assert plan_id not in colleague_list

    approved = await cli("act", plan_id, "approve", "--as", MARCUS, "--comment", "Agreed")
    assert approved.code == 0, approved
    assert "Aligned" in approved.out

    status = await cli.wait_for_phase(plan_id, "co_authoring", viewer=KWAME)
    assert status["team_member_included"] is True
    member_list, colleague_list, still_refused = await asyncio.gather(
        cli.plan_ids(KWAME), cli.plan_ids(LENA), cli("status", plan_id, "--as", LENA)
    )
    assert plan_id in member_list
    assert plan_id not in colleague_list
    assert still_refused.code == 2, still_refused
    assert "may not see" in still_refused.err


async def test_mistakes_and_refusals_exit_2_with_a_sentence(cli: Cli, tmp_path: Path) -> None:
    plan_id = await cli.start()
    not_a_report = write_form(tmp_path, team_member="david.kim@example.com")
    # The late goal is not reported alongside the zone: the form's fields are checked when it
    # loads, the timeline rules only once it is turned into a plan (so the second test form).
    bad_zone = write_form(
        tmp_path,
        cadence={"time_zone": "Mars/Olympus"},
        goal={"achieve_by": (date.today() + timedelta(days=90)).isoformat()},
    )
    goal_too_late = write_form(
        tmp_path, goal={"achieve_by": (date.today() + timedelta(days=90)).isoformat()}
    )

    (
        wrong_person,
        empty_comment,
        not_an_id,
        no_plan,
        other_team,
        zone,
        too_late,
        missing,
        markup,
    ) = await asyncio.gather(
        cli("act", plan_id, "approve", "--as", PRIYA),
        cli("act", plan_id, "request-changes", "--as", MARCUS, "--comment", ""),
        cli("status", "nope", "--as", PRIYA),
        cli("status", "abcdef123456", "--as", GRACE),
        cli("start", "--form", str(not_a_report), "--as", PRIYA),
        cli("start", "--form", str(bad_zone), "--as", PRIYA),
        cli("start", "--form", str(goal_too_late), "--as", PRIYA),
        cli("start", "--form", str(tmp_path / "missing.yaml"), "--as", PRIYA),
        cli("status", "[/x]", "--as", GRACE),
    )

    for ran in (wrong_person, empty_comment, not_an_id, no_plan, other_team, zone, missing, markup):
        assert ran.code == 2, ran
        assert ran.err.startswith("error: "), ran
    assert "error: refused: only the skip level may approve the plan" in wrong_person.err
    assert "error: comment: must be at least 3 characters" in empty_comment.err
    assert "error: plan: 'nope' is not a plan id" in not_an_id.err
    assert "error: there is no plan abcdef123456" in no_plan.err
    assert "team_member: david.kim@example.com does not report to " + PRIYA in other_team.err
    assert "error: cadence.time_zone: 'Mars/Olympus' is not a known IANA time zone" in zone.err
    assert too_late.code == 2, too_late
    assert "error: goal.achieve_by (" in too_late.err
    assert "must be inside the timeline" in too_late.err
    assert f"error: form: {tmp_path / 'missing.yaml'} does not exist" in missing.err
    assert "error: plan: '[/x]' is not a plan id" in markup.err  # printed, not read as markup

    status = await cli.status(plan_id)
    assert status["phase"] == "alignment"
    assert [e["kind"] for e in status["events"] if e["actor"] != "system"] == ["started"]


async def test_a_plan_from_co_authoring_to_cancelled_by_cli(cli: Cli) -> None:
    plan_id = await cli.start()
    approved = await cli("act", plan_id, "approve", "--as", MARCUS, "--comment", "Agreed")
    assert approved.code == 0, approved
    before = await cli.wait_for_phase(plan_id, "co_authoring")
    due = inside_the_timeline()

    proposed = await cli(
        "act", plan_id, "propose", "--as", KWAME,
        "--add", f"Write a support summary@{due}", "--note", "Support asked",
    )  # fmt: skip

    assert proposed.code == 0, proposed
    assert f"Version {before['version'] + 1} proposed" in proposed.out
    status = await cli.status(plan_id, KWAME)
    assert status["version"] == before["version"] + 1
    assert len(status["content"]["activities"]) == len(before["content"]["activities"]) + 1
    added = status["content"]["activities"][-1]
    assert added["description"] == "Write a support summary"
    assert added["due"] == due.isoformat()
    assert added["proposed_by"] == "team_member"
    assert status["versions"][-1]["summary"] == "Support asked"

    ready = await cli("act", plan_id, "ready", "--as", PRIYA)
    assert ready.code == 0, ready
    assert "Both are ready" in ready.out
    signing = await cli.wait_for_phase(plan_id, "signing")
    unanswered = await cli("act", plan_id, "sign", "--as", PRIYA)
    assert unanswered.code == 2, unanswered
    assert "add --yes to sign without the question" in unanswered.err
    for signed in await asyncio.gather(
        *(cli("act", plan_id, "sign", "--as", signer, "--yes") for signer in (PRIYA, KWAME))
    ):
        assert signed.code == 0, signed
        assert f"SHA-256 {signing['sha256']}" in signed.out
        assert f"Signed version {signing['version']}" in signed.out
    active = await cli.wait_for_phase(plan_id, "active")
    assert {s["email"] for s in active["signatures"]} == {PRIYA, KWAME}

    early = await cli(
        "act", plan_id, "check-in", "--as", PRIYA, "--number", "1",
        "--progress", "a1=in_progress", "--support", "s1=yes", "--feedback", "Good start",
    )  # fmt: skip
    assert early.code == 2, early
    assert "error: refused: number: check-in 1 is not due until" in early.err

    cancelled = await cli("act", plan_id, "cancel", "--as", GRACE, "--reason", "Team change")
    assert cancelled.code == 0, cancelled
    assert "The plan is cancelled" in cancelled.out
    status = await cli.wait_for_phase(plan_id, "cancelled")
    assert status["outcome"] == "cancelled"

    await cli.wait_until_closed(plan_id)
    again = await cli("act", plan_id, "cancel", "--as", GRACE, "--reason", "Twice")
    assert again.code == 2, again
    assert f"error: plan {plan_id} has finished; nothing can change it now" in again.err
    after = await cli.status(plan_id, PRIYA)
    assert after["phase"] == "cancelled"


async def test_an_unreachable_server_exits_1() -> None:
    ran = await coachplan(
        "status", "abcdef123456", "--as", GRACE, env=hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1")
    )

    assert ran.code == 1, ran
    assert ran.err.startswith("error: cannot reach Temporal at 127.0.0.1:1"), ran


async def test_bad_configuration_names_the_variable() -> None:
    ran = await coachplan(
        "status", "abcdef123456", "--as", GRACE, env=hermetic_env(COACHPLAN_INTEGRATIONS="google")
    )

    assert ran.code == 2, ran
    assert ran.err.startswith("error: COACHPLAN_INTEGRATIONS: 'google' is not supported"), ran


async def test_requested_changes_are_answered_with_a_revised_form(cli: Cli, tmp_path: Path) -> None:
    plan_id = await cli.start()
    draft = (await cli("status", plan_id, "--as", PRIYA, "--json")).json()
    asked = await cli(
        "act", plan_id, "request-changes", "--as", MARCUS, "--comment", "Name the reviewers."
    )
    assert asked.code == 0, asked

    target = "Design approved by Lena and Tom; milestone 1 scheduled"
    form = write_form(tmp_path, goal={"target": target})
    revised = await cli(
        "act", plan_id, "revise", "--as", PRIYA, "--form", str(form), "--summary", "Named"
    )
    assert revised.code == 0, revised
    assert "Version 2 is ready for the skip-level" in revised.out

    status = (await cli("status", plan_id, "--as", PRIYA, "--json")).json()
    assert status["version"] == 2
    assert status["content"]["goal"]["target"] == target
    assert status["content"]["timeline"] == draft["content"]["timeline"]
    assert status["owed"][0]["role"] == "skip_level"

    missing = await cli(
        "act", plan_id, "revise", "--as", PRIYA, "--form", "nowhere.yaml", "--summary", "x"
    )
    assert missing.code == 2, missing
    assert "form: nowhere.yaml does not exist" in missing.err
