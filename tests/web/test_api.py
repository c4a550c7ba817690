"""The JSON API against the real app, workflow and store: who may see and do what, and how
each refusal reads (401, 403, 404, 409, 422 with the field named)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from coaching.form import PlanForm
from coaching.status import Phase
from tests.web.browserless import (
    DAVID,
    GRACE,
    KWAME,
    LENA,
    MARCUS,
    PRIYA,
    TOM,
    Browserless,
    Person,
    WebStack,
)
from web.pages.plan import ACTIONS

TOKEN = re.compile(r"^cp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$")
NO_SUCH_PLAN = "zzzzzz000000"
WAIT = 20.0
T = TypeVar("T")


def plan_form(team_member: str = KWAME) -> dict[str, Any]:
    """examples/plan.yaml as JSON, for `team_member`."""
    form = PlanForm.load(Path("examples/plan.yaml"))
    data: dict[str, Any] = form.model_dump(mode="json", exclude_none=True)
    data["team_member"] = team_member
    return data


async def signed_in(browser_for: Browserless, email: str) -> Person:
    """A session, with the CSRF token the signed-in pages carry (signing in makes a new one)."""
    person = await browser_for.signed_in(email)
    page = await person.get("/me")
    assert page.status_code == 200, page.text
    return person


async def call(
    person: Person,
    method: str,
    path: str,
    body: Any = None,
    *,
    csrf: bool = True,
    params: Any = None,
) -> httpx.Response:
    """A JSON call under the person's session, as a script in their browser would make it."""
    headers = {"X-CSRF-Token": person.csrf} if csrf else {}
    return await person.http.request(method, path, json=body, headers=headers, params=params)


def with_token(browser_for: Browserless, token: str) -> httpx.AsyncClient:
    """A script: no cookies, only the token."""
    http = browser_for.anonymous().http
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def fields(response: httpx.Response) -> list[str | None]:
    return [problem["field"] for problem in response.json()["detail"]]


async def start(person: Person, team_member: str = KWAME) -> str:
    answer = await call(person, "POST", "/api/plans", plan_form(team_member))
    assert answer.status_code == 201, answer.text
    plan_id: str = answer.json()["plan_id"]
    assert answer.headers["location"] == f"/api/plans/{plan_id}"
    return plan_id


async def eventually(probe: Callable[[], Awaitable[T | None]]) -> T:
    """HR's store follows the workflow through an activity: wait for it to catch up."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        found = await probe()
        if found is not None:
            return found
        assert asyncio.get_running_loop().time() < deadline, "HR's store never caught up"
        await asyncio.sleep(0.1)


async def test_a_token_acts_for_its_owner_until_revoked(browser_for: Browserless) -> None:
    priya = await signed_in(browser_for, PRIYA)

    created = await call(priya, "POST", "/api/tokens", {"name": "laptop script"})

    assert created.status_code == 201, created.text
    token, info = created.json()["token"], created.json()["info"]
    assert TOKEN.fullmatch(token)
    assert info["name"] == "laptop script"
    script = with_token(browser_for, token)
    me = await script.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json() == {
        "id": "priya.raman",
        "name": "Priya Raman",
        "email": PRIYA,
        "title": "Engineering Manager, Platform",
        "manager": True,
        "hr": False,
        "signed_in_via": "token",
    }
    listed = (await script.get("/api/tokens")).json()
    assert [t["name"] for t in listed] == ["laptop script"]
    assert listed[0]["last_used_at"] is not None
    assert token not in str(listed)

    # A token cannot mint tokens, with or without a CSRF token.
    minted = await script.post("/api/tokens", json={"name": "another"})
    assert minted.status_code == 403, minted.text
    assert len((await call(priya, "GET", "/api/tokens")).json()) == 1

    revoked = await call(priya, "DELETE", f"/api/tokens/{info['id']}")
    assert revoked.status_code == 204, revoked.text
    refused = await script.get("/api/me")
    assert refused.status_code == 401
    assert fields(refused) == ["authorization"]
    assert (await call(priya, "GET", "/api/tokens")).json()[0]["revoked_at"] is not None


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer nonsense",
        "Bearer cp_0123456789abcdef_" + "A" * 43,
        "Bearer ",
        "Basic cHJpeWE6cHJpeWE=",
        None,
    ],
)
async def test_no_valid_token_or_session_is_401(
    browser_for: Browserless, authorization: str | None
) -> None:
    http = browser_for.anonymous().http
    headers = {"Authorization": authorization} if authorization else {}

    for path in ("/api/me", "/api/plans", f"/api/plans/{NO_SUCH_PLAN}", "/api/hr/plans"):
        answer = await http.get(path, headers=headers)
        assert answer.status_code == 401, (path, answer.text)
        assert fields(answer) == ["authorization"]


async def test_each_party_sees_the_plan_and_nobody_else_learns_it_exists(
    browser_for: Browserless,
) -> None:
    priya, marcus, grace, kwame, david, lena = [
        await signed_in(browser_for, email) for email in (PRIYA, MARCUS, GRACE, KWAME, DAVID, LENA)
    ]
    plan_id = await start(priya)

    for party in (priya, marcus, grace):
        seen = await call(party, "GET", f"/api/plans/{plan_id}")
        assert seen.status_code == 200, (party.email, seen.text)
        assert seen.json()["plan_id"] == plan_id
        assert seen.json()["phase"] == "alignment"
        assert (await call(party, "GET", f"/api/plans/{plan_id}/review-form")).status_code == 200

    missing = await call(priya, "GET", f"/api/plans/{NO_SUCH_PLAN}")
    assert missing.status_code == 404
    # Not yet brought in (the skip-level has not approved), an outsider, a colleague: all
    # answered exactly as for a plan that does not exist, reading or acting.
    for stranger in (kwame, david, lena):
        for path in (f"/api/plans/{plan_id}", f"/api/plans/{plan_id}/review-form"):
            hidden = await call(stranger, "GET", path)
            assert hidden.status_code == 404, (stranger.email, path)
            assert hidden.json() == missing.json()
        acted = await call(
            stranger, "POST", f"/api/plans/{plan_id}/actions/approve", {"comment": "me?"}
        )
        assert acted.status_code == 404
        assert acted.json() == missing.json()

    approved = await call(
        marcus, "POST", f"/api/plans/{plan_id}/actions/approve", {"comment": "Right time"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["phase"] == "co_authoring"

    seen = await call(kwame, "GET", f"/api/plans/{plan_id}")
    assert seen.status_code == 200, seen.text
    assert seen.json()["team_member_included"] is True
    assert (await call(david, "GET", f"/api/plans/{plan_id}")).json() == missing.json()


async def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    priya, marcus = await signed_in(browser_for, PRIYA), await signed_in(browser_for, MARCUS)
    plan_id = await start(priya)
    before = await web.status(plan_id)

    for headers in ({}, {"X-CSRF-Token": "not-this-sessions-token"}):
        refused = await marcus.http.post(
            f"/api/plans/{plan_id}/actions/approve", json={"comment": "ok"}, headers=headers
        )
        assert refused.status_code == 403, refused.text
        assert fields(refused) == ["csrf_token"]
    # Another session's CSRF token does not do either.
    refused = await marcus.http.post(
        f"/api/plans/{plan_id}/actions/approve",
        json={"comment": "ok"},
        headers={"X-CSRF-Token": priya.csrf},
    )
    assert refused.status_code == 403

    after = await web.status(plan_id)
    assert after.phase is Phase.alignment
    assert after.version == before.version
    assert after.events == before.events
    # The same call with this session's CSRF token goes through: the refusal was about CSRF.
    assert (await call(marcus, "POST", f"/api/plans/{plan_id}/actions/approve", {})).is_success


async def test_bad_data_is_422_naming_each_field_and_changes_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    priya, marcus = await signed_in(browser_for, PRIYA), await signed_in(browser_for, MARCUS)
    form = plan_form(LENA)
    form["goal"]["target"] = ""
    form["cadence"]["time_zone"] = "Mars/Olympus"
    form["timeline"] = {"end": "not a date"}
    del form["development_area"]

    refused = await call(priya, "POST", "/api/plans", form)

    assert refused.status_code == 422, refused.text
    named = fields(refused)
    for field in ("goal.target", "cadence.time_zone", "timeline.end", "development_area"):
        assert field in named, named
    assert web.stored_plans_of("lena.hoffmann") == []

    # Not a direct report: the team member is named.
    not_mine = await call(priya, "POST", "/api/plans", plan_form("david.kim@example.com"))
    assert not_mine.status_code == 422, not_mine.text
    assert fields(not_mine) == ["team_member"]
    unknown = await call(priya, "POST", "/api/plans", plan_form("nobody@example.com"))
    assert unknown.status_code == 422, unknown.text
    assert fields(unknown) == ["team_member"]

    plan_id = await start(priya)
    before = await web.status(plan_id)
    actions = f"/api/plans/{plan_id}/actions"
    for name, body, field in [
        ("request-changes", {"comment": ""}, "comment"),
        ("request-changes", {}, "comment"),
        ("request-changes", {"comment": "Name them", "actor": MARCUS}, "actor"),
        ("approve", {"comment": "ok", "surprise": 1}, "surprise"),
        ("sign", {"version": 0, "sha256": "nope", "intent": "yes"}, "sha256"),
        ("propose", {"activities": []}, "activities"),
    ]:
        answer = await call(marcus, "POST", f"{actions}/{name}", body)
        assert answer.status_code == 422, (name, answer.text)
        assert field in fields(answer), (name, answer.text)
    not_json = await marcus.http.post(
        f"{actions}/approve",
        content=b"{not json",
        headers={"X-CSRF-Token": marcus.csrf, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422

    after = await web.status(plan_id)
    assert (after.phase, after.version, after.events) == (
        before.phase,
        before.version,
        before.events,
    )


async def test_the_wrong_phase_is_409_and_the_wrong_person_403(
    browser_for: Browserless, web: WebStack
) -> None:
    priya, grace = await signed_in(browser_for, PRIYA), await signed_in(browser_for, GRACE)
    plan_id = await start(priya)
    actions = f"/api/plans/{plan_id}/actions"

    content = (await web.status(plan_id)).content.model_dump(mode="json")

    too_early = await call(priya, "POST", f"{actions}/ready", {"version": 1})
    assert too_early.status_code == 409, too_early.text
    assert "alignment" in too_early.json()["detail"][0]["rule"]

    for person, name, body in [
        (priya, "approve", {"comment": "I approve my own plan"}),
        (grace, "request-changes", {"comment": "HR does not align"}),
        (grace, "revise", {"content": content, "summary": "HR edits"}),
    ]:
        answer = await call(person, "POST", f"{actions}/{name}", body)
        assert answer.status_code == 403, (name, answer.text)
        assert "only the" in answer.json()["detail"][0]["rule"]

    assert (await web.status(plan_id)).phase is Phase.alignment

    cancelled = await call(grace, "POST", f"{actions}/cancel", {"reason": "Team change"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["phase"] == "cancelled"
    again = await call(priya, "POST", f"{actions}/cancel", {"reason": "Once more"})
    assert again.status_code == 409, again.text


async def test_a_second_start_for_the_same_person_is_409_naming_the_open_plan(
    browser_for: Browserless, web: WebStack
) -> None:
    priya = await signed_in(browser_for, PRIYA)
    plan_id = await start(priya)

    second = await call(priya, "POST", "/api/plans", plan_form(KWAME))

    assert second.status_code == 409, second.text
    assert plan_id in second.json()["detail"][0]["rule"]

    async def stored() -> list[str] | None:
        return [p.plan_id for p in web.stored_plans_of("kwame.mensah")] or None

    assert await eventually(stored) == [plan_id]
    # Another report is a plan of its own.
    assert await start(priya, LENA) != plan_id


async def test_my_plans_come_from_hrs_store(browser_for: Browserless) -> None:
    priya, kwame = await signed_in(browser_for, PRIYA), await signed_in(browser_for, KWAME)
    plan_id = await start(priya)

    async def listed() -> dict[str, Any] | None:
        mine: dict[str, Any] = (await call(priya, "GET", "/api/plans")).json()
        return mine if [p["plan_id"] for p in mine["open_plans"]] == [plan_id] else None

    mine = await eventually(listed)
    assert mine["closed_plans"] == []
    # Not brought in yet: nothing for the team member.
    theirs = await call(kwame, "GET", "/api/plans")
    assert theirs.status_code == 200
    assert theirs.json()["open_plans"] == []


async def test_hr_lists_and_filters_and_others_are_refused(browser_for: Browserless) -> None:
    priya, grace, tom, kwame, david = [
        await signed_in(browser_for, email) for email in (PRIYA, GRACE, TOM, KWAME, DAVID)
    ]
    plan_id = await start(priya)
    other_id = await start(priya, LENA)

    async def both_listed() -> list[str] | None:
        page = (await call(grace, "GET", "/api/hr/plans")).json()
        ids = sorted(p["plan_id"] for p in page["plans"])
        return ids if ids == sorted([plan_id, other_id]) else None

    await eventually(both_listed)
    await call(grace, "POST", f"/api/plans/{other_id}/actions/cancel", {"reason": "Team change"})

    async def hr_list(params: dict[str, Any]) -> list[str]:
        answer = await call(grace, "GET", "/api/hr/plans", params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert page["total"] >= len(page["plans"])
        return sorted(p["plan_id"] for p in page["plans"])

    async def cancelled_listed() -> bool | None:
        return True if await hr_list({"phase": "cancelled"}) == [other_id] else None

    await eventually(cancelled_listed)
    assert await hr_list({"phase": "alignment"}) == [plan_id]
    assert await hr_list({"phase": ["alignment", "cancelled"]}) == sorted([plan_id, other_id])
    assert await hr_list({"outcome": "cancelled"}) == [other_id]
    assert await hr_list({"owed_by": "skip_level"}) == [plan_id]
    assert await hr_list({"owed_by": MARCUS}) == [plan_id]
    assert await hr_list({"manager": PRIYA, "limit": 1}) in ([plan_id], [other_id])
    assert await hr_list({"manager": TOM}) == []
    assert await hr_list({"started_from": "2000-01-01", "closed_to": "2000-01-02"}) == []

    for params, field in [
        ({"phase": "finished"}, "phase"),
        ({"manager": "nobody@example.com"}, "manager"),
        ({"owed_by": "the-boss"}, "owed_by"),
        ({"started_from": "yesterday"}, "started_from"),
        ({"started_to": "0"}, "started_to"),
        ({"limit": 0}, "limit"),
    ]:
        refused = await call(grace, "GET", "/api/hr/plans", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert any(f and f.startswith(field) for f in fields(refused)), (params, refused.text)
    reversed_range = {"closed_from": "2026-02-01", "closed_to": "2026-01-01"}
    backwards = await call(grace, "GET", "/api/hr/plans", params=reversed_range)
    assert backwards.status_code == 422

    record = await call(grace, "GET", f"/api/hr/plans/{plan_id}")
    assert record.status_code == 200, record.text
    assert record.json()["plan"]["plan_id"] == plan_id
    assert (await call(grace, "GET", "/api/hr/overdue")).status_code == 200

    # Another manager sees none of Priya's plans; one who is no manager may not ask at all.
    assert (await call(tom, "GET", "/api/hr/plans")).json()["plans"] == []
    assert (await call(tom, "GET", f"/api/hr/plans/{plan_id}")).status_code == 404
    for person in (kwame, david):
        for path in ("/api/hr/plans", "/api/hr/overdue", f"/api/hr/plans/{plan_id}"):
            refused = await call(person, "GET", path)
            assert refused.status_code == 403, (person.email, path, refused.text)
            assert "may not see HR's records" in refused.json()["detail"][0]["rule"]


async def test_who_am_i_under_a_session(browser_for: Browserless) -> None:
    grace = await signed_in(browser_for, GRACE)

    me = await call(grace, "GET", "/api/me")

    assert me.status_code == 200
    assert me.json()["hr"] is True
    assert me.json()["signed_in_via"] == "development"


async def test_the_actions_are_the_plan_pages_each_with_its_own_body_and_no_actor(
    web: WebStack,
) -> None:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app), base_url="http://test")
    async with http:
        document = (await http.get("/api/openapi.json")).json()

    paths = document["paths"]
    offered = {
        path.removeprefix("/api/plans/{plan_id}/actions/")
        for path in paths
        if path.startswith("/api/plans/{plan_id}/actions/")
    }
    assert offered == set(ACTIONS)
    for name, action in ACTIONS.items():
        operation = paths[f"/api/plans/{{plan_id}}/actions/{name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
        expected = set(action.model.model_fields) - {"actor"}
        assert set(schema.get("properties", {})) == expected, name
        assert schema["additionalProperties"] is False
        assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
