"""`coachplan`: start a plan, act on it, read it, list yours, or watch a whole one in seconds."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import OperationalError

from coaching.key_ring import KeyRingError
from coaching.payload_codec import PayloadKeyError
from coaching.status import Outcome, Phase, PlanStatus
from coaching.verification import VerificationReport
from starter.act_commands import act_app
from starter.command_line import (
    MAX_LIMIT,
    As,
    Json,
    console,
    directory,
    errors,
    explained,
    fail,
    in_directory,
    load_form,
    run,
    settings,
    with_client,
    zone_of,
)
from starter.display import (
    show_plan_list,
    show_review_form,
    show_status,
    show_summary,
)
from starter.hr_desk import HrDesk, HrFilters
from starter.hr_display import show_history, show_hr_plans, show_overdue, show_verification
from starter.key_commands import keys_app
from starter.plan_client import (
    DatabaseUnavailable,
    PlanClient,
    PlanError,
    TemporalUnavailable,
)
from starter.verify_commands import PdfOption, TrustOption, verify_certificate_file
from starter.workspace_commands import google_app, schedules_app
from store.database import create_store_engine
from store.hr_queries import DEFAULT_LIMIT
from store.plan_looks import PlanLooks, Through
from store.schema import upgrade_database

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
app.add_typer(act_app, name="act")
hr_app = typer.Typer(
    help="HR's records: every plan's state, who owes what by when, outcomes. For HR and managers.",
    no_args_is_help=True,
)
app.add_typer(hr_app, name="hr")
db_app = typer.Typer(help="HR's database (SQLite by default, PostgreSQL by DATABASE_URL).")
app.add_typer(db_app, name="db")
app.add_typer(schedules_app, name="schedules")
app.add_typer(google_app, name="google")
app.add_typer(keys_app, name="keys")


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
        await asyncio.to_thread(record_look, plan, as_)
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
def verify(
    plan: Annotated[
        str | None, typer.Argument(help="The plan id, to check its record in HR's store.")
    ] = None,
    as_: Annotated[
        str | None,
        typer.Option("--as", help="Your email, as in the org directory.", callback=in_directory),
    ] = None,
    pdf: PdfOption = None,
    trust: TrustOption = None,
    json_: Json = False,
) -> None:
    """Check a plan's record offline, from HR's store alone: every version's content against
    its SHA-256 (RFC 8785), every signature's evidence (the signing copy it was given on, its
    consent, its line in the audit log) and the hash chain of the audit log. Or, with `--pdf`,
    a certificate of completion on its own: its PAdES seal (intact, chaining to the `--trust`
    root, nothing changed after sealing), plan.json and audit.json against the hashes it
    prints, and the audit chain inside it.

    Prints each check with OK or exactly what is wrong (which version, signature, consent
    or audit row). Exits 0 when everything holds, 1 when something does not. A plan's record
    is for HR and the plan's parties; a certificate, for whoever holds it. Examples:
    `coachplan verify 421a983edc83 --as grace.liu@example.com`,
    `coachplan verify --pdf certificate-v3-closed.pdf --trust var/keys/sealing-ca.pem`
    """
    if pdf is not None:
        if plan is not None:
            fail("give a plan id or --pdf, not both")
        answer_verification(verify_certificate_file(pdf, trust), json_)
    if plan is None:
        fail("give a plan id (with --as) or --pdf FILE --trust ROOT.pem")
    if as_ is None:
        fail("--as is missing: your email, as in the org directory")
    desk = hr_desk()
    with explained():
        report = desk.verification(as_, plan)
    answer_verification(report, json_)


def answer_verification(report: VerificationReport, json_: bool) -> NoReturn:
    """Every verification answers alike, whatever it checked: the report, then exit 0 if
    everything holds and 1 if not."""
    if json_:
        print(report.model_dump_json(indent=2))
    else:
        show_verification(report, console)
    raise typer.Exit(0 if report.holds else 1)


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
    with explained():
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


def record_look(plan: str, as_: str) -> None:
    """Showing a plan to a person is a look its parties see on its page."""
    engine = create_store_engine(settings().database)
    PlanLooks(engine).record(plan, directory().by_email(as_).id, Through.cli, datetime.now(UTC))
    engine.dispose()


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
    record_look(plan, as_)

    async def live(plans: PlanClient) -> PlanStatus:
        return await plans.status(plan, as_)

    try:
        status: PlanStatus | None = asyncio.run(with_client(live))
        unavailable = ""
    except (
        PlanError,
        TemporalUnavailable,
        DatabaseUnavailable,
        KeyRingError,
        PayloadKeyError,
    ) as error:
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
