"""`coachplan`: start a plan, act on it, read it, list yours, or watch a whole one in seconds."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

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
    ProposeActivities,
    RecordCheckIn,
    RequestChanges,
    ReviewOutcome,
    RevisePlan,
    SignPlan,
    SubmitReview,
    SupportDelivery,
)
from coaching.form import PlanForm
from coaching.org import DirectoryError, OrgDirectory
from coaching.plan import ActivityStatus, Role
from coaching.settings import Settings, SettingsError
from coaching.status import Outcome, Phase, PlanStatus
from coaching.validation import describe, explain
from starter.display import (
    role_name,
    show_plan_list,
    show_review_form,
    show_status,
    show_summary,
)
from starter.hr_desk import HrDesk, HrFilters
from starter.hr_display import show_history, show_hr_plans, show_overdue
from starter.local_stack import EXAMPLE_FORM
from starter.plan_client import (
    ActionRefused,
    DatabaseUnavailable,
    PlanClient,
    PlanError,
    TemporalUnavailable,
    load_directory,
)
from store.hr_queries import DEFAULT_LIMIT
from store.schema import upgrade_database
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
act_app = typer.Typer(
    help="Act on a plan as one of its people: `coachplan act PLAN ACTION --as EMAIL [fields]`.",
    no_args_is_help=True,
)
app.add_typer(act_app, name="act")
hr_app = typer.Typer(
    help="HR's records: every plan's state, who owes what by when, outcomes. For HR and managers.",
    no_args_is_help=True,
)
app.add_typer(hr_app, name="hr")
db_app = typer.Typer(help="HR's database (SQLite by default, PostgreSQL by DATABASE_URL).")
app.add_typer(db_app, name="db")

console = Console()
errors = Console(stderr=True, soft_wrap=True)
MAX_LIMIT = 10_000
Result = TypeVar("Result")
SomeAction = TypeVar("SomeAction", bound=Action)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def main() -> NoReturn:
    """The `coachplan` entry point: runs a command, then exits without interpreter teardown.

    A short-lived Temporal client process can abort while Python finalizes, after all its
    work is done (temporalio/sdk-python#300). Leaving with `os._exit` once the output is
    flushed keeps the exit code the command chose.
    """
    try:
        app()
        code: int | str | None = 0
    except SystemExit as exiting:
        code = exiting.code
    if isinstance(code, str):
        errors.print(code, highlight=False)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        errors.print(f"[red]error:[/] {escape(line)}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        fail(str(error).splitlines())


@contextmanager
def explained() -> Iterator[None]:
    """Turns every failure a person can cause into a sentence: exit 2 for what they typed,
    exit 1 for a server or database that cannot be reached."""
    try:
        yield
    except ValidationError as error:
        fail(explain(error))
    except PlanError as error:
        fail(str(error))
    except (TemporalUnavailable, DatabaseUnavailable) as error:
        fail(str(error), code=1)


@functools.cache
def directory() -> OrgDirectory:
    with explained():
        return load_directory(settings())


def in_directory(email: str | None) -> str | None:
    """`--as` names someone in the org directory, or the command stops at once, naming the
    option: before any plan is read, so the answer says nothing about the plan."""
    if email is None:
        return None
    try:
        return directory().by_email(email).email
    except DirectoryError as error:
        fail(f"--as: {error}")


def zone_of(email: str) -> ZoneInfo:
    """The person's time zone, or the company's: every time they are shown is in it."""
    return directory().public(directory().by_email(email)).zone


As = Annotated[
    str,
    typer.Option("--as", help="Your email, as in the org directory.", callback=in_directory),
]


def run(work: Callable[[PlanClient], Awaitable[Result]]) -> Result:
    """Connects to Temporal and does the work."""
    with explained():
        return asyncio.run(_with_client(work))


def load_form(path: Path) -> PlanForm:
    """A file that cannot be a form is refused in one line naming it; a form that breaks a
    rule, in one line per rule naming the field."""
    if path.is_dir():
        fail(f"form: {path} is a directory, not a form file (YAML, like {EXAMPLE_FORM})")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        fail(f"form: {path} does not exist")
    except OSError as error:
        fail(f"form: {path} cannot be read: {error.strerror}")
    except UnicodeDecodeError as error:
        fail(
            f"form: {path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}); save it as UTF-8"
        )
    try:
        return PlanForm.parse_yaml(text)
    except yaml.YAMLError as error:
        fail(f"form: {path} is not valid YAML: {_yaml_problem(error)}")
    except ValidationError as error:
        problems = error.errors()
        if len(problems) == 1 and not problems[0]["loc"]:
            whole = problems[0]
            found = "is empty" if whole["input"] is None else describe(whole)
            fail(f"form: {path} {found}; see {EXAMPLE_FORM} for a filled form")
        fail(explain(error))


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one line, with the place people look for."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(error).split())


def build(model: type[SomeAction], **fields: Any) -> SomeAction:
    try:
        return model(**fields)
    except ValidationError as error:
        fail(explain(error))


@app.command()
def start(
    form: Annotated[Path, typer.Option(help="The start form (YAML), e.g. examples/plan.yaml.")],
    as_: As,
) -> None:
    """Start a plan for one of your direct reports from a filled start form.

    Example: `coachplan start --form examples/plan.yaml --as priya.raman@example.com`
    """
    plan_form = load_form(form)

    async def work(plans: PlanClient) -> None:
        started = await plans.start(plan_form, as_, date.today())
        parties = started.parties
        console.print(
            f"Started plan [bold]{started.plan_id}[/] for {parties.team_member.name}: "
            f"{parties.skip_level.name} (your manager) is asked to align on it first.\n"
            f"Next: coachplan status {started.plan_id} --as {as_}"
        )

    run(work)


@app.command()
def status(
    plan: Annotated[str, typer.Argument(help="The plan id `coachplan start` printed.")],
    as_: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Your email. Without it you see only the phase and who owes what, by role.",
            callback=in_directory,
        ),
    ] = None,
    json_: Json = False,
) -> None:
    """Show a plan: phase, who owes what by when, its activities and support (with the ids a
    check-in names), check-ins, signatures and the timeline.

    Only the plan's four parties see its content; anyone else hears that there is no such
    plan. Times are in your time zone (the org directory's), named. Example:
    `coachplan status 3f9c2a7d81b4 --as priya.raman@example.com`
    """

    async def work(plans: PlanClient) -> None:
        if as_ is None:
            summary = await plans.summary(plan)
            if json_:
                print(summary.model_dump_json(indent=2))
            else:
                show_summary(summary, console)
            return
        found = await plans.status(plan, as_)
        if json_:
            print(found.model_dump_json(indent=2))
            return
        show_status(found, console, zone_of(as_))
        if found.phase is Phase.review and found.review is None:
            show_review_form(await plans.review_form(plan, as_), console)

    run(work)


@app.command("list")
def list_plans(
    as_: As,
    limit: Annotated[int, typer.Option(help="At most this many plans.")] = DEFAULT_LIMIT,
    json_: Json = False,
) -> None:
    """List the plans you are a party to (HR: every plan), open ones first by deadline.

    Read from HR's records, so it answers at once, even while the worker or Temporal is
    down; a plan started a moment ago shows once the worker has recorded it. A plan whose
    record cannot be read is listed with the reason. Times are in your time zone.

    Example: `coachplan list --as priya.raman@example.com`
    """
    if not 1 <= limit <= MAX_LIMIT:
        fail(f"--limit: must be between 1 and {MAX_LIMIT}")
    desk = hr_desk()
    with explained():
        found = desk.plans_of(as_, limit)
    if json_:
        print(found.model_dump_json(indent=2))
        return
    person = desk.person(as_)
    show_plan_list(found, person.id, person.hr, desk.name_of, console, zone_of(as_))


@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where the demo writes its documents, invites and outbox."),
    ] = None,
) -> None:
    """Run one whole 30-day plan on the time-skipping test server, in seconds.

    Plays each person in turn, then prints the timeline and where the generated documents,
    invites and messages are. Needs no running server.
    """
    from starter.demo import run_demo

    folder = data_dir or settings().data_dir / "demo"
    raise typer.Exit(asyncio.run(run_demo(folder, settings(), console)))


@app.command()
def up() -> None:
    """Run the whole system locally: Temporal dev server with its UI, the worker, the web app.

    `make run` calls this. Ctrl-C stops everything it started.
    """
    from starter.local_stack import run_local_stack

    raise typer.Exit(run_local_stack(settings()))


@app.command()
def web() -> None:
    """Serve the web app: each person signs in and does their part in a browser.

    Listens on COACHPLAN_WEB_HOST:COACHPLAN_WEB_PORT (default 127.0.0.1:8000); `make run`
    starts it for you. Example: `COACHPLAN_WEB_PORT=8080 coachplan web`
    """
    from web.server import serve

    raise typer.Exit(serve(settings()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create HR's tables, or bring them to the newest schema; safe to run again.

    `make run` does this for you. Example: `DATABASE_URL=postgresql://me@localhost/coachplan
    coachplan db upgrade`
    """
    chosen = settings()
    try:
        console.print(upgrade_database(chosen.database))
    except OperationalError as error:
        fail(f"cannot reach the database at {chosen.database}: {error.orig}", code=1)


def hr_desk() -> HrDesk:
    with explained():
        return HrDesk.open(settings())


Dates = "YYYY-MM-DD, in UTC; the range includes both days."


@hr_app.command("list")
def hr_list(
    as_: As,
    phase: Annotated[
        list[str] | None,
        typer.Option(help=f"Only these phases (repeatable): {', '.join(Phase)}."),
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only plans past a deadline.")] = False,
    owed_by: Annotated[
        str | None, typer.Option(help="Only plans waiting on this person (email) or role.")
    ] = None,
    manager: Annotated[str | None, typer.Option(help="Only this manager's plans (email).")] = None,
    started_from: Annotated[str | None, typer.Option(help=f"Started on or after; {Dates}")] = None,
    started_to: Annotated[str | None, typer.Option(help=f"Started on or before; {Dates}")] = None,
    closed_from: Annotated[str | None, typer.Option(help=f"Closed on or after; {Dates}")] = None,
    closed_to: Annotated[str | None, typer.Option(help=f"Closed on or before; {Dates}")] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(help=f"Only these outcomes (repeatable): {', '.join(Outcome)}."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows (default 200).")] = None,
    json_: Json = False,
) -> None:
    """List plans from HR's records, the soonest deadline first.

    Example: `coachplan hr list --as grace.liu@example.com --overdue --owed-by manager`
    """
    desk = hr_desk()
    filters = HrFilters(
        phase=phase or [],
        outcome=outcome or [],
        overdue=overdue,
        owed_by=owed_by,
        manager=manager,
        started_from=started_from,
        started_to=started_to,
        closed_from=closed_from,
        closed_to=closed_to,
        limit=limit,
    )
    with explained():
        page = desk.plans(as_, filters)
    if json_:
        print(page.model_dump_json(indent=2))
    else:
        show_hr_plans(page, desk.name_of, console, zone_of(as_))


@hr_app.command("overdue")
def hr_overdue(as_: As, json_: Json = False) -> None:
    """Everything past its deadline, grouped by the person who owes it.

    Example: `coachplan hr overdue --as grace.liu@example.com`
    """
    desk = hr_desk()
    with explained():
        groups = desk.overdue(as_)
    if json_:
        print(json.dumps([g.model_dump(mode="json") for g in groups], indent=2))
    else:
        show_overdue(groups, desk.name_of, console, zone_of(as_))


@hr_app.command("show")
def hr_show(
    plan: Annotated[str, typer.Argument(help="The plan id.")], as_: As, json_: Json = False
) -> None:
    """One plan's whole record (versions, signatures, check-ins, audit log) and its live state.

    The phase and who owes what come live from the plan's workflow; if it cannot answer, as
    recorded, with the reason. Times are in your time zone. Example:
    `coachplan hr show 3f9c2a7d81b4 --as grace.liu@example.com`
    """
    desk = hr_desk()
    with explained():
        history = desk.history(as_, plan)

    async def live(plans: PlanClient) -> PlanStatus:
        return await plans.status(plan, as_)

    try:
        status: PlanStatus | None = asyncio.run(_with_client(live))
        unavailable = ""
    except (PlanError, TemporalUnavailable, DatabaseUnavailable) as error:
        status, unavailable = None, str(error)
    if json_:
        print(
            json.dumps(
                {
                    "record": history.model_dump(mode="json"),
                    "live": status.model_dump(mode="json") if status else None,
                    "live_unavailable": unavailable or None,
                },
                indent=2,
            )
        )
        return
    show_history(history, status, unavailable, desk.name_of, console, zone_of(as_))


async def _with_client(work: Callable[[PlanClient], Awaitable[Result]]) -> Result:
    return await work(await PlanClient.connect(settings()))


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
            result = await plans.act(ctx.obj, update, chosen)
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
    yes: Annotated[bool, typer.Option("--yes", help="Adopt the statement without asking.")] = False,
) -> None:
    """Manager or team member: sign the current version, bound to its SHA-256.

    Without --yes you are shown the version, its SHA-256 and the statement you adopt, and
    asked first: only when the plan is waiting for your signature, so a refusal comes alone.
    Once signed, the hash and the statement are printed as your receipt.
    """

    async def make(plans: PlanClient, plan: str) -> SignPlan:
        current = await plans.status(plan, as_)
        if not yes and _owes_signature(current, as_):
            console.print(
                f"You are signing version {current.version} (SHA-256 {current.sha256}).\n"
                f"Statement: {SIGNING_INTENT}"
            )
            try:
                agreed = typer.confirm("Sign?")
            except typer.Abort:
                fail("not signed: nobody answered; add --yes to sign without the question")
            if not agreed:
                fail("not signed")
        return build(
            SignPlan,
            actor=as_,
            version=current.version,
            sha256=current.sha256,
            intent=SIGNING_INTENT,
        )

    signed = perform(ctx, Plan.sign, make)
    console.print(f"You signed SHA-256 {signed.sha256}.\nStatement: {signed.intent}")


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
