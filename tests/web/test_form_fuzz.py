"""Garbage into the new-plan form, from the page and from the JSON API: the answer is a 4xx
with every problem shown, naming its field, and no plan is started.

The tests are synchronous, as hypothesis drives them, and run each request to completion on
the session's event loop (where the worker and the Temporal client run).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from coaching.form import PlanForm
from store.database import create_store_engine
from store.models import PlanRow
from tests.garbage import EDGE_TEXT, broken, field_names
from tests.web.browserless import DAVID, KWAME, PRIYA, Browserless, Person, WebStack, example_form
from tests.web.test_api import plan_form, signed_in
from web.forms import field_errors, nest

Result = TypeVar("Result")

FORM = example_form(KWAME)
printable = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)
form_text = st.one_of(printable, st.sampled_from(EDGE_TEXT).filter(lambda t: "\x00" not in t))
field_name = st.one_of(
    st.sampled_from(sorted(FORM)),
    st.sampled_from(["goal", "timeline", "activities", "activities.².description"]),
    st.sampled_from(["activities.99.description", "support.-1.kind", "cadence.time.x"]),
    printable,
)


@st.composite
def broken_forms(draw: st.DrawFn) -> dict[str, str]:
    """The example form with fields replaced, dropped or added."""
    form = dict(FORM)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        name = draw(field_name)
        if draw(st.booleans()):
            form[name] = draw(form_text)
        else:
            form.pop(name, None)
    return form


@dataclass
class Starting:
    web: WebStack
    priya: Person
    loop: asyncio.AbstractEventLoop

    def run(self, work: Coroutine[Any, Any, Result]) -> Result:
        return self.loop.run_until_complete(work)

    def plans(self) -> int:
        engine = create_store_engine(self.web.settings.database)
        try:
            with engine.connect() as connection:
                return connection.execute(select(func.count()).select_from(PlanRow)).scalar_one()
        finally:
            engine.dispose()

    async def workflows(self) -> int:
        return len(await self.web.started_plans("kwame.mensah"))


@pytest.fixture
async def starting(web: WebStack, browser_for: Browserless) -> Starting:
    priya = await signed_in(browser_for, PRIYA)
    return Starting(web, priya, asyncio.get_running_loop())


def expected_problems(values: dict[str, str]) -> dict[str, str] | None:
    """The problems the form should be refused with, by field; None when it is valid."""
    try:
        PlanForm.model_validate(nest(values.items())).to_content(date.today())
    except ValidationError as error:
        return field_errors(error)
    return None


@given(broken_forms())
@example({**FORM, "timeline.start": "2026-12-20", "timeline.end": "2026-12-10"})
@example({**FORM, "activities.².description": "Read"})
@example({**FORM, "timeline.start": "9999-12-25", "timeline.end": ""})
@example({**FORM, "unknown": "x"})
def test_a_broken_new_plan_form_is_refused_by_field_and_starts_nothing(
    starting: Starting, values: dict[str, str]
) -> None:
    problems = expected_problems(values)
    if problems is None:
        values = {**values, "team_member": DAVID}  # valid, but not Priya's report
        problems = {"team_member": f"{DAVID} does not report to {PRIYA}"}
    plans = starting.plans()

    answer = starting.run(starting.priya.post("/plans/new", values))

    assert answer.status_code == 422, answer.text[-500:]
    page = html.unescape(answer.text)
    for field, rule in problems.items():
        assert rule.split(";")[0] in page, (field, rule)
    assert starting.plans() == plans
    assert starting.run(starting.workflows()) == 0


@given(st.one_of(broken(plan_form()), st.dictionaries(printable, form_text, max_size=3)))
def test_a_broken_plan_from_the_api_is_refused_naming_fields_and_starts_nothing(
    starting: Starting, body: Any
) -> None:
    try:
        PlanForm.model_validate(body).to_content(date.today())
    except ValidationError:
        pass
    else:
        body = {**body, "team_member": DAVID}
    plans = starting.plans()

    answer = starting.run(
        starting.priya.http.post(
            "/api/plans",
            # As a script may write it: json.dumps writes NaN and Infinity, which JSON has not.
            content=json.dumps(body),
            headers={"X-CSRF-Token": starting.priya.csrf, "Content-Type": "application/json"},
        )
    )

    assert answer.status_code in (400, 422), answer.text
    problems = answer.json()["detail"]
    assert problems
    known = field_names(PlanForm)
    for problem in problems:
        assert problem["rule"], problem
        # A field, or a rule across fields that names them, or one about the whole body.
        named = problem["field"] or set(re.findall(r"[a-z_]+", problem["rule"])) & known
        assert named or not isinstance(body, dict) or answer.status_code == 400, problem
    assert starting.plans() == plans
    assert starting.run(starting.workflows()) == 0


@given(st.lists(st.tuples(st.one_of(field_name, st.text(max_size=20)), form_text), max_size=12))
@example([("activities.².description", "Read")])
@example([("goal", "x"), ("goal.target", "y"), ("goal.target.z", "w")])
def test_any_form_fields_are_read_into_a_plan_or_refused_by_field(
    items: list[tuple[str, str]],
) -> None:
    """The form parser itself: any names and values nest into data the form model reads, or
    refuses naming each field."""
    problems = expected_problems(dict(items))
    assert problems is None or all(isinstance(rule, str) and rule for rule in problems.values())
