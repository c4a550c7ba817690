"""Every operation of the API, fed data generated from its own OpenAPI schema (schemathesis):
no answer is a server error, and every answer is one the schema documents, in its shape.

Half the calls aim at a real plan (so the live state, the review form, HR's record and the
actions answer from a real workflow), the other half at whatever plan id was generated.
Each call goes through httpx on the event loop the worker and the Temporal client run on (the
session's): the tests themselves are synchronous, as schemathesis drives them, and run each
call to completion on that loop, which is otherwise idle while a synchronous test runs.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from coaching.plan import Role
from coaching.settings import Settings
from store.schema import upgrade_database
from tests.payload_keys import write_test_keys
from tests.web.browserless import GRACE, KWAME, MARCUS, PRIYA, Browserless, WebStack
from tests.web.test_api import call, plan_form, signed_in, start
from web.app import create_app
from web.context import WebContext
from web.pages.plan import ACTIONS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
HYPOTHESIS = settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass(frozen=True)
class Credentials:
    """One way of calling the API as HR: an HTTP client and the headers that go with it."""

    http: httpx.AsyncClient
    headers: dict[str, str]


@dataclass
class Caller:
    """Calls the API in turn as HR's script (a token) and as HR in a browser (the session and
    its CSRF token), aiming every other call at the real plan."""

    by_token: Credentials
    by_session: Credentials
    plan_id: str
    loop: asyncio.AbstractEventLoop
    calls: int = field(default=0)

    def check(self, case: schemathesis.Case[Any]) -> None:
        self.loop.run_until_complete(self.send(case))

    async def send(self, case: schemathesis.Case[Any]) -> None:
        self.calls += 1
        if "plan_id" in (case.path_parameters or {}) and self.calls % 2:
            case.path_parameters["plan_id"] = self.plan_id
        caller = self.by_token if self.calls % 4 < 2 else self.by_session
        base_url = str(caller.http.base_url)  # where the session's cookie belongs
        kwargs = case.as_transport_kwargs(base_url=base_url, headers=caller.headers)
        response = await caller.http.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers=kwargs.get("headers"),
            **_body(kwargs),
        )
        case.validate_response(response, checks=CHECKS)


def _body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """requests' body arguments, as httpx takes them."""
    if "json" in kwargs:
        return {"json": kwargs["json"]}
    data = kwargs.get("data")
    if data is None:
        return {}
    return {"content": data if isinstance(data, bytes | str) else httpx.QueryParams(data).__str__()}


@pytest.fixture
async def plan_id(browser_for: Browserless) -> str:
    """A plan the skip-level has approved: all four parties are in."""
    priya, marcus = await signed_in(browser_for, PRIYA), await signed_in(browser_for, MARCUS)
    plan_id = await start(priya)
    approved = await call(marcus, "POST", f"/api/plans/{plan_id}/actions/approve", {})
    assert approved.status_code == 200, approved.text
    return plan_id


@pytest.fixture
async def hr(web: WebStack, browser_for: Browserless, plan_id: str) -> Caller:
    """HR, with a personal token and with a signed-in session."""
    context: WebContext = web.app.state.context
    grace = context.directory.by_email(GRACE)
    token = context.tokens.create(grace.id, "schema test", context.now()).token
    script = Credentials(browser_for.anonymous().http, {"Authorization": f"Bearer {token}"})
    browser = await signed_in(browser_for, GRACE)
    session = Credentials(browser.http, {"X-CSRF-Token": browser.csrf})
    return Caller(script, session, plan_id, asyncio.get_running_loop())


def api_document() -> dict[str, Any]:
    """The app's OpenAPI document, as `/api/openapi.json` serves it.

    Read at import, from an app on a throwaway database: schemathesis needs the schema when
    it collects the tests. (`schemathesis.pytest.from_fixture` would read it from the `web`
    fixture, but schemathesis 4.32 sets `request.node._nodeid`, which pytest 9 no longer
    has; `from_asgi` would run the app's lifespan, which connects to Temporal.)
    """
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), org_file=Path("examples/org.yaml"))
        upgrade_database(settings.database)
        write_test_keys(settings)
        app = create_app(settings)
        document: dict[str, Any] = app.openapi()
        return document


DOCUMENT = api_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_app_under_test_serves_this_document(web: WebStack) -> None:
    assert web.app.openapi() == DOCUMENT


@schema.parametrize()
@HYPOTHESIS
def test_every_answer_conforms(case: schemathesis.Case[Any], hr: Caller) -> None:
    hr.check(case)


ACTIONS_SCHEMA = schema.include(tag="actions")
BY_ROLE = {Role.manager: PRIYA, Role.team_member: KWAME, Role.skip_level: MARCUS, Role.hr: GRACE}


@dataclass
class PlanPeople:
    """The plan's four parties, each with a personal token and a signed-in session, and the
    plan they act on. Each action is sent by someone who may take it, so well-formed cases
    really act: the plan moves on, and once it is cancelled the manager starts the next one
    for the same team member (one open plan each) and the skip-level approves it."""

    callers: dict[str, tuple[Credentials, Credentials]]
    plan_id: str
    loop: asyncio.AbstractEventLoop
    calls: int = field(default=0)
    plans: int = field(default=1)

    def check(self, case: schemathesis.Case[Any]) -> None:
        self.loop.run_until_complete(self.send(case))

    async def send(self, case: schemathesis.Case[Any]) -> None:
        self.calls += 1
        action = ACTIONS[case.operation.path.rsplit("/", 1)[1]]
        if self.calls % 4:
            case.path_parameters["plan_id"] = self.plan_id
        roles = sorted(action.roles)
        person = BY_ROLE[roles[self.calls % len(roles)]]
        by_token, by_session = self.callers[person]
        caller = by_token if self.calls % 2 else by_session
        kwargs = case.as_transport_kwargs(
            base_url=str(caller.http.base_url), headers=caller.headers
        )
        response = await caller.http.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers=kwargs.get("headers"),
            **_body(kwargs),
        )
        case.validate_response(response, checks=CHECKS)
        if response.status_code == 200 and response.json()["phase"] in ("cancelled", "closed"):
            self.plan_id = await self.next_plan()

    async def next_plan(self) -> str:
        """Kwame's next plan, approved; HR's store must first see the last one end."""
        manager, skip_level = self.callers[PRIYA][0], self.callers[MARCUS][0]
        deadline = self.loop.time() + 20
        while True:
            started = await manager.http.post(
                "/api/plans", json=plan_form(KWAME), headers=manager.headers
            )
            if started.status_code == 201 or self.loop.time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert started.status_code == 201, started.text
        plan_id: str = started.json()["plan_id"]
        approved = await skip_level.http.post(
            f"/api/plans/{plan_id}/actions/approve", json={}, headers=skip_level.headers
        )
        assert approved.status_code == 200, approved.text
        self.plans += 1
        return plan_id


@pytest.fixture
async def plan_people(web: WebStack, browser_for: Browserless, plan_id: str) -> PlanPeople:
    context: WebContext = web.app.state.context
    callers = {}
    for email in BY_ROLE.values():
        person = context.directory.by_email(email)
        token = context.tokens.create(person.id, "schema test", context.now()).token
        script = Credentials(browser_for.anonymous().http, {"Authorization": f"Bearer {token}"})
        browser = await signed_in(browser_for, email)
        callers[email] = (script, Credentials(browser.http, {"X-CSRF-Token": browser.csrf}))
    return PlanPeople(callers, plan_id, asyncio.get_running_loop())


@given(
    st.one_of(
        ACTIONS_SCHEMA.as_strategy(GenerationMode.POSITIVE),
        ACTIONS_SCHEMA.as_strategy(GenerationMode.NEGATIVE),
    )
)
@settings(HYPOTHESIS, max_examples=60)
def test_every_action_taken_by_its_own_people_answers_as_documented(
    plan_people: PlanPeople, case: schemathesis.Case[Any]
) -> None:
    """One plan (and the next, once one is cancelled) for every action's cases, well formed
    and not, drawn together: each answer as documented, none a server error."""
    plan_people.check(case)
