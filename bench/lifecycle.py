"""What a plan's whole life costs: throughput, CPU, memory, history, and the first document,
next to a bare workflow of the same shape run in the same process on the same server.

Why it exists (issue 11): the plan's history is being slimmed (records by a local activity,
slimmer document inputs, per-kind activity timeouts); these figures say whether that worked,
against targets, and against the floor of the same story with nothing behind it
(`bench/bare_workflow.py`: same Updates in the same order, as many activities and timers,
empty bodies, the same encrypting converter).

What it does: it brings its own stack (a Temporal server from the project's own binaries, the
worker `worker.py` builds and the bare worker in this process, a SQLite store and local
integrations in a temporary folder, an org of generated people), then plays every person of
N plans through the product's public client (`PlanClient`, as the web app and the CLI call
it) and the same Updates to the bare workflow. Paths (see `bench/plan_paths.py`):

- `--path whole` (default): start, approve, propose / ready, sign x2, every weekly check-in
  recorded with a note, the review submitted and commented, closed; on the time-skipping
  server, where 30+ days pass in seconds (all plans in lockstep on its one clock);
- `--path short`: start, approve, ready x2, sign x2, cancel; on a dev server by default.

Figures per workflow: plans per minute (wall clock, start of the first plan to the end of the
last), CPU seconds per plan of this process (worker and driver: every thread, the SDK's Rust
core included), the server's CPU per plan, peak RSS and its growth per plan, history events
and bytes per plan (Temporal's own count, and the JSON size), start-to-first-document p50/p95
(the start request until `documents/<plan>/v1.html` exists), and the ratio. Two more tables:
what the history is made of, by kind of event, beside the bare workflow's bytes for the same
kind; and where the time to the first activity goes (the first workflow task, that task, the
activity's wait for a worker, its run), from the history's event times. The bare run goes
first; both after a short untimed warm-up of each.

Run it from the repository root:

    .venv/bin/python bench/lifecycle.py                       # 200 plans, 50 in flight, whole
    .venv/bin/python bench/lifecycle.py --plans 100 --path short
    .venv/bin/python bench/lifecycle.py --plans 50 --profile var/lifecycle.pyspy

Exit status: 0 when every target is met; 1 when one is missed; 2 for bad arguments or a
stack that would not start; 130 when interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/lifecycle.py` puts only bench/ ahead on the path; the repository comes first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import contextlib
import gc
import os
import tempfile
import uuid
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.lifecycle_figures import (
    HistoryFigures,
    RunFigures,
    Verdict,
    figures_table,
    first_step_table,
    history_figures,
    weight_table,
)
from bench.machine import machine_line, spending
from bench.plan_paths import Clock, DriverError, PathKind, drive, limited
from bench.plan_people import BarePeople, PlanPeople, ProductPeople
from bench.profiling import Profile, ProfilerMissing, sampled
from bench.stack import (
    Server,
    ServerKind,
    bare_worker,
    bench_org,
    bench_settings,
    members_of,
    plan_client,
    product_worker,
    temporal_server,
)
from coaching.form import PlanForm
from coaching.key_ring import KeyRing
from starter.binaries import MissingBinary

ROOT = Path(__file__).resolve().parent.parent
PLAN_FORM = ROOT / "examples" / "plan.yaml"
WARMUP_PLANS = 3
HISTORY_READS_IN_FLIGHT = 20
PROGRESS_LOG_SECONDS = 60.0
console = Console(highlight=False)


@dataclass
class Outcome:
    path: PathKind
    server: ServerKind
    in_flight: int
    ours: RunFigures
    bare: RunFigures
    load_before: float
    profile: Profile | None


async def server_today(server: Server) -> date:
    """The plans' "today": the server's clock, which the time-skipping server moves."""
    if server.kind == "time-skipping":
        return (await server.env.get_current_time()).date()
    return datetime.now(UTC).date()


async def read_histories(
    server: Server, people: PlanPeople, plan_ids: Sequence[str]
) -> list[HistoryFigures]:
    found: dict[str, HistoryFigures] = {}

    async def read(plan_id: str) -> None:
        found[plan_id] = await history_figures(server.client, people.workflow_id(plan_id))

    await limited(plan_ids, HISTORY_READS_IN_FLIGHT, read)
    return [found[plan_id] for plan_id in plan_ids]


async def one_run(
    server: Server,
    people: PlanPeople,
    members: Sequence[str],
    arguments: argparse.Namespace,
    progress: Progress,
    profile_to: Path | None = None,
) -> RunFigures:
    """N plans of one workflow, measured; their histories read after the clock stopped."""
    clock = Clock(server.env) if server.kind == "time-skipping" else None
    gc.collect()
    async with AsyncExitStack() as profiling:
        if profile_to is not None:
            await profiling.enter_async_context(sampled(profile_to))
        async with spending(server.pid) as spent:
            lives = await drive(
                people, server.client, clock, members, arguments.path, arguments.in_flight, progress
            )
    histories = await read_histories(server, people, [lived.plan.plan_id for lived in lives])
    return RunFigures(people.label, lives, spent, histories, people.not_answering)


async def log_progress(progress: Progress) -> None:
    """Where output is not a terminal (a log file), the bars cannot redraw: a line a minute."""
    while True:
        await asyncio.sleep(PROGRESS_LOG_SECONDS)
        tasks = [t for t in progress.tasks if t.visible and not t.finished]
        line = "; ".join(f"{t.description} {t.completed:.0f}/{t.total:.0f}" for t in tasks)
        console.print(f"  [{datetime.now():%H:%M:%S}] {line or 'between steps'}")


async def cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def measure(arguments: argparse.Namespace, stack: AsyncExitStack) -> Outcome:
    load_before = os.getloadavg()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lifecycle-bench-")))
    keys = KeyRing.generate()
    org = bench_org(arguments.plans + WARMUP_PLANS)
    members = members_of(org)
    warm, timed = members[:WARMUP_PLANS], members[WARMUP_PLANS:]
    form = PlanForm.load(PLAN_FORM)
    console.print(f"Starting a Temporal {arguments.server} server")
    server = await stack.enter_async_context(temporal_server(arguments.server, keys))
    settings = bench_settings(folder / "coachplan", server, org, keys)
    bare_queue = f"bare-{uuid.uuid4().hex[:8]}"
    bare_folder = folder / "bare"
    await stack.enter_async_context(product_worker(server.client, settings))
    await stack.enter_async_context(bare_worker(server.client, bare_queue, bare_folder))
    client = plan_client(server, settings, org)

    async def people_of(kind: str) -> PlanPeople:
        today = await server_today(server)
        if kind == "bare":
            return BarePeople(server.client, org, form, bare_queue, bare_folder, lambda: today)
        return ProductPeople(client, form, settings.data_dir, lambda: today)

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        if not console.is_terminal:
            stack.push_async_callback(cancelled, asyncio.create_task(log_progress(progress)))
        progress.console.print(f"Warming up: {WARMUP_PLANS} short plans of each, untimed")
        for kind in ("bare", "coachplan"):
            people = await people_of(kind)
            await drive(people, server.client, None, warm, "short", WARMUP_PLANS, progress)
        progress.console.print(
            f"Timing {len(timed)} plans ({arguments.path} path, {arguments.in_flight} in "
            "flight): the bare workflow first, then coachplan"
        )
        bare = await one_run(server, await people_of("bare"), timed, arguments, progress)
        ours = await one_run(
            server, await people_of("coachplan"), timed, arguments, progress, arguments.profile
        )
    profile = Profile.read(arguments.profile) if arguments.profile else None
    return Outcome(
        arguments.path, arguments.server, arguments.in_flight, ours, bare, load_before, profile
    )


def report(outcome: Outcome, elapsed: float) -> dict[str, Verdict]:
    title = (
        f"coachplan vs a bare workflow of the same shape: {outcome.ours.plans} plans, "
        f"{outcome.path} path, {outcome.in_flight} in flight, {outcome.server} server"
    )
    table, found = figures_table(title, outcome.path, outcome.ours, outcome.bare, outcome.in_flight)
    console.print()
    console.print(table)
    console.print(weight_table(outcome.ours, outcome.bare))
    console.print(first_step_table(outcome.ours, outcome.bare))
    console.print(
        "CPU: this process (worker and driver, every thread, the SDK's Rust core included), "
        "time.process_time();\nthe server's CPU is read from /proc. RSS: sampled every 0.2 s; "
        "growth is over the run's start\n(the bare run goes first, so the product's growth "
        "reuses memory the bare run freed: growth is a floor).\nHistory bytes: Temporal's own "
        "count (DescribeWorkflowExecution's history_size_bytes, else the last\n"
        "WorkflowTaskStarted's historySizeBytes); JSON: the history as `temporal workflow show "
        "--output json` writes it.\nBare: `bench/bare_workflow.py`, the same Updates and "
        "converter (encrypted JSON), empty activity bodies."
    )
    console.print(machine_line(outcome.load_before))
    console.print(f"Total run time: {elapsed:.0f} s")
    if outcome.profile is not None:
        console.print()
        console.print("Where coachplan's process spent its time during the measured run:")
        console.print(outcome.profile.report(), markup=False)
    return found


async def run(arguments: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with AsyncExitStack() as stack:
        try:
            outcome = await measure(arguments, stack)
        finally:
            console.print("Stopping the workers and the server")
    found = report(outcome, loop.time() - started)
    missed = [f"{name}: target {v.target}" for name, v in found.items() if not v.met]
    for line in missed:
        console.print(f"[red]Target missed:[/] {line}")
    return 1 if missed else 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Drives N coaching plans through their life with the product's client, next to a\n"
            "bare workflow of the same shape, and prints throughput, CPU, memory, history size\n"
            "and start-to-first-document latency with the issue's targets.\n\n"
            "Exit status: 0 when every target is met; 1 when one is missed; 2 for bad\n"
            "arguments or a stack that will not start."
        ),
        epilog=(
            "examples:\n"
            "  .venv/bin/python bench/lifecycle.py\n"
            "  .venv/bin/python bench/lifecycle.py --plans 100 --path short\n"
            "  .venv/bin/python bench/lifecycle.py --plans 50 --profile var/lifecycle.pyspy"
        ),
    )
    parser.add_argument("--plans", type=int, default=200, help="timed plans (default 200)")
    parser.add_argument(
        "--in-flight", type=int, default=50, help="plans driven at once (default 50)"
    )
    parser.add_argument("--path", choices=["whole", "short"], default="whole")
    parser.add_argument(
        "--server",
        choices=["dev", "time-skipping"],
        help="default: time-skipping for the whole path, dev for the short path",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample the product's run with py-spy, keep the raw stacks here, print a summary",
    )
    arguments = parser.parse_args(argv)
    if arguments.plans < 1 or arguments.in_flight < 1:
        parser.error("--plans and --in-flight must be at least 1")
    if arguments.server is None:
        arguments.server = "time-skipping" if arguments.path == "whole" else "dev"
    if arguments.path == "whole" and arguments.server == "dev":
        parser.error("the whole path spans 30+ days: it needs --server time-skipping")
    if arguments.profile is not None:
        arguments.profile = arguments.profile.resolve()
        arguments.profile.parent.mkdir(parents=True, exist_ok=True)
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if not console.is_terminal:
        console.width = 150  # Rich's 80 columns would fold the table when output is captured.
    try:
        return asyncio.run(run(arguments))
    except (MissingBinary, DriverError, ProfilerMissing) as error:
        console.print(f"[red]Cannot run the benchmark:[/] {error}")
        return 2
    except KeyboardInterrupt:
        console.print("Interrupted; the workers and the server are stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
