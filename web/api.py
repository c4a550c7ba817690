"""The JSON API under `/api`: the same plans, actions and records as the pages and the CLI.

Who may call it: a person signed in to the web app (the session cookie) or a script holding
one of their personal API tokens (`Authorization: Bearer <token>`, made on `/me`). The token
wins when both are sent. A call acts as that person and sees only what they may see.

CSRF: a call that changes something (POST, DELETE) under the session must send the session's
CSRF token as `X-CSRF-Token`; a call with a Bearer token carries no ambient credential and
needs none.

Tokens: only a signed-in session may create a token, so a token (a script, or a leaked
token) cannot mint further tokens that outlive its revocation. A token may list its owner's
tokens and revoke them (itself included), so a script can retire its own credential.

Calls that only read HR's store are plain functions, which FastAPI runs on its thread pool,
so a slow query never holds up the event loop.

Every error is `{"detail": [{"field": ..., "rule": ...}]}`: 400 a body that cannot be read
(FastAPI's answer to bytes that are not UTF-8), 401 not signed in, 403 a missing
CSRF token or the wrong person, 404 a plan or token you may not see (exactly as one that does
not exist), 409 the wrong phase or an open plan already, 422 bad data (each field named),
503 Temporal or the database is down.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from sqlalchemy.exc import OperationalError

from coaching.actions import SignRequest
from coaching.form import PlanForm
from coaching.plan import Role
from coaching.status import ActionResult, Outcome, Phase, PlanStatus, ReviewForm
from coaching.verification import VerificationReport
from starter.hr_desk import HrFilters
from starter.plan_client import DatabaseUnavailable, NotAllowed, PlanError, PlanNotFound
from store.api_tokens import NAME_LENGTH, CreatedToken, TokenInfo
from store.hr_queries import MyPlans, OverdueGroup, PlanHistory, PlanPage
from store.plan_looks import Through
from web.context import WebContext
from web.csrf import api_csrf_protected
from web.errors import ErrorAnswer
from web.identity import ApiViewer, Context, SignedInVia, Viewer, signing_context
from web.pages.plan import ACTIONS, PlanAction
from web.plan_looks import record_look

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorAnswer, "description": "The body cannot be read (not UTF-8 JSON)."},
    401: {"model": ErrorAnswer, "description": "Not signed in, or the token is not valid."},
    403: {
        "model": ErrorAnswer,
        "description": "No CSRF token with a session, or not this person's to do.",
    },
    404: {"model": ErrorAnswer, "description": "No such thing, or nothing you may see."},
    409: {"model": ErrorAnswer, "description": "Not in this phase, or an open plan exists."},
    422: {"model": ErrorAnswer, "description": "Bad data: each problem names its field."},
    503: {"model": ErrorAnswer, "description": "Temporal or HR's store cannot be reached."},
}

router = APIRouter(
    prefix="/api",
    dependencies=[Depends(api_csrf_protected)],
    responses=ERRORS,
    generate_unique_id_function=lambda route: route.name,
)
"""Each operation's id is its function's name (`start_plan`, `act_sign`): clients read well."""

PLAN_ID_PATTERN = r"^[a-z0-9]{6,32}$"
TOKEN_ID_PATTERN = r"^[0-9a-f]{16}$"
PlanId = Annotated[
    str, Path(pattern=PLAN_ID_PATTERN, description="As `coachplan start` printed it.")
]
TokenId = Annotated[str, Path(pattern=TOKEN_ID_PATTERN)]
Answer = TypeVar("Answer")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would also read `0` as 1970-01-01 (a Unix time)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(f"{value!r} is not a date (write it as YYYY-MM-DD)")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Me(ApiModel):
    """Who the caller is, and what they may open besides their own plans."""

    id: str
    name: str
    email: str
    title: str
    manager: bool = Field(description="Has direct reports: may start plans and read HR's list.")
    hr: bool = Field(description="In HR: sees every plan and HR's records.")
    signed_in_via: SignedInVia = Field(description="How this call is authenticated.")


class StartedPlan(ApiModel):
    plan_id: str
    phase: Phase
    team_member: str = Field(description="The team member's name.")
    skip_level: str = Field(description="Who is asked to align on the plan first.")
    url: str = Field(description="The plan's page.")
    api_url: str = Field(description="The plan's live state in this API.")


class NewToken(ApiModel):
    name: str = Field(
        min_length=1,
        max_length=NAME_LENGTH,
        description=f"A label to tell your tokens apart, 1 to {NAME_LENGTH} characters.",
        examples=["laptop script"],
    )


# ---------------------------------------------------------------------------------------
# Who am I, and my plans


@router.get("/me", response_model=Me, summary="Who am I")
async def me(viewer: ApiViewer, context: Context) -> Me:
    person = viewer.person
    return Me(
        id=person.id,
        name=person.name,
        email=person.email,
        title=person.title,
        manager=bool(context.directory.reports_of(person.email)),
        hr=person.hr,
        signed_in_via=viewer.via,
    )


@router.get("/plans", response_model=MyPlans, summary="My plans")
def my_plans(viewer: ApiViewer, context: Context) -> MyPlans:
    """What I owe, what others owe me, my open and closed plans; from HR's store. HR's own
    view of every plan is `/api/hr/plans`."""
    return context.desk.my_plans(viewer.email)


@router.post(
    "/plans",
    response_model=StartedPlan,
    status_code=201,
    summary="Start a plan",
    responses={409: {"model": ErrorAnswer, "description": "The team member has an open plan."}},
)
async def start_plan(
    form: Annotated[PlanForm, Body()], viewer: ApiViewer, context: Context, response: Response
) -> StartedPlan:
    """A manager starts a plan for a direct report; the skip-level is asked to align first.
    A team member has one open plan at a time: a second start answers 409 naming it."""
    try:
        started = await context.plans.start(form, viewer.email, date.today())
    except PlanError as error:
        about_member = form.team_member in str(error)
        raise _field_error(
            error, "body", {"team_member"}, "team_member" if about_member else None
        ) from None
    plan_id = started.plan_id
    response.headers["Location"] = f"/api/plans/{plan_id}"
    return StartedPlan(
        plan_id=plan_id,
        phase=Phase.alignment,
        team_member=started.parties.team_member.name,
        skip_level=started.parties.skip_level.name,
        url=context.settings.plan_url(plan_id),
        api_url=f"/api/plans/{plan_id}",
    )


@router.get("/plans/{plan_id}", response_model=PlanStatus, summary="A plan's live state")
async def plan_status(plan_id: PlanId, viewer: ApiViewer, context: Context) -> PlanStatus:
    """For its four parties only (the team member once the skip-level has approved)."""
    status = await context.plans.status(plan_id, viewer.email)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.api)
    return status


@router.get(
    "/plans/{plan_id}/review-form", response_model=ReviewForm, summary="The pre-filled review"
)
async def review_form(plan_id: PlanId, viewer: ApiViewer, context: Context) -> ReviewForm:
    """The review as the check-ins so far suggest it: evidence per activity and support."""
    form = await context.plans.review_form(plan_id, viewer.email)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.api)
    return form


@router.get(
    "/plans/{plan_id}/verification",
    response_model=VerificationReport,
    summary="A plan's record, verified",
)
def plan_verification(plan_id: PlanId, viewer: ApiViewer, context: Context) -> VerificationReport:
    """What `coachplan verify` reports, checked now from HR's store: each version's content
    against its SHA-256, each signature's evidence and consent, the audit log's hash chain.
    For the plan's parties and HR; `holds` is false when anything is wrong."""
    return context.desk.verification(viewer.email, plan_id)


# ---------------------------------------------------------------------------------------
# Actions: one operation per entry of the plan page's ACTIONS, each with its own body


def body_model(name: str, action: PlanAction) -> type[BaseModel]:
    """The action's model without `actor`: the server sets it to the caller, so a body
    naming an actor is refused (`actor` is not a known field)."""
    fields: dict[str, Any] = {
        field: (info.annotation, info)
        for field, info in action.model.model_fields.items()
        if field != "actor"
    }
    model: type[BaseModel] = create_model(
        f"{action.model.__name__}Body",
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__=action.model.__doc__ or action.title,
        __module__=__name__,
        **fields,
    )
    return model


ACTION_BODIES: dict[str, type[BaseModel]] = {
    name: body_model(name, action) for name, action in ACTIONS.items()
}


def _action_endpoint(
    name: str, action: PlanAction
) -> Callable[..., Coroutine[Any, Any, ActionResult]]:
    async def endpoint(
        request: Request, plan_id: PlanId, body: BaseModel, viewer: ApiViewer, context: Context
    ) -> ActionResult:
        # A plan the caller may not see is a 404 before anything else is looked at.
        status = await context.plans.status(plan_id, viewer.email)
        update = action.model.model_validate({**dict(body), "actor": viewer.email})
        if isinstance(update, SignRequest):
            evidence = signing_context(request, viewer)
            return await context.plans.sign(
                plan_id, update, viewer.identification, evidence, seen=status
            )
        return await context.plans.act(plan_id, action.update, update)

    endpoint.__annotations__["body"] = Annotated[ACTION_BODIES[name], Body()]
    endpoint.__name__ = f"act_{name.replace('-', '_')}"
    return endpoint


for _name, _action in ACTIONS.items():
    _roles = ", ".join(sorted(role.value for role in _action.roles))
    _phases = ", ".join(sorted(phase.value for phase in _action.phases))
    router.add_api_route(
        f"/plans/{{plan_id}}/actions/{_name}",
        _action_endpoint(_name, _action),
        methods=["POST"],
        response_model=ActionResult,
        summary=_action.title,
        description=(
            f"Who: {_roles}. When: {_phases}. The workflow has the last word: the wrong "
            "person is 403, the wrong phase 409, data that breaks a rule 422."
        ),
        tags=["actions"],
    )


# ---------------------------------------------------------------------------------------
# HR's records: HR sees every plan; a manager their own and their reports' reports'


@router.get("/hr/plans", response_model=PlanPage, summary="HR's list", tags=["hr"])
def hr_plans(
    viewer: ApiViewer,
    context: Context,
    phase: Annotated[list[Phase], Query(description="Repeatable.")] = [],  # noqa: B006
    outcome: Annotated[list[Outcome], Query(description="Repeatable.")] = [],  # noqa: B006
    overdue: Annotated[bool, Query(description="Only plans past their deadline.")] = False,
    owed_by: Annotated[
        str | None,
        Query(description=f"An email, or a role: {', '.join(Role.__members__)}."),
    ] = None,
    manager: Annotated[str | None, Query(description="The manager's email.")] = None,
    started_from: IsoDate | None = None,
    started_to: IsoDate | None = None,
    closed_from: IsoDate | None = None,
    closed_to: IsoDate | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="200 by default.")] = None,
) -> PlanPage:
    """Sorted by next deadline, soonest first (both ends of a date range included)."""
    filters = HrFilters(
        phase=[p.value for p in phase],
        outcome=[o.value for o in outcome],
        overdue=overdue,
        owed_by=owed_by,
        manager=manager,
        started_from=_text(started_from),
        started_to=_text(started_to),
        closed_from=_text(closed_from),
        closed_to=_text(closed_to),
        limit=limit,
    )
    try:
        return context.desk.plans(viewer.email, filters)
    except PlanError as error:
        raise _field_error(error, "query", {"owed_by", "manager"}) from None


@router.get(
    "/hr/overdue", response_model=list[OverdueGroup], summary="Everything late", tags=["hr"]
)
def hr_overdue(viewer: ApiViewer, context: Context) -> list[OverdueGroup]:
    """Grouped by who owes it, the longest-waiting person first."""
    return context.desk.overdue(viewer.email)


@router.get(
    "/hr/plans/{plan_id}", response_model=PlanHistory, summary="A plan's record", tags=["hr"]
)
def hr_plan(plan_id: PlanId, viewer: ApiViewer, context: Context) -> PlanHistory:
    """Every version, signature, check-in, the review and the audit log, from HR's store."""
    history = context.desk.history(viewer.email, plan_id)
    record_look(context, viewer, plan_id, Through.api)
    return history


# ---------------------------------------------------------------------------------------
# Personal API tokens


@router.get("/tokens", response_model=list[TokenInfo], summary="My API tokens", tags=["tokens"])
def list_tokens(viewer: ApiViewer, context: Context) -> list[TokenInfo]:
    """Revoked ones included, newest first; never a token's secret."""
    return _read(context, lambda: context.tokens.list(viewer.person.id))


@router.post(
    "/tokens",
    response_model=CreatedToken,
    status_code=201,
    summary="Create an API token",
    tags=["tokens"],
)
def create_token(
    new: Annotated[NewToken, Body()], viewer: ApiViewer, context: Context
) -> CreatedToken:
    """Only under a signed-in session (403 with a Bearer token: a token cannot mint tokens).
    The answer is the only time the token is shown: keep it."""
    _session_only(viewer)
    return _read(context, lambda: context.tokens.create(viewer.person.id, new.name, context.now()))


@router.delete(
    "/tokens/{token_id}", status_code=204, summary="Revoke an API token", tags=["tokens"]
)
def revoke_token(token_id: TokenId, viewer: ApiViewer, context: Context) -> Response:
    """Someone else's token answers 404, exactly like one that does not exist."""
    revoked = _read(
        context, lambda: context.tokens.revoke(viewer.person.id, token_id, context.now())
    )
    if not revoked:
        raise PlanNotFound(token_id)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------


def _session_only(viewer: Viewer) -> None:
    if viewer.via == "token":
        raise NotAllowed(
            "an API token cannot create tokens: sign in to the web app and create one on /me"
        )


def _read(context: WebContext, query: Callable[[], Answer]) -> Answer:
    try:
        return query()
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot read HR's records: {error.orig}") from None


def _text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _field_error(
    error: PlanError, where: str, fields: set[str], otherwise: str | None = None
) -> Exception:
    """A `field: rule` refusal about one of the request's fields (or, failing that, one about
    the field `otherwise`) as a 422 naming the field; any other `PlanError` (an open plan, not
    allowed) is left to the error handlers."""
    if type(error) is not PlanError:
        return error
    about = error.about(fields)
    if about is None and otherwise is None:
        return error
    field, rule = about or (otherwise, str(error))
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, field), "msg": rule, "ctx": {"error": rule}}]
    )
