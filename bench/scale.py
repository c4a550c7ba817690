"""10,000 open plans on one dev server and one worker process: does anything notice?

Why it exists (issue 11, item 4): plans wait for people for days, so a company has many open
at once. This checks, with numbers next to the same figures taken with few plans open:

- the worker's memory (RSS, target under 2 GiB) and its sticky workflow cache;
- HR's lists (answered by the store, not by Temporal) are unaffected;
- a new plan's first document still appears quickly (p95 < 500 ms) while 10,000 are open;
- a second worker process on the same task queue shares the load (plans per minute with one
  worker, then with two).

What it does: a Temporal dev server and the product's worker in a process of its own
(`worker.py`, configured by the environment, as production runs it), a SQLite store and
local integrations in a temporary folder, an org of generated people. Plans are started
through the product's client (`PlanClient.start`, as the web form and the CLI start them),
at most `--start-in-flight` at once, and left waiting for the skip-level in alignment. A plan
counts as settled once its first document (`documents/<plan>/v1.html`) exists.

Run it from the repository root:

    .venv/bin/python bench/scale.py                       # 10,000 open plans
    .venv/bin/python bench/scale.py --open 1000 --batch 100
    .venv/bin/python bench/scale.py --fill-minutes 30     # stop filling after 30 minutes

On a busy machine filling can take long: `--fill-minutes` stops the fill at a budget, and
every figure then says how many plans were open when it was taken.

Exit status: 0 when every target is met; 1 when one is missed (or the fill stopped short);
2 for bad arguments or a stack that would not start; 130 when interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/scale.py` puts only bench/ ahead on the path; the repository comes first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.machine import machine_line
from bench.plan_paths import DocumentWatch, limited
from bench.plan_people import ProductPeople
from bench.stack import bench_org, bench_settings, members_of, plan_client, temporal_server
from bench.timing import measure, percentile
from bench.worker_process import WorkerFailed, WorkerProcess, worker_process
from coaching.form import PlanForm
from coaching.key_ring import KeyRing
from coaching.settings import Settings
from starter.binaries import MissingBinary
from store.database import create_store_engine
from store.hr_queries import HrQueries, PlanFilter, Scope
from worker import CACHED_PLANS

ROOT = Path(__file__).resolve().parent.parent
PLAN_FORM = ROOT / "examples" / "plan.yaml"
MIB = 1024 * 1024
RSS_TARGET = 2 * 1024 * MIB
FIRST_DOCUMENT_P95_MS = 500.0
SETTLE_POLL_SECONDS = 0.5
QUIET_TIMEOUT_SECONDS = 60.0
QUIET_CPU_SECONDS = 0.1
console = Console(highlight=False)


@dataclass
class Snapshot:
    """The figures taken at one number of open plans."""

    label: str
    open_plans: int
    worker_rss: int
    hr_list_ms: list[float]
    hr_overdue_ms: list[float]
    first_document_ms: list[float]


@dataclass
class Throughput:
    workers: int
    plans: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.plans / self.seconds * 60


@dataclass
class Outcome:
    asked: int
    few: Snapshot
    many: Snapshot
    fill: Throughput
    throughput: list[Throughput]
    worker_rss_peak: int
    load_before: float
    notes: list[str] = field(default_factory=list)


class Plans:
    """Starts plans through the product's client and knows which have their first document."""

    def __init__(self, people: ProductPeople, members: Sequence[str], in_flight: int) -> None:
        self._people = people
        self._members = iter(members)
        self._in_flight = in_flight
        self.open = 0

    async def start(self, count: int, progress: Progress, label: str, budget: float | None) -> int:
        """Starts up to `count` plans, then waits until each has its first document; stops
        starting once `budget` seconds have passed. Returns how many it started."""
        members = [next(self._members) for _ in range(count)]
        started_task = progress.add_task(f"{label}: started", total=count)
        settled_task = progress.add_task(f"{label}: first document", total=count)
        deadline = None if budget is None else time.monotonic() + budget
        pending: list[Path] = []
        settled = 0

        async def start_one(member: str) -> None:
            if deadline is not None and time.monotonic() > deadline:
                return
            plan = await self._people.start(member, time.perf_counter())
            pending.append(self._people.data_dir / "documents" / plan.plan_id / "v1.html")
            progress.advance(started_task)

        async def settle() -> None:
            nonlocal settled
            while True:
                waiting = [path for path in pending if not path.exists()]
                settled += len(pending) - len(waiting)
                pending[:] = waiting
                progress.update(settled_task, completed=settled)
                if starting.done() and not pending:
                    return
                await asyncio.sleep(SETTLE_POLL_SECONDS)

        starting = asyncio.create_task(limited(members, self._in_flight, start_one))
        settling = asyncio.create_task(settle())
        try:
            await starting
            await settling
        finally:
            settling.cancel()
        self.open += settled
        progress.update(started_task, total=settled)
        progress.update(settled_task, total=settled)
        return settled

    async def first_documents(self, count: int) -> list[float]:
        """`count` new plans, one after another: the start request to the first document."""
        watch, samples = DocumentWatch(), []
        for member in [next(self._members) for _ in range(count)]:
            started = time.perf_counter()
            plan = await self._people.start(member, started)
            path = self._people.data_dir / "documents" / plan.plan_id / "v1.html"
            samples.append((await watch.first_document(path) - started) * 1000)
            self.open += 1
        return samples


def hr_timings(settings: Settings, repeat: int) -> tuple[list[float], list[float]]:
    """HR's list (first page, soonest deadline first) and its overdue list, from the store."""
    engine = create_store_engine(settings.database)
    try:
        queries, everyone = HrQueries(engine), Scope.everyone()
        now = datetime.now(UTC)
        listed, _ = measure(lambda: queries.list_plans(everyone, PlanFilter(), now), repeat)
        overdue_filter = PlanFilter(overdue=True)
        overdue, _ = measure(lambda: queries.list_plans(everyone, overdue_filter, now), repeat)
        return listed, overdue
    finally:
        engine.dispose()


async def quiet(worker: WorkerProcess) -> None:
    """Until the worker has finished the started plans' other steps (their records and
    messages): under a tenth of a CPU for a second, or a minute at most."""
    deadline = time.monotonic() + QUIET_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        before = worker.cpu_seconds()
        await asyncio.sleep(1.0)
        after = worker.cpu_seconds()
        if before is None or after is None or after - before < QUIET_CPU_SECONDS:
            return


async def snapshot(
    label: str, plans: Plans, worker: WorkerProcess, settings: Settings, args: argparse.Namespace
) -> Snapshot:
    await quiet(worker)
    console.print(f"  {label}: timing HR's lists and {args.samples} new plans' first documents")
    listed, overdue = await asyncio.to_thread(hr_timings, settings, args.repeat)
    documents = await plans.first_documents(args.samples)
    return Snapshot(label, plans.open, worker.rss(), listed, overdue, documents)


async def measure_scale(args: argparse.Namespace, stack: AsyncExitStack) -> Outcome:
    load_before = os.getloadavg()[0]
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-bench-")))
    keys = KeyRing.generate()
    needed = args.few + args.open + 2 * args.samples + 2 * args.batch
    org = bench_org(needed)
    console.print("Starting a Temporal dev server")
    server = await stack.enter_async_context(temporal_server("dev", keys))
    settings = bench_settings(folder / "coachplan", server, org, keys)
    first = await stack.enter_async_context(worker_process(settings, folder / "worker-1.log"))
    today = datetime.now(UTC).date()
    people = ProductPeople(
        plan_client(server, settings, org),
        PlanForm.load(PLAN_FORM),
        settings.data_dir,
        lambda: today,
    )
    plans = Plans(people, members_of(org), args.start_in_flight)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        await plans.start(args.few, progress, "few open", None)
        few = await snapshot("few open", plans, first, settings, args)
        began = time.perf_counter()
        budget = None if args.fill_minutes is None else args.fill_minutes * 60
        filled = await plans.start(args.open, progress, "filling", budget)
        fill = Throughput(1, filled, time.perf_counter() - began)
        many = await snapshot(f"{plans.open:,} open", plans, first, settings, args)
        first.alive()
        throughput = []
        for workers in (1, 2):
            if workers == 2:
                log = folder / "worker-2.log"
                await stack.enter_async_context(worker_process(settings, log))
            began = time.perf_counter()
            done = await plans.start(args.batch, progress, f"batch, {workers} worker(s)", None)
            throughput.append(Throughput(workers, done, time.perf_counter() - began))
    first.rss()
    outcome = Outcome(args.open, few, many, fill, throughput, first.rss_peak, load_before)
    if filled < args.open:
        outcome.notes.append(
            f"The fill stopped at its {args.fill_minutes}-minute budget: {filled:,} of "
            f"{args.open:,} plans were started; the figures are at {many.open_plans:,} open."
        )
    return outcome


def report(outcome: Outcome, elapsed: float) -> list[str]:
    few, many = outcome.few, outcome.many
    table = Table(
        title=f"Open plans: {few.open_plans:,} vs {many.open_plans:,}, one worker process"
    )
    table.add_column("Figure")
    for name in (
        f"{few.open_plans:,} open",
        f"{many.open_plans:,} open",
        "ratio",
        "target",
        "met?",
    ):
        table.add_column(name, justify="right")
    missed = []

    def row(
        name: str, a: float, b: float, unit: str, target: str = "—", met: bool | None = None
    ) -> None:
        ratio = f"{b / a:.2f}x" if a else "—"
        verdict = "—" if met is None else ("[green]pass[/]" if met else "[red]FAIL[/]")
        if met is False:
            missed.append(f"{name}: target {target}")
        table.add_row(name, f"{a:,.1f} {unit}", f"{b:,.1f} {unit}", ratio, target, verdict)

    row(
        "worker RSS",
        few.worker_rss / MIB,
        many.worker_rss / MIB,
        "MiB",
        "< 2 GiB",
        many.worker_rss < RSS_TARGET,
    )
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        row(
            f"HR list, first page {name}",
            percentile(few.hr_list_ms, q),
            percentile(many.hr_list_ms, q),
            "ms",
        )
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        a, b = percentile(few.hr_overdue_ms, q), percentile(many.hr_overdue_ms, q)
        row(f"HR list --overdue {name}", a, b, "ms")
    a, b = percentile(few.first_document_ms, 0.5), percentile(many.first_document_ms, 0.5)
    row("new plan: first document p50", a, b, "ms")
    a, b = percentile(few.first_document_ms, 0.95), percentile(many.first_document_ms, 0.95)
    row(
        "new plan: first document p95",
        a,
        b,
        "ms",
        f"< {FIRST_DOCUMENT_P95_MS:g} ms",
        b < FIRST_DOCUMENT_P95_MS,
    )
    console.print()
    console.print(table)
    load = Table(title="Starting plans to their first document (plans per minute)")
    for name in ("Run", "workers", "plans", "seconds", "plans/min", "vs one worker"):
        load.add_column(name, justify="right")
    fill = outcome.fill
    load.add_row(
        "the fill", "1", f"{fill.plans:,}", f"{fill.seconds:.0f}", f"{fill.per_minute:.0f}", "—"
    )
    base = outcome.throughput[0].per_minute
    for run in outcome.throughput:
        ratio = f"{run.per_minute / base:.2f}x"
        load.add_row(
            "a batch",
            str(run.workers),
            f"{run.plans}",
            f"{run.seconds:.1f}",
            f"{run.per_minute:.0f}",
            ratio,
        )
    console.print(load)
    per_cached = (many.worker_rss - few.worker_rss) / max(1, min(many.open_plans, CACHED_PLANS))
    console.print(
        f"Worker RSS peak {outcome.worker_rss_peak / MIB:.0f} MiB. worker.py keeps "
        f"{CACHED_PLANS} plans cached (CACHED_PLANS); RSS grew "
        f"{per_cached / 1024:.0f} KiB per cached workflow between the two counts."
    )
    console.print(
        "HR's lists: the store's queries (`coachplan hr list`), timed after warm-up, with the "
        "plans' records as the worker wrote them.\nFirst document: a new plan started through "
        "PlanClient, one at a time, until documents/<plan>/v1.html exists."
    )
    for note in outcome.notes:
        console.print(f"[yellow]Note:[/] {note}")
        missed.append(note)
    console.print(machine_line(outcome.load_before))
    console.print(f"Total run time: {elapsed:.0f} s")
    return missed


async def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    async with AsyncExitStack() as stack:
        try:
            outcome = await measure_scale(args, stack)
        finally:
            console.print("Stopping the workers and the dev server")
    missed = report(outcome, time.perf_counter() - started)
    for line in missed:
        console.print(f"[red]Target missed:[/] {line}")
    return 1 if missed else 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--open", type=int, default=10_000, help="open plans (default 10000)")
    parser.add_argument("--few", type=int, default=20, help="open plans for the baseline (20)")
    parser.add_argument("--samples", type=int, default=30, help="timed new plans per count (30)")
    parser.add_argument("--repeat", type=int, default=50, help="timed HR queries per count (50)")
    parser.add_argument("--batch", type=int, default=300, help="plans per throughput batch (300)")
    parser.add_argument(
        "--start-in-flight", type=int, default=50, help="starts sent at once (default 50)"
    )
    parser.add_argument("--fill-minutes", type=float, help="stop filling after this long")
    args = parser.parse_args(argv)
    if min(args.open, args.few, args.samples, args.repeat, args.batch, args.start_in_flight) < 1:
        parser.error("every count must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if not console.is_terminal:
        console.width = 140
    try:
        return asyncio.run(run(args))
    except (MissingBinary, WorkerFailed) as error:
        console.print(f"[red]Cannot run the benchmark:[/] {error}")
        return 2
    except KeyboardInterrupt:
        console.print("Interrupted; the workers and the dev server are stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
