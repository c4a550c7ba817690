"""Who is asking: a person of the directory, signed in by session cookie or by API token.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, expiring); it holds only
the person's email, how they signed in and the CSRF token. A person who has left the
directory is signed out on their next request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError

from coaching.evidence import Identification, IdentificationMethod, SigningContext
from coaching.org import DirectoryEntry, DirectoryError
from starter.plan_client import DatabaseUnavailable
from store.api_tokens import token_id
from web.context import WebContext, web_context

SignedInVia = Literal["development", "oidc", "token"]
BEARER = "bearer "


@dataclass(frozen=True)
class Viewer:
    person: DirectoryEntry
    via: SignedInVia
    zone: ZoneInfo
    """Where the person works (or the company's zone): every time on their pages is in it."""
    identification: Identification
    """How they were identified, as a signature of theirs records it."""
    session_id: str | None = None

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def name(self) -> str:
        return self.person.name


class SignInRequired(Exception):
    """A page needs a signed-in person: they are sent to sign in, then back."""


class NotSignedIn(Exception):
    """An API call without a valid session or token: 401."""


def sign_in(
    request: Request,
    person: DirectoryEntry,
    via: SignedInVia,
    subject: str | None = None,
    issuer: str | None = None,
) -> None:
    """A fresh session, so nothing from before signing in (a fixated id, a CSRF token) lasts.
    The OIDC subject and issuer are kept: a signature records who vouched for the person."""
    request.session.clear()
    request.session.update(
        {
            "email": person.email,
            "via": via,
            "csrf": secrets.token_urlsafe(32),
            "sid": secrets.token_urlsafe(16),
        }
    )
    if subject is not None and issuer is not None:
        request.session.update({"sub": subject, "iss": issuer})


def sign_out(request: Request) -> None:
    request.session.clear()


def session_viewer(request: Request, context: WebContext) -> Viewer | None:
    email = request.session.get("email")
    via = request.session.get("via")
    if not isinstance(email, str) or via not in ("development", "oidc"):
        return None
    if via == "development" and not context.settings.development_sign_in:
        request.session.clear()
        return None
    try:
        person = context.directory.by_email(email)
    except DirectoryError:
        request.session.clear()
        return None
    if via == "oidc":
        identification = Identification(
            method=IdentificationMethod.oidc,
            subject=request.session.get("sub"),
            issuer=request.session.get("iss"),
        )
    else:
        identification = Identification(method=IdentificationMethod.development_sign_in)
    return _viewer(context, person, via, identification, request.session.get("sid"))


def signing_context(request: Request, viewer: Viewer) -> SigningContext:
    """Where a signature came from, as the web server saw it."""
    return SigningContext(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:500] or None,
        session_id=viewer.session_id,
    )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith(BEARER):
        return header[len(BEARER) :].strip()
    return None


async def page_viewer(
    request: Request, context: Annotated[WebContext, Depends(web_context)]
) -> Viewer:
    viewer = session_viewer(request, context)
    if viewer is None:
        raise SignInRequired
    return viewer


async def api_viewer(
    request: Request, context: Annotated[WebContext, Depends(web_context)]
) -> Viewer:
    """A personal API token wins over the session: scripts send one, browsers the other."""
    token = bearer_token(request)
    if token is None:
        viewer = session_viewer(request, context)
        if viewer is None:
            raise NotSignedIn
        return viewer
    try:
        person_id = await run_in_threadpool(context.tokens.authenticate, token, context.now())
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot check the API token: {error.orig}") from None
    if person_id is None:
        raise NotSignedIn
    try:
        return _viewer(
            context,
            context.directory.by_id(person_id),
            "token",
            Identification(method=IdentificationMethod.api_token, subject=token_id(token)),
        )
    except DirectoryError:
        raise NotSignedIn from None


def _viewer(
    context: WebContext,
    person: DirectoryEntry,
    via: SignedInVia,
    identification: Identification,
    session_id: str | None = None,
) -> Viewer:
    return Viewer(
        person=person,
        via=via,
        zone=context.directory.public(person).zone,
        identification=identification,
        session_id=session_id,
    )


PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
Context = Annotated[WebContext, Depends(web_context)]
