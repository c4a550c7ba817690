"""The plan's sealed certificates of completion, for its four parties: listed on the plan's
page and downloaded from here, wherever the integration keeps them (a local file is served,
a Google Drive file is linked)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Depends, HTTPException
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response

from store.certificates import CertificateRecords
from store.plan_looks import Through
from web.csrf import csrf_protected
from web.identity import Context, PageViewer
from web.pages.plan import PlanId
from web.plan_looks import record_look

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


@router.get("/plans/{plan_id}/certificates/{seq}", name="certificate")
async def certificate(
    viewer: PageViewer,
    context: Context,
    plan_id: PlanId,
    seq: Annotated[int, PathParam(ge=1)],
) -> Response:
    await context.plans.status(plan_id, viewer.email)
    listed = await run_in_threadpool(CertificateRecords(context.desk.engine).of, plan_id)
    found = next((c for c in listed if c.seq == seq), None)
    if found is None:
        raise HTTPException(404)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.page)
    address = urlparse(found.address)
    if address.scheme == "file":
        return FileResponse(
            Path(unquote(address.path)),
            media_type="application/pdf",
            filename=f"coaching-plan-{plan_id}-certificate-{seq}.pdf",
        )
    return RedirectResponse(found.address, status_code=303)
