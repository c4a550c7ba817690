"""HTML forms to pydantic models and back: dotted field names, errors next to their field.

An input named `goal.target` or `activities.2.description` becomes the nested data the
domain models validate, so the rules live in the models once; pydantic's error locations
come back as the same dotted names, so each message is shown beside the input it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from coaching.validation import describe, location

FORM_ONLY = frozenset({"csrf_token"})


def form_items(form: FormData) -> list[tuple[str, str]]:
    """The text fields of a submitted form, without the CSRF token."""
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in FORM_ONLY]


def nest(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`a.0.b=x` becomes `{"a": [{"b": "x"}]}`. List rows left wholly empty are dropped (the
    spare rows of a form), and so are empty optional values within a row."""
    root: dict[str, Any] = {}
    for name, value in items:
        *path, leaf = name.split(".")
        node = root
        for part in path:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = value.strip()
    result: dict[str, Any] = _lists(root)
    return result


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isascii() and key.isdigit() for key in node):  # not "²": int() fails
        rows = [_lists(node[key]) for key in sorted(node, key=int)]
        return [row for row in rows if _filled(row)]
    return {key: _lists(value) for key, value in node.items() if value != ""}


def _filled(row: Any) -> bool:
    if isinstance(row, dict):
        return any(_filled(value) for value in row.values())
    return row not in ("", None, [], {})


def field_errors(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> dict[str, str]:
    """Dotted input name -> the rule it broke; a rule about the whole form is under ""."""
    errors: dict[str, str] = {}
    for details in error.errors():
        loc = details["loc"][len(prefix) :] if details["loc"][: len(prefix)] == prefix else ()
        name = ".".join(str(part) for part in loc)
        errors.setdefault(name, describe(details))
    return errors


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """The inverse of `nest`: a model dump as dotted input names and their text."""
    items: Iterable[tuple[str, Any]]
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = ((str(index), value) for index, value in enumerate(data))
    else:
        return {prefix: "" if data is None else str(data)}
    values: dict[str, str] = {}
    for key, value in items:
        values.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return values


def as_people_count(name: str) -> str:
    """`activities.0.due` as the CLI and the API say it: `activities[1].due`."""
    return location([int(part) if part.isdigit() else part for part in name.split(".")])
