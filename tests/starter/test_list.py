"""`coachplan list` reads HR's store: it answers with no worker and no Temporal server, and
lists every plan it cannot read with the reason instead of leaving it out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from coaching.org import OrgDirectory
from coaching.plan import Role
from coaching.status import Outcome, Phase
from starter.hr_desk import HrDesk
from store.database import create_store_engine
from store.models import PlanRow
from store.plan_records import PlanRecords
from store.schema import upgrade_database
from tests.starter.cli_runner import (
    EXAMPLE_FORM,
    GRACE,
    KWAME,
    LENA,
    MARCUS,
    PRIYA,
    coachplan,
    hermetic_env,
)
from tests.store.sample_records import a_record, owes, parties

PRIYAS = parties(manager="priya.raman", member="kwame.mensah", skip="marcus.okafor")
TOMS = parties(manager="tom.becker", member="david.kim", skip="marcus.okafor")
DUE = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    """Priya's active plan and her closed one, Tom's plan in alignment, and a record of
    Priya's that this version cannot read (a phase it does not know)."""
    url = f"sqlite:///{tmp_path}/coachplan.db"
    upgrade_database(url)
    engine = create_store_engine(url)
    writer = PlanRecords(engine)
    writer.save(
        a_record(
            "active000001",
            parties=PRIYAS,
            phase=Phase.active,
            team_member_included=True,
            owed=[owes(Role.manager, "record check-in 1", DUE, PRIYAS)],
        )
    )
    writer.save(
        a_record(
            "closed000001",
            parties=PRIYAS,
            phase=Phase.closed,
            outcome=Outcome.achieved,
            team_member_included=True,
            closed_at=DUE,
            owed=[],
        )
    )
    writer.save(a_record("toms00000001", parties=TOMS))
    writer.save(a_record("broken000001", parties=PRIYAS))
    with engine.begin() as connection:
        connection.execute(
            update(PlanRow).where(PlanRow.plan_id == "broken000001").values(phase="paused")
        )
    yield engine
    engine.dispose()


def offline_env(tmp_path: Path) -> dict[str, str]:
    """Temporal at a closed port: no server, no worker."""
    return hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1", COACHPLAN_DATA_DIR=str(tmp_path))


async def test_list_answers_from_hr_store_with_temporal_down(store: Engine, tmp_path: Path) -> None:
    env = offline_env(tmp_path)

    priya, as_json, kwame, marcus, lena, grace = await asyncio.gather(
        coachplan("list", "--as", PRIYA, env=env),
        coachplan("list", "--as", PRIYA, "--json", env=env),
        coachplan("list", "--as", KWAME, "--json", env=env),
        coachplan("list", "--as", MARCUS, env=env),
        coachplan("list", "--as", LENA, "--json", env=env),
        coachplan("list", "--as", GRACE, "--json", env=env),
    )

    assert priya.code == 0, priya
    assert "Coaching plans (3)" in priya.out
    assert "active000001" in priya.out
    assert "closed000001" in priya.out
    assert "toms00000001" not in priya.out
    assert "│ manager " in priya.out
    assert "2026-12-03 10:30 CET" in priya.out, "Priya works in Berlin"
    assert (
        "Plan broken000001 cannot be read from HR's records: phase: 'paused' is not one of"
        in priya.out
    )
    listed = as_json.json()
    assert [p["plan_id"] for p in listed["plans"]] == ["active000001", "closed000001"]
    assert [u["plan_id"] for u in listed["unreadable"]] == ["broken000001"]
    assert listed["total"] == 3
    assert [p["plan_id"] for p in kwame.json()["plans"]] == ["active000001", "closed000001"]
    assert marcus.code == 0, marcus
    assert "2026-12-03 04:30 EST" in marcus.out, "Marcus works in New York"
    assert "│ skip level " in marcus.out
    assert "toms00000001" in marcus.out
    assert lena.json() == {"plans": [], "unreadable": [], "total": 0}
    everything = grace.json()
    assert {p["plan_id"] for p in everything["plans"]} == {
        "active000001",
        "closed000001",
        "toms00000001",
    }
    assert everything["total"] == 4


async def test_list_needs_hr_store_prepared_and_a_sensible_limit(tmp_path: Path) -> None:
    env = offline_env(tmp_path)

    unprepared, no_rows = await asyncio.gather(
        coachplan("list", "--as", PRIYA, env=env),
        coachplan("list", "--as", PRIYA, "--limit", "0", env=env),
    )

    assert unprepared.code == 1, unprepared
    assert "run `coachplan db upgrade`" in unprepared.err
    assert no_rows.code == 2, no_rows
    assert no_rows.err == "error: --limit: must be between 1 and 10000\n"


def test_the_list_query_takes_milliseconds(store: Engine) -> None:
    desk = HrDesk(store, OrgDirectory.load(EXAMPLE_FORM.parent / "org.yaml"))
    desk.plans_of(PRIYA, 200)

    began = time.perf_counter()
    found = desk.plans_of(PRIYA, 200)
    took = time.perf_counter() - began

    assert len(found.plans) == 2
    assert took < timedelta(milliseconds=250).total_seconds(), f"{took * 1000:.0f} ms"
