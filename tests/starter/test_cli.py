"""`coachplan` for real: start, status, list and every action, by people with and without
the right to do them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from coaching.settings import Settings
from tests.payload_keys import write_test_keys
from tests.starter.cli_runner import (
    EXAMPLE_FORM,
    GRACE,
    KWAME,
    LENA,
    MARCUS,
    PRIYA,
    Cli,
    coachplan,
    hermetic_env,
)
from workflows.coaching_plan import CoachingPlanWorkflow


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
    timeline = as_text.out.split("Timeline")[1]
    assert "Priya Raman" in timeline
    assert PRIYA not in timeline, "people are named by name, not by email"
    assert f"skip level: {MARCUS}" in as_text.out

    (execution,) = await cli.executions(plan_id)
    assert execution.id == f"coaching-plan-{plan_id}"
    assert execution.workflow_type == CoachingPlanWorkflow.__name__
    assert execution.task_queue == cli.settings.task_queue
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

    for refused in (member, colleague):
        assert refused.code == 2, refused
        assert f"error: there is no plan {plan_id}\n" == refused.err, "as if it did not exist"
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

    await cli.recorded(plan_id)  # the list below reads HR's store
    manager, skip_level, member_list, colleague_list = await asyncio.gather(
        *(cli.plan_ids(viewer) for viewer in (PRIYA, MARCUS, KWAME, LENA))
    )
    assert plan_id in manager
    assert plan_id in skip_level
    assert plan_id not in member_list
    assert plan_id not in colleague_list

    approved = await cli("act", plan_id, "approve", "--as", MARCUS, "--comment", "Agreed")
    assert approved.code == 0, approved
    assert approved.out == (
        "Aligned: the team member is brought in to co-author the plan. (plan version 1)\n"
    ), "the plan's answer, whole"

    status = await cli.wait_for_phase(plan_id, "co_authoring", viewer=KWAME)
    assert status["team_member_included"] is True
    await cli.recorded(plan_id, team_member_included=True)
    member_list, colleague_list, still_refused = await asyncio.gather(
        cli.plan_ids(KWAME), cli.plan_ids(LENA), cli("status", plan_id, "--as", LENA)
    )
    assert plan_id in member_list
    assert plan_id not in colleague_list
    assert still_refused.code == 2, still_refused
    assert f"there is no plan {plan_id}" in still_refused.err


async def test_a_team_member_has_one_open_plan_even_when_two_starts_race(cli: Cli) -> None:
    open_plan = await cli.start()

    again = await cli("start", "--form", str(EXAMPLE_FORM), "--as", PRIYA)

    assert again.code == 2, again
    assert f"Kwame Mensah already has an open coaching plan ({open_plan})" in again.err
    cancelled = await cli("act", open_plan, "cancel", "--as", GRACE, "--reason", "Team change")
    assert cancelled.code == 0, cancelled
    racing = await asyncio.gather(
        *(cli("start", "--form", str(EXAMPLE_FORM), "--as", PRIYA) for _ in range(3))
    )
    started = [ran for ran in racing if ran.code == 0]
    assert len(started) == 1, racing
    new_plan = started[0].out.split("Started plan ")[1].split()[0]
    assert new_plan != open_plan
    for refused in (ran for ran in racing if ran.code != 0):
        assert f"already has an open coaching plan ({new_plan})" in refused.err, refused


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

    too_soon = await cli(
        "act", plan_id, "move-check-in", "--as", PRIYA, "--number", "1",
        "--to", "2027-01-05 10:30", "--reason", "Travel",
    )  # fmt: skip
    assert too_soon.code == 2, too_soon
    assert "cannot move a check-in while the plan is in co_authoring" in too_soon.err

    ready = await cli("act", plan_id, "ready", "--as", PRIYA)
    assert ready.code == 0, ready
    assert "Both are ready" in ready.out
    signing = await cli.wait_for_phase(plan_id, "signing")
    unanswered = await cli("act", plan_id, "sign", "--as", PRIYA)
    assert unanswered.code == 2, unanswered
    assert "add --yes to sign without the question" in unanswered.err
    assert "Paper copy: you can ask HR" in unanswered.out, "the disclosure comes first"
    signatures = await asyncio.gather(
        *(cli("act", plan_id, "sign", "--as", signer, "--yes") for signer in (PRIYA, KWAME))
    )
    for signed in signatures:
        assert signed.code == 0, signed
        assert f"SHA-256 {signing['sha256']}" in signed.out
        assert f"Signed version {signing['version']}" in signed.out
    assert any("Both have signed: the plan is active from" in s.out for s in signatures)
    assert any("the first check-in is" in s.out for s in signatures)
    active = await cli.wait_for_phase(plan_id, "active")
    assert {s["email"] for s in active["signatures"]} == {PRIYA, KWAME}
    assert {s["identified_by"]["method"] for s in active["signatures"]} == {"cli_development"}
    assert {c["email"] for c in active["consents"]} == {PRIYA, KWAME}

    second = datetime.fromisoformat(active["check_ins"][1]["due_at"])
    next_day = second.astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=1)
    move = ["act", plan_id, "move-check-in", "--number", "2", "--reason", "Public holiday"]
    by_kwame = await cli(*move, "--as", KWAME, "--to", f"{next_day:%Y-%m-%d %H:%M}")
    assert by_kwame.code == 2, by_kwame
    assert "only the manager may move a check-in" in by_kwame.err
    garbled = await cli(*move, "--as", PRIYA, "--to", "next friday")
    assert garbled.code == 2, garbled
    assert "--to: 'next friday' is not a local time like" in garbled.err
    moved = await cli(*move, "--as", PRIYA, "--to", f"{next_day:%Y-%m-%d %H:%M}")
    assert moved.code == 0, moved
    assert f"Check-in 2 moved to {next_day:%a %Y-%m-%d %H:%M} Europe/Berlin." in moved.out
    skipped = await cli(
        "act", plan_id, "skip-check-in", "--as", PRIYA, "--number", "3", "--reason", "Offsite"
    )
    assert skipped.code == 0, skipped
    status = await cli.status(plan_id, PRIYA)
    assert datetime.fromisoformat(status["check_ins"][1]["due_at"]) == next_day
    assert status["check_ins"][2]["status"] == "skipped"

    early = await cli(
        "act", plan_id, "check-in", "--as", PRIYA, "--number", "1",
        "--progress", "a1=in_progress", "--support", "s1=yes", "--feedback", "Good start",
    )  # fmt: skip
    assert early.code == 2, early
    assert "error: refused: number: check-in 1 can be recorded from" in early.err

    cancelled = await cli("act", plan_id, "cancel", "--as", GRACE, "--reason", "Team change")
    assert cancelled.code == 0, cancelled
    assert "The plan is cancelled" in cancelled.out
    status = await cli.wait_for_phase(plan_id, "cancelled")
    assert status["outcome"] == "cancelled"

    await cli.wait_until_closed(plan_id)
    again = await cli("act", plan_id, "cancel", "--as", GRACE, "--reason", "Twice")
    assert again.code == 2, again
    assert f"error: refused: plan {plan_id} has finished; nothing can change it now" in again.err
    after = await cli.status(plan_id, PRIYA)
    assert after["phase"] == "cancelled"


async def test_an_unreachable_server_exits_1(cli: Cli) -> None:
    ran = await cli("status", "abcdef123456", "--as", GRACE, TEMPORAL_ADDRESS="127.0.0.1:1")

    assert ran.code == 1, ran
    assert ran.err.startswith("error: cannot reach Temporal at 127.0.0.1:1"), ran


async def test_an_unreachable_server_is_retried_for_a_while_then_named(cli: Cli) -> None:
    ran = await cli(
        "status",
        "abcdef123456",
        "--as",
        GRACE,
        TEMPORAL_ADDRESS="127.0.0.1:1",
        COACHPLAN_TEMPORAL_WAIT_SECONDS="2",
    )

    assert ran.code == 1, ran
    first, last = ran.err.splitlines()
    assert first.startswith("Temporal is unreachable, retrying for up to 2 s"), ran
    assert last == (
        "error: cannot reach Temporal at 127.0.0.1:1: Connection refused (retried for 2 s; "
        "COACHPLAN_TEMPORAL_WAIT_SECONDS sets how long)"
    ), ran


async def test_bad_configuration_names_the_variable() -> None:
    ran = await coachplan(
        "status", "abcdef123456", "--as", GRACE, env=hermetic_env(COACHPLAN_INTEGRATIONS="google")
    )

    assert ran.code == 2, ran
    assert ran.err.startswith(
        "error: COACHPLAN_GOOGLE_KEY_FILE, COACHPLAN_GOOGLE_MAILBOX must be set with "
        "COACHPLAN_INTEGRATIONS=google"
    ), ran


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


async def test_a_form_file_that_cannot_be_read_is_refused_in_one_line(tmp_path: Path) -> None:
    """Checked before anything is sent: no server is needed to hear what is wrong."""
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("development_area: Präsentieren\n".encode("latin-1"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("team_member: [kwame.mensah@example.com\ngoal: x\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    a_list = tmp_path / "list.yaml"
    a_list.write_text("- development_area: x\n")
    with_bom = tmp_path / "bom.yaml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_FORM.read_bytes())
    env = hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1", COACHPLAN_DATA_DIR=str(tmp_path))
    write_test_keys(Settings(data_dir=tmp_path))
    expected = {
        latin1: f"form: {latin1} is not UTF-8 text (byte 0xe4 at offset 20); save it as UTF-8",
        broken: f"form: {broken} is not valid YAML: expected ',' or ']', but got ':' "
        "(line 2, column 5)",
        empty: f"form: {empty} is empty; see examples/plan.yaml for a filled form",
        a_list: f"form: {a_list} must be a mapping of fields, not a list; see "
        "examples/plan.yaml for a filled form",
        tmp_path: f"form: {tmp_path} is a directory, not a form file (YAML, like "
        "examples/plan.yaml)",
        tmp_path / "missing.yaml": f"form: {tmp_path / 'missing.yaml'} does not exist",
    }
    commands = [
        ("start", "--form", "{form}", "--as", PRIYA),
        ("act", "abcdef123456", "revise", "--as", PRIYA, "--form", "{form}", "--summary", "x"),
    ]

    runs = await asyncio.gather(
        *(
            coachplan(*(arg.format(form=form) for arg in command), env=env)
            for command in commands
            for form in expected
        ),
        coachplan("start", "--form", str(with_bom), "--as", PRIYA, env=env),
    )

    *refused, bom = runs
    for ran, line in zip(refused, [*expected.values(), *expected.values()], strict=True):
        assert ran.code == 2, ran
        assert ran.err == f"error: {line}\n", ran
        assert ran.out == ""
    assert bom.code == 1, "a UTF-8 form with a byte order mark is read, then Temporal is down"
    assert "cannot reach Temporal" in bom.err, bom


async def test_an_unknown_email_names_the_option() -> None:
    env = hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1")
    nobody = "nobody@example.com"
    commands = [
        ("start", "--form", str(EXAMPLE_FORM), "--as", nobody),
        ("status", "abcdef123456", "--as", nobody),
        ("list", "--as", nobody),
        ("act", "abcdef123456", "approve", "--as", nobody),
        ("act", "abcdef123456", "cancel", "--as", nobody, "--reason", "Not mine"),
        ("hr", "list", "--as", nobody),
        ("hr", "show", "abcdef123456", "--as", nobody),
    ]

    runs = await asyncio.gather(*(coachplan(*command, env=env) for command in commands))

    for command, ran in zip(commands, runs, strict=True):
        assert ran.code == 2, (command, ran)
        assert ran.err == (
            "error: --as: nobody@example.com is not in the Northwind Labs directory\n"
        ), (command, ran)


def every_command_on(plan_id: str, viewer: str, form: Path) -> list[tuple[str, ...]]:
    """Every command that takes a plan, each with data good enough to reach the plan."""
    act = ("act", plan_id)
    return [
        ("status", plan_id, "--as", viewer),
        ("status", plan_id, "--as", viewer, "--json"),
        (*act, "approve", "--as", viewer),
        (*act, "request-changes", "--as", viewer, "--comment", "Sharper, please"),
        (*act, "revise", "--as", viewer, "--form", str(form), "--summary", "Sharper"),
        (*act, "propose", "--as", viewer, "--add", "Pair on the rollout"),
        (*act, "ready", "--as", viewer),
        (*act, "sign", "--as", viewer, "--yes"),
        (*act, "sign", "--as", viewer),
        (*act, "decline", "--as", viewer, "--comment", "Not yet"),
        (*act, "check-in", "--as", viewer, "--number", "1", "--progress", "a1=in_progress",
         "--support", "s1=yes", "--feedback", "Good start"),
        (*act, "check-in", "--as", viewer, "--number", "1", "--feedback", "Good start"),
        (*act, "note", "--as", viewer, "--number", "1", "--note", "It helped"),
        (*act, "review", "--as", viewer, "--outcome", "achieved", "--achievements", "All of it",
         "--next-steps", "More of it"),
        (*act, "comment", "--as", viewer, "--comment", "Thank you"),
        (*act, "extend", "--as", viewer, "--new-end", inside_the_timeline().isoformat(),
         "--reason", "More time helps"),
        (*act, "cancel", "--as", viewer, "--reason", "Team change"),
    ]  # fmt: skip


async def answers(cli: Cli, commands: list[tuple[str, ...]]) -> list[tuple[int, str, str]]:
    """Exit code, stdout and stderr of each, a few at a time (the machine is shared)."""
    running = asyncio.Semaphore(4)

    async def one(command: tuple[str, ...]) -> tuple[int, str, str]:
        async with running:
            ran = await cli(*command)
        return ran.code, ran.out, ran.err

    return await asyncio.gather(*(one(command) for command in commands))


async def test_a_plan_someone_may_not_see_answers_as_if_it_did_not_exist(
    cli: Cli, tmp_path: Path
) -> None:
    """An outsider, the team member before the skip-level approves, and a manager whose
    records do not include the plan: for each command, the same code and words as a plan id
    that was never used."""
    plan_id = await cli.start()
    await cli.recorded(plan_id)
    never = "abcdef123456"
    form = write_form(tmp_path)

    nowhere = await answers(cli, every_command_on(never, LENA, form))
    for viewer in (LENA, KWAME):
        hidden = await answers(cli, every_command_on(plan_id, viewer, form))
        for command, seen, expected in zip(
            every_command_on(plan_id, viewer, form), hidden, nowhere, strict=True
        ):
            code, out, err = seen
            assert (code, out, err.replace(plan_id, never)) == expected, (viewer, command, seen)
    assert nowhere[0] == (2, "", f"error: there is no plan {never}\n")
    as_other_manager = await cli("hr", "show", plan_id, "--as", "tom.becker@example.com")
    no_such_plan = await cli("hr", "show", never, "--as", "tom.becker@example.com")
    assert (as_other_manager.code, as_other_manager.err.replace(plan_id, never)) == (
        no_such_plan.code,
        no_such_plan.err,
    )
    assert no_such_plan.err == f"error: there is no plan {never}\n"

    refused = await cli.status(plan_id)
    assert [e["kind"] for e in refused["events"] if e["actor"] != "system"] == ["started"]


async def test_a_finished_plan_is_finished_only_for_its_parties(cli: Cli) -> None:
    plan_id = await cli.start()
    cancelled = await cli("act", plan_id, "cancel", "--as", GRACE, "--reason", "Team change")
    assert cancelled.code == 0, cancelled
    await cli.wait_until_closed(plan_id)

    party, outsider, never = await asyncio.gather(
        cli("act", plan_id, "cancel", "--as", PRIYA, "--reason", "Again"),
        cli("act", plan_id, "cancel", "--as", LENA, "--reason", "Again"),
        cli("act", "abcdef123456", "cancel", "--as", LENA, "--reason", "Again"),
    )

    assert party.code == 2, party
    assert party.err == f"error: refused: plan {plan_id} has finished; nothing can change it now\n"
    assert (outsider.code, outsider.err) == (2, f"error: there is no plan {plan_id}\n")
    assert (never.code, never.err) == (2, "error: there is no plan abcdef123456\n")


async def test_a_refused_signature_comes_without_the_signing_statement(cli: Cli) -> None:
    plan_id = await cli.start()

    too_early, asked_early = await asyncio.gather(
        cli("act", plan_id, "sign", "--as", PRIYA, "--yes"),
        cli("act", plan_id, "sign", "--as", PRIYA),
    )

    for refused in (too_early, asked_early):
        assert refused.code == 2, refused
        assert refused.out == "", "no 'You are signing...' before a refusal"
        assert refused.err == (
            "error: refused: cannot sign the plan while the plan is in alignment; "
            "possible in: signing\n"
        )


async def test_a_check_in_names_the_plans_activity_and_support_ids(cli: Cli) -> None:
    """The ids are checked against the plan before anything is sent, in any phase."""
    plan_id = await cli.start()
    act = ("act", plan_id, "check-in", "--as", PRIYA, "--number", "1", "--feedback", "Good")

    missing, unknown, helped, shown = await asyncio.gather(
        cli(*act),
        cli(*act, "--progress", "a1=done", "--progress", "a9=done", "--support", "s7=no"),
        cli("act", plan_id, "check-in", "--help"),
        cli("status", plan_id, "--as", PRIYA),
    )

    status = await cli.status(plan_id, PRIYA)
    listed = [
        f"Plan {plan_id}, version 1: its activities",
        *(f"  {a['id']}  {a['description']} (planned)" for a in status["content"]["activities"]),
        "and the support the manager promised",
        *(
            f"  {s['id']}  {s['kind'].replace('_', ' ')}: {s['description']}"
            for s in status["content"]["support"]
        ),
    ]
    assert missing.code == 2, missing
    assert missing.err.splitlines() == [
        "error: --progress is missing: one per activity, like a1=in_progress[:note]",
        "error: --support is missing: one per support commitment, like s1=yes[:note]",
        *listed,
    ]
    assert unknown.code == 2, unknown
    assert unknown.err.splitlines() == [
        "error: --progress a9: the plan has no activity a9",
        "error: --support s7: the plan has no support commitment s7",
        *listed,
    ]
    assert helped.code == 0, helped
    assert "coachplan status PLAN --as EMAIL" in helped.out
    assert "lists them instead" in helped.out
    assert "Activities (a check-in's --progress ids)" in shown.out
    assert "Support promised (a check-in's --support ids)" in shown.out
    for item in [*status["content"]["activities"], *status["content"]["support"]]:
        assert f"│ {item['id']} │" in shown.out


async def test_status_shows_times_in_the_viewers_zone(cli: Cli) -> None:
    """Marcus works in New York, Priya in Berlin (the company's zone)."""
    plan_id = await cli.start()

    status = await cli.status(plan_id)
    for_marcus, for_priya, for_anyone = await asyncio.gather(
        cli("status", plan_id, "--as", MARCUS),
        cli("status", plan_id, "--as", PRIYA),
        cli("status", plan_id),
    )

    started = datetime.fromisoformat(status["events"][0]["at"])
    due = datetime.fromisoformat(status["owed"][0]["due"])
    for ran, zone in ((for_marcus, "America/New_York"), (for_priya, "Europe/Berlin")):
        assert ran.code == 0, ran
        assert f"\nTimes are in {zone}.\n" in ran.out
        for moment in (started, due):
            local = moment.astimezone(ZoneInfo(zone))
            assert f"{local:%Y-%m-%d %H:%M} {local.tzname()}" in ran.out, (zone, ran.out)
        assert " UTC" not in ran.out
    assert f"{due.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in for_anyone.out


async def test_a_plan_without_a_worker_is_not_answering_only_for_its_parties(
    cli: Cli, tmp_path: Path
) -> None:
    """Started on a task queue nobody polls: the plan exists but cannot answer a query."""
    yuki = "yuki.tanaka@example.com"
    unpolled = {"COACHPLAN_TASK_QUEUE": f"nobody-polls-{uuid.uuid4().hex[:8]}"}
    started = await cli(
        "start", "--form", str(write_form(tmp_path, team_member=yuki)), "--as", PRIYA, **unpolled
    )
    assert started.code == 0, started
    plan_id = started.out.split("Started plan ")[1].split()[0]

    manager, outsider, member = await asyncio.gather(
        *(cli("status", plan_id, "--as", viewer, **unpolled) for viewer in (PRIYA, LENA, yuki))
    )

    assert (manager.code, manager.err) == (
        2,
        f"error: plan {plan_id} is not answering; is the worker running?\n",
    )
    for hidden in (outsider, member):
        assert (hidden.code, hidden.err) == (2, f"error: there is no plan {plan_id}\n"), hidden
