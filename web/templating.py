"""Pages in people's words: names instead of emails and ids, times in a named time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from coaching.org import DirectoryError
from coaching.plan import Role
from coaching.status import Outcome, Phase
from web.context import WebContext
from web.csrf import csrf_token
from web.forms import as_people_count
from web.identity import session_viewer

TEMPLATES = Path(__file__).parent / "templates"

LABELS: dict[str, str] = {
    Phase.alignment: "Alignment with the skip-level",
    Phase.co_authoring: "Co-authoring",
    Phase.signing: "Signing",
    Phase.active: "Active",
    Phase.review: "Review",
    Phase.closed: "Closed",
    Phase.cancelled: "Cancelled",
    Role.manager: "manager",
    Role.team_member: "team member",
    Role.skip_level: "skip-level",
    Role.hr: "HR",
    Outcome.achieved: "Achieved",
    Outcome.partially_achieved: "Partially achieved",
    Outcome.not_achieved: "Not achieved",
    Outcome.closed_without_review: "Closed without review",
}
"""Phases, roles and outcomes in people's words; anything else reads with spaces."""


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    """`Thu 3 Dec 2026, 10:00 Europe/Berlin`: always with the zone named. A time without an
    offset (SQLite keeps none) is UTC, as everything stored is."""
    if moment is None:
        return "no deadline"
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {zone.key}"


def when_agreed(moment: datetime, zone: ZoneInfo, agreed: ZoneInfo, whose: str) -> str:
    """A check-in in the viewer's zone and, where that is not the zone it was agreed in,
    also at the agreed local time: `Tue 8 Dec 2026, 04:00 America/New_York (10:00 in
    Europe/Berlin, Lena Hoffmann's time)`. The other zone's day is named when it differs."""
    shown = when(moment, zone)
    if agreed.key == zone.key:
        return shown
    here, there = moment.astimezone(zone), moment.astimezone(agreed)
    local = f"{there:%H:%M}"
    if there.date() != here.date():
        local = f"{there:%a} {there.day} {there:%b}, {local}"
    return f"{shown} ({local} in {agreed.key}, {whose} time)"


@pass_context
def _when_for_viewer(context: Context, moment: datetime | None) -> str:
    """As a filter, in the zone of whoever is signed in."""
    return when(moment, context["zone"])


def day(value: date | None) -> str:
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def long_day(value: date) -> str:
    """`Thursday 24 December`: how a warning names a day."""
    return f"{value:%A} {value.day} {value:%B}"


def label(value: object) -> str:
    text = str(value)
    return LABELS.get(text, text.replace("_", " "))


@pass_context
def person_name(context: Context, who: str) -> str:
    """As a filter, for lists: `owed.who | map("name") | join(", ")`."""
    name: str = context["name_of"](who)
    return name


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_page_context])
    templates.env.filters.update(
        when=_when_for_viewer,
        day=day,
        long_day=long_day,
        label=label,
        name=person_name,
        field=as_people_count,
    )
    templates.env.globals.update(Phase=Phase, Role=Role, day=day)
    return templates


def _page_context(request: Request) -> dict[str, Any]:
    """What every page shows: who is signed in, in which zone, the CSRF token, and development
    mode. Nobody signed in sees the company's zone."""
    context: WebContext = request.app.state.context
    viewer = session_viewer(request, context)
    return {
        "viewer": viewer,
        "zone": viewer.zone if viewer else ZoneInfo(context.directory.time_zone),
        "is_manager": viewer is not None and bool(context.directory.reports_of(viewer.email)),
        "csrf_token": csrf_token(request),
        "development": context.settings.development_sign_in,
        "company": context.directory.company,
        "name_of": lambda who: name_of(context, who),
    }


def name_of(context: WebContext, who: str) -> str:
    """A person's name from an email or a directory id; "system" for the workflow itself."""
    if who == "system":
        return "coachplan"
    try:
        person = context.directory.by_email(who) if "@" in who else context.directory.by_id(who)
    except DirectoryError:
        return who
    return person.name


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, values, status_code=status_code)
