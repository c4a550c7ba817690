"""The coaching plan itself: the seven parts of the policy, each with its rules.

Every rule lives here, once, so the CLI, the web form and the workflow all refuse the
same bad input with the same message.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coaching.canonical import canonical_sha256

DEFAULT_PLAN_DAYS = 30
MAX_PLAN_DAYS = 90
LAST_END = date(9999, 1, 1)
"""A timeline ends before this: its check-in and review times, an extension and the closing
that follows must all still be dates there are (the calendar stops at 9999-12-31)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
"""A note a person may leave out; never longer than any other text of the plan."""
ActivityId = Annotated[str, StringConstraints(pattern=r"^a[0-9]{1,3}$")]
SupportId = Annotated[str, StringConstraints(pattern=r"^s[0-9]{1,3}$")]
MAX_ITEMS = 20
"""Activities, and support commitments, a plan may hold."""


class StrictModel(BaseModel):
    """Unknown fields are mistakes (a typo in a form), never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    manager = "manager"
    team_member = "team_member"
    skip_level = "skip_level"
    hr = "hr"


class ActivityStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class SupportKind(StrEnum):
    tool = "tool"
    meeting = "meeting"
    manager_assistance = "manager_assistance"


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)

    @property
    def ical(self) -> str:
        """The RFC 5545 BYDAY code: MO, TU, ..."""
        return self.value[:2].upper()


class CadenceFrequency(StrEnum):
    weekly = "weekly"
    biweekly = "biweekly"

    @property
    def interval_weeks(self) -> int:
        return 1 if self is CadenceFrequency.weekly else 2


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of zones ("Europe") or a name too long for a file name.
        raise ValueError(
            f"'{name}' is not a known IANA time zone (for example Europe/Berlin)"
        ) from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]
LocalTime = Annotated[
    time,
    Field(
        description="A local time of day in the plan's time zone, without an offset (10:30).",
        json_schema_extra={"format": "partial-time"},
    ),
]
"""RFC 3339's partial-time: JSON Schema's `time` format would promise an offset."""


class SmartGoal(StrictModel):
    """Goal state: a SMART goal, with what is measured, the target and the date it is due."""

    specific: Text = Field(description="What exactly will be different when the goal is met.")
    measure: Text = Field(description="How progress is measured.")
    target: ShortText = Field(description="The value of the measure that means achieved.")
    achieve_by: date = Field(description="When the goal is due; inside the plan's timeline.")


class Activity(StrictModel):
    """An input to the goal. Proposed by either side: the manager's list is only a proposal."""

    id: ActivityId
    description: Text
    proposed_by: Role = Role.manager
    due: date | None = None
    status: ActivityStatus = ActivityStatus.planned

    @field_validator("proposed_by")
    @classmethod
    def _proposed_by_author(cls, role: Role) -> Role:
        if role not in (Role.manager, Role.team_member):
            raise ValueError("activities are proposed by the manager or the team member")
        return role


class SupportCommitment(StrictModel):
    """What the manager promises: tracked at every check-in like an activity."""

    id: SupportId
    kind: SupportKind
    description: Text


class Timeline(StrictModel):
    start: date
    end: date = Field(
        default=None,  # filled in from start by _default_end
        validate_default=True,
        description=f"Defaults to the start plus {DEFAULT_PLAN_DAYS} days.",
    )

    @field_validator("end", mode="before")
    @classmethod
    def _default_end(cls, end: object, info: ValidationInfo) -> object:
        start = info.data.get("start")
        if end is None and isinstance(start, date):
            if start > date.max - timedelta(days=DEFAULT_PLAN_DAYS):
                raise ValueError(
                    f"cannot default to {DEFAULT_PLAN_DAYS} days after a start of {start}: "
                    "that is past the last date there is"
                )
            return start + timedelta(days=DEFAULT_PLAN_DAYS)
        return end

    @model_validator(mode="after")
    def _sane_length(self) -> Self:
        if self.end <= self.start:
            raise ValueError("timeline.end must be after timeline.start")
        if self.end >= LAST_END:
            raise ValueError(f"timeline.end must be before {LAST_END}")
        if (self.end - self.start).days > MAX_PLAN_DAYS:
            raise ValueError(
                f"timeline may last at most {MAX_PLAN_DAYS} days "
                f"(got {(self.end - self.start).days}); plans are typically 30 days"
            )
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class UpdateCadence(StrictModel):
    """How manager and team member align on progress: a recurring check-in."""

    frequency: CadenceFrequency = CadenceFrequency.weekly
    weekday: Weekday
    time: LocalTime
    time_zone: TimeZoneName = Field(description="The team member's IANA time zone.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def at(self, day: date) -> datetime:
        """The cadence's time of day on `day`, in the team member's zone, as UTC."""
        return datetime.combine(day, self.time, self.zone).astimezone(ZoneInfo("UTC"))


class PlanContent(StrictModel):
    """The seven parts of a coaching plan."""

    development_area: Text
    current_state: Text
    goal: SmartGoal
    activities: list[Activity] = Field(min_length=1, max_length=MAX_ITEMS)
    timeline: Timeline
    support: list[SupportCommitment] = Field(min_length=1, max_length=MAX_ITEMS)
    cadence: UpdateCadence

    @model_validator(mode="before")
    @classmethod
    def _number_new_items(cls, data: Any) -> Any:
        """A form lists activities and support without ids: number them a1.., s1.. in order."""
        if isinstance(data, dict):
            data = dict(data)
            for key, prefix in (("activities", "a"), ("support", "s")):
                items = data.get(key)
                if isinstance(items, list):
                    data[key] = [
                        {"id": f"{prefix}{n}", **item}
                        if isinstance(item, dict) and "id" not in item
                        else item
                        for n, item in enumerate(items, start=1)
                    ]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        start, end = self.timeline.start, self.timeline.end
        if not start < self.goal.achieve_by <= end:
            raise ValueError(
                f"goal.achieve_by ({self.goal.achieve_by}) must be inside the timeline "
                f"({start} to {end})"
            )
        for activity in self.activities:
            if activity.due is not None and not start <= activity.due <= end:
                raise ValueError(
                    f"activity {activity.id} is due {activity.due}, outside the timeline "
                    f"({start} to {end})"
                )
        for kind, ids in (
            ("activity", [a.id for a in self.activities]),
            ("support", [s.id for s in self.support]),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{kind} ids must be unique: {', '.join(duplicates)} repeated")
        return self

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def content_hash(self) -> str:
        """SHA-256 of the RFC 8785 canonical JSON: what a signature binds to, shown on the
        document, and recomputable by anyone from the content alone."""
        return canonical_sha256(self)

    def pydantic_json_hash(self) -> str:
        """How versions were hashed before RFC 8785; plans started then keep it."""
        return hashlib.sha256(self.model_dump_json(round_trip=True).encode()).hexdigest()
