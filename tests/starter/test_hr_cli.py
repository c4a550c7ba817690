"""`coachplan hr` and `coachplan db`: HR's records from the command line, and who may read them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from coaching.plan import Role
from store.database import create_store_engine
from store.plan_records import PlanRecords
from store.schema import head_revision
from tests.conftest import postgres_schema
from tests.starter.cli_runner import GRACE, KWAME, LENA, MARCUS, PRIYA, Cli, coachplan, hermetic_env
from tests.store.sample_records import a_record, owes, parties

TOM = "tom.becker@example.com"  # a manager with no plan here


async def hr_json(cli: Cli, *args: str) -> Any:
    return (await cli("hr", *args, "--json")).json()


async def listed_until(cli: Cli, plan_id: str, phase: str, *args: str) -> dict[str, Any]:
    """The store follows the workflow a moment later; waits for it to show `phase`."""
    for _ in range(40):
        plans = (await hr_json(cli, "list", "--as", GRACE, *args))["plans"]
        found = [p for p in plans if p["plan_id"] == plan_id]
        if found and found[0]["phase"] == phase:
            return found[0]
        await asyncio.sleep(0.25)
    raise AssertionError(f"plan {plan_id} never showed as {phase} in `hr list`")


async def test_hr_lists_every_plan_and_a_manager_only_theirs(cli: Cli) -> None:
    plan_id = await cli.start()
    listed = await listed_until(cli, plan_id, "alignment")
    assert listed["manager_id"] == "priya.raman"
    assert listed["next_owed_by"] == ["skip_level"]
    assert listed["next_deadline"] is not None

    as_text = await cli("hr", "list", "--as", GRACE, "--phase", "alignment")
    assert as_text.code == 0, as_text
    assert plan_id in as_text.out
    assert "Kwame Mensah" in as_text.out
    assert "Priya Raman" in as_text.out

    mine, skip_levels, other = await asyncio.gather(
        hr_json(cli, "list", "--as", PRIYA),
        hr_json(cli, "list", "--as", MARCUS),
        hr_json(cli, "list", "--as", TOM),
    )
    assert plan_id in [p["plan_id"] for p in mine["plans"]]
    assert plan_id in [p["plan_id"] for p in skip_levels["plans"]]
    assert plan_id not in [p["plan_id"] for p in other["plans"]]

    filtered = await asyncio.gather(
        hr_json(cli, "list", "--as", GRACE, "--owed-by", MARCUS),
        hr_json(cli, "list", "--as", GRACE, "--owed-by", "skip_level", "--manager", PRIYA),
        hr_json(cli, "list", "--as", GRACE, "--owed-by", KWAME),
        hr_json(cli, "list", "--as", GRACE, "--phase", "closed"),
    )
    found = [[p["plan_id"] for p in page["plans"]] for page in filtered]
    assert plan_id in found[0]
    assert plan_id in found[1]
    assert plan_id not in found[2]
    assert plan_id not in found[3]


async def test_hr_show_has_the_record_the_live_state_and_the_refusals(cli: Cli) -> None:
    plan_id = await cli.start()
    refused = await cli("act", plan_id, "approve", "--as", LENA)
    assert refused.code == 2, refused
    await cli("act", plan_id, "approve", "--as", MARCUS, "--comment", "Agreed.")
    await listed_until(cli, plan_id, "co_authoring")

    shown = await hr_json(cli, "show", plan_id, "--as", GRACE)
    audit = shown["record"]["audit"]
    assert [(a["action"], a["refused"]) for a in audit if a["actor"] == LENA] == [("approve", True)]
    assert "not a party" in next(a["detail"] for a in audit if a["refused"])
    assert [a["action"] for a in audit if not a["refused"]][:3] == [
        "started",
        "approved",
        "co_authoring",
    ]
    assert shown["live"]["phase"] == "co_authoring"
    assert shown["live_unavailable"] is None

    as_text = await cli("hr", "show", plan_id, "--as", GRACE)
    assert as_text.code == 0, as_text
    assert "refused: approve" in as_text.out
    assert "phase co_authoring" in as_text.out
    for section in ("Who owes what by when", "Versions", "Audit log", "Times are in"):
        assert as_text.out.count(section) == 1, (section, as_text.out)
    assert "(as recorded)" not in as_text.out, "who owes what comes from the live plan"
    assert "Live state unavailable" not in as_text.out


async def test_hr_overdue_groups_by_who_owes(cli: Cli) -> None:
    """A plan whose skip-level is two days late, written as the worker would write it."""
    org = parties(manager="priya.raman", member="kwame.mensah", skip="marcus.okafor")
    late = datetime.now(UTC) - timedelta(days=2)
    engine = create_store_engine(f"sqlite:///{cli.env['COACHPLAN_DATA_DIR']}/coachplan.db")
    PlanRecords(engine).save(
        a_record("late00000001", parties=org, owed=[owes(Role.skip_level, "approve", late, org)])
    )
    engine.dispose()

    groups, for_priya, for_tom = await asyncio.gather(
        hr_json(cli, "overdue", "--as", GRACE),
        hr_json(cli, "overdue", "--as", PRIYA),
        hr_json(cli, "overdue", "--as", TOM),
    )
    as_text = await cli("hr", "overdue", "--as", GRACE)

    assert [(g["person_id"], [i["plan_id"] for i in g["items"]]) for g in groups] == [
        ("marcus.okafor", ["late00000001"])
    ]
    assert for_priya == groups
    assert for_tom == []
    assert as_text.code == 0, as_text
    assert "Marcus Okafor owes" in as_text.out
    assert "late00000001" in as_text.out


async def test_wrong_people_and_malformed_filters_exit_2_with_a_sentence(cli: Cli) -> None:
    cases = {
        ("list", "--as", KWAME): "may not see HR's records",
        ("list", "--as", "nobody@example.com"): "not in the Northwind Labs directory",
        ("overdue", "--as", LENA): "may not see HR's records",
        ("list", "--as", GRACE, "--phase", "paused"): "phase[1]: 'paused' is not one of",
        ("list", "--as", GRACE, "--started-from", "2026-13-01"): "started_from:",
        ("list", "--as", GRACE, "--closed-from", "2026-12-02", "--closed-to", "2026-12-01"): (
            "closed_from (2026-12-02) must not be after closed_to"
        ),
        ("list", "--as", GRACE, "--owed-by", "someone@else.org"): "owed_by:",
        ("list", "--as", GRACE, "--limit", "0"): "limit:",
        ("list", "--as", GRACE, "--outcome", "great"): "outcome[1]:",
        ("show", "abcdef123456", "--as", GRACE): "there is no plan abcdef123456",
    }
    runs = await asyncio.gather(*(cli("hr", *args) for args in cases))
    for (args, expected), ran in zip(cases.items(), runs, strict=True):
        assert ran.code == 2, (args, ran)
        assert expected in ran.err, (args, ran)
        assert ran.out == "", (args, ran)


async def test_a_manager_sees_no_other_managers_plan(cli: Cli) -> None:
    plan_id = await cli.start()
    await listed_until(cli, plan_id, "alignment")

    ran = await cli("hr", "show", plan_id, "--as", TOM)

    assert ran.code == 2, ran
    assert f"there is no plan {plan_id}" in ran.err


async def test_db_upgrade_creates_then_keeps_the_schema(tmp_path: Path) -> None:
    env = hermetic_env(COACHPLAN_DATA_DIR=str(tmp_path))

    first = await coachplan("db", "upgrade", env=env)
    second = await coachplan("db", "upgrade", env=env)

    assert first.code == 0, first
    assert f"schema empty -> {head_revision()}" in first.out
    assert f"up to date (schema {head_revision()})" in second.out
    assert (tmp_path / "coachplan.db").is_file()


async def test_db_upgrade_on_postgresql() -> None:
    with postgres_schema() as url:
        ran = await coachplan("db", "upgrade", env=hermetic_env(DATABASE_URL=url))
    assert ran.code == 0, ran
    assert "postgresql+psycopg://" in ran.out
    assert f"schema empty -> {head_revision()}" in ran.out


async def test_hr_commands_need_an_upgraded_reachable_database(tmp_path: Path) -> None:
    unset = await coachplan(
        "hr", "list", "--as", GRACE, env=hermetic_env(COACHPLAN_DATA_DIR=str(tmp_path))
    )
    down = await coachplan(
        "db",
        "upgrade",
        env=hermetic_env(DATABASE_URL="postgresql://nobody@127.0.0.1:9/none"),
    )
    bad = await coachplan("db", "upgrade", env=hermetic_env(DATABASE_URL="mysql://x/y"))

    assert unset.code == 1, unset
    assert "run `coachplan db upgrade`" in unset.err
    assert down.code == 1, down
    assert "cannot reach the database" in down.err
    assert bad.code == 2, bad
    assert "DATABASE_URL: 'mysql://x/y' uses mysql" in bad.err


async def test_plan_ids_are_never_cut_whatever_the_width(cli: Cli) -> None:
    plan_id = await cli.start()
    await listed_until(cli, plan_id, "alignment")
    late = datetime.now(UTC) - timedelta(days=1)
    org = parties(manager="priya.raman", member="yuki.tanaka", skip="marcus.okafor")
    engine = create_store_engine(f"sqlite:///{cli.env['COACHPLAN_DATA_DIR']}/coachplan.db")
    PlanRecords(engine).save(
        a_record("narrow000001", parties=org, owed=[owes(Role.skip_level, "approve", late, org)])
    )
    engine.dispose()
    commands = [
        ("list", "--as", PRIYA),
        ("hr", "list", "--as", GRACE),
        ("hr", "overdue", "--as", GRACE),
    ]

    runs = await asyncio.gather(
        *(cli(*command, COLUMNS=width) for command in commands for width in ("60", "200"))
    )

    for ran in runs:
        assert ran.code == 0, ran
        assert max(len(line) for line in ran.out.splitlines()) <= 200
    for ran in runs[:4]:
        assert plan_id in ran.out, ran
    for ran in runs:
        assert "narrow000001" in ran.out, ran
    for narrow in runs[::2]:
        assert max(len(line) for line in narrow.out.splitlines()) <= 60, narrow
