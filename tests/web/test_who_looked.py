"""Who looked: every view of a plan in the web app (its page, the JSON API, HR's dashboard) is
one recorded look, someone who may not see the plan leaves none, and the team member's page
lists who opened their plan, when and through what."""

from __future__ import annotations

import html
import re

from sqlalchemy import Engine, text

from store.database import create_store_engine
from store.plan_looks import PlanLookList, PlanLooks, Through
from tests.web.browserless import DAVID, GRACE, KWAME, MARCUS, PRIYA, Browserless, WebStack
from tests.web.test_plan_page import started


def looks_at(web: WebStack, plan_id: str) -> PlanLookList:
    engine: Engine = create_store_engine(web.settings.database)
    try:
        return PlanLooks(engine).of(plan_id)
    finally:
        engine.dispose()


def who_opened(page: str) -> list[list[str]]:
    """The rows of the page's "Who opened this plan" table, as text."""
    section = page[page.index('id="who-opened"') :]
    section = section[: section.index("</section>")]
    cells = r"<tr>" + r"<td>(.*?)</td>" * 4
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in row]
        for row in re.findall(cells, section)
    ]


async def test_each_way_of_looking_records_one_look_and_an_outsider_none(
    browser_for: Browserless,
) -> None:
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    assert (await marcus.post(f"/plans/{plan_id}/actions/approve", {"comment": "Go"})).is_redirect
    kwame = await browser_for.signed_in(KWAME)
    grace = await browser_for.signed_in(GRACE)
    david = await browser_for.signed_in(DAVID)
    assert looks_at(browser_for.web, plan_id).total == 0, "starting and approving are no looks"

    views = [
        (kwame, f"/plans/{plan_id}", "kwame.mensah", Through.page),
        (kwame, f"/plans/{plan_id}/signing-copy", "kwame.mensah", Through.page),
        (marcus, f"/api/plans/{plan_id}", "marcus.okafor", Through.api),
        (priya, f"/api/hr/plans/{plan_id}", "priya.raman", Through.api),
        (grace, f"/hr/plans/{plan_id}", "grace.liu", Through.hr_dashboard),
    ]
    for person, path, person_id, through in views:
        answer = await person.get(path)
        assert answer.status_code == 200, (path, answer.text)
        newest = looks_at(browser_for.web, plan_id).looks[0]
        assert (newest.person_id, newest.through) == (person_id, through), path
    for path in (
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/signing-copy",
        f"/api/plans/{plan_id}",
        f"/hr/plans/{plan_id}",
    ):
        assert (await david.get(path)).status_code in (403, 404), path

    assert looks_at(browser_for.web, plan_id).total == len(views)


async def test_the_team_member_sees_who_opened_their_plan(browser_for: Browserless) -> None:
    plan_id, _ = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    await marcus.get(f"/plans/{plan_id}")
    assert (await marcus.post(f"/plans/{plan_id}/actions/approve", {"comment": "Go"})).is_redirect
    grace = await browser_for.signed_in(GRACE)
    await grace.get(f"/hr/plans/{plan_id}")
    kwame = await browser_for.signed_in(KWAME)

    page = (await kwame.get(f"/plans/{plan_id}")).text

    assert "Who opened this plan" in page
    assert "Opened 3 times" in page
    rows = who_opened(page)
    assert [row[:2] for row in rows] == [
        ["Kwame Mensah", "team member"],
        ["Grace Liu", "HR"],
        ["Marcus Okafor", "skip-level"],
    ]
    assert [row[3] for row in rows] == ["the plan's page", "HR's dashboard", "the plan's page"]
    assert all(row[2].endswith("Europe/Berlin") for row in rows), "in Kwame's zone"
    assert PRIYA not in page.split('id="who-opened"')[1], "names, not addresses"


async def test_the_plan_s_page_is_shown_when_looks_can_be_neither_kept_nor_read(
    browser_for: Browserless,
) -> None:
    plan_id, priya = await started(browser_for)
    engine = create_store_engine(browser_for.web.settings.database)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE plan_looks"))
    engine.dispose()

    page = await priya.get(f"/plans/{plan_id}")

    assert page.status_code == 200
    assert "Coaching plan for Kwame Mensah" in page.text
    assert "Who opened this plan cannot be read right now" in page.text
