"""With HR's database unreachable, the web app says so: 503 and what is unavailable.

HR's database is a real PostgreSQL behind a TCP proxy that the test cuts and restores; the web
app and the worker both reach it only through the proxy (as one host that goes away). Every
page and API answer that reads HR's records answers 503 with a page (or JSON) naming them,
never a 500; what people do meanwhile reaches the records once the database is back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment

from tests.tcp_proxy import TcpProxy
from tests.web.browserless import (
    GRACE,
    KWAME,
    MARCUS,
    PRIYA,
    Browserless,
    WebStack,
    example_form,
    migrated_settings,
    plan_id_from,
    running_app,
)
from tests.workflows.running_plan import eventually

UNAVAILABLE = "HR's records are unavailable right now"


@pytest.fixture
async def web(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, schema_url: str, postgres_proxy: TcpProxy
) -> AsyncIterator[WebStack]:
    """The web app and the worker reach HR's database only through the postgres_proxy."""
    through_proxy = make_url(schema_url).set(host="127.0.0.1", port=postgres_proxy.port)
    settings = migrated_settings(
        dev_server_env.client,
        tmp_path,
        database_url=through_proxy.render_as_string(hide_password=False),
    )
    async with running_app(dev_server_env.client, settings) as stack:
        yield stack


async def test_pages_and_api_say_hr_records_are_unavailable_and_catch_up_after(
    browser_for: Browserless, web: WebStack, postgres_proxy: TcpProxy
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    grace = await browser_for.signed_in(GRACE)
    marcus = await browser_for.signed_in(MARCUS)
    kwame = await browser_for.signed_in(KWAME)
    await priya.get("/plans/new")
    plan_id = plan_id_from(await priya.post("/plans/new", example_form()))

    async def listed() -> bool:
        return plan_id in (await grace.get("/hr")).text

    await eventually(listed, seconds=20)
    await marcus.get(f"/plans/{plan_id}")

    postgres_proxy.cut()

    for person, path in [
        (grace, "/hr"),
        (grace, f"/hr/plans/{plan_id}"),
        (priya, "/"),
        (kwame, "/"),
        (marcus, f"/plans/{plan_id}"),
    ]:
        page = await person.get(path)
        assert page.status_code == 503, f"{path}: {page.status_code}\n{page.text}"
        assert "Temporarily unavailable" in page.text, page.text
        assert "HR&#39;s records" in page.text or "HR's records" in page.text, page.text
        assert "Traceback" not in page.text
    for person, path in [
        (priya, "/api/plans"),
        (grace, "/api/hr/plans"),
        (grace, "/api/hr/overdue"),
        (grace, f"/api/hr/plans/{plan_id}"),
    ]:
        answer = await person.get(path)
        assert answer.status_code == 503, f"{path}: {answer.status_code}\n{answer.text}"
        [problem] = answer.json()["detail"]
        assert "HR's records" in problem["rule"], problem

    # The workflow, not the database, holds the plan: people go on, their records wait.
    approved = await marcus.post(f"/plans/{plan_id}/actions/approve", {})
    assert approved.status_code == 303, approved.text
    live = await priya.get(f"/api/plans/{plan_id}")
    assert live.status_code == 200, live.text
    assert live.json()["phase"] == "co_authoring"

    postgres_proxy.restore()

    async def caught_up() -> bool:
        page = await grace.get(f"/api/hr/plans/{plan_id}")
        return page.status_code == 200 and page.json()["plan"]["phase"] == "co_authoring"

    await eventually(caught_up, seconds=90)
    history = (await grace.get(f"/api/hr/plans/{plan_id}")).json()
    assert [line["action"] for line in history["audit"]].count("approved") == 1
    for person, path in [(grace, "/hr"), (priya, "/"), (marcus, f"/plans/{plan_id}")]:
        page = await person.get(path)
        assert page.status_code == 200, f"{path}: {page.status_code}"
