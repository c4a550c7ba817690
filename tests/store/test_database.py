"""The store's engines keep statements' parameters (plan text, names, emails) out of error
messages, which reach the worker's log and Temporal's failures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.exc import IntegrityError

from store.models import PlanLookRow
from store.plan_records import PlanRecords
from tests.conftest import migrated
from tests.store.sample_records import NOW, a_record


def test_a_failed_statement_does_not_quote_its_parameters(store: Engine) -> None:
    row = {"id": 1, "plan_id": "p1", "person_id": "Kwame Mensah", "at": NOW, "through": "page"}
    with store.begin() as connection:
        connection.execute(insert(PlanLookRow).values(row))

    with pytest.raises(IntegrityError) as failed, store.begin() as connection:
        connection.execute(insert(PlanLookRow).values(row))

    assert "Kwame Mensah" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)


def test_many_threads_saving_plans_into_sqlite_at_once_take_turns_instead_of_failing(
    tmp_path: Path,
) -> None:
    """The worker records plans from dozens of activity threads. SQLite makes a writer that
    finds the file locked poll and sleep; given a busy timeout shorter than the queue, those
    polls fail with "database is locked". Writers of one process take turns on a lock, so
    none of them meets SQLite's lock at all."""
    url = migrated(f"sqlite:///{tmp_path}/coachplan.db")
    engine = create_engine(url, connect_args={"timeout": 0.001})
    records = PlanRecords(engine)
    with ThreadPoolExecutor(max_workers=40) as threads:
        saved = list(threads.map(lambda n: records.save(a_record(f"plan{n:06d}")), range(200)))
    assert all(saved)
    engine.dispose()
