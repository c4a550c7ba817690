"""My profile (`/me`): who I am, how I signed in, and my personal API tokens.

A token is shown once, in the answer to the form that made it: it is never put in the
session (a signed, not encrypted, cookie) nor in a redirect, and that answer is not cached.
Revoking someone else's token answers exactly like revoking one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from starter.plan_client import DatabaseUnavailable
from store.api_tokens import NAME_LENGTH, CreatedToken
from web.csrf import csrf_protected
from web.forms import field_errors
from web.identity import Context, PageViewer, Viewer
from web.sign_in import take_flash
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])

TokenId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
Answer = TypeVar("Answer")
SIGNED_IN_VIA = {
    "development": "the development sign-in (pick a person; embedded setup only)",
    "oidc": "your company account (OpenID Connect)",
    "token": "a personal API token",
}


@router.get("/me", name="profile")
async def profile(request: Request, viewer: PageViewer, context: Context) -> Response:
    return _page(request, viewer, context, flash=take_flash(request))


@router.post("/me/tokens", name="create_token")
async def create_token(
    request: Request,
    viewer: PageViewer,
    context: Context,
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        created = _stored(lambda: context.tokens.create(viewer.person.id, name, context.now()))
    except ValidationError as error:
        return _page(
            request,
            viewer,
            context,
            status_code=422,
            values={"name": name},
            errors=field_errors(error),
        )
    response = _page(request, viewer, context, status_code=201, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/me/tokens/{token_id}/revoke", name="revoke_token")
async def revoke_token(
    request: Request, viewer: PageViewer, context: Context, token_id: TokenId
) -> Response:
    if not _stored(lambda: context.tokens.revoke(viewer.person.id, token_id, context.now())):
        return _page(
            request,
            viewer,
            context,
            status_code=404,
            problem="There is no such token among yours: nothing was revoked.",
        )
    names = {
        token.id: token.name for token in _stored(lambda: context.tokens.list(viewer.person.id))
    }
    request.session["flash"] = (
        f"Token '{names.get(token_id, token_id)}' is revoked: it no longer works."
    )
    return RedirectResponse("/me", status_code=303)


def _page(
    request: Request,
    viewer: Viewer,
    context: Context,
    *,
    status_code: int = 200,
    flash: str | None = None,
    problem: str | None = None,
    created: CreatedToken | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "profile.html.j2",
        status_code=status_code,
        person=viewer.person,
        signed_in_via=SIGNED_IN_VIA.get(viewer.via, viewer.via),
        tokens=_stored(lambda: context.tokens.list(viewer.person.id)),
        created=created,
        flash=flash,
        problem=problem,
        values=values or {},
        errors=errors or {},
        name_length=NAME_LENGTH,
    )


def _stored(query: Callable[[], Answer]) -> Answer:
    """A database that cannot be reached is a 503 page, not a server error."""
    try:
        return query()
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot read your API tokens: {error.orig}") from None
