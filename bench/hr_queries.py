"""How fast HR's questions are answered at 10,000 plans, on SQLite, PostgreSQL and Temporal.

Why it exists: `coachplan hr list --overdue` promises an answer in p95 < 20 ms at 10,000 plans on
both databases the store supports, and HR's lists are answered by the store rather than by
Temporal's visibility API. This script checks both claims with numbers instead of belief.

What it does: it fills a throwaway SQLite file and a throwaway PostgreSQL schema with generated
plans in realistic phases, through the worker's own writer (`PlanRecords.save`), and times the
queries the `coachplan hr` commands run. Then it starts never-running workflows with the same
phases and deadlines on a Temporal dev server, and times the overdue list answered by
visibility against the same list answered by SQL over the same plans.

Run it from the repository root (it takes a few minutes):

    .venv/bin/python bench/hr_queries.py
    .venv/bin/python bench/hr_queries.py --plans 2000 --repeat 50 --skip-postgres

Exit status: 0 when the targets are met; 1 when the overdue list misses its target on a
database, or two answers that must agree do not; 2 for bad arguments, or when PostgreSQL or
the Temporal binaries are not there.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/hr_queries.py` puts only bench/ ahead on the path; the repository comes first,
# so the benchmark's own modules import as `bench.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from bench.sample_plans import SEED, PlanFactory, build_directory, overdue_ids
from bench.timing import WARMUP, Percentiles, measure, measure_async
from coaching.actions import workflow_id_for
from coaching.converter import plan_data_converter
from coaching.key_ring import KeyRing
from coaching.records import PlanRecord
from coaching.status import (
    Phase,
)
from coaching.visibility import NEXT_DEADLINE, PLAN_PHASE, SEARCH_ATTRIBUTES
from starter.binaries import MissingBinary, installed_binary
from store.database import DatabaseUrlError, create_store_engine, database_url
from store.hr_queries import HrQueries, PlanFilter, Scope
from store.plan_records import PlanRecords
from store.schema import upgrade

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
"""A fixed "now", so every run builds the same plans and asks the same questions."""
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_MS = 20.0
"""The overdue list's p95 budget at 10,000 plans."""
VISIBILITY_REPEAT = 30
START_CHUNK = 50
INDEXING_TIMEOUT = timedelta(seconds=120)
PROGRESS_EVERY = 1_000
WORKFLOW_TYPE = "CoachingPlanWorkflow"

T = TypeVar("T")
console = Console(highlight=False)


class SetupError(Exception):
    """Something the benchmark needs is missing; the message says what, for a person."""


# Timing.


@dataclass(frozen=True)
class Timing(Percentiles):
    database: str
    query: str
    plans: int
    rows: str
    samples: list[float]
    """Milliseconds, one per repetition."""
    target_ms: float | None = None


# The store.


def fill(engine: Engine, records: list[PlanRecord], label: str) -> None:
    """Migrates, then saves every record through the worker's writer, one transaction each."""
    upgrade(engine)
    writer = PlanRecords(engine)
    started = time.perf_counter()
    for done, record in enumerate(records, start=1):
        writer.save(record)
        if done % PROGRESS_EVERY == 0 or done == len(records):
            elapsed = time.perf_counter() - started
            console.print(f"  {label}: {done:,}/{len(records):,} plans saved, {elapsed:.1f} s")


def bench_store(
    label: str, url: str, records: list[PlanRecord], repeat: int, problems: list[str]
) -> list[Timing]:
    """Fills one database and times the five questions HR asks most."""
    rng = random.Random(SEED)
    engine = create_store_engine(url)
    try:
        fill(engine, records, label)
        queries = HrQueries(engine)
        everyone = Scope.everyone()
        plans = len(records)
        console.print(f"  {label}: timing {repeat} repetitions of each query")

        samples, page = measure(
            lambda: queries.list_plans(everyone, PlanFilter(overdue=True), NOW), repeat
        )
        expected = overdue_ids(records, NOW)
        if page.total != len(expected):
            problems.append(f"{label}: the overdue list counts {page.total}, not {len(expected)}")
        timings = [
            Timing(
                label,
                "list --overdue",
                plans,
                f"{len(page.plans)} of {page.total}",
                samples,
                TARGET_MS,
            )
        ]

        samples, page = measure(lambda: queries.list_plans(everyone, PlanFilter(), NOW), repeat)
        if page.total != plans:
            problems.append(f"{label}: HR's list counts {page.total}, not {plans}")
        rows = f"{len(page.plans)} of {page.total}"
        timings.append(Timing(label, "list (first page)", plans, rows, samples))

        samples, groups = measure(lambda: queries.overdue(everyone, NOW), repeat)
        items = [item for group in groups for item in group.items]
        if {item.plan_id for item in items} != expected:
            problems.append(f"{label}: `hr overdue` does not list exactly the overdue plans")
        rows = f"{len(items)} items / {len(groups)} people"
        timings.append(Timing(label, "overdue", plans, rows, samples))

        ids = iter(rng.choices([r.plan_id for r in records], k=repeat + WARMUP))
        samples, history = measure(lambda: queries.history(everyone, next(ids), NOW), repeat)
        rows = "1 plan" if history else "none"
        timings.append(Timing(label, "show <random plan>", plans, rows, samples))

        manager = widest_manager(records)
        scope = Scope(person_id=manager)
        samples, page = measure(lambda: queries.list_plans(scope, PlanFilter(), NOW), repeat)
        rows = f"{len(page.plans)} of {page.total}"
        timings.append(Timing(label, f"list as manager {manager}", plans, rows, samples))
        return timings
    finally:
        engine.dispose()


def widest_manager(records: list[PlanRecord]) -> str:
    """The manager who sees the most plans (run, or skip-level on): a manager's longest list."""
    scopes = Counter(
        person for r in records for person in {r.parties.manager.id, r.parties.skip_level.id}
    )
    return scopes.most_common(1)[0][0]


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A schema of its own, dropped afterwards (also on error or Ctrl-C): no rows left behind."""
    try:
        parsed = database_url(url)
    except DatabaseUrlError as error:
        raise SetupError(f"--postgres-url: {error}") from None
    if parsed.get_backend_name() != "postgresql":
        raise SetupError(f"--postgres-url must be a PostgreSQL URL, not {url}")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = str(error.orig).strip().splitlines()[0]
        raise SetupError(
            f"PostgreSQL at {parsed.render_as_string()} is unreachable ({reason}); start it, "
            "pass --postgres-url, or use --skip-postgres"
        ) from None
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
        console.print(f"  PostgreSQL: dropped schema {name}")


# Temporal visibility.


@dataclass(frozen=True)
class Comparison:
    plans: int
    sql: Timing
    visibility: Timing
    sql_ids: set[str]
    visibility_ids: set[str]


def sql_overdue_ids(url: str, records: list[PlanRecord]) -> tuple[Timing, set[str]]:
    """The overdue list in full (no page limit, as visibility has none) over the same plans."""
    engine = create_store_engine(url)
    try:
        fill(engine, records, f"SQLite ({len(records):,} plans)")
        queries = HrQueries(engine)
        every_plan = PlanFilter(overdue=True, limit=10_000)
        samples, page = measure(
            lambda: queries.list_plans(Scope.everyone(), every_plan, NOW), VISIBILITY_REPEAT
        )
    finally:
        engine.dispose()
    timing = Timing("SQLite", "overdue list", len(records), str(page.total), samples)
    return timing, {p.plan_id for p in page.plans}


async def visibility_overdue_ids(
    records: list[PlanRecord], temporal: Path
) -> tuple[Timing, set[str]]:
    """Starts one idle workflow per plan, waits for indexing, then times the overdue query."""
    console.print("  Temporal: starting a dev server")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=plan_data_converter(KeyRing.generate()),
        dev_server_log_level="error",
    )
    async with env:
        client = env.client
        await start_idle_workflows(client, records)
        await wait_until_indexed(client, len(records))
        query = (
            f'WorkflowType = "{WORKFLOW_TYPE}" AND '
            f'{NEXT_DEADLINE.name} < "{NOW.isoformat()}" AND ExecutionStatus = "Running"'
        )

        async def overdue() -> list[str]:
            return [execution.id async for execution in client.list_workflows(query)]

        console.print(f"  Temporal: timing {VISIBILITY_REPEAT} repetitions of the overdue query")
        samples, workflow_ids = await measure_async(overdue, VISIBILITY_REPEAT)
    timing = Timing(
        "Temporal visibility", "overdue list", len(records), str(len(workflow_ids)), samples
    )
    return timing, {w.removeprefix(workflow_id_for("")) for w in workflow_ids}


async def start_idle_workflows(client: Client, records: list[PlanRecord]) -> None:
    """On a task queue no worker polls: they never run, they only carry search attributes."""
    task_queue = f"hr-bench-nobody-polls-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()

    async def start(record: PlanRecord) -> None:
        pairs: list[SearchAttributePair[str] | SearchAttributePair[datetime]] = [
            SearchAttributePair(PLAN_PHASE, record.phase.value)
        ]
        if record.next_deadline is not None:
            pairs.append(SearchAttributePair(NEXT_DEADLINE, record.next_deadline))
        await client.start_workflow(
            WORKFLOW_TYPE,
            record.plan_id,
            id=workflow_id_for(record.plan_id),
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes(pairs),
        )

    for chunk in range(0, len(records), START_CHUNK):
        await asyncio.gather(*(start(r) for r in records[chunk : chunk + START_CHUNK]))
        done = min(chunk + START_CHUNK, len(records))
        if done % (4 * START_CHUNK) == 0 or done == len(records):
            elapsed = time.perf_counter() - started
            console.print(
                f"  Temporal: {done:,}/{len(records):,} workflows started, {elapsed:.1f} s"
            )


async def wait_until_indexed(client: Client, expected: int) -> None:
    """Visibility is eventually consistent: a list asked too early would miss plans."""
    query = f'WorkflowType = "{WORKFLOW_TYPE}"'
    deadline = time.monotonic() + INDEXING_TIMEOUT.total_seconds()
    while (count := (await client.count_workflows(query)).count) < expected:
        if time.monotonic() > deadline:
            raise SetupError(f"Temporal visibility indexed only {count} of {expected} workflows")
        await asyncio.sleep(0.2)
    console.print(f"  Temporal: visibility has indexed all {count:,} workflows")


def compare(url: str, records: list[PlanRecord], temporal: Path) -> Comparison:
    sql, sql_ids = sql_overdue_ids(url, records)
    visibility, visibility_ids = asyncio.run(visibility_overdue_ids(records, temporal))
    return Comparison(len(records), sql, visibility, sql_ids, visibility_ids)


# The report.


def report(timings: list[Timing], comparison: Comparison | None) -> None:
    table = Table(title=f"HR's queries (now = {NOW:%Y-%m-%d %H:%M} UTC)")
    for name in ("Database", "Query", "Plans", "Rows returned"):
        table.add_column(name)
    for name in ("p50 ms", "p95 ms", "p95 target", "Met?"):
        table.add_column(name, justify="right")
    for t in timings:
        met = {None: "—", True: "[green]yes[/]", False: "[red]no[/]"}[t.met]
        target = f"< {t.target_ms:g} ms" if t.target_ms is not None else "—"
        table.add_row(
            t.database, t.query, f"{t.plans:,}", t.rows, f"{t.p50:.2f}", f"{t.p95:.2f}", target, met
        )
    console.print(table)
    if comparison is None:
        return
    c = comparison
    console.print(f"\nThe overdue list over the same {c.plans:,} plans, in full:")
    for t in (c.sql, c.visibility):
        console.print(
            f"  {t.database:<20} {t.rows:>5} plans   p50 {t.p50:8.2f} ms   p95 {t.p95:8.2f} ms"
        )
    console.print(
        f"  Visibility / SQL: {c.visibility.p50 / c.sql.p50:.1f}x at p50, "
        f"{c.visibility.p95 / c.sql.p95:.1f}x at p95"
    )
    if c.sql_ids == c.visibility_ids:
        console.print(f"  Same plan ids from both: yes ({len(c.sql_ids)} plans)")
    else:
        console.print(
            f"  [red]Same plan ids from both: no[/] ({len(c.sql_ids - c.visibility_ids)} only in "
            f"SQL, {len(c.visibility_ids - c.sql_ids)} only in visibility)"
        )


def describe_mix(records: list[PlanRecord]) -> None:
    phases = Counter(r.phase for r in records)
    mix = ", ".join(f"{phase.value} {phases[phase]:,}" for phase in Phase)
    open_plans = sum(not r.phase.is_final for r in records)
    late = len(overdue_ids(records, NOW))
    console.print(f"Plans: {mix}")
    console.print(
        f"Past their deadline: {late:,} of {open_plans:,} open plans ({late / open_plans:.0%})"
    )


# The command line.


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Times the queries behind `coachplan hr list` (HR's and a manager's), `hr list\n"
            "--overdue`, `hr overdue` and `hr show`, at 10,000 plans on SQLite and PostgreSQL,\n"
            "then the overdue list answered by Temporal visibility against the same list answered\n"
            "by SQL.\n\n"
            f"Exit status: 0 when the overdue list's p95 is under {TARGET_MS:g} ms on every\n"
            "database; 1 when it is not, or when two answers that must agree do not; 2 for bad\n"
            "arguments, an unreachable PostgreSQL or missing Temporal binaries."
        ),
        epilog=(
            "examples:\n"
            "  .venv/bin/python bench/hr_queries.py\n"
            "  .venv/bin/python bench/hr_queries.py --plans 2000 --repeat 50 "
            "--visibility-plans 200 --skip-postgres"
        ),
    )
    parser.add_argument("--plans", type=int, default=10_000, help="plans in each store")
    parser.add_argument("--repeat", type=int, default=200, help="timed repetitions per query")
    parser.add_argument(
        "--visibility-plans",
        type=int,
        default=1_000,
        help="idle workflows to start on a Temporal dev server, at most --plans "
        "(0 skips the comparison)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("COACHPLAN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL to benchmark, in a schema of its own "
        f"(default: $COACHPLAN_BENCH_POSTGRES_URL, else {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="benchmark SQLite only")
    arguments = parser.parse_args(argv)
    if arguments.plans < 1 or arguments.repeat < 1:
        parser.error("--plans and --repeat must be at least 1")
    if arguments.visibility_plans < 0:
        parser.error("--visibility-plans must be 0 (to skip) or more")
    arguments.visibility_plans = min(arguments.visibility_plans, arguments.plans)
    return arguments


def run(arguments: argparse.Namespace) -> int:
    started = time.perf_counter()
    problems: list[str] = []
    timings: list[Timing] = []
    comparison = None
    with ExitStack() as stack:
        postgres = None
        if not arguments.skip_postgres:
            postgres = stack.enter_context(postgres_schema(arguments.postgres_url))
        temporal = installed_binary("temporal") if arguments.visibility_plans else None
        rng = random.Random(SEED)
        console.print(f"Generating {arguments.plans:,} plans (seed {SEED})")
        records = PlanFactory(rng, build_directory(rng), NOW).plans(arguments.plans)
        describe_mix(records)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hr-bench-")))
        stores = [("SQLite", f"sqlite:///{folder}/store.db")]
        if postgres is not None:
            stores.append(("PostgreSQL", postgres))
        for label, url in stores:
            console.print(f"\n{label}: filling the store")
            timings += bench_store(label, url, records, arguments.repeat, problems)
        if temporal is not None:
            console.print("\nTemporal visibility against SQL")
            subset = records[: arguments.visibility_plans]
            comparison = compare(f"sqlite:///{folder}/subset.db", subset, temporal)
            if comparison.sql_ids != comparison.visibility_ids:
                problems.append("visibility and SQL disagree on which plans are overdue")
    console.print()
    report(timings, comparison)
    for problem in problems:
        console.print(f"[red]Wrong answer:[/] {problem}")
    missed = [t.database for t in timings if t.met is False]
    for database in missed:
        console.print(f"[red]Target missed:[/] the overdue list on {database}")
    console.print(f"\nTotal run time: {time.perf_counter() - started:.0f} s")
    return 1 if missed or problems else 0


def _terminated(_signum: int, _frame: FrameType | None) -> None:
    """`kill` cleans up like Ctrl-C: the schema and the dev server must not outlive the run."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, _terminated)
    if not console.is_terminal:
        console.width = 120  # Rich's 80 columns would fold the table when output is captured.
    try:
        return run(arguments)
    except (SetupError, MissingBinary) as error:
        console.print(f"[red]Cannot run the benchmark:[/] {error}")
        return 2
    except KeyboardInterrupt:
        console.print("Interrupted; the temporary databases and schema are removed.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
