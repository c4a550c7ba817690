"""The seven-part plan form, shared by "new plan" and the manager's revision in alignment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import ValidationError

from coaching.form import ALIGNMENT_DAYS, TimelineForm
from coaching.holidays import CompanyHolidays, HolidayClash
from coaching.plan import (
    CadenceFrequency,
    PlanContent,
    SupportKind,
    Timeline,
    UpdateCadence,
    Weekday,
)
from coaching.schedule import check_in_times
from web.forms import as_people_count, flatten, nest
from web.templating import label, when_agreed

SPARE_ROWS = 2
TIME_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
DEFAULT_TIME_ZONE = "Europe/Berlin"


def form_options(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """What the form template needs besides the values: choices and how many rows to show."""
    rows = {"activities": _rows(values, "activities", 3), "support": _rows(values, "support", 2)}
    return {
        "values": values,
        "errors": _placed(errors, rows),
        "activity_rows": rows["activities"],
        "support_rows": rows["support"],
        "support_kinds": [(k.value, label(k)) for k in SupportKind],
        "frequencies": [(f.value, f.value.capitalize()) for f in CadenceFrequency],
        "weekdays": [(d.value, d.value.capitalize()) for d in Weekday],
        "time_zones": [(z, z.replace("_", " ")) for z in TIME_ZONES],
    }


INPUTS = re.compile(
    r"team_member|summary|development_area|current_state"
    r"|goal\.(specific|measure|target|achieve_by)|timeline\.(start|end)"
    r"|cadence\.(frequency|weekday|time|time_zone)"
    r"|(?P<list>activities|support)\.(?P<row>[0-9]+)\.(description|due|kind)"
)
"""The names of the form's inputs: an error about one is shown beside it."""


def _placed(errors: dict[str, str], rows: dict[str, int]) -> dict[str, str]:
    """Errors beside their input; one about no input on the page (a whole timeline, a list,
    a field the page does not have) at the top, naming its field, so none goes unseen."""
    placed: dict[str, str] = {}
    elsewhere = [errors[""]] if errors.get("") else []
    for name, rule in errors.items():
        shown = INPUTS.fullmatch(name)
        if shown and (shown["list"] is None or int(shown["row"]) < rows[shown["list"]]):
            placed[name] = rule
        elif name:
            where = as_people_count(name)
            elsewhere.append(rule if rule.startswith(where) else f"{where}: {rule}")
    if elsewhere:
        placed[""] = "; ".join(elsewhere)
    return placed


def new_plan_values(today: date) -> dict[str, str]:
    """Sensible defaults: a week to align and sign, then 30 days; weekly on Thursday morning."""
    start = today + timedelta(days=ALIGNMENT_DAYS)
    return {
        "timeline.start": start.isoformat(),
        "timeline.end": (start + timedelta(days=30)).isoformat(),
        "cadence.frequency": CadenceFrequency.weekly.value,
        "cadence.weekday": Weekday.thursday.value,
        "cadence.time": "10:00",
        "cadence.time_zone": DEFAULT_TIME_ZONE,
    }


def content_values(content: PlanContent) -> dict[str, str]:
    """A plan as the form shows it, for the manager to revise."""
    data = content.model_dump(mode="json")
    for activity in data["activities"]:
        for generated in ("id", "proposed_by", "status"):
            activity.pop(generated)
    for support in data["support"]:
        support.pop("id")
    data["cadence"]["time"] = content.cadence.time.strftime("%H:%M")
    values = flatten(data)
    return {name: value for name, value in values.items() if value}


def _rows(values: dict[str, str], kind: str, minimum: int) -> int:
    used = {name.split(".")[1] for name in values if name.startswith(f"{kind}.")}
    return max(minimum, len(used) + SPARE_ROWS)


@dataclass(frozen=True)
class CheckInPreview:
    """The check-ins the form's timeline and cadence make, before a plan exists."""

    check_ins: list[str]
    clashes: list[HolidayClash]
    """Those on a company holiday: the manager can pick another weekday or time."""


def check_in_preview(
    values: dict[str, str],
    today: date,
    holidays: CompanyHolidays,
    zone: ZoneInfo,
    whose: str,
) -> CheckInPreview | None:
    """None while the timeline or the cadence is not valid (submitting says why)."""
    nested = nest(values.items())
    try:
        written = TimelineForm.model_validate(nested.get("timeline", {}))
        start = written.start or today + timedelta(days=ALIGNMENT_DAYS)
        timeline = Timeline.model_validate({"start": start, "end": written.end})
        cadence = UpdateCadence.model_validate(nested.get("cadence", {}))
    except ValidationError:
        return None
    times = check_in_times(cadence, timeline.start, timeline.end)
    time = partial(when_agreed, zone=zone, agreed=cadence.zone, whose=whose)
    return CheckInPreview(
        check_ins=[time(moment) for moment in times],
        clashes=holidays.clashes(enumerate(times, start=1), cadence.zone),
    )
