"""HR's dashboard: every plan with the filters of `coachplan hr list`, overdue first, counts by
phase and outcome with a small server-rendered chart, and one plan's full record and audit log.

Managers see the same pages for their own plans and their reports' reports. The dashboard
only reads the store, so it is a plain function: FastAPI runs it on its thread pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ValidationError

from coaching.plan import Role
from coaching.status import Outcome, Phase, PlanStatus
from starter.hr_desk import HrFilters
from starter.plan_client import PlanError, TemporalUnavailable
from store.plan_looks import Through
from web.forms import field_errors
from web.identity import Context, PageViewer
from web.plan_looks import record_look
from web.templating import label, render

router = APIRouter(include_in_schema=False)

CHART_WIDTH = 320
"""The longest bar, in SVG units; the others are scaled to it."""


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: int
    y: int


def bars(counts: dict[str, int]) -> list[Bar]:
    largest = max(counts.values(), default=0) or 1
    return [
        Bar(label=name, count=count, width=round(CHART_WIDTH * count / largest), y=index * 24)
        for index, (name, count) in enumerate(counts.items())
    ]


@router.get("/hr", name="hr_dashboard")
def dashboard(
    request: Request,
    viewer: PageViewer,
    context: Context,
    phase: Annotated[list[str] | None, Query()] = None,
    outcome: Annotated[list[str] | None, Query()] = None,
    overdue: bool = False,
    owed_by: str | None = None,
    manager: str | None = None,
    started_from: str | None = None,
    started_to: str | None = None,
    closed_from: str | None = None,
    closed_to: str | None = None,
    limit: int | None = None,
) -> Response:
    chosen = {
        "phase": phase or [],
        "outcome": outcome or [],
        "overdue": overdue,
        "owed_by": owed_by or None,
        "manager": manager or None,
        "started_from": started_from or None,
        "started_to": started_to or None,
        "closed_from": closed_from or None,
        "closed_to": closed_to or None,
        "limit": limit,
    }
    filters = HrFilters.model_validate(chosen)
    errors: dict[str, str] = {}
    try:
        page = context.desk.plans(viewer.email, filters)
        counts = context.desk.counts(viewer.email, filters)
    except ValidationError as error:
        errors = field_errors(error)
    except PlanError as error:
        about = error.about(HrFilters.model_fields)
        if about is None:
            raise
        errors = dict([about])
    if errors:
        everything = HrFilters()
        page = context.desk.plans(viewer.email, everything)
        counts = context.desk.counts(viewer.email, everything)
    managers = sorted(context.directory.managers, key=lambda p: p.name)
    return render(
        request,
        "hr_dashboard.html.j2",
        status_code=422 if errors else 200,
        page=page,
        counts=counts,
        phase_bars=bars({label(p): counts.by_phase[p] for p in Phase}),
        outcome_bars=bars({label(o): counts.by_outcome[o] for o in Outcome}),
        chosen=chosen,
        errors=errors,
        phases=list(Phase),
        outcomes=list(Outcome),
        roles=list(Role),
        managers=managers,
    )


@router.get("/hr/plans/{plan_id}", name="hr_plan")
async def plan_record(
    request: Request,
    viewer: PageViewer,
    context: Context,
    plan_id: Annotated[str, Path(pattern=r"^[a-z0-9]{6,32}$")],
) -> Response:
    """The stored record stands alone when Temporal cannot answer: HR still sees the history."""
    history = await run_in_threadpool(context.desk.history, viewer.email, plan_id)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.hr_dashboard)
    live: PlanStatus | None = None
    unavailable = ""
    try:
        live = await context.plans.status(plan_id, viewer.email)
    except (PlanError, TemporalUnavailable) as error:
        unavailable = str(error)
    return render(request, "hr_plan.html.j2", history=history, live=live, unavailable=unavailable)
