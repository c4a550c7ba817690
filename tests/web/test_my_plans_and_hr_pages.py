"""My plans and HR's dashboard read HR's store: each person sees their part, HR sees all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coaching.plan import Role
from coaching.status import Outcome, Phase
from store.database import create_store_engine
from store.plan_records import PlanRecords
from tests.store.sample_records import a_record, owes
from tests.web.browserless import (
    DAVID,
    GRACE,
    KWAME,
    MARCUS,
    PRIYA,
    TOM,
    Browserless,
    WebStack,
    example_form,
    plan_id_from,
)
from tests.workflows.running_plan import eventually


def record(web: WebStack, plan_id: str, **changes: object) -> None:
    """Writes a plan into HR's store through the real writer, as the workflow's activity does."""
    directory = web.app.state.context.directory
    parties = directory.parties_for(PRIYA, KWAME)
    engine = create_store_engine(web.settings.database)
    try:
        PlanRecords(engine).save(a_record(plan_id, parties=parties, **changes))
    finally:
        engine.dispose()


async def test_my_plans_shows_what_i_owe_what_others_owe_me_and_closed_plans(
    browser_for: Browserless, web: WebStack
) -> None:
    late = datetime.now(UTC) - timedelta(days=2)
    parties = web.app.state.context.directory.parties_for(PRIYA, KWAME)
    record(
        web,
        "waiting00001",
        phase=Phase.alignment,
        owed=[owes(Role.skip_level, "approve version 1 or request changes", late, parties)],
    )
    record(
        web,
        "closed000001",
        phase=Phase.closed,
        outcome=Outcome.achieved,
        closed_at=late,
        owed=[],
        team_member_included=True,
    )

    pages = []
    for email in (MARCUS, PRIYA, KWAME):
        person = await browser_for.signed_in(email)
        pages.append((await person.get("/")).text)
    as_skip_level, as_manager, as_member = pages

    owe_section = as_skip_level.split("What others owe me")[0]
    assert "approve version 1 or request changes" in owe_section
    assert "(overdue)" in owe_section
    assert 'href="/plans/waiting00001"' in owe_section
    others = as_manager.split("What others owe me")[1].split("Open plans")[0]
    assert "Marcus Okafor" in others
    assert "approve version 1" in others
    assert "Start a coaching plan" in as_manager
    assert "waiting00001" not in as_member, "not brought in yet: Kwame sees nothing of it"
    assert 'href="/plans/closed000001"' in as_member
    assert "Achieved" in as_member.split("Closed plans")[1]


async def test_my_plans_follows_a_plan_started_in_the_browser(browser_for: Browserless) -> None:
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    marcus = await browser_for.signed_in(MARCUS)

    async def listed() -> bool:
        return f'href="/plans/{plan_id}"' in (await marcus.get("/")).text

    await eventually(listed)


async def test_hr_sees_every_plan_with_counts_a_chart_and_filters(
    browser_for: Browserless, web: WebStack
) -> None:
    late = datetime.now(UTC) - timedelta(days=1)
    parties = web.app.state.context.directory.parties_for(PRIYA, KWAME)
    record(
        web,
        "overdue00001",
        phase=Phase.signing,
        owed=[owes(Role.manager, "sign version 2", late, parties)],
    )
    record(
        web, "achieved0001", phase=Phase.closed, outcome=Outcome.achieved, closed_at=late, owed=[]
    )
    grace = await browser_for.signed_in(GRACE)

    everything = await grace.get("/hr")
    overdue = await grace.get("/hr?overdue=true")
    closed = await grace.get("/hr?phase=closed&outcome=achieved")

    assert everything.status_code == 200
    assert "2 plans match" in everything.text
    assert "1 overdue" in everything.text
    assert '<svg class="chart"' in everything.text
    assert everything.text.index("overdue00001") < everything.text.index("achieved0001")
    assert "overdue00001" in overdue.text
    assert "achieved0001" not in overdue.text
    assert "achieved0001" in closed.text
    assert "overdue00001" not in closed.text


async def test_a_bad_filter_is_named_and_every_plan_shown(browser_for: Browserless) -> None:
    grace = await browser_for.signed_in(GRACE)

    refused = await grace.get("/hr?started_from=2026-12-01&started_to=2026-11-01&owed_by=x@y.org")

    assert refused.status_code == 422
    assert "owed_by: x@y.org is not in the Northwind Labs directory" in refused.text
    backwards = await grace.get("/hr?started_from=2026-12-01&started_to=2026-11-01")
    assert backwards.status_code == 422
    assert "must not be after started_to" in backwards.text
    assert "Showing every plan instead" in refused.text


async def test_hr_reads_a_plans_record_and_audit_log(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
    marcus = await browser_for.signed_in(MARCUS)
    refused = await priya.post(f"/plans/{plan_id}/actions/approve", {"comment": "Self"})
    assert refused.status_code == 403
    grace = await browser_for.signed_in(GRACE)

    async def audited() -> bool:
        page = await grace.get(f"/hr/plans/{plan_id}")
        return page.status_code == 200 and "(refused)" in page.text

    await eventually(audited)
    page = await grace.get(f"/hr/plans/{plan_id}")
    assert "Audit log" in page.text
    assert "only the skip level may approve" in page.text
    assert "live: Alignment" in page.text
    assert (await marcus.get(f"/hr/plans/{plan_id}")).status_code == 200, "skip-level's scope"


async def test_hr_sees_a_plan_held_for_a_fix_of_the_setup(
    browser_for: Browserless, web: WebStack
) -> None:
    fix = "Google answered 403 insufficientPermissions while sharing: grant the Drive scope"
    record(
        web,
        "heldplan0001",
        held_because=fix,
        document="https://docs.google.com/document/d/abc/edit",
    )
    grace = await browser_for.signed_in(GRACE)

    dashboard = await grace.get("/hr")
    page = await grace.get("/hr/plans/heldplan0001")

    assert f"Held until the setup is fixed: {fix}" in dashboard.text
    assert f"Held until the setup is fixed: {fix}" in page.text
    assert 'href="https://docs.google.com/document/d/abc/edit"' in page.text


async def test_people_who_are_neither_hr_nor_managers_are_kept_out(
    browser_for: Browserless, web: WebStack
) -> None:
    record(web, "someplan0001", phase=Phase.alignment)
    kwame = await browser_for.signed_in(KWAME)
    david = await browser_for.signed_in(DAVID)
    tom = await browser_for.signed_in(TOM)

    assert (await kwame.get("/hr")).status_code == 403
    assert "may not see HR's records" in (await david.get("/hr")).text
    other_manager = await tom.get("/hr/plans/someplan0001")
    unknown = await tom.get("/hr/plans/nosuchplan01")
    assert other_manager.status_code == unknown.status_code == 404
    assert other_manager.text == unknown.text
