"""Garbage into the plan model, the actions, the start form and the YAML files: either it is
valid, or it is refused with a message naming the field (or the line), never with another
kind of exception."""

from __future__ import annotations

import contextlib
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import typer
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from coaching import actions
from coaching.form import PlanForm
from coaching.org import DirectoryError, OrgDirectory
from coaching.plan import PlanContent, Timeline, UpdateCadence
from coaching.schedule import check_in_times, plan_starts_at, review_due_at
from starter.command_line import load_form
from tests.garbage import (
    ACTION_EXAMPLES,
    CONTENT,
    EDGE_TEXT,
    assert_names_its_fields,
    broken,
    json_values,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FORM_TEXT = (ROOT / "examples" / "plan.yaml").read_text()
EXAMPLE_ORG_TEXT = (ROOT / "examples" / "org.yaml").read_text()
TODAY = date(2026, 11, 26)
FORM = {
    **PlanForm.parse_yaml(EXAMPLE_FORM_TEXT).model_dump(mode="json", exclude_none=True),
    "timeline": {"start": "2026-12-03", "end": "2027-01-02"},
}
FORM["cadence"]["time"] = FORM["cadence"]["time"][:5]
ORG = yaml.safe_load(EXAMPLE_ORG_TEXT)


def valid_or_refused_by_field(model: type[BaseModel], data: Any) -> BaseModel | None:
    """The model, or None when it was refused with every problem naming its field; any other
    exception fails the test."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        assert_names_its_fields(error, model)
        return None


def test_every_action_has_a_garbage_example() -> None:
    """A new action model gets its garbage too: each model people send is listed above."""
    sent = {
        model
        for model in vars(actions).values()
        if isinstance(model, type)
        and issubclass(model, actions.Action)
        and model not in (actions.Action, actions.SignPlan)
    }
    assert sent == set(ACTION_EXAMPLES)
    for model, data in ACTION_EXAMPLES.items():
        model.model_validate(data)


@given(st.one_of(broken(CONTENT), json_values))
@example({**CONTENT, "timeline": {"start": "9999-12-31"}})
@example({**CONTENT, "cadence": {**CONTENT["cadence"], "time_zone": "Europe"}})
@example({**CONTENT, "cadence": {**CONTENT["cadence"], "time_zone": "a" * 300}})
@example(
    {
        **CONTENT,
        "goal": {**CONTENT["goal"], "achieve_by": "9999-12-31"},
        "timeline": {"start": "9999-12-03", "end": "9999-12-31"},
        "cadence": {**CONTENT["cadence"], "time": "23:00", "time_zone": "America/Los_Angeles"},
    }
)
def test_plan_content_is_valid_or_refused_by_field(data: Any) -> None:
    """And a valid plan has a schedule: every check-in, the start and the review due."""
    content = valid_or_refused_by_field(PlanContent, data)
    if isinstance(content, PlanContent):
        timeline = content.timeline
        check_in_times(content.cadence, timeline.start, timeline.end)
        plan_starts_at(content)
        review_due_at(content)


@given(
    st.fixed_dictionaries({"start": st.sampled_from(EDGE_TEXT) | st.dates()}).map(
        lambda timeline: {k: str(v) for k, v in timeline.items()}
    )
)
def test_a_timeline_from_any_start_is_valid_or_refused_by_field(data: Any) -> None:
    valid_or_refused_by_field(Timeline, data)


@given(st.sampled_from(EDGE_TEXT) | st.text(max_size=40))
def test_any_time_zone_is_known_or_refused_by_field(zone: str) -> None:
    cadence = valid_or_refused_by_field(
        UpdateCadence, {"weekday": "monday", "time": "10:00", "time_zone": zone}
    )
    if cadence is not None:
        assert cadence.zone is not None


@given(
    st.sampled_from(list(ACTION_EXAMPLES)).flatmap(
        lambda m: st.tuples(st.just(m), broken(ACTION_EXAMPLES[m]))
    )
)
def test_every_action_is_valid_or_refused_by_field(case: tuple[type[BaseModel], Any]) -> None:
    model, data = case
    valid_or_refused_by_field(model, data)


@given(st.one_of(broken(FORM), json_values))
@example({**FORM, "timeline": {"start": "9999-12-20"}})
def test_the_start_form_gives_a_plan_or_refuses_by_field(data: Any) -> None:
    """The form, then the plan it resolves to as of today: both refuse only by field."""
    form = valid_or_refused_by_field(PlanForm, data)
    if isinstance(form, PlanForm):
        try:
            form.to_content(TODAY)
        except ValidationError as error:
            assert_names_its_fields(error, PlanForm)


def yaml_lines(text: str) -> st.SearchStrategy[str]:
    """A YAML file with lines replaced, inserted or cut short, as hands and editors break them."""
    lines = text.splitlines()
    line_text = st.one_of(
        st.text(alphabet=st.sampled_from(list(" :-#'\"[]{}!&*|>%@`\t?,\\abc01 \n")), max_size=30),
        st.sampled_from(EDGE_TEXT),
        st.sampled_from(lines).map(lambda line: line[: len(line) // 2]),
        st.sampled_from(["start: 2026-02-30", "  time: 24:61", "- !!binary x", "a: *nothing"]),
    )

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        result = list(lines)
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            at = draw(st.integers(min_value=0, max_value=len(result) - 1))
            new = draw(line_text)
            if draw(st.booleans()):
                result[at] = new
            else:
                result.insert(at, new)
        return "\n".join(result)

    return st.one_of(edited(), st.text(max_size=200))


@given(yaml_lines(EXAMPLE_FORM_TEXT))
@example("timeline:\n  start: 2026-02-30\n")
@example("a: !!binary x\n")
def test_a_start_form_file_is_read_or_refused_in_a_sentence(text: str) -> None:
    """`coachplan start --form`: a file is a form, or one error line per problem, naming the
    field or the YAML line, and exit code 2: never a traceback."""
    said = io.StringIO()
    with _written(text) as path, contextlib.redirect_stderr(said):
        try:
            form = load_form(path)
        except typer.Exit as stopped:
            code: int | None = stopped.exit_code
        else:
            code = None
    if code is not None:
        assert code == 2
        lines = said.getvalue().splitlines()
        assert lines, "a refusal says why"
        assert all(line.startswith("error: ") for line in lines), lines
        return
    try:
        form.to_content(TODAY)
    except ValidationError as error:
        assert_names_its_fields(error, PlanForm)


@given(yaml_lines(EXAMPLE_ORG_TEXT))
@example("company: x\npeople:\n  - id: a\n    time_zone: Europe\n")
@example("company: [\n")
@example("company: 2026-02-30\n")
def test_an_org_file_is_read_or_refused_naming_the_file_and_field(text: str) -> None:
    with _written(text) as path:
        refusal = _org_refusal(path)
    if isinstance(refusal, ValidationError):
        assert_names_its_fields(refusal, OrgDirectory)
    elif refusal is not None:
        assert str(path) in refusal
        assert "line" in refusal or "UTF-8" in refusal, refusal


def _org_refusal(path: Path) -> ValidationError | str | None:
    try:
        OrgDirectory.load(path)
    except ValidationError as error:
        return error
    except DirectoryError as error:
        return str(error)
    return None


class _written:
    """A file holding `text`, for as long as the `with` lasts."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __enter__(self) -> Path:
        self.folder = tempfile.TemporaryDirectory()
        path = Path(self.folder.name) / "file.yaml"
        path.write_text(self.text, encoding="utf-8", errors="surrogatepass")
        return path

    def __exit__(self, *_: object) -> None:
        self.folder.cleanup()
