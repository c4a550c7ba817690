"""Signing in and out. In the embedded setup a person is picked from the directory
(development mode, marked on every page); with OpenID Connect configured that is switched
off and `web.oidc` signs people in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from coaching.org import DirectoryError
from web.csrf import csrf_protected
from web.identity import Context, session_viewer, sign_in, sign_out
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


def local_path(target: str | None) -> str:
    """Only a path on this site: a crafted `next` never sends anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


@router.get("/sign-in", name="sign_in_page")
async def sign_in_page(request: Request, context: Context, next: str | None = None) -> Response:
    if session_viewer(request, context) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    people = sorted(context.directory.people, key=lambda p: p.name)
    return render(
        request,
        "sign_in.html.j2",
        next=local_path(next),
        people=people,
        oidc=context.settings.oidc_issuer is not None,
        problem=take_flash(request),
    )


@router.post("/sign-in/development")
async def development_sign_in(
    request: Request,
    context: Context,
    email: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not context.settings.development_sign_in:
        request.session["flash"] = "The development sign-in is off: use your company account."
        return RedirectResponse("/sign-in", status_code=303)
    try:
        person = context.directory.by_email(email)
    except DirectoryError as error:
        request.session["flash"] = f"email: {error}"
        return RedirectResponse("/sign-in", status_code=303)
    sign_in(request, person, "development")
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/sign-out")
async def sign_out_now(request: Request) -> Response:
    sign_out(request)
    request.session["flash"] = "You are signed out."
    return RedirectResponse("/sign-in", status_code=303)
