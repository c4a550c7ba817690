"""`coachplan act PLAN ACTION --as EMAIL`: each human action is one Update on the plan's
workflow, which has the last word."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from activities.documents import signing_copy
from coaching.actions import (
    SIGNING_INTENT,
    Action,
    ActivityDraft,
    ActivityProgress,
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
    SupportDelivery,
)
from coaching.evidence import CLI_DEVELOPMENT
from coaching.plan import ActivityStatus, Role
from coaching.status import Phase, PlanStatus
from coaching.validation import explain
from starter.command_line import (
    As,
    SomeAction,
    build,
    console,
    errors,
    fail,
    load_form,
    run,
)
from starter.display import (
    role_name,
)
from starter.plan_client import (
    ActionRefused,
    PlanClient,
)
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

act_app = typer.Typer(
    help="Act on a plan as one of its people: `coachplan act PLAN ACTION --as EMAIL [fields]`.",
    no_args_is_help=True,
)

# Human actions. Each is one Update on the plan's workflow; the workflow has the last word.

Plan_ = Annotated[str, typer.Argument(help="The plan id.")]


@act_app.callback()
def act(ctx: typer.Context, plan: Plan_) -> None:
    ctx.obj = plan


def perform(
    ctx: typer.Context,
    update: Any,
    action: SomeAction | Callable[[PlanClient, str], Awaitable[SomeAction]],
) -> SomeAction:
    """Sends one action and prints the plan's answer whole; some actions are built from the
    plan's current state (version, activities). Returns the accepted action.

    A refusal reaches only someone who may see the plan: anyone else hears that there is no
    such plan, exactly as for one that does not exist.
    """

    async def work(plans: PlanClient) -> SomeAction:
        chosen = action if isinstance(action, Action) else await action(plans, ctx.obj)
        try:
            result = await (
                plans.sign(ctx.obj, chosen, CLI_DEVELOPMENT)
                if isinstance(chosen, SignRequest)
                else plans.act(ctx.obj, update, chosen)
            )
        except ActionRefused:
            await plans.status(ctx.obj, chosen.actor)
            raise
        console.print(f"{result.message} (plan version {result.version})", markup=False)
        return chosen

    return run(work)


Comment = Annotated[str, typer.Option(help="What you want to say.")]


@act_app.command()
def approve(ctx: typer.Context, as_: As, comment: Comment = "") -> None:
    """Skip-level: agree with the growth opportunity; the team member is brought in."""
    perform(ctx, Plan.approve, build(ApproveAlignment, actor=as_, comment=comment))


@act_app.command("request-changes")
def request_changes(ctx: typer.Context, as_: As, comment: Comment) -> None:
    """Skip-level: ask the manager to revise the draft."""
    perform(ctx, Plan.request_changes, build(RequestChanges, actor=as_, comment=comment))


@act_app.command()
def revise(
    ctx: typer.Context,
    as_: As,
    form: Annotated[Path, typer.Option(help="The revised start form (YAML).")],
    summary: Annotated[str, typer.Option(help="What changed, in a line.")],
) -> None:
    """Manager: replace the draft during alignment with a revised start form."""
    revised = load_form(form)

    async def make(plans: PlanClient, plan: str) -> Action:
        """A revised form without a start date keeps the draft's start."""
        current = await plans.status(plan, as_)
        start = revised.timeline.start or current.content.timeline.start
        timeline = revised.timeline.model_copy(update={"start": start})
        content = revised.model_copy(update={"timeline": timeline}).to_content(date.today())
        return build(RevisePlan, actor=as_, content=content, summary=summary)

    perform(ctx, Plan.revise, make)


@act_app.command()
def propose(
    ctx: typer.Context,
    as_: As,
    add: Annotated[
        list[str] | None, typer.Option(help="A new activity: 'TEXT' or 'TEXT@YYYY-MM-DD'.")
    ] = None,
    edit: Annotated[
        list[str] | None, typer.Option(help="Reword one: 'a2=TEXT' or 'a2=TEXT@YYYY-MM-DD'.")
    ] = None,
    drop: Annotated[list[str] | None, typer.Option(help="Remove one: 'a3'.")] = None,
    note: Annotated[str, typer.Option(help="Why, for the other side.")] = "",
) -> None:
    """Manager or team member: propose a new version of the activities (a counter-proposal).

    Starts from the current activities. Example:
    `coachplan act PLAN propose --as kwame.mensah@example.com --add "Pair on the rollout" --drop a1`
    """

    async def make(plans: PlanClient, plan: str) -> Action:
        current = await plans.status(plan, as_)
        edits = dict(_split_edit(e) for e in edit or [])
        dropped = set(drop or [])
        unknown = (set(edits) | dropped) - {a.id for a in current.content.activities}
        if unknown:
            fail(f"there is no activity {', '.join(sorted(unknown))} in version {current.version}")
        drafts = [
            ActivityDraft(id=a.id, description=a.description, due=a.due)
            if a.id not in edits
            else _draft(edits[a.id], a.id)
            for a in current.content.activities
            if a.id not in dropped
        ]
        drafts += [_draft(text) for text in add or []]
        return build(ProposeActivities, actor=as_, activities=drafts, note=note)

    perform(ctx, Plan.propose_activities, make)


@act_app.command()
def ready(ctx: typer.Context, as_: As) -> None:
    """Manager or team member: you are ready to sign the current version."""

    async def make(plans: PlanClient, plan: str) -> Action:
        current = await plans.status(plan, as_)
        return build(MarkReady, actor=as_, version=current.version)

    perform(ctx, Plan.mark_ready, make)


@act_app.command()
def sign(
    ctx: typer.Context,
    as_: As,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Adopt the statement, and agree to sign electronically if asked, without asking.",
        ),
    ] = False,
) -> None:
    """Manager or team member: sign the current version, bound to its SHA-256 and to the
    SHA-256 of its signing copy (the document as put up for signature).

    Before your first electronic signature you are shown the disclosure on signing
    electronically and asked to agree; that consent is recorded once. Without --yes you are
    shown the version, both hashes and the statement you adopt, and asked first: only when the
    plan is waiting for your signature, so a refusal comes alone. The signature records that
    you were identified by this command's --as, a development tool that identifies nobody.

    Example: coachplan act 3f9c0a1b2c4d sign --as dana@example.com --yes
    """

    async def make(plans: PlanClient, plan: str) -> SignRequest:
        current = await plans.status(plan, as_)
        copy = signing_copy(current.plan_id, current.versions[-1], current.parties)
        disclosure = await plans.disclosure_needed(current, as_)
        if not yes and _owes_signature(current, as_):
            if disclosure is not None:
                console.print(disclosure.text, markup=False)
                _confirm("Do you agree to sign electronically?", "no consent given")
            console.print(
                f"You are signing version {current.version} (SHA-256 {current.sha256}; "
                f"signing copy SHA-256 {copy.sha256}).\n"
                f"Statement: {SIGNING_INTENT}"
            )
            _confirm("Sign?", "not signed")
        return build(
            SignRequest,
            actor=as_,
            version=current.version,
            sha256=current.sha256,
            intent=SIGNING_INTENT,
            document_sha256=copy.sha256,
            consent_to_sign_electronically=disclosure is not None,
        )

    signed = perform(ctx, Plan.sign, make)
    console.print(f"You signed SHA-256 {signed.sha256}.\nStatement: {signed.intent}")


def _confirm(question: str, otherwise: str) -> None:
    try:
        agreed = typer.confirm(question)
    except typer.Abort:
        fail(f"{otherwise}: nobody answered; add --yes to sign without the question")
    if not agreed:
        fail(otherwise)


def _owes_signature(status: PlanStatus, email: str) -> bool:
    """Signing is open and this author has not signed the current version yet."""
    authors = status.parties.roles_of(email) & {Role.manager, Role.team_member}
    signed = any(
        s.valid and s.email == email and s.version == status.version for s in status.signatures
    )
    return status.phase is Phase.signing and bool(authors) and not signed


@act_app.command()
def decline(ctx: typer.Context, as_: As, comment: Comment) -> None:
    """Team member: decline to sign, saying why. HR is told and co-authoring reopens."""
    perform(ctx, Plan.decline, build(DeclineToSign, actor=as_, comment=comment))


@act_app.command("check-in")
def check_in(
    ctx: typer.Context,
    as_: As,
    number: Annotated[
        int, typer.Option(help="Which check-in (1, 2, ...); `coachplan status` lists them.")
    ],
    feedback: Annotated[str, typer.Option(help="Your feedback this time.")],
    progress: Annotated[
        list[str] | None,
        typer.Option(
            help="Per activity, repeated: 'a1=in_progress' or 'a1=done:note'; "
            f"statuses: {', '.join(ActivityStatus)}."
        ),
    ] = None,
    support: Annotated[
        list[str] | None,
        typer.Option(help="Per support commitment, repeated: 's1=yes' or 's2=no:note'."),
    ] = None,
    adjustments: Annotated[str, typer.Option(help="Anything you change.")] = "",
) -> None:
    """Manager: record a check-in: progress per activity and whether your support happened.

    The ids are the plan's own: a1, a2, ... its activities and s1, s2, ... the support you
    promised, as `coachplan status PLAN --as EMAIL` lists them. Leave out --progress or
    --support, or name an id the plan does not have, and this command lists them instead.

    Example: `coachplan act PLAN check-in --as priya.raman@example.com --number 1
    --progress a1=in_progress --progress a2=done:merged --support s1=yes --support s2=no:moved
    --feedback "Good first week"`
    """
    progress_given = [_progress(p) for p in progress or []]
    support_given = [_support(s) for s in support or []]

    async def make(plans: PlanClient, plan: str) -> RecordCheckIn:
        current = await plans.status(plan, as_)
        problems = _check_in_problems(current, progress_given, support_given)
        if problems:
            for line in problems:
                errors.print(f"[red]error:[/] {escape(line)}", highlight=False)
            errors.print(_check_in_ids(current), highlight=False, markup=False)
            raise typer.Exit(2)
        return build(
            RecordCheckIn,
            actor=as_,
            number=number,
            progress=progress_given,
            support=support_given,
            feedback=feedback,
            adjustments=adjustments,
        )

    perform(ctx, Plan.record_check_in, make)


@act_app.command("move-check-in")
def move_check_in(
    ctx: typer.Context,
    as_: As,
    number: Annotated[int, typer.Option(help="Which check-in; `coachplan status` lists them.")],
    to: Annotated[
        str,
        typer.Option(
            help="The new local time in the team member's zone, as the check-ins are agreed: "
            "'YYYY-MM-DD HH:MM'."
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why (a holiday, a sick day, travel).")],
) -> None:
    """Manager: move one check-in to another time; the others stay, and both calendars
    update just that meeting. It stays between the check-ins before and after it.

    Example: `coachplan act PLAN move-check-in --as priya.raman@example.com --number 2
    --to "2026-12-11 10:30" --reason "Thursday is a holiday"`
    """
    try:
        local = datetime.strptime(to, "%Y-%m-%d %H:%M")
    except ValueError:
        fail(f"--to: '{to}' is not a local time like 2026-12-11 10:30 (YYYY-MM-DD HH:MM)")

    async def make(plans: PlanClient, plan: str) -> MoveCheckIn:
        zone = (await plans.status(plan, as_)).content.cadence.zone
        return build(
            MoveCheckIn, actor=as_, number=number, to=local.replace(tzinfo=zone), reason=reason
        )

    perform(ctx, Plan.move_check_in, make)


@act_app.command("skip-check-in")
def skip_check_in(
    ctx: typer.Context,
    as_: As,
    number: Annotated[int, typer.Option(help="Which check-in; `coachplan status` lists them.")],
    reason: Annotated[str, typer.Option(help="Why it does not take place.")],
) -> None:
    """Manager: one check-in will not take place. The review counts it as skipped, not missed.

    Example: `coachplan act PLAN skip-check-in --as priya.raman@example.com --number 3
    --reason "Team offsite that week"`
    """
    perform(ctx, Plan.skip_check_in, build(SkipCheckIn, actor=as_, number=number, reason=reason))


def _check_in_problems(
    status: PlanStatus, progress: list[ActivityProgress], support: list[SupportDelivery]
) -> list[str]:
    """What a check-in's ids get wrong against the plan's current version."""
    activities = {a.id for a in status.content.activities}
    commitments = {s.id for s in status.content.support}
    problems = [
        f"--progress {p.activity_id}: the plan has no activity {p.activity_id}"
        for p in progress
        if p.activity_id not in activities
    ] + [
        f"--support {s.support_id}: the plan has no support commitment {s.support_id}"
        for s in support
        if s.support_id not in commitments
    ]
    if not progress:
        problems.append("--progress is missing: one per activity, like a1=in_progress[:note]")
    if not support:
        problems.append("--support is missing: one per support commitment, like s1=yes[:note]")
    return problems


def _check_in_ids(status: PlanStatus) -> str:
    """The ids a check-in names, with what each one is."""
    content = status.content
    lines = [f"Plan {status.plan_id}, version {status.version}: its activities"]
    lines += [f"  {a.id}  {a.description} ({a.status.value})" for a in content.activities]
    lines.append("and the support the manager promised")
    lines += [f"  {s.id}  {role_name(s.kind)}: {s.description}" for s in content.support]
    return "\n".join(lines)


@act_app.command()
def note(
    ctx: typer.Context,
    as_: As,
    number: Annotated[int, typer.Option(help="Which check-in (1, 2, ...).")],
    text: Annotated[str, typer.Option("--note", help="Your note.")],
) -> None:
    """Team member: add your note to a check-in."""
    perform(ctx, Plan.add_check_in_note, build(AddCheckInNote, actor=as_, number=number, note=text))


@act_app.command()
def review(
    ctx: typer.Context,
    as_: As,
    outcome: Annotated[ReviewOutcome, typer.Option(help="How the goal went.")],
    achievements: Annotated[str, typer.Option(help="What was achieved.")],
    next_steps: Annotated[str, typer.Option(help="What comes next.")],
) -> None:
    """Manager: submit the review (`coachplan status` shows the pre-filled evidence)."""
    action = build(
        SubmitReview,
        actor=as_,
        outcome=outcome,
        achievements=achievements,
        next_steps=next_steps,
    )
    perform(ctx, Plan.submit_review, action)


@act_app.command()
def comment(ctx: typer.Context, as_: As, text: Annotated[str, typer.Option("--comment")]) -> None:
    """Team member: add your comment to the submitted review."""
    perform(ctx, Plan.comment_on_review, build(CommentOnReview, actor=as_, comment=text))


@act_app.command()
def extend(
    ctx: typer.Context,
    as_: As,
    new_end: Annotated[str, typer.Option(help="The new end date, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why more time helps.")],
) -> None:
    """Manager: extend the plan once, instead of the review (at most 30 days more)."""
    perform(ctx, Plan.extend, build(ExtendPlan, actor=as_, new_end=new_end, reason=reason))


@act_app.command()
def cancel(ctx: typer.Context, as_: As, reason: Annotated[str, typer.Option()]) -> None:
    """Manager or HR: cancel the plan from any phase, with a reason."""
    perform(ctx, Plan.cancel, build(CancelPlan, actor=as_, reason=reason))


def _split_edit(edit: str) -> tuple[str, str]:
    activity_id, separator, text = edit.partition("=")
    if not separator:
        fail(f"edit: '{edit}' should look like a2=TEXT")
    return activity_id.strip(), text


def _draft(text: str, activity_id: str | None = None) -> ActivityDraft:
    description, _, due = text.rpartition("@") if "@" in text else (text, "", "")
    try:
        return ActivityDraft(id=activity_id, description=description, due=due or None)
    except ValidationError as error:
        fail([f"activity '{text}': {line}" for line in explain(error)])


def _progress(text: str) -> ActivityProgress:
    activity_id, _, rest = text.partition("=")
    status, _, note_text = rest.partition(":")
    if status not in ActivityStatus.__members__:
        fail(
            f"progress: '{text}' should look like a1=in_progress[:note], with a status of "
            f"{', '.join(ActivityStatus.__members__)}"
        )
    return ActivityProgress(activity_id=activity_id, status=ActivityStatus(status), note=note_text)


def _support(text: str) -> SupportDelivery:
    support_id, _, rest = text.partition("=")
    delivered, _, note_text = rest.partition(":")
    if delivered not in ("yes", "no"):
        fail(f"support: '{text}' should look like s1=yes[:note] or s1=no[:note]")
    return SupportDelivery(support_id=support_id, delivered=delivered == "yes", note=note_text)
