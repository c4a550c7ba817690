"""CSRF protection for everything that changes state.

A synchronizer token lives in the session; every form carries it in a hidden `csrf_token`
field and htmx and API calls send it as `X-CSRF-Token`. An API call authenticated by a personal
API token carries no ambient credential, so it needs none; pages take no tokens at all.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from web.identity import bearer_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


class CsrfRefused(Exception):
    """The request changes state without this session's token: 403, nothing changed."""


def csrf_token(request: Request) -> str:
    """This session's token, made on first use (a signed-out visitor gets one for sign-in)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protected(request: Request) -> None:
    """A FastAPI dependency for every page router that changes state. Pages know people by
    their session only, so an `Authorization` header there excuses nothing."""
    if request.method in SAFE_METHODS:
        return
    await _session_token_sent(request)


async def api_csrf_protected(request: Request) -> None:
    """The API's: a call that sends a personal API token is authenticated by it (the token
    wins over the session), so it carries no ambient credential and needs no CSRF token;
    neither does a call with no signed-in session, which the API refuses with 401 instead."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    if "email" not in request.session:
        return
    await _session_token_sent(request)


async def _session_token_sent(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or sent is None or not hmac.compare_digest(expected, sent):
        raise CsrfRefused
