"""`coachplan schedules ...` and `coachplan google ...`: what an operator runs once, at setup."""

from __future__ import annotations

import asyncio

import typer
from rich.markup import escape
from temporalio.service import RPCError

from coaching.connection import connect
from coaching.key_ring import KeyRingError
from starter.command_line import console, fail, settings
from starter.schedules import ensure_schedules

schedules_app = typer.Typer(
    help="Temporal Schedules: the daily sweep of share lists and check-ins.",
    no_args_is_help=True,
)
google_app = typer.Typer(
    help="Google Workspace (COACHPLAN_INTEGRATIONS=google, COACHPLAN_DIRECTORY=google).",
    no_args_is_help=True,
)


@schedules_app.command("ensure")
def ensure() -> None:
    """Create the daily sweep's Schedule, or bring it up to date; safe to run again.

    `make run` does it for you. Example: `coachplan schedules ensure`
    """
    configured = settings()

    async def work() -> None:
        client = await connect(configured)
        for schedule in await ensure_schedules(client, configured):
            done = "created" if schedule.created else "up to date"
            console.print(f"{schedule.schedule_id}: {done}: {schedule.description}")

    try:
        asyncio.run(work())
    except KeyRingError as error:
        fail(str(error), code=1)
    except (RuntimeError, RPCError) as error:
        fail(f"Temporal at {configured.temporal_address} is unreachable: {error}", code=1)


@google_app.command("check")
def check() -> None:
    """Check each permission coachplan needs against Google before first use.

    Gets a token for each API as the person it acts as (the domain-wide delegation of its
    scopes) and makes one harmless call; names what is missing and exits 1 if anything is.
    Example: `coachplan google check`
    """
    from integrations import google_workspace
    from integrations.google.access_check import check_access
    from integrations.google.workspace import WorkspaceSetupError

    configured = settings()
    if configured.integrations != "google" and configured.directory != "google":
        fail("set COACHPLAN_INTEGRATIONS=google or COACHPLAN_DIRECTORY=google first")
    try:
        workspace = google_workspace(configured)
    except WorkspaceSetupError as error:
        fail(str(error))
    console.print(f"Service account: {workspace.service_account_email}")
    results = check_access(workspace, configured)
    for result in results:
        mark = "[green]OK[/]  " if result.ok else "[red]FAIL[/]"
        line = f"{mark} {result.api.value:<9} as {escape(result.subject)}: {escape(result.what)}"
        console.print(line, highlight=False)
        if result.problem is not None:
            console.print(f"       {escape(result.problem)}", highlight=False)
    failed = [result for result in results if not result.ok]
    if failed:
        fail(f"{len(failed)} of {len(results)} checks failed; see docs/google-workspace.md", 1)
    console.print(f"All {len(results)} checks passed.")
