"""My plans: what I owe (soonest first), what others owe me, and my closed plans.

Read from HR's store in a few queries, never by asking every workflow in turn. A plain
function, so FastAPI runs the blocking query on its thread pool, not on the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.identity import Context, PageViewer
from web.sign_in import take_flash
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", name="my_plans")
def my_plans(request: Request, viewer: PageViewer, context: Context) -> Response:
    mine = context.desk.my_plans(viewer.email)
    return render(
        request,
        "my_plans.html.j2",
        mine=mine,
        is_manager=bool(context.directory.reports_of(viewer.email)),
        is_hr=viewer.person.hr,
        flash=take_flash(request),
    )
