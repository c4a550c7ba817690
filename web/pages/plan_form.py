"""The seven-part plan form, shared by "new plan" and the manager's revision in alignment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import available_timezones

from coaching.form import ALIGNMENT_DAYS
from coaching.plan import CadenceFrequency, PlanContent, SupportKind, Weekday
from web.forms import flatten
from web.templating import label

SPARE_ROWS = 2
TIME_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
DEFAULT_TIME_ZONE = "Europe/Berlin"


def form_options(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """What the form template needs besides the values: choices and how many rows to show."""
    return {
        "values": values,
        "errors": errors,
        "activity_rows": _rows(values, "activities", 3),
        "support_rows": _rows(values, "support", 2),
        "support_kinds": [(k.value, label(k)) for k in SupportKind],
        "frequencies": [(f.value, f.value.capitalize()) for f in CadenceFrequency],
        "weekdays": [(d.value, d.value.capitalize()) for d in Weekday],
        "time_zones": [(z, z.replace("_", " ")) for z in TIME_ZONES],
    }


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
