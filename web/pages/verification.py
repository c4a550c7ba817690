"""A plan's verification for its parties and HR: the report `coachplan verify` prints, checked
from HR's store when the page is opened. A plan the viewer may not see answers 404, as one
that does not exist. It only reads the store, so FastAPI runs it on its thread pool."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.identity import Context, PageViewer
from web.pages.plan import PlanId
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan_id}/verification", name="plan_verification")
def verification(
    request: Request, viewer: PageViewer, context: Context, plan_id: PlanId
) -> Response:
    report = context.desk.verification(viewer.email, plan_id)
    return render(request, "verification.html.j2", report=report)
