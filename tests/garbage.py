"""Garbage, as people and programs send it: hypothesis strategies for the bad-input properties.

Random data alone rarely gets past a model's first check, so most strategies here start from
a valid example and break one part of it (replace a value, drop a field, add an unknown one):
each rule deep inside a model gets its turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from coaching import actions
from coaching.validation import describe, explain, location
from tests.plan_examples import plan_content

EDGE_TEXT = [
    "",
    " ",
    "ab",
    "  padded  ",
    "x" * 4001,
    "\x00",
    "é\u200b",
    "2026-02-30",
    "2026-13-01",
    "0001-01-01",
    "9999-12-31",
    "2026-12-03T10:00:00",
    "2026-12-03T10:00:00+01:00",
    "25:00",
    "9:45",
    "10:30",
    "Europe/Berlin",
    "Europe",
    "Europe/Nowhere",
    "../../etc/passwd",
    "a" * 300,
    "a1",
    "a2",
    "s1",
    "monday",
    "weekly",
    "meeting",
    "done",
    "true",
    "1e400",
    "nobody@example",
    "eve@example.com",
]
"""Strings that sit on an edge of some rule: dates that do not exist or overflow, times,
zones that are folders or paths, ids that collide, lengths just past a limit."""

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(EDGE_TEXT),
    st.dates().map(lambda day: day.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat()),
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)
"""Anything JSON (and YAML) can carry, nested."""


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterable[tuple[str | int, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _replaced(value: Any, path: Sequence[str | int], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    assert isinstance(head, int)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


def _dropped(value: Any, path: Sequence[str | int]) -> Any:
    *parent, last = path
    if not parent:
        return {k: v for k, v in value.items() if k != last} if isinstance(value, dict) else value

    def without(container: Any) -> Any:
        if isinstance(container, dict):
            return {k: v for k, v in container.items() if k != last}
        return [item for index, item in enumerate(container) if index != last]

    return _replaced(value, parent, without(_at(value, parent)))


def _at(value: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def broken(draw: st.DrawFn, example: Any, garbage: st.SearchStrategy[Any] = json_values) -> Any:
    """`example` with one to three parts broken: a value replaced by garbage, a field or list
    item dropped, or an unknown field added."""
    value = example
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(_paths(value))))
        how = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if how == "replace" or not path:
            value = _replaced(value, path, draw(garbage))
        elif how == "drop":
            value = _dropped(value, path)
        else:
            target = _at(value, path[:-1])
            if isinstance(target, dict):
                name = draw(st.text(min_size=1, max_size=12))
                value = _replaced(value, path[:-1], {**target, name: draw(garbage)})
    return value


_WHOLE_INPUT_ERRORS = frozenset({"model_type", "dict_type", "model_attributes_type"})


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of a model and the models inside it."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = [model]
    while pending:
        current = pending.pop()
        for name, info in current.model_fields.items():
            names.add(name)
            for inner in _models_in(info.annotation):
                if inner not in pending and inner is not current:
                    pending.append(inner)
    return names


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in getattr(annotation, "__args__", ()):
        yield from _models_in(argument)


def assert_names_its_fields(error: ValidationError, model: type[BaseModel]) -> list[str]:
    """Every problem names a field: by its location, or, for a rule across fields (which
    pydantic locates nowhere), in its message. The lines people read come out whole."""
    known = field_names(model)
    for details in error.errors():
        rule = describe(details)
        assert rule.strip(), details
        if details["loc"]:
            continue
        if details["type"] in _WHOLE_INPUT_ERRORS:
            continue  # not a field: the whole input is of the wrong kind
        words = set(re.findall(r"[a-z_]+", rule))
        assert words & known, f"{rule!r} names none of the fields of {model.__name__}"
    lines = explain(error)
    assert lines, "a refusal says why"
    for line, details in zip(lines, error.errors(), strict=True):
        if details["loc"]:
            assert location(details["loc"]) in line, line
    return lines


CONTENT = plan_content(date(2026, 12, 3)).model_dump(mode="json")
"""The example plan (tests/plan_examples.py), as JSON."""

ACTION_EXAMPLES: dict[type[BaseModel], dict[str, Any]] = {
    actions.ApproveAlignment: {"actor": "sara@example.com", "comment": "Agreed."},
    actions.RequestChanges: {"actor": "sara@example.com", "comment": "Make it measurable."},
    actions.RevisePlan: {"actor": "mia@example.com", "content": CONTENT, "summary": "Measurable"},
    actions.ProposeActivities: {
        "actor": "tom@example.com",
        "activities": [{"id": "a1", "description": "Read a book"}, {"description": "Write"}],
        "note": "Mine",
    },
    actions.MarkReady: {"actor": "tom@example.com", "version": 2},
    actions.SignRequest: {
        "actor": "tom@example.com",
        "version": 2,
        "sha256": "0" * 64,
        "intent": actions.SIGNING_INTENT,
        "document_sha256": "1" * 64,
        "consent_to_sign_electronically": True,
    },
    actions.DeclineToSign: {"actor": "tom@example.com", "comment": "Not yet."},
    actions.RecordCheckIn: {
        "actor": "mia@example.com",
        "number": 1,
        "progress": [{"activity_id": "a1", "status": "in_progress", "note": "Started"}],
        "support": [{"support_id": "s1", "delivered": True}],
        "feedback": "Good week.",
        "adjustments": "",
    },
    actions.MoveCheckIn: {
        "actor": "mia@example.com",
        "number": 2,
        "to": "2026-12-10T11:00:00+01:00",
        "reason": "A holiday",
    },
    actions.SkipCheckIn: {"actor": "mia@example.com", "number": 2, "reason": "Travel"},
    actions.AddCheckInNote: {"actor": "tom@example.com", "number": 1, "note": "Went well"},
    actions.SubmitReview: {
        "actor": "mia@example.com",
        "outcome": "achieved",
        "achievements": "Every update sent.",
        "next_steps": "Keep going.",
    },
    actions.CommentOnReview: {"actor": "tom@example.com", "comment": "Thanks."},
    actions.ExtendPlan: {"actor": "mia@example.com", "new_end": "2027-01-20", "reason": "Time"},
    actions.CancelPlan: {"actor": "hana@example.com", "reason": "Moved team."},
}
"""A valid payload of every action people send, by the example plan's parties, to break."""
