"""The manager's start form: a plan as a person writes it, before ids and defaults.

The form leaves out what the system can work out (ids, the start date, the end date, the
goal's date), then `to_content` resolves those and hands everything to `PlanContent`, so
the rules are enforced by the plan model itself and a form can never bypass them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from coaching.org import Email
from coaching.plan import (
    DEFAULT_PLAN_DAYS,
    PlanContent,
    ShortText,
    StrictModel,
    SupportKind,
    Text,
    UpdateCadence,
)
from coaching.yaml_text import PlainLoader

ALIGNMENT_DAYS = 7
"""Without a start date, a plan starts a week out: time to align, co-author and sign."""


class FormModel(StrictModel):
    """A number typed into a text field (a target of 80) is text, not a mistake."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class GoalForm(FormModel):
    specific: Text
    measure: Text
    target: ShortText
    achieve_by: date | None = Field(default=None, description="Defaults to the end date.")


class ActivityForm(FormModel):
    description: Text
    due: date | None = None


class SupportForm(FormModel):
    kind: SupportKind
    description: Text


class TimelineForm(FormModel):
    start: date | None = Field(
        default=None, description=f"Defaults to {ALIGNMENT_DAYS} days after the form is sent."
    )
    end: date | None = Field(
        default=None, description=f"Defaults to the start plus {DEFAULT_PLAN_DAYS} days."
    )


class PlanForm(FormModel):
    team_member: Email
    development_area: Text
    current_state: Text
    goal: GoalForm
    activities: list[ActivityForm] = Field(min_length=1, max_length=20)
    timeline: TimelineForm = TimelineForm()
    support: list[SupportForm] = Field(min_length=1, max_length=20)
    cadence: UpdateCadence

    @field_validator("cadence", mode="before")
    @classmethod
    def _pad_hour(cls, cadence: Any) -> Any:
        """People write 9:45; pydantic reads only 09:45."""
        if isinstance(cadence, dict) and isinstance(cadence.get("time"), str):
            written = cadence["time"].strip()
            if re.fullmatch(r"[0-9]:[0-9]{2}(:[0-9]{2})?", written):
                return {**cadence, "time": f"0{written}"}
        return cadence

    @classmethod
    def load(cls, path: Path | str) -> PlanForm:
        return cls.parse_yaml(Path(path).read_text())

    @classmethod
    def parse_yaml(cls, text: str) -> PlanForm:
        return cls.model_validate(yaml.load(text, Loader=_FormLoader))

    def to_content(self, today: date) -> PlanContent:
        """The plan as of `today` (the caller's date: models never read the clock).

        Raises `ValidationError` for a start before today as for any other rule.
        """
        start = self.timeline.start or today + timedelta(days=ALIGNMENT_DAYS)
        if start < today:
            raise _start_refused(
                "start_in_the_past",
                "must not be before today ({today}); leave it out to start in {days} days",
                start,
                today=today.isoformat(),
                days=ALIGNMENT_DAYS,
            )
        if self.timeline.end is None and start > date.max - timedelta(days=DEFAULT_PLAN_DAYS):
            raise _start_refused(
                "start_too_late",
                "is too late: the end date, {days} days later, would be past the last date "
                "there is",
                start,
                days=DEFAULT_PLAN_DAYS,
            )
        end = self.timeline.end or start + timedelta(days=DEFAULT_PLAN_DAYS)
        goal = self.goal.model_dump()
        goal["achieve_by"] = self.goal.achieve_by or end
        content: dict[str, Any] = {
            "development_area": self.development_area,
            "current_state": self.current_state,
            "goal": goal,
            "activities": [a.model_dump(exclude_none=True) for a in self.activities],
            "timeline": {"start": start, "end": end},
            "support": [s.model_dump() for s in self.support],
            "cadence": self.cadence,
        }
        return PlanContent.model_validate(content)


def _start_refused(kind: str, message: str, start: date, **context: Any) -> ValidationError:
    """A rule about the start date that only `to_content` (which knows today) can check,
    refused like any other: at `timeline.start`."""
    return ValidationError.from_exception_data(
        "PlanForm",
        [
            InitErrorDetails(
                type=PydanticCustomError(kind, message, context),
                loc=("timeline", "start"),
                input=start,
            )
        ],
    )


class _FormLoader(PlainLoader):
    """YAML 1.1 reads an unquoted 10:30 as the number 630 (base 60); a form means a time."""


_FormLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in PlainLoader.yaml_implicit_resolvers.items()
}
_FormLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
