"""A person's own plans: what they owe, what others owe them, their open and closed plans, and
the one-open-plan helpers; a team member not yet brought in sees nothing of the plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from coaching.plan import Role
from coaching.status import Obligation, Outcome, Phase
from store.hr_queries import HrQueries, MyPlans, OwedItem
from store.models import PlanRow
from store.plan_records import PlanRecords
from tests.store.sample_records import HR, NOW, a_record, owes, parties

OVERDUE = NOW - timedelta(days=2)
SOON = NOW + timedelta(days=1)
LATER = NOW + timedelta(days=5)

MIA = parties()  # mia manages tom, sara is the skip-level
KIM = parties(member="kim")
LEO = parties(manager="leo", member="ana")
SARA = parties(manager="sara", member="mia", skip="olga")


NOTHING = MyPlans(
    i_owe=[],
    owed_to_me=[],
    open_plans=[],
    closed_plans=[],
    owed_to_me_total=0,
    open_total=0,
    closed_total=0,
)


def optional(obligation: Obligation) -> Obligation:
    return obligation.model_copy(update={"optional": True})


@pytest.fixture
def queries(store: Engine) -> HrQueries:
    """Mia manages two open plans (Kim's still in alignment) and three finished ones of Tom's;
    she is also the team member on Sara's plan. Leo's plan has Sara as skip-level."""
    records = PlanRecords(store)
    records.save(
        a_record(
            "aligning1",
            parties=KIM,
            owed=[
                owes(Role.skip_level, "approve version 1", SOON, KIM),
                owes(Role.hr, "answer the escalation", LATER, KIM),
            ],
        )
    )
    records.save(
        a_record(
            "coauth01",
            team_member_included=True,
            phase=Phase.co_authoring,
            owed=[
                owes(Role.team_member, "propose activities", LATER, MIA),
                owes(Role.manager, "answer the proposal", OVERDUE, MIA),
                optional(owes(Role.manager, "add a comment", None, MIA)),
            ],
        )
    )
    records.save(
        a_record(
            "sarasplan",
            parties=SARA,
            team_member_included=True,
            phase=Phase.active,
            owed=[
                owes(Role.manager, "record check-in 1", OVERDUE - timedelta(days=1), SARA),
                optional(owes(Role.team_member, "add notes to check-in 1", SOON, SARA)),
            ],
        )
    )
    records.save(
        a_record(
            "leoplan01",
            parties=LEO,
            team_member_included=True,
            phase=Phase.signing,
            owed=[
                owes(Role.manager, "sign", SOON, LEO),
                owes(Role.team_member, "sign", LATER, LEO),
            ],
        )
    )
    for plan_id, phase, outcome, days_ago, included in [
        ("closed01", Phase.closed, Outcome.achieved, 3, True),
        ("cancel01", Phase.cancelled, Outcome.cancelled, 10, False),
        ("cancel02", Phase.cancelled, Outcome.cancelled, 1, True),
    ]:
        records.save(
            a_record(
                plan_id,
                team_member_included=included,
                phase=phase,
                outcome=outcome,
                closed_at=NOW - timedelta(days=days_ago),
                owed=[],
            )
        )
    return HrQueries(store)


def owed(items: list[OwedItem]) -> list[tuple[str, str, str]]:
    return [(item.plan_id, item.person_id, item.action) for item in items]


def plan_ids(mine: MyPlans) -> tuple[list[str], list[str]]:
    return [p.plan_id for p in mine.open_plans], [p.plan_id for p in mine.closed_plans]


def test_what_i_owe_comes_soonest_first_and_undated_last(queries: HrQueries) -> None:
    mine = queries.my_plans("mia", NOW)

    assert owed(mine.i_owe) == [
        ("coauth01", "mia", "answer the proposal"),
        ("sarasplan", "mia", "add notes to check-in 1"),
        ("coauth01", "mia", "add a comment"),
    ]
    first, optional_note, undated = mine.i_owe
    assert (first.overdue, first.role, first.phase, first.due) == (
        True,
        Role.manager,
        Phase.co_authoring,
        OVERDUE,
    )
    assert (first.team_member_id, first.manager_id) == ("tom", "mia")
    assert (optional_note.optional, optional_note.role, optional_note.manager_id) == (
        True,
        Role.team_member,
        "sara",
    )
    assert (undated.due, undated.overdue) == (None, False)


def test_what_others_owe_me_on_every_plan_i_am_a_party_to(queries: HrQueries) -> None:
    mine = queries.my_plans("mia", NOW)

    assert owed(mine.owed_to_me) == [
        ("sarasplan", "sara", "record check-in 1"),
        ("aligning1", "sara", "approve version 1"),
        ("aligning1", HR.id, "answer the escalation"),
        ("coauth01", "tom", "propose activities"),
    ]
    assert [item.overdue for item in mine.owed_to_me] == [True, False, False, False]


def test_my_open_plans_by_deadline_and_closed_ones_newest_first(queries: HrQueries) -> None:
    mine = queries.my_plans("mia", NOW)

    assert plan_ids(mine) == (
        ["sarasplan", "coauth01", "aligning1"],
        ["cancel02", "closed01", "cancel01"],
    )
    closed = mine.closed_plans[1]
    assert (closed.outcome, closed.closed_at) == (Outcome.achieved, NOW - timedelta(days=3))
    assert mine.open_plans[0].overdue


def test_a_team_member_sees_a_plan_only_once_brought_in(queries: HrQueries) -> None:
    tom = queries.my_plans("tom", NOW)
    assert owed(tom.i_owe) == [("coauth01", "tom", "propose activities")]
    assert owed(tom.owed_to_me) == [
        ("coauth01", "mia", "answer the proposal"),
        ("coauth01", "mia", "add a comment"),
    ]
    assert plan_ids(tom) == (["coauth01"], ["cancel02", "closed01"]), "cancel01 never reached him"

    kim = queries.my_plans("kim", NOW)
    assert kim == NOTHING


def test_hr_sees_here_only_the_plans_they_are_a_party_to(queries: HrQueries) -> None:
    hana = queries.my_plans(HR.id, NOW)

    assert hana == NOTHING


def test_a_skip_level_sees_their_reports_plans_from_the_first_day(queries: HrQueries) -> None:
    sara = queries.my_plans("sara", NOW)

    assert owed(sara.i_owe) == [
        ("sarasplan", "sara", "record check-in 1"),
        ("aligning1", "sara", "approve version 1"),
    ]
    assert owed(sara.owed_to_me) == [
        ("coauth01", "mia", "answer the proposal"),
        ("leoplan01", "leo", "sign"),
        ("sarasplan", "mia", "add notes to check-in 1"),
        ("aligning1", HR.id, "answer the escalation"),
        ("coauth01", "tom", "propose activities"),
        ("leoplan01", "ana", "sign"),
        ("coauth01", "mia", "add a comment"),
    ]
    assert plan_ids(sara)[0] == ["sarasplan", "coauth01", "aligning1", "leoplan01"]


def test_the_open_plan_of_a_team_member_whoever_sees_it(queries: HrQueries) -> None:
    open_plan = queries.open_plan_of("tom", NOW)
    assert open_plan is not None
    assert (open_plan.plan_id, open_plan.phase, open_plan.overdue) == (
        "coauth01",
        Phase.co_authoring,
        True,
    )
    aligning = queries.open_plan_of("kim")
    assert aligning is not None
    assert (aligning.plan_id, aligning.team_member_included) == ("aligning1", False)
    assert queries.open_plan_of("nobody") is None


def test_a_team_member_with_only_finished_plans_has_no_open_one(
    queries: HrQueries, store: Engine
) -> None:
    zoe = parties(member="zoe")
    PlanRecords(store).save(
        a_record("zoeplan01", parties=zoe, phase=Phase.cancelled, closed_at=NOW, owed=[])
    )

    assert queries.open_plan_of("zoe", NOW) is None
    assert queries.plans_started_for("zoe") == 1


def test_plans_started_counts_every_plan_in_any_phase(queries: HrQueries) -> None:
    assert queries.plans_started_for("tom") == 4
    assert queries.plans_started_for("kim") == 1
    assert queries.plans_started_for("mia") == 1
    assert queries.plans_started_for("nobody") == 0


def test_a_manager_of_many_sees_the_first_rows_and_how_many_there_are(store: Engine) -> None:
    writer = PlanRecords(store)
    for number in range(5):
        writer.save(a_record(f"many{number:08d}"))

    page = HrQueries(store).my_plans("mia", NOW, limit=2)

    assert [p.plan_id for p in page.open_plans] == ["many00000000", "many00000001"]
    assert page.open_total == 5
    assert len(page.owed_to_me) == 2
    assert page.owed_to_me_total == 5


def test_coachplan_list_has_my_plans_open_first_then_closed(queries: HrQueries) -> None:
    mine = queries.plans_of("mia", NOW)

    assert [p.plan_id for p in mine.plans] == [
        "sarasplan",
        "coauth01",
        "aligning1",
        "cancel02",
        "closed01",
        "cancel01",
    ]
    assert (mine.unreadable, mine.total) == ([], 6)
    assert [p.plan_id for p in queries.plans_of("tom", NOW).plans] == [
        "coauth01",
        "cancel02",
        "closed01",
    ], "cancel01 and Kim's plan never reached him"
    assert queries.plans_of("kim", NOW).plans == []


def test_coachplan_list_for_hr_has_every_plan_and_counts_past_the_limit(
    queries: HrQueries,
) -> None:
    everything = queries.plans_of(None, NOW)
    first = queries.plans_of(None, NOW, limit=2)

    assert len(everything.plans) == everything.total == 7
    assert [p.plan_id for p in first.plans] == ["sarasplan", "coauth01"]
    assert first.total == 7


def test_a_record_that_cannot_be_read_is_listed_with_the_reason(
    queries: HrQueries, store: Engine
) -> None:
    """Say a newer worker wrote a phase this version does not know."""
    with store.begin() as connection:
        connection.execute(
            update(PlanRow).where(PlanRow.plan_id == "coauth01").values(phase="paused")
        )

    mine = queries.plans_of("mia", NOW)

    assert "coauth01" not in [p.plan_id for p in mine.plans]
    (unreadable,) = mine.unreadable
    assert unreadable.plan_id == "coauth01"
    assert unreadable.reason.startswith("phase: 'paused' is not one of")
    assert mine.total == 6


def test_one_plans_listing_whoever_asks(queries: HrQueries) -> None:
    aligning = queries.listing("aligning1", NOW)

    assert aligning is not None
    assert (aligning.team_member_id, aligning.team_member_included) == ("kim", False)
    assert queries.listing("nosuchplan") is None
