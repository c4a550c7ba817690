"""HR's store is written idempotently: a retried or replayed record never writes twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine, func, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities, RecordedPlan
from coaching.plan import Role
from coaching.records import PlanRecord
from coaching.status import Outcome, Phase
from store.hr_queries import HrQueries, PlanFilter, Scope
from store.models import AuditRow, ObligationRow, PlanRow, VersionRow
from store.plan_records import PlanRecords
from tests.store.sample_records import NOW, a_record, audit, owes, parties


def count(store: Engine, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    with store.connect() as connection:
        return connection.scalar(query) or 0


def plan_row(store: Engine, plan_id: str = "plan000001") -> PlanRow:
    with store.connect() as connection:
        row = connection.execute(select(PlanRow).where(PlanRow.plan_id == plan_id)).one()
    return row  # type: ignore[return-value]


def test_running_the_same_activity_input_twice_writes_once(store: Engine) -> None:
    activities = RecordActivities(PlanRecords(store))
    record = a_record(audit=audit("started", "approved"))

    first: RecordedPlan = ActivityEnvironment().run(activities.record_plan, record)
    second: RecordedPlan = ActivityEnvironment().run(activities.record_plan, record)

    assert (first.applied, second.applied) == (True, False)
    assert count(store, PlanRow) == 1
    assert count(store, AuditRow) == 2
    assert count(store, VersionRow) == 1
    assert count(store, ObligationRow) == 1


def test_an_older_record_arriving_late_never_moves_the_plan_back(store: Engine) -> None:
    records = PlanRecords(store)
    sent = parties()
    newer = a_record(
        revision=2,
        phase=Phase.co_authoring,
        owed=[owes(Role.team_member, "propose", NOW + timedelta(days=3), sent)],
        audit=audit("co_authoring", start=2),
    )
    older = a_record(revision=1, audit=audit("started"))

    assert records.save(newer)
    assert not records.save(older)

    row = plan_row(store)
    assert (row.phase, row.revision, row.next_owed_by) == ("co_authoring", 2, "team_member")
    assert count(store, AuditRow) == 2, "the late record's audit lines are still kept"


def test_a_newer_record_replaces_who_owes_what(store: Engine) -> None:
    records = PlanRecords(store)
    sent = parties()
    records.save(a_record())
    records.save(
        a_record(
            revision=2,
            phase=Phase.signing,
            owed=[
                owes(Role.manager, "sign version 1", NOW + timedelta(days=2), sent),
                owes(Role.team_member, "sign version 1", NOW + timedelta(days=2), sent),
            ],
            audit=[],
        )
    )

    row = plan_row(store)
    assert row.next_owed_by == "manager,team_member"
    assert row.next_deadline == NOW + timedelta(days=2)
    assert count(store, ObligationRow, plan_id="plan000001") == 2
    assert count(store, ObligationRow, person_id="sara") == 0


def test_a_closed_plan_keeps_its_outcome_and_owes_nothing(store: Engine) -> None:
    records = PlanRecords(store)
    records.save(a_record())
    records.save(
        a_record(
            revision=9,
            phase=Phase.closed,
            outcome=Outcome.achieved,
            closed_at=NOW,
            owed=[],
            audit=audit("closed", start=2),
        )
    )

    row = plan_row(store)
    assert (row.phase, row.outcome, row.closed_at) == ("closed", "achieved", NOW)
    assert row.next_deadline is None
    assert count(store, ObligationRow) == 0


def test_overlapping_writes_of_one_plan_end_at_the_newest_record(store: Engine) -> None:
    """An attempt and its retry may overlap; whatever the order, the newest revision wins."""
    records = PlanRecords(store)
    sent = [
        a_record(revision=n, version=n, audit=audit(f"step{n}", start=n, version=n))
        for n in range(1, 9)
    ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(records.save, [*reversed(sent), *sent]))

    row = plan_row(store)
    assert (row.revision, row.version) == (8, 8)
    assert count(store, AuditRow) == 8


def test_a_team_member_once_brought_in_is_never_taken_out(store: Engine) -> None:
    """A record from a worker that predates the field says False; the plan stays visible."""
    records = PlanRecords(store)
    records.save(a_record())
    assert not plan_row(store).team_member_included

    records.save(a_record(revision=2, phase=Phase.co_authoring, team_member_included=True))
    records.save(a_record(revision=3, phase=Phase.signing, audit=[]))

    row = plan_row(store)
    assert (row.revision, row.phase, row.team_member_included) == (3, "signing", True)
    listing = HrQueries(store).list_plans(Scope.everyone(), PlanFilter(), NOW).plans[0]
    assert listing.team_member_included


def test_a_record_from_before_the_field_reads_as_not_brought_in() -> None:
    sent = a_record().model_dump(mode="json", exclude={"team_member_included"})

    assert PlanRecord.model_validate(sent).team_member_included is False
