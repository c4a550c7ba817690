"""Who opened a plan: each look is one row, read back newest first with a count, and a store
that cannot take one loses the look, never the view."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.database import create_store_engine
from store.plan_looks import Look, PlanLooks, Through
from tests.store.sample_records import NOW


@pytest.fixture
def looks(store: Engine) -> PlanLooks:
    return PlanLooks(store)


def test_looks_read_back_newest_first_for_their_plan_only(looks: PlanLooks) -> None:
    assert looks.record("p1", "kwame", Through.page, NOW)
    assert looks.record("p1", "grace", Through.hr_dashboard, NOW + timedelta(minutes=5))
    assert looks.record("p2", "priya", Through.cli, NOW)
    assert looks.record(None, "ops", Through.codec, NOW)

    found = looks.of("p1")

    assert found.total == 2
    assert found.looks == [
        Look(
            plan_id="p1",
            person_id="grace",
            at=NOW + timedelta(minutes=5),
            through=Through.hr_dashboard,
        ),
        Look(plan_id="p1", person_id="kwame", at=NOW, through=Through.page),
    ]


def test_a_long_list_shows_the_most_recent_and_counts_them_all(looks: PlanLooks) -> None:
    for minute in range(7):
        looks.record("p1", f"person-{minute}", Through.api, NOW + timedelta(minutes=minute))

    found = looks.of("p1", limit=3)

    assert found.total == 7
    assert [look.person_id for look in found.looks] == ["person-6", "person-5", "person-4"]


def test_a_store_that_cannot_take_a_look_says_so_without_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database without the schema, as a store that is down or not upgraded."""
    engine = create_store_engine(f"sqlite:///{tmp_path}/empty.db")

    with caplog.at_level(logging.WARNING):
        recorded = PlanLooks(engine).record("p1", "kwame", Through.page, NOW)

    assert not recorded
    assert caplog.messages == ["a look at plan p1 through page was not recorded: OperationalError"]
    engine.dispose()
