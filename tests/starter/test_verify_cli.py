"""`coachplan verify`: a plan's record checked offline from HR's store, for HR and its parties."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from coaching.org import OrgDirectory
from coaching.settings import Settings
from starter.plan_client import load_directory
from store.database import create_store_engine
from store.models import AuditRow
from store.schema import upgrade_database
from tests.signed_plan import record_a_signed_plan
from tests.starter.cli_runner import GRACE, KWAME, LENA, MARCUS, PRIYA, coachplan, hermetic_env

PLAN = "verified0001"


def signed_plan_in(data_dir: Path) -> dict[str, str]:
    """A signed plan of the example org in HR's store under `data_dir`; the CLI's env."""
    settings = Settings(data_dir=data_dir)
    upgrade_database(settings.database)
    directory: OrgDirectory = load_directory(settings)
    engine = create_store_engine(settings.database)
    try:
        record_a_signed_plan(engine, PLAN, directory.parties_for(PRIYA, KWAME))
    finally:
        engine.dispose()
    return hermetic_env(COACHPLAN_DATA_DIR=str(data_dir))


async def test_a_signed_plan_verifies_for_hr_and_its_parties(tmp_path: Path) -> None:
    env = signed_plan_in(tmp_path)

    for viewer in (GRACE, PRIYA, KWAME, MARCUS):
        ran = await coachplan("verify", PLAN, "--as", viewer, env=env)
        assert ran.code == 0, ran
    assert "OK" in ran.out
    assert f"signature {PLAN}-signature-3:" in ran.out
    assert ran.out.rstrip().endswith("Everything holds.")

    report = (await coachplan("verify", PLAN, "--as", GRACE, "--json", env=env)).json()
    assert report["holds"] is True
    assert {f["verdict"] for f in report["findings"]} == {"ok"}


async def test_an_edited_audit_row_fails_the_check_and_is_named(tmp_path: Path) -> None:
    env = signed_plan_in(tmp_path)
    engine = create_store_engine(Settings(data_dir=tmp_path).database)
    with engine.begin() as connection:
        connection.execute(
            update(AuditRow).where(AuditRow.key == "event-2").values(detail="Approved twice")
        )
    engine.dispose()

    ran = await coachplan("verify", PLAN, "--as", GRACE, env=env)

    assert ran.code == 1, ran
    named = "audit row 2 (event-2): edited: its fields do not match its SHA-256"
    assert [line.split()[0] for line in ran.out.splitlines() if named in line] == ["PROBLEM"]
    assert "1 problem:" in ran.out


async def test_anyone_else_hears_there_is_no_such_plan(tmp_path: Path) -> None:
    env = signed_plan_in(tmp_path)

    outsider = await coachplan("verify", PLAN, "--as", LENA, env=env)
    missing = await coachplan("verify", "nosuchplan1", "--as", GRACE, env=env)

    assert (outsider.code, missing.code) == (2, 2)
    assert outsider.err.replace(PLAN, "ID") == missing.err.replace("nosuchplan1", "ID")
    assert "there is no plan" in outsider.err
