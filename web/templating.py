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


def when(moment: datetime | None, zone: str = "UTC") -> str:
    """`Thu 3 Dec 2026, 10:00 CET`: always with the zone named."""
    if moment is None:
        return "no deadline"
    local = moment.astimezone(ZoneInfo(zone)) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def day(value: date | None) -> str:
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


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
        when=when, day=day, label=label, name=person_name, field=as_people_count
    )
    templates.env.globals.update(Phase=Phase, Role=Role, day=day)
    return templates


def _page_context(request: Request) -> dict[str, Any]:
    """What every page shows: who is signed in, the CSRF token, and development mode."""
    context: WebContext = request.app.state.context
    viewer = session_viewer(request, context)
    return {
        "viewer": viewer,
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
