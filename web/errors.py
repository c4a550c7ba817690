"""Every failure as a person or a program expects it: a page under `/`, JSON under `/api` and
`/codec` (the Temporal UI's codec endpoint).

JSON errors are `{"detail": [{"field": ..., "rule": ...}]}`: 401 not signed in, 403 a CSRF
token missing or an action this person may not take, 404 what you may not see (exactly as
for what does not exist), 409 the wrong phase, 422 bad data, 503 a server that is down.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from coaching.status import RefusalKind
from coaching.validation import describe, location
from starter.plan_client import (
    ActionRefused,
    DatabaseUnavailable,
    NotAllowed,
    OpenPlanExists,
    PlanError,
    PlanNotAnswering,
    PlanNotFound,
    TemporalUnavailable,
)
from web.csrf import CsrfRefused
from web.identity import NotSignedIn, SignInRequired
from web.templating import render

REFUSAL_STATUS = {
    RefusalKind.NotAParty: 404,
    RefusalKind.WrongPerson: 403,
    RefusalKind.WrongPhase: 409,
    RefusalKind.BadData: 422,
}
NOT_FOUND = "There is nothing here, or nothing you may see."


class Problem(BaseModel):
    field: str | None
    rule: str


class ErrorAnswer(BaseModel):
    """The body of every error the API answers with."""

    detail: list[Problem]


def field_problems(error: ValidationError | RequestValidationError) -> list[Problem]:
    """pydantic's errors as field and rule, with the field paths people count (from 1)."""
    problems = []
    for details in error.errors():
        loc = [part for part in details["loc"] if part not in ("body", "query", "path")]
        problems.append(Problem(field=location(loc) or None, rule=describe(details)))
    return problems


def status_of(error: PlanError) -> int:
    if isinstance(error, PlanNotFound):
        return 404
    if isinstance(error, ActionRefused):
        return REFUSAL_STATUS[error.kind]
    if isinstance(error, OpenPlanExists):
        return 409
    if isinstance(error, NotAllowed):
        return 403
    return 422


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api", "/codec"))


def _answer(request: Request, status: int, problems: list[Problem], title: str) -> Response:
    if _is_api(request):
        return JSONResponse(
            ErrorAnswer(detail=problems).model_dump(mode="json"), status_code=status
        )
    return render(request, "error.html.j2", status_code=status, title=title, problems=problems)


def install_error_handlers(app: FastAPI) -> None:
    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {}

    async def sign_in_required(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            request.url_for("sign_in_page").include_query_params(next=target), status_code=303
        )

    async def not_signed_in(request: Request, _: Exception) -> Response:
        problem = Problem(
            field="authorization",
            rule="sign in, or send a personal API token as 'Authorization: Bearer <token>'",
        )
        return JSONResponse(
            ErrorAnswer(detail=[problem]).model_dump(),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def csrf_refused(request: Request, _: Exception) -> Response:
        problem = Problem(
            field="csrf_token",
            rule="missing or not this session's: reload the page and try again",
        )
        return _answer(request, 403, [problem], "This form has expired")

    async def plan_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PlanError)
        if isinstance(error, PlanNotFound):
            return _answer(request, 404, [Problem(field=None, rule=NOT_FOUND)], "Not found")
        if isinstance(error, PlanNotAnswering):
            problem = Problem(field=None, rule=f"{error} Please try again in a moment.")
            return _answer(request, 503, [problem], "Temporarily unavailable")
        return _answer(
            request, status_of(error), [Problem(field=None, rule=str(error))], "Not possible"
        )

    async def temporal_unavailable(request: Request, error: Exception) -> Response:
        assert isinstance(error, TemporalUnavailable)
        if not error.retryable:
            problem = Problem(field=None, rule=f"{error}.")
            return _answer(request, 503, [problem], "Temporal refused the connection")
        rule = (
            f"Temporal is unreachable, retrying ({error}). This works again as soon as "
            "Temporal is back: please try again in a moment."
        )
        return _answer(request, 503, [Problem(field=None, rule=rule)], "Temporal is unreachable")

    async def unavailable(request: Request, error: Exception) -> Response:
        problem = Problem(field=None, rule=f"{error}. Please try again in a moment.")
        return _answer(request, 503, [problem], "Temporarily unavailable")

    async def records_unreachable(request: Request, error: Exception) -> Response:
        """A read of HR's records that no caller wrapped in `DatabaseUnavailable`: the same
        503, without the driver's words (they name hosts and ports)."""
        problem = Problem(
            field=None,
            rule="HR's records are unavailable right now (their database cannot be reached). "
            "Please try again in a moment.",
        )
        return _answer(request, 503, [problem], "Temporarily unavailable")

    async def bad_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError | ValidationError)
        return _answer(request, 422, field_problems(error), "Please check what you entered")

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return _answer(request, 404, [Problem(field=None, rule=NOT_FOUND)], "Not found")
        return _answer(
            request,
            error.status_code,
            [Problem(field=None, rule=str(error.detail))],
            str(error.detail),
        )

    handlers[SignInRequired] = sign_in_required
    handlers[NotSignedIn] = not_signed_in
    handlers[CsrfRefused] = csrf_refused
    handlers[PlanError] = plan_error
    handlers[TemporalUnavailable] = temporal_unavailable
    handlers[DatabaseUnavailable] = unavailable
    handlers[OperationalError] = records_unreachable
    handlers[RequestValidationError] = bad_request
    handlers[ValidationError] = bad_request
    handlers[HTTPException] = http_error
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
