"""Validation errors read as sentences: a field path and a rule, nothing for programmers."""

from __future__ import annotations

from datetime import date, time
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coaching.plan import Timeline, UpdateCadence, Weekday
from coaching.validation import explain, location


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=10)
    count: int = Field(default=1, ge=1, le=5)
    when: date | None = None
    at: time | None = None
    kind: Literal["a", "b"] = "a"
    day: Weekday = Weekday.monday
    flag: bool = False


class Basket(BaseModel):
    items: list[Item] = Field(min_length=1, max_length=2)
    owner: str = Field(pattern=r"^[^@]+@[^@]+$", default="x@y")

    @model_validator(mode="after")
    def _no_duplicates(self) -> Basket:
        names = [i.name for i in self.items]
        if len(set(names)) != len(names):
            raise ValueError("items must have different names")
        return self


def explained(model: type[BaseModel], data: Any) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return explain(raised.value)


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), ""),
        (("goal",), "goal"),
        (("goal", "achieve_by"), "goal.achieve_by"),
        (("activities", 0, "due"), "activities[1].due"),
        (("people", 11), "people[12]"),
    ],
)
def test_location_counts_list_items_from_one(loc: tuple[int | str, ...], path: str) -> None:
    assert location(loc) == path


@pytest.mark.parametrize(
    ("item", "line"),
    [
        ({}, "items[1].name: is required"),
        ({"name": "ab"}, "items[1].name: must be at least 3 characters"),
        ({"name": "a" * 11}, "items[1].name: must be at most 10 characters (got 11)"),
        ({"name": "abc", "extra": 1}, "items[1].extra: is not a known field (check the spelling)"),
        ({"name": "abc", "count": 0}, "items[1].count: must be at least 1"),
        ({"name": "abc", "count": 9}, "items[1].count: must be at most 5"),
        ({"name": "abc", "count": "many"}, "items[1].count: 'many' is not a whole number"),
        (
            {"name": "abc", "when": "soon"},
            "items[1].when: 'soon' is not a date (write it as YYYY-MM-DD)",
        ),
        (
            {"name": "abc", "at": "noon"},
            "items[1].at: 'noon' is not a time of day (write it as HH:MM)",
        ),
        ({"name": "abc", "kind": "c"}, "items[1].kind: 'c' is not supported (expected 'a' or 'b')"),
        ({"name": "abc", "flag": "perhaps"}, "items[1].flag: 'perhaps' is not true or false"),
        ({"name": 12}, "items[1].name: must be text, not the number 12"),
        ("abc", "items[1]: must be a mapping of fields, not str"),
    ],
)
def test_field_errors_name_the_path_and_the_rule(item: Any, line: str) -> None:
    assert explained(Basket, {"items": [item]}) == [line]


def test_enum_lists_the_choices() -> None:
    [line] = explained(Basket, {"items": [{"name": "abc", "day": "someday"}]})

    assert line.startswith("items[1].day: 'someday' is not one of 'monday', 'tuesday'")


def test_list_sizes_and_patterns() -> None:
    assert explained(Basket, {"items": []}) == ["items: needs at least one item"]
    assert explained(Basket, {"items": [{"name": "abc"}] * 3}) == [
        "items: may have at most 2 items (got 3)"
    ]
    assert explained(Basket, {"items": [{"name": "abc"}], "owner": "nobody"}) == [
        "owner: 'nobody' is not an email address"
    ]
    assert explained(Basket, {"items": "abc"}) == ["items: must be a list, not str"]


def test_model_level_errors_are_kept_as_written() -> None:
    assert explained(Basket, {"items": [{"name": "abc"}, {"name": "abc"}]}) == [
        "items must have different names"
    ]


class Order(BaseModel):
    timeline: Timeline
    basket: Basket


def test_nested_model_errors_do_not_repeat_the_path() -> None:
    data = {"timeline": {"start": date(2026, 3, 1), "end": date(2026, 2, 1)}, "basket": {}}
    too_long = {"start": date(2026, 1, 1), "end": date(2026, 6, 1)}

    assert explained(Order, data) == [
        "timeline.end must be after timeline.start",
        "basket.items: is required",
    ]
    assert explained(Order, {"timeline": too_long, "basket": {"items": [{"name": "abc"}]}}) == [
        "timeline may last at most 90 days (got 151); plans are typically 30 days"
    ]


def test_nested_model_errors_get_the_path_when_the_message_lacks_it() -> None:
    data = {
        "timeline": {"start": date(2026, 3, 1)},
        "basket": {"items": [{"name": "abc"}, {"name": "abc"}]},
    }

    assert explained(Order, data) == ["basket: items must have different names"]


def test_field_validator_messages_get_the_path() -> None:
    data = {"weekday": "monday", "time": "10:00", "time_zone": "Mars/Base"}

    assert explained(UpdateCadence, data) == [
        "time_zone: 'Mars/Base' is not a known IANA time zone (for example Europe/Berlin)"
    ]


def test_top_level_shape_error_is_readable() -> None:
    assert explained(Basket, None) == ["top level: must be a mapping of fields, not nothing"]


def test_no_programmer_noise() -> None:
    data = {"items": [{"name": "a", "count": "x", "when": "y", "kind": "z", "oops": 1}]}
    lines = explained(Basket, data)

    assert len(lines) == 5
    for line in lines:
        assert "pydantic" not in line
        assert "http" not in line
        assert "type=" not in line
        assert "Value error" not in line
