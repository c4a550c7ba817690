"""The parties' verification page and its API: the report `coachplan verify` prints, for the
plan's parties and HR only; a plan anyone else asks about answers as one that does not exist."""

from __future__ import annotations

from sqlalchemy import update

from store.database import create_store_engine
from store.models import VersionRow
from tests.signed_plan import record_a_signed_plan
from tests.web.browserless import (
    GRACE,
    KWAME,
    LENA,
    PRIYA,
    Browserless,
    WebStack,
    example_form,
    plan_id_from,
)
from tests.workflows.running_plan import eventually

PLAN = "webverified1"


def record_signed_plan(web: WebStack) -> None:
    directory = web.app.state.context.directory
    engine = create_store_engine(web.settings.database)
    try:
        record_a_signed_plan(engine, PLAN, directory.parties_for(PRIYA, KWAME))
    finally:
        engine.dispose()


async def test_the_parties_see_that_a_signed_plan_holds(
    browser_for: Browserless, web: WebStack
) -> None:
    record_signed_plan(web)

    for email in (KWAME, PRIYA, GRACE):
        page = await (await browser_for.signed_in(email)).get(f"/plans/{PLAN}/verification")
        assert page.status_code == 200, page.text
        assert "Everything holds." in page.text
        assert f"Signature {PLAN}-signature-3" in page.text
        assert "voided on" in page.text

    grace = await browser_for.signed_in(GRACE)
    answer = await grace.get(f"/api/plans/{PLAN}/verification")
    assert answer.status_code == 200
    assert answer.json()["holds"] is True


async def test_a_changed_version_is_named_on_the_page(
    browser_for: Browserless, web: WebStack
) -> None:
    record_signed_plan(web)
    engine = create_store_engine(web.settings.database)
    with engine.begin() as connection:
        connection.execute(
            update(VersionRow).where(VersionRow.number == 2).values(content='{"edited":true}')
        )
    engine.dispose()

    kwame = await browser_for.signed_in(KWAME)
    page = await kwame.get(f"/plans/{PLAN}/verification")

    assert page.status_code == 200
    assert "1 problem:" in page.text
    assert (
        '<tr class="overdue"><td>Version 2</td><td>Problem</td><td>content does not match '
        "its SHA-256</td></tr>" in page.text
    )
    report = (await kwame.get(f"/api/plans/{PLAN}/verification")).json()
    assert report["holds"] is False


async def test_anyone_else_gets_not_found_as_for_a_plan_that_does_not_exist(
    browser_for: Browserless, web: WebStack
) -> None:
    record_signed_plan(web)
    lena = await browser_for.signed_in(LENA)

    real = await lena.get(f"/plans/{PLAN}/verification")
    invented = await lena.get("/plans/abcdef123456/verification")
    api = await lena.get(f"/api/plans/{PLAN}/verification")

    assert real.status_code == invented.status_code == api.status_code == 404
    assert real.text == invented.text
    assert "Kwame" not in real.text


async def test_the_plan_page_links_to_its_verification(browser_for: Browserless) -> None:
    priya = await browser_for.signed_in(PRIYA)
    plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))

    page = await priya.get(f"/plans/{plan_id}")
    assert f'href="/plans/{plan_id}/verification"' in page.text

    async def recorded() -> bool:
        return (await priya.get(f"/plans/{plan_id}/verification")).status_code == 200

    await eventually(recorded)
    verified = await priya.get(f"/plans/{plan_id}/verification")
    assert "Everything holds." in verified.text
