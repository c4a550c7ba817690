"""People using the web app without a browser: an httpx session each, signed in for real."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from coaching.actions import plan_id_for, workflow_id_for
from coaching.connection import describe_execution
from coaching.form import PlanForm
from coaching.notices import NoticeKind
from coaching.settings import Settings
from coaching.status import PlanStatus
from integrations import build_integrations
from store.database import create_store_engine
from store.hr_queries import HrQueries, PlanListing
from store.schema import upgrade_database
from tests.outbox import notices
from tests.payload_keys import write_test_keys
from web.app import create_app
from web.context import WebContext
from web.forms import flatten
from worker import build_worker

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

PRIYA = "priya.raman@example.com"
"""The example company's engineering manager: Kwame, Lena and Yuki report to her."""
KWAME = "kwame.mensah@example.com"
LENA = "lena.hoffmann@example.com"
YUKI = "yuki.tanaka@example.com"
MARCUS = "marcus.okafor@example.com"
"""Priya's manager: the skip-level of her plans."""
GRACE = "grace.liu@example.com"
"""HR."""
TOM = "tom.becker@example.com"
"""Another manager, who has nothing to do with Priya's plans."""
DAVID = "david.kim@example.com"
"""Someone else entirely."""


@dataclass
class WebStack:
    app: FastAPI
    settings: Settings
    client: Client

    async def status(self, plan_id: str) -> PlanStatus:
        """The live state, as HR sees it."""
        context: WebContext = self.app.state.context
        return await context.plans.status(plan_id, GRACE)

    async def started_plans(self, team_member_id: str, looked_at: int = 5) -> list[str]:
        """The plans that exist for the team member, by their first ids (plan ids are a
        keyed sequence per person); exact, unlike the eventually consistent visibility list."""
        found = []
        for sequence in range(looked_at):
            plan_id = plan_id_for(self.settings.secret_key, team_member_id, sequence)
            try:
                await describe_execution(self.client, workflow_id_for(plan_id))
            except RPCError as error:
                if error.status is RPCStatusCode.NOT_FOUND:
                    continue
                raise
            found.append(plan_id)
        return found

    def notices_to(self, email: str, kind: NoticeKind) -> list[EmailMessage]:
        return notices(self.settings.data_dir, email, kind)

    def stored_plans_of(self, team_member_id: str) -> list[PlanListing]:
        engine = create_store_engine(self.settings.database)
        try:
            found = HrQueries(engine).open_plan_of(team_member_id)
        finally:
            engine.dispose()
        return [found] if found else []


def migrated_settings(client: Client, data_dir: Path, **changes: Any) -> Settings:
    """Settings for one test's stack, its database migrated. A secret key of its own keeps
    its plan ids apart from another test's on a shared server (a person's plan ids are a
    keyed sequence)."""
    settings = Settings(
        data_dir=data_dir,
        task_queue=f"web-{uuid.uuid4().hex[:8]}",
        temporal_address=client.service_client.config.target_host,
        org_file=Path("examples/org.yaml"),
        secret_key=f"test-secret-{uuid.uuid4().hex}",
        **changes,
    )
    upgrade_database(settings.database)
    write_test_keys(settings)
    return settings


@asynccontextmanager
async def running_app(client: Client, settings: Settings) -> AsyncIterator[WebStack]:
    """The web app with a worker on the settings' task queue, its activities real."""
    integrations = build_integrations(settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, settings.task_queue, integrations, executor):
            yield WebStack(
                app=create_app(settings, client=client), settings=settings, client=client
            )
    integrations.records.engine.dispose()


@dataclass
class Person:
    """One person's browser session: cookies, and the CSRF token of their last page."""

    http: httpx.AsyncClient
    email: str
    csrf: str = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        self._remember_token(response)
        return response

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        """Submits a form as the page would: with this session's CSRF token unless told not."""
        if csrf and not self.csrf:
            await self.get("/" if self.email else "/sign-in")
        form = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        response = await self.http.post(path, data=form)
        self._remember_token(response)
        return response

    def _remember_token(self, response: httpx.Response) -> None:
        found = CSRF.search(response.text)
        if found:
            self.csrf = found[1]


@dataclass
class Browserless:
    web: WebStack
    people: list[Person] = field(default_factory=list)

    def anonymous(self) -> Person:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.web.app), base_url=self.web.settings.web_url
        )
        person = Person(http=http, email="")
        self.people.append(person)
        return person

    async def signed_in(self, email: str) -> Person:
        person = self.anonymous()
        person.email = email
        await person.get("/sign-in")
        answer = await person.post("/sign-in/development", {"email": email, "next": "/"})
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/"
        person.csrf = ""  # signing in starts a new session, whose token the next page brings
        return person

    async def close(self) -> None:
        await asyncio.gather(*(person.http.aclose() for person in self.people))


def example_form(team_member: str = KWAME, **changes: str) -> dict[str, str]:
    """examples/plan.yaml as the new-plan form submits it, with some fields changed."""
    form = PlanForm.load(Path("examples/plan.yaml"))
    data = form.model_dump(mode="json", exclude_none=True)
    data["team_member"] = team_member
    data["cadence"]["time"] = data["cadence"]["time"][:5]
    return {**flatten(data), **changes}


def plan_id_from(response: httpx.Response) -> str:
    """The plan a form submission led to (303 to its page)."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/plans/"), location
    return location.removeprefix("/plans/")
