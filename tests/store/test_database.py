"""The store's engines keep statements' parameters (plan text, names, emails) out of error
messages, which reach the worker's log and Temporal's failures."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from store.models import PlanLookRow
from tests.store.sample_records import NOW


def test_a_failed_statement_does_not_quote_its_parameters(store: Engine) -> None:
    row = {"id": 1, "plan_id": "p1", "person_id": "Kwame Mensah", "at": NOW, "through": "page"}
    with store.begin() as connection:
        connection.execute(insert(PlanLookRow).values(row))

    with pytest.raises(IntegrityError) as failed, store.begin() as connection:
        connection.execute(insert(PlanLookRow).values(row))

    assert "Kwame Mensah" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)
