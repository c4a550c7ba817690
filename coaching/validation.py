"""Validation errors as sentences: the field that is wrong and the rule it breaks.

pydantic's own text is written for programmers (type codes, URLs, 0-based indexes); the
people filling in a plan form or setting a variable get one plain line per problem.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_SAMPLE_LENGTH = 60

_DATE_ERRORS = frozenset(
    {"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"}
)
_TIME_ERRORS = frozenset({"time_parsing", "time_type"})
_DATETIME_ERRORS = frozenset({"datetime_parsing", "datetime_type", "datetime_from_date_parsing"})
_DURATION_ERRORS = frozenset({"time_delta_parsing", "time_delta_type"})
_MAPPING_ERRORS = frozenset({"model_type", "dict_type", "model_attributes_type"})


def explain(error: ValidationError) -> list[str]:
    """One line per problem, each starting with the field's path (lists count from 1)."""
    return [_line(details) for details in error.errors()]


def location(loc: Sequence[int | str]) -> str:
    """`("activities", 0, "due")` becomes `activities[1].due`, as a person counts list items.

    Counting from 1 also matches the ids a form's items receive: activities[1] is a1.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            part = part or '""'  # a field named "" (sent by a script) is still named
            path += f".{part}" if path else part
    return path


def describe(details: ErrorDetails) -> str:
    """The rule a value broke, without naming the field."""
    kind = details["type"]
    ctx = details.get("ctx", {})
    value = details.get("input")
    sample = _sample(value)
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", details["msg"]))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return f"must be at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters (got {len(str(value))})"
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return "needs at least one item"
        return f"needs at least {ctx.get('min_length')} items (got {ctx.get('actual_length')})"
    if kind == "too_long":
        return f"may have at most {ctx.get('max_length')} items (got {ctx.get('actual_length')})"
    if kind == "string_pattern_mismatch":
        if "@" in str(ctx.get("pattern", "")):
            return f"{sample} is not an email address"
        return f"{sample} is not in the expected format"
    if kind in _DATE_ERRORS:
        return f"{sample} is not a date (write it as YYYY-MM-DD)"
    if kind in _TIME_ERRORS:
        return f"{sample} is not a time of day (write it as HH:MM)"
    if kind in _DATETIME_ERRORS:
        return f"{sample} is not a date and time (write it as YYYY-MM-DDTHH:MM)"
    if kind in _DURATION_ERRORS:
        return f"{sample} is not a duration (for example P2D for two days)"
    if kind == "enum":
        return f"{sample} is not one of {ctx.get('expected')}"
    if kind == "literal_error":
        return f"{sample} is not supported (expected {ctx.get('expected')})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{sample} is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"{sample} is not true or false"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "string_type":
        return f"must be text, not {_kind_of(value)}"
    if kind == "list_type":
        return f"must be a list, not {_kind_of(value)}"
    if kind in _MAPPING_ERRORS:
        return f"must be a mapping of fields, not {_kind_of(value)}"
    return details["msg"]


def _line(details: ErrorDetails) -> str:
    path = location(details["loc"])
    rule = describe(details)
    if details["type"] in ("value_error", "assertion_error") and (
        not path or rule.startswith(path)
    ):
        return rule
    return f"{path or 'top level'}: {rule}"


def _sample(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > _SAMPLE_LENGTH:
        return text[: _SAMPLE_LENGTH - 3] + "..."
    return text


def _kind_of(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__
