"""The recipient gate stands in every activity that reaches people: a document share, the
check-in invite, a message and the readers the sweep keeps. Each is fed someone who may not
receive the plan and refuses, sending nothing, and says so in the log without the address."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.calendar import CalendarActivities
from activities.documents import DocumentActivities, PlanDocumentRequest
from activities.notifications import NotificationActivities
from activities.sweep import GuardedPlan, SweepActivities, SweepPlan
from coaching.notices import Notice, NoticeKind
from coaching.org import Parties
from coaching.plan import PlanContent, Role
from coaching.status import Phase, PlanVersion
from integrations.failures import IntegrationFailure
from integrations.local.calendar import IcsCalendar
from integrations.local.documents import LocalDocumentStore
from integrations.recipients import REFUSED
from store.hr_queries import HrQueries
from tests.activities.conftest import MANAGER, STRANGER
from tests.activities.test_calendar import series_for

PLAN_ID = "p1a2b3c4"


def refused(caplog: pytest.LogCaptureFixture, work: Any, *args: Any) -> IntegrationFailure:
    with caplog.at_level(logging.INFO), pytest.raises(IntegrationFailure) as error:
        ActivityEnvironment().run(work, *args)
    assert error.value.kind == REFUSED
    assert not error.value.retryable
    assert f"plan {PLAN_ID}" in caplog.text
    assert STRANGER.email not in caplog.text + error.value.message
    return error.value


def test_a_document_is_not_shared_with_a_team_member_the_plan_never_included(
    documents: DocumentActivities,
    version: PlanVersion,
    parties: Parties,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Cancelled during alignment: the phase is final, the team member still outside."""
    request = PlanDocumentRequest(
        plan_id=PLAN_ID,
        phase=Phase.cancelled,
        version=version,
        parties=parties,
        share_with=list(Role),
        team_member_included=False,
    )

    error = refused(caplog, documents.render_plan_document, request)

    assert "team member" in error.message
    assert not (tmp_path / "documents").exists()


def test_an_outsider_is_not_invited_to_the_check_ins(
    calendar: CalendarActivities,
    content: PlanContent,
    parties: Parties,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    series = series_for(content, parties=parties, attendees=[MANAGER, STRANGER])

    for work in (calendar.schedule_check_ins, calendar.cancel_check_ins, calendar.end_check_ins):
        error = refused(caplog, work, series)
        assert "none of the plan's four parties" in error.message
    assert not (tmp_path / "invites").exists()


def test_no_message_reaches_a_team_member_the_plan_never_included(
    notifications: NotificationActivities,
    parties: Parties,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    notice = Notice(
        plan_id=PLAN_ID,
        event_id="007-cancelled",
        kind=NoticeKind.cancelled,
        to=[Role.manager, Role.team_member],
        parties=parties,
        phase=Phase.cancelled,
        version=1,
        actor=MANAGER.email,
        text="The team is being reorganised.",
        team_member_included=False,
    )

    refused(caplog, notifications.send_notification, notice)

    assert not (tmp_path / "outbox").exists()


class _Plan:
    def __init__(self, guarded: GuardedPlan) -> None:
        self._guarded = guarded

    async def query(self, *args: Any, **kwargs: Any) -> GuardedPlan:
        return self._guarded

    async def signal(self, *args: Any) -> None:
        raise AssertionError("a refused sweep tells the plan nothing")


class _Client:
    """What the sweep asks of Temporal: one plan's answer to its query."""

    def __init__(self, guarded: GuardedPlan) -> None:
        self._plan = _Plan(guarded)

    def get_workflow_handle(self, workflow_id: str) -> _Plan:
        return self._plan


async def test_the_sweep_does_not_keep_an_outsider_as_a_reader(
    parties: Parties, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    guarded = GuardedPlan(
        plan_id=PLAN_ID,
        readers=[parties.manager, parties.skip_level, STRANGER],
        series=None,
        parties=parties,
        phase=Phase.alignment,
        team_member_included=False,
    )
    store = LocalDocumentStore(tmp_path)
    sweep = SweepActivities(
        cast(Client, _Client(guarded)),
        cast(HrQueries, None),
        store,
        IcsCalendar(tmp_path),
    )

    with caplog.at_level(logging.INFO), pytest.raises(IntegrationFailure) as error:
        await ActivityEnvironment().run(sweep.sweep_plan, SweepPlan(plan_id=PLAN_ID))

    assert error.value.kind == REFUSED
    assert f"plan {PLAN_ID}: readers the sweep keeps refused in alignment" in caplog.text
    assert STRANGER.email not in caplog.text + error.value.message
