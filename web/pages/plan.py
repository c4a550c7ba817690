"""One plan's page: the document, its versions and what changed, the timeline, who owes what,
and the actions this person may take now. Every action is the workflow's Update, as in the
CLI; the workflow's validator has the last word and its refusal is shown beside the action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from activities.documents import signing_copy
from coaching.actions import (
    SIGNING_INTENT,
    Action,
    AddCheckInNote,
    ApproveAlignment,
    CancelPlan,
    CommentOnReview,
    DeclineToSign,
    ExtendPlan,
    MarkReady,
    MoveCheckIn,
    ProposeActivities,
    RecordCheckIn,
    RequestChanges,
    ReviewOutcome,
    RevisePlan,
    SignRequest,
    SkipCheckIn,
    SubmitReview,
)
from coaching.form import PlanForm
from coaching.holidays import CompanyHolidays, HolidayClash
from coaching.plan import ActivityStatus, Role, TimeZoneName
from coaching.schedule import check_in_times
from coaching.status import CheckIn, CheckInStatus, Phase, PlanStatus
from coaching.version_diff import diff_contents
from starter.plan_client import ActionRefused
from store.certificates import CertificateRecords
from store.plan_looks import Through
from web.csrf import csrf_protected
from web.errors import status_of
from web.forms import field_errors, form_items, nest
from web.identity import Context, PageViewer, Viewer, signing_context
from web.pages.plan_form import check_in_preview, content_values, form_options
from web.plan_looks import record_look, who_opened
from web.sign_in import take_flash
from web.templating import label, render, when_agreed
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])

PlanId = Annotated[str, Path(pattern=r"^[a-z0-9]{6,32}$")]
AUTHORS = {Role.manager, Role.team_member}
PLANNED = frozenset({Phase.alignment, Phase.co_authoring, Phase.signing})
SKIPPABLE = frozenset({CheckInStatus.scheduled, CheckInStatus.due, CheckInStatus.overdue})
"""Phases whose check-ins are planned by the cadence, not yet scheduled."""


@dataclass(frozen=True)
class PlanAction:
    """One thing a person can do on the page: its Update, its model, who and when."""

    title: str
    update: Any
    model: type[Action]
    roles: frozenset[Role]
    phases: frozenset[Phase]
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data
    """From the submitted form's data to the action's fields (the actor is added after)."""


def _propose(data: dict[str, Any]) -> dict[str, Any]:
    """Existing rows keep their id; a ticked "drop" leaves the row out; new rows have none."""
    rows = [row for row in data.get("activities", []) if row.pop("drop", "") != "on"]
    return {**data, "activities": rows}


class CheckInMoveForm(BaseModel):
    """A check-in's new day and time, as the team member lives them (the check-ins' zone)."""

    model_config = ConfigDict(extra="forbid")

    number: int
    day: date
    time: time
    time_zone: TimeZoneName
    reason: str

    def action_fields(self) -> dict[str, Any]:
        moment = datetime.combine(self.day, self.time, ZoneInfo(self.time_zone))
        return {"number": self.number, "to": moment, "reason": self.reason}


def _move(data: dict[str, Any]) -> dict[str, Any]:
    return CheckInMoveForm.model_validate(data).action_fields()


def _sign(data: dict[str, Any]) -> dict[str, Any]:
    """The one button adopts the statement the page shows."""
    return {**data, "intent": SIGNING_INTENT}


ACTIONS: dict[str, PlanAction] = {  # in page order: what moves the plan on comes first
    "approve": PlanAction(
        "Approve the plan",
        Plan.approve,
        ApproveAlignment,
        frozenset({Role.skip_level}),
        frozenset({Phase.alignment}),
    ),
    "request-changes": PlanAction(
        "Request changes",
        Plan.request_changes,
        RequestChanges,
        frozenset({Role.skip_level}),
        frozenset({Phase.alignment}),
    ),
    "revise": PlanAction(
        "Revise the draft",
        Plan.revise,
        RevisePlan,
        frozenset({Role.manager}),
        frozenset({Phase.alignment}),
    ),
    "ready": PlanAction(
        "Mark this version ready",
        Plan.mark_ready,
        MarkReady,
        frozenset(AUTHORS),
        frozenset({Phase.co_authoring}),
    ),
    "sign": PlanAction(
        "Sign this version",
        Plan.sign,
        SignRequest,
        frozenset(AUTHORS),
        frozenset({Phase.signing}),
        _sign,
    ),
    "decline": PlanAction(
        "Decline to sign",
        Plan.decline,
        DeclineToSign,
        frozenset({Role.team_member}),
        frozenset({Phase.signing}),
    ),
    "propose": PlanAction(
        "Propose activities",
        Plan.propose_activities,
        ProposeActivities,
        frozenset(AUTHORS),
        frozenset({Phase.co_authoring, Phase.signing}),
        _propose,
    ),
    "check-in": PlanAction(
        "Record a check-in",
        Plan.record_check_in,
        RecordCheckIn,
        frozenset({Role.manager}),
        frozenset({Phase.active, Phase.review}),
    ),
    "move-check-in": PlanAction(
        "Move a check-in",
        Plan.move_check_in,
        MoveCheckIn,
        frozenset({Role.manager}),
        frozenset({Phase.active}),
        _move,
    ),
    "skip-check-in": PlanAction(
        "Skip a check-in",
        Plan.skip_check_in,
        SkipCheckIn,
        frozenset({Role.manager}),
        frozenset({Phase.active}),
    ),
    "note": PlanAction(
        "Add your note to a check-in",
        Plan.add_check_in_note,
        AddCheckInNote,
        frozenset({Role.team_member}),
        frozenset({Phase.active, Phase.review}),
    ),
    "review": PlanAction(
        "Submit the review",
        Plan.submit_review,
        SubmitReview,
        frozenset({Role.manager}),
        frozenset({Phase.review}),
    ),
    "extend": PlanAction(
        "Extend the plan once",
        Plan.extend,
        ExtendPlan,
        frozenset({Role.manager}),
        frozenset({Phase.review}),
    ),
    "comment": PlanAction(
        "Comment on the review",
        Plan.comment_on_review,
        CommentOnReview,
        frozenset({Role.team_member}),
        frozenset({Phase.review}),
    ),
    "cancel": PlanAction(
        "Cancel the plan",
        Plan.cancel,
        CancelPlan,
        frozenset({Role.manager, Role.hr}),
        frozenset(p for p in Phase if not p.is_final),
    ),
}


def available_actions(status: PlanStatus, roles: set[Role], now: datetime) -> list[str]:
    """What to offer this person now; a hint for the page, the workflow decides."""
    signed = {s.role for s in status.signatures if s.valid and s.version == status.version}
    open_check_ins = _recordable(status, now)
    review = status.review
    conditions = {
        "approve": not _changes_requested(status),
        "request-changes": not _changes_requested(status),
        "ready": bool(roles & AUTHORS - set(status.ready)),
        "sign": bool(roles & AUTHORS - signed),
        "check-in": review is None and any(c.recorded_at is None for c in open_check_ins),
        "move-check-in": any(c.status is CheckInStatus.scheduled for c in status.check_ins),
        "skip-check-in": any(c.status in SKIPPABLE for c in status.check_ins),
        "note": bool(open_check_ins),
        "review": review is None,
        "extend": review is None and status.extended_to is None,
        "comment": review is not None and review.team_member_comment is None,
    }
    return [
        name
        for name, action in ACTIONS.items()
        if status.phase in action.phases and roles & action.roles and conditions.get(name, True)
    ]


def _recordable(status: PlanStatus, now: datetime) -> list[CheckIn]:
    """Check-ins whose day has begun where the team member lives, and not skipped: the
    manager may record them (the workflow has the last word)."""
    zone = status.content.cadence.zone
    return [
        c
        for c in status.check_ins
        if c.status is not CheckInStatus.skipped
        and (
            c.status is not CheckInStatus.scheduled
            or now.astimezone(zone).date() >= c.due_at.astimezone(zone).date()
        )
    ]


def _changes_requested(status: PlanStatus) -> bool:
    return any(o.role is Role.manager for o in status.owed if status.phase is Phase.alignment)


@router.get("/plans/{plan_id}", name="plan_page")
async def plan_page(
    request: Request,
    viewer: PageViewer,
    context: Context,
    plan_id: PlanId,
    compare: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    status = await context.plans.status(plan_id, viewer.email)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.page)
    return await _page(request, viewer, context, status, compare=compare)


@router.get("/plans/{plan_id}/diff", name="plan_diff")
async def plan_diff(
    request: Request,
    viewer: PageViewer,
    context: Context,
    plan_id: PlanId,
    compare: Annotated[int, Query(ge=1)],
) -> Response:
    """The changes from one version to the next (htmx swaps it into the page)."""
    status = await context.plans.status(plan_id, viewer.email)
    return render(request, "_diff.html.j2", **_diff(status, compare))


@router.get("/plans/{plan_id}/signing-copy", name="signing_copy")
async def signing_copy_page(viewer: PageViewer, context: Context, plan_id: PlanId) -> Response:
    """The current version exactly as it is put up for signature: the bytes a signature's
    document hash binds. Served as it is, sandboxed, with nothing of the app around it."""
    status = await context.plans.status(plan_id, viewer.email)
    await run_in_threadpool(record_look, context, viewer, plan_id, Through.page)
    copy = signing_copy(status.plan_id, status.versions[-1], status.parties)
    return Response(
        copy.html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/plans/{plan_id}/actions/{name}")
async def act(
    request: Request, viewer: PageViewer, context: Context, plan_id: PlanId, name: str
) -> Response:
    status = await context.plans.status(plan_id, viewer.email)
    action = ACTIONS.get(name)
    if action is None:
        return await _page(request, viewer, context, status, status_code=404)
    values = dict(form_items(await request.form()))
    try:
        data = action.prepare(nest(values.items()))
        model = (
            _revision(data, status, viewer.email)
            if name == "revise"
            else action.model.model_validate({**data, "actor": viewer.email})
        )
    except ValidationError as error:
        prefix = ("content",) if name == "revise" else ()
        return await _page(
            request,
            viewer,
            context,
            status,
            status_code=422,
            failed=name,
            values=values,
            errors=field_errors(error, prefix),
        )
    try:
        result = await (
            context.plans.sign(
                plan_id,
                model,
                viewer.identification,
                signing_context(request, viewer),
                seen=status,
            )
            if isinstance(model, SignRequest)
            else context.plans.act(plan_id, action.update, model)
        )
    except ActionRefused as error:
        return await _page(
            request,
            viewer,
            context,
            status,
            status_code=status_of(error),
            failed=name,
            values=values,
            refusal=error.reason,
        )
    request.session["flash"] = result.message
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


def _revision(data: dict[str, Any], status: PlanStatus, actor: str) -> RevisePlan:
    """The revise form is the start form again; a start left empty keeps the draft's."""
    summary = data.pop("summary", "")
    form = PlanForm.model_validate({**data, "team_member": status.parties.team_member.email})
    start = form.timeline.start or status.content.timeline.start
    timeline = form.timeline.model_copy(update={"start": start})
    content = form.model_copy(update={"timeline": timeline}).to_content(date.today())
    return RevisePlan(actor=actor, content=content, summary=summary)


def _check_in_time(status: PlanStatus, viewer: Viewer) -> Callable[[datetime], str]:
    """A check-in's time for this viewer, beside the team member's time it was agreed in."""
    member = status.parties.team_member
    whose = "your agreed" if member.email == viewer.email else f"{member.name}'s"
    return partial(when_agreed, zone=viewer.zone, agreed=status.content.cadence.zone, whose=whose)


def _check_in_option(check_in: CheckIn, time: Callable[[datetime], str]) -> tuple[str, str]:
    return str(check_in.number), f"Check-in {check_in.number}, {time(check_in.due_at)}"


def _holiday_clashes(
    status: PlanStatus, holidays: CompanyHolidays, now: datetime
) -> list[HolidayClash]:
    """The upcoming check-ins that fall on a company holiday. Before the plan is active its
    check-ins are not scheduled yet: then those its cadence plans, as the workflow will."""
    if status.phase.is_final:
        return []
    cadence = status.content.cadence
    if status.phase in PLANNED:
        timeline = status.content.timeline
        planned = [t for t in check_in_times(cadence, timeline.start, timeline.end) if t > now]
        upcoming = list(enumerate(planned, start=1))
    else:
        upcoming = [
            (c.number, c.due_at) for c in status.check_ins if c.status is CheckInStatus.scheduled
        ]
    return holidays.clashes(upcoming, cadence.zone)


def _diff(status: PlanStatus, compare: int | None) -> dict[str, Any]:
    """Version `compare` against the one before it (by default the newest)."""
    number = compare if compare is not None and 1 < compare <= status.version else status.version
    if number < 2:
        return {"diff_version": None, "changes": []}
    before, after = status.versions[number - 2], status.versions[number - 1]
    return {"diff_version": after, "changes": diff_contents(before.content, after.content)}


async def _page(
    request: Request,
    viewer: Viewer,
    context: Context,
    status: PlanStatus,
    *,
    status_code: int = 200,
    compare: int | None = None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
) -> Response:
    roles = context.plans.roles_of(status, viewer.email)
    now = context.now()
    offered = available_actions(status, roles, now)
    review_form = (
        await context.plans.review_form(status.plan_id, viewer.email)
        if "review" in offered
        else None
    )
    check_in_time = _check_in_time(status, viewer)
    started = [c for c in status.check_ins if c.status is not CheckInStatus.scheduled]
    scheduled = [c for c in status.check_ins if c.status is CheckInStatus.scheduled]
    revise_values = values if failed == "revise" and values else content_values(status.content)
    return render(
        request,
        "plan.html.j2",
        status_code=status_code,
        status=status,
        roles=sorted(roles),
        check_in_time=check_in_time,
        holiday_clashes=_holiday_clashes(status, context.holidays, now),
        planned_check_ins=status.phase in PLANNED,
        recordable=[
            _check_in_option(c, check_in_time)
            for c in _recordable(status, now)
            if c.recorded_at is None
        ],
        movable=[_check_in_option(c, check_in_time) for c in scheduled],
        skippable=[
            _check_in_option(c, check_in_time) for c in status.check_ins if c.status in SKIPPABLE
        ],
        notable=[_check_in_option(c, check_in_time) for c in started],
        actions={name: ACTIONS[name] for name in offered},
        failed=failed,
        action_values=values or {},
        action_errors=errors or {},
        refusal=refusal,
        flash=take_flash(request),
        review_form=review_form,
        signing_intent=SIGNING_INTENT,
        signing_copy=signing_copy(status.plan_id, status.versions[-1], status.parties)
        if "sign" in offered
        else None,
        disclosure=await context.plans.disclosure_needed(status, viewer.email)
        if "sign" in offered
        else None,
        outcomes=[(o.value, label(o)) for o in ReviewOutcome],
        activity_statuses=[(s.value, label(s)) for s in ActivityStatus],
        revise=form_options(revise_values, (errors or {}) if failed == "revise" else {}),
        preview=check_in_preview(
            revise_values,
            date.today(),
            context.holidays,
            viewer.zone,
            f"{status.parties.team_member.name}'s",
        )
        if "revise" in offered
        else None,
        who_opened=await who_opened(context, status),
        certificates=await run_in_threadpool(
            CertificateRecords(context.desk.engine).of, status.plan_id
        ),
        **_diff(status, compare),
    )
