"""A plan the sweep cannot guard (a Workspace setup to fix) is named, and spares the rest."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from coaching.org import Person
from integrations import Integrations
from integrations.failures import IntegrationFailure
from integrations.local.documents import LocalDocumentStore
from tests.workflows.running_plan import RunningPlan, local_integrations
from tests.workflows.test_daily_sweep import sweep


class SharingHiddenFromTheMailbox(LocalDocumentStore):
    """Documents whose permissions the mailbox may not read, as a Drive policy can make them."""

    def remove_other_readers(
        self, plan_id: str, allowed: list[Person], hr_included: bool
    ) -> list[str]:
        raise IntegrationFailure(
            "Google answered 403 domainPolicy while listing who can open the document",
            kind="Google403",
            retryable=False,
        )


@pytest.fixture
def plan_integrations(tmp_path: Path, plan_store: Engine) -> Integrations:
    local = local_integrations(tmp_path, plan_store)
    return replace(local, documents=SharingHiddenFromTheMailbox(tmp_path))


async def test_a_plan_that_cannot_be_swept_is_named_and_nothing_else_changes(
    plan: RunningPlan,
) -> None:
    events = len((await plan.status()).events)

    summary = await sweep(plan)

    assert summary.not_swept == [plan.plan_id]
    assert summary.plans == 0
    assert len((await plan.status()).events) == events
