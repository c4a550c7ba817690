"""A manager starts a plan for one of their direct reports, from the seven-part form."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from coaching.form import PlanForm
from coaching.org import DirectoryError
from starter.plan_client import OpenPlanExists, PlanError
from web.csrf import csrf_protected
from web.forms import field_errors, form_items, nest
from web.identity import Context, PageViewer, Viewer
from web.pages.plan_form import CheckInPreview, check_in_preview, form_options, new_plan_values
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/plans/new")
async def new_plan_page(request: Request, viewer: PageViewer, context: Context) -> Response:
    return _form(request, viewer, context, new_plan_values(date.today()), {})


@router.post("/plans/new")
async def start_plan(request: Request, viewer: PageViewer, context: Context) -> Response:
    values = dict(form_items(await request.form()))
    try:
        form = PlanForm.model_validate(nest(values.items()))
        started = await context.plans.start(form, viewer.email, date.today())
    except ValidationError as error:
        return _form(request, viewer, context, values, field_errors(error), 422)
    except OpenPlanExists as error:
        request.session["flash"] = f"{error} This is that plan."
        return RedirectResponse(f"/plans/{error.plan_id}", status_code=303)
    except PlanError as error:
        field, rule = error.about(PlanForm.model_fields) or ("", str(error))
        return _form(request, viewer, context, values, {field: rule}, 422)
    request.session["flash"] = (
        f"Plan started for {started.parties.team_member.name}. "
        f"{started.parties.skip_level.name} is asked to align on it first."
    )
    return RedirectResponse(f"/plans/{started.plan_id}", status_code=303)


@router.get("/plans/form-row")
async def form_row(
    request: Request,
    viewer: PageViewer,
    kind: Annotated[Literal["activities", "support"], Query()],
    index: Annotated[int, Query(ge=0, le=19)],
) -> Response:
    """One more empty row for the form (htmx), and the button for the next one."""
    template = "_activity_row.html.j2" if kind == "activities" else "_support_row.html.j2"
    return render(
        request, "_more_rows.html.j2", row=template, kind=kind, index=index, **form_options({}, {})
    )


@router.get("/plans/form-check-ins")
async def form_check_ins(request: Request, viewer: PageViewer, context: Context) -> Response:
    """The check-ins of the timeline and cadence being typed, and those on a holiday (htmx)."""
    values = dict(request.query_params)
    return render(request, "_check_in_preview.html.j2", preview=_preview(values, viewer, context))


def _preview(values: dict[str, str], viewer: Viewer, context: Context) -> CheckInPreview | None:
    try:
        member = context.directory.by_email(values.get("team_member", ""))
    except DirectoryError:
        whose = "the team member's"
    else:
        whose = f"{member.name}'s"
    return check_in_preview(values, date.today(), context.holidays, viewer.zone, whose)


def _form(
    request: Request,
    viewer: Viewer,
    context: Context,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    manager = viewer.email
    try:
        reports = context.directory.reports_of(manager)
        boss = context.directory.by_email(manager).manager
        skip_level = context.directory.by_id(boss).name if boss else None
    except DirectoryError:
        reports, skip_level = [], None
    return render(
        request,
        "new_plan.html.j2",
        status_code=status_code,
        reports=[("", "Choose…")] + [(p.email, f"{p.name}, {p.title}") for p in reports],
        has_reports=bool(reports),
        skip_level_name=skip_level,
        preview=_preview(values, viewer, context),
        **form_options(values, errors),
    )
