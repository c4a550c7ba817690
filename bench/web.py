"""How fast the web app answers, over real HTTP, with 1,000 plans in HR's store.

Why it exists: the web app promises pages in p95 < 100 ms (a plan's page, My plans, HR's
dashboard) and a new plan whose first document exists p95 < 500 ms after the form is sent.
This script checks both with numbers, next to the server's own floor measured in the same run.

What it does: it brings its own stack, so it runs on a fresh checkout after `make install`
with nothing else running: a Temporal dev server, a worker in this process, a migrated SQLite
store in a temporary folder, and the web app in a process of its own (`python -m web`, as
`make run` serves it) on a free 127.0.0.1 port. It fills the store with generated plans
through the worker's own writer (`PlanRecords.save`, by way of `bench/hr_queries.py`), with
the people of `examples/org.yaml` as their parties, and starts a few real plans through the
form so a plan's page has a live workflow to ask. Then it signs people in with the
development sign-in and times, one request at a time as one browser sends them:

- GET `/static/app.css` and the sign-in page: the floor (a static file; a template with
  nothing behind it);
- GET `/plans/<id>`: a live plan's page, answered by the workflow's query;
- GET `/`: My plans, for the person who is a party to the most plans;
- GET `/hr`: HR's dashboard over every plan;
- POST `/plans/new` until `documents/<plan>/v1.html` exists: the plan's workflow has started
  and its first activity has written the first document. Each submit is for one of two team
  members in turn; the one's previous plan is cancelled through the app first (not timed),
  since a team member has one open plan at a time.

Run it from anywhere (about a minute on 2 cores):

    .venv/bin/python bench/web.py
    .venv/bin/python bench/web.py --plans 5000 --requests 100 --submits 20

Exit status: 0 when every target is met; 1 when one is missed; 2 for bad arguments, missing
Temporal binaries, or a stack that would not start; 130 when interrupted. Whatever it
started (web server, worker, dev server, temporary folder) is stopped and removed on every
way out, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypeVar

# This file is bench/web.py: with only its folder ahead on the path (as `python bench/web.py`
# puts it), `import web` would import this file instead of the app. The repository comes first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import os
import platform
import random
import re
import signal
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.testing import WorkflowEnvironment

from bench.hr_queries import fill
from bench.sample_plans import SEED, Directory, PlanFactory
from bench.timing import WARMUP, Percentiles, settle_memory
from coaching.converter import plan_data_converter
from coaching.form import PlanForm
from coaching.key_ring import KeyRing
from coaching.org import OrgDirectory
from coaching.records import PlanRecord
from coaching.settings import Settings
from coaching.visibility import SEARCH_ATTRIBUTES
from integrations import build_integrations
from starter.binaries import MissingBinary, installed_binary
from store.database import create_store_engine
from web.forms import flatten
from worker import ACTIVITY_THREADS, build_worker

ROOT = Path(__file__).resolve().parent.parent
ORG_FILE = ROOT / "examples" / "org.yaml"
PLAN_FORM = ROOT / "examples" / "plan.yaml"

PAGE_TARGET_MS = 100.0
SUBMIT_TARGET_MS = 500.0
ROW_BUDGET_SECONDS = 60.0
"""A series stops early (its count says so) rather than let a slow page run for long."""
POLL_SECONDS = 0.002
"""How often a submit looks for its first document: well below the figures it measures."""
DOCUMENT_TIMEOUT_SECONDS = 30.0
SERVER_START_TIMEOUT_SECONDS = 60.0
SERVER_STOP_TIMEOUT_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 30.0

PRIYA = "priya.raman@example.com"
"""Manages Lena, Kwame and Yuki: the live plans are hers."""
LIVE_PLANS_FOR = ("kwame.mensah@example.com", "lena.hoffmann@example.com")
MARCUS = "marcus.okafor@example.com"
"""Priya's manager: he approves one live plan, so the plan pages are in two phases."""
TOM = "tom.becker@example.com"
"""Sends the timed submits, for his two reports in turn."""
SUBMITS_FOR = ("david.kim@example.com", "amira.haddad@example.com")
GRACE = "grace.liu@example.com"
"""HR: the dashboard shows her every plan."""

T = TypeVar("T")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
console = Console(highlight=False)


class SetupError(Exception):
    """The stack could not be brought up, or it answered wrongly; the message says how."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM; raised once everything the run started is stopped."""


# The plans in the store.


def generate_plans(count: int, org: OrgDirectory, now: datetime) -> list[PlanRecord]:
    """Plans in realistic phases, drawn over the example company.

    The team members of the timed submits only ever had plans that are over (a team member
    has one open plan at a time, so a submit for them takes the path a real one takes).
    Everyone else has many open plans at once: more than the rule allows, but what makes
    My plans and the dashboard long.
    """
    rng = random.Random(SEED)
    company = Directory.of_org(org)
    reserved = {org.by_email(email).id for email in SUBMITS_FOR}
    open_only = Directory(
        people=company.people,
        manager_of=company.manager_of,
        hr=company.hr,
        team_members=[m for m in company.team_members if m not in reserved],
    )
    anyone, others = PlanFactory(rng, company, now), PlanFactory(rng, open_only, now)
    records = []
    for record in anyone.plans(count):
        if record.parties.team_member.id in reserved and not record.phase.is_final:
            record = others.plan(record.plan_id, record.phase)
        # Once the skip-level has approved, the team member sees the plan too.
        approved = any(entry.action == "approved" for entry in record.audit)
        records.append(record.model_copy(update={"team_member_included": approved}))
    return records


def parties_to(records: list[PlanRecord], person_id: str) -> int:
    """How many plans list a person on My plans: as manager, skip-level, or included member."""
    return sum(
        person_id in (r.parties.manager.id, r.parties.skip_level.id)
        or (person_id == r.parties.team_member.id and r.team_member_included)
        for r in records
    )


def fill_store(settings: Settings, records: list[PlanRecord]) -> None:
    """Migrates, then saves every record with the worker's writer (`hr_queries.fill`)."""
    engine = create_store_engine(settings.database)
    try:
        fill(engine, records, "SQLite")
    finally:
        engine.dispose()


# The stack.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def dev_server(keys: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    console.print("Starting a Temporal dev server")
    env = await WorkflowEnvironment.start_local(
        data_converter=plan_data_converter(keys),
        dev_server_existing_path=str(installed_binary("temporal")),
        dev_server_log_level="error",
        search_attributes=SEARCH_ATTRIBUTES,
    )
    async with env:
        yield env


@asynccontextmanager
async def running_worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[None]:
    """The worker `worker.py` builds, with as many activity threads, in this process."""
    integrations = build_integrations(settings)
    try:
        with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
            async with build_worker(env.client, settings.task_queue, integrations, executor):
                yield
    finally:
        integrations.records.engine.dispose()


@dataclass(frozen=True)
class WebServer:
    url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """The CPU time the web app's process has used so far (Linux), None elsewhere: what a
        request costs the server, which other programs on a busy machine do not inflate."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def web_server(settings: Settings, log: Path) -> AsyncIterator[WebServer]:
    """`python -m web` with these settings, as `make run` serves it: its own process, its own
    Temporal client. Yields it once it answers; terminated on the way out."""
    url = f"http://{settings.web_host}:{settings.web_port}"
    console.print(f"Starting the web app at {url} (its log: {log.name} in the data folder)")
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "web",
            cwd=ROOT,
            env={**os.environ, **settings.as_env()},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    try:
        await wait_until_serving(url, process, log)
        yield WebServer(url, process.pid)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), SERVER_STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_until_serving(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as http:
        while True:
            if process.returncode is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-15:]
                raise SetupError(
                    f"the web app exited with status {process.returncode}:\n  " + "\n  ".join(tail)
                )
            try:
                if (await http.get("/sign-in")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SetupError(f"the web app did not answer at {url} within a minute")
            await asyncio.sleep(0.1)


# People, each with a browser's session.


@dataclass
class Browser:
    """One person's session: cookies over one kept-alive connection, and the CSRF token."""

    http: httpx.AsyncClient
    email: str = ""
    csrf: str = ""

    async def get(self, path: str, expect: int = 200, *, timed: bool = False) -> httpx.Response:
        """A page; outside a timed series, its CSRF token is kept for the next form (timed
        requests skip that, so the figures hold only what a browser waits for)."""
        response = await self.http.get(path)
        self._check(response, expect)
        if not timed and (found := CSRF.search(response.text)):
            self.csrf = found[1]
        return response

    async def post(self, path: str, data: dict[str, str], expect: int = 303) -> httpx.Response:
        response = await self.http.post(path, data={**data, "csrf_token": self.csrf})
        self._check(response, expect)
        return response

    def _check(self, response: httpx.Response, expect: int) -> None:
        if response.status_code != expect:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)).strip()
            raise SetupError(
                f"{response.request.method} {response.request.url.path} as "
                f"{self.email or 'nobody'} answered {response.status_code}, not {expect}: "
                f"{text[:300]}"
            )


@dataclass
class Browsers:
    url: str
    open: list[Browser] = field(default_factory=list)

    def anonymous(self) -> Browser:
        http = httpx.AsyncClient(base_url=self.url, timeout=HTTP_TIMEOUT_SECONDS)
        browser = Browser(http)
        self.open.append(browser)
        return browser

    async def signed_in(self, email: str) -> Browser:
        """The development sign-in, as a person clicks through it; then My plans, whose page
        carries the new session's CSRF token."""
        browser = self.anonymous()
        await browser.get("/sign-in")
        await browser.post("/sign-in/development", {"email": email, "next": "/"})
        browser.email = email
        await browser.get("/")
        return browser

    async def close(self) -> None:
        await asyncio.gather(*(browser.http.aclose() for browser in self.open))


def form_for(team_member: str) -> dict[str, str]:
    """examples/plan.yaml as the new-plan form sends it, for another team member."""
    data = PlanForm.load(PLAN_FORM).model_dump(mode="json", exclude_none=True)
    data["team_member"] = team_member
    data["cadence"]["time"] = data["cadence"]["time"][:5]
    return flatten(data)


def plan_id_of(response: httpx.Response) -> str:
    """The plan a submit led to: it answers 303 to the plan's page."""
    return response.headers["location"].removeprefix("/plans/")


async def first_document(settings: Settings, plan_id: str) -> None:
    path = settings.data_dir / "documents" / plan_id / "v1.html"
    deadline = time.monotonic() + DOCUMENT_TIMEOUT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            raise SetupError(f"plan {plan_id}'s first document did not appear within 30 s")
        await asyncio.sleep(POLL_SECONDS)


# Timing.


@dataclass(frozen=True)
class Row(Percentiles):
    what: str
    who: str
    scope: str
    samples: list[float]
    """Milliseconds, one per timed request."""
    size: str = ""
    target_ms: float | None = None
    baseline: bool = False
    server_cpu_ms: float | None = None
    """The web app's CPU time per timed request, on average."""


@dataclass
class Series:
    """Timed calls, and the web app's CPU time spent inside them."""

    server: WebServer
    samples: list[float] = field(default_factory=list)
    cpu: float | None = 0.0

    async def time(self, call: Awaitable[T]) -> T:
        cpu_before, started = self.server.cpu_seconds(), time.perf_counter()
        result = await call
        self.samples.append((time.perf_counter() - started) * 1000)
        cpu_after = self.server.cpu_seconds()
        if self.cpu is None or cpu_before is None or cpu_after is None:
            self.cpu = None
        else:
            self.cpu += cpu_after - cpu_before
        return result

    @property
    def cpu_ms(self) -> float | None:
        return None if self.cpu is None else self.cpu * 1000 / len(self.samples)


async def page_row(
    server: WebServer,
    browser: Browser,
    what: str,
    paths: list[str],
    count: int,
    scope: str,
    baseline: bool = False,
) -> Row:
    """`count` GETs one after another, after a few untimed ones; stops at the row's budget."""
    console.print(f"  {what} as {browser.email or 'nobody'}: {count} requests")
    sizes: list[int] = []

    async def get(index: int) -> None:
        response = await browser.get(paths[index % len(paths)], timed=True)
        sizes.append(len(response.content))

    for index in range(WARMUP):
        await get(index)
    settle_memory()
    series = Series(server)
    stop = time.monotonic() + ROW_BUDGET_SECONDS
    for index in range(count):
        await series.time(get(WARMUP + index))
        if time.monotonic() > stop:
            break
    size = f"{max(sizes) / 1024:.0f} KB" if max(sizes) >= 1024 else f"{max(sizes)} B"
    target = None if baseline else PAGE_TARGET_MS
    who = browser.email or "nobody"
    return Row(what, who, scope, series.samples, size, target, baseline, series.cpu_ms)


async def submit_rows(
    server: WebServer, manager: Browser, settings: Settings, count: int, live: dict[str, str]
) -> list[Row]:
    """Times each submit to its first document, and separately to the server's answer; the
    cancel that makes room for it comes before the clock starts."""
    console.print(f"  POST /plans/new as {manager.email}: {count} submits (and a warm-up)")
    forms = {member: form_for(member) for member in SUBMITS_FOR}
    reason = {"reason": "Benchmark: making room for the next plan"}

    async def make_room(member: str) -> None:
        if member in live:
            await manager.post(f"/plans/{live.pop(member)}/actions/cancel", reason)

    async def submit(member: str, answers: Series | None = None) -> None:
        post = manager.post("/plans/new", forms[member])
        response = await (post if answers is None else answers.time(post))
        live[member] = plan_id_of(response)
        await first_document(settings, live[member])

    await make_room(SUBMITS_FOR[0])
    await submit(SUBMITS_FOR[0])
    settle_memory()
    documents, answers = Series(server), Series(server)
    stop = time.monotonic() + ROW_BUDGET_SECONDS
    for index in range(1, count + 1):
        member = SUBMITS_FOR[index % len(SUBMITS_FOR)]
        await make_room(member)
        await documents.time(submit(member, answers))
        if time.monotonic() > stop:
            break
    members = f"{len(SUBMITS_FOR)} team members in turn"
    return [
        Row(
            "POST /plans/new → v1.html",
            manager.email,
            members,
            documents.samples,
            target_ms=SUBMIT_TARGET_MS,
            server_cpu_ms=documents.cpu_ms,
        ),
        Row(
            "  of which: the 303 answer",
            manager.email,
            members,
            answers.samples,
            server_cpu_ms=answers.cpu_ms,
        ),
    ]


# The run.


@dataclass
class Outcome:
    rows: list[Row]
    plans: int
    load_before: float
    """The 1-minute load average as the run began: above the CPU count, figures run slow."""


async def measure(arguments: argparse.Namespace, stack: AsyncExitStack) -> Outcome:
    load_before = os.getloadavg()[0]
    org = OrgDirectory.load(ORG_FILE)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    console.print(f"Generating {arguments.plans:,} plans over {ORG_FILE.name} (seed {SEED})")
    records = generate_plans(arguments.plans, org, now)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="web-bench-")))
    keys = KeyRing.generate()
    env = await stack.enter_async_context(dev_server(keys))
    settings = Settings(
        data_dir=folder,
        task_queue=f"web-bench-{uuid.uuid4().hex[:8]}",
        temporal_address=env.client.service_client.config.target_host,
        org_file=ORG_FILE,
        web_host="127.0.0.1",
        web_port=free_port(),
    )
    keys.save(settings.payload_keys_path, replace=False)
    fill_store(settings, records)
    await stack.enter_async_context(running_worker(env, settings))
    server = await stack.enter_async_context(web_server(settings, folder / "web.log"))
    browsers = Browsers(server.url)
    stack.push_async_callback(browsers.close)

    priya, marcus, tom, grace = [
        await browsers.signed_in(email) for email in (PRIYA, MARCUS, TOM, GRACE)
    ]
    console.print("Starting live plans through the form")
    live_pages = []
    for member in LIVE_PLANS_FOR:
        plan_id = plan_id_of(await priya.post("/plans/new", form_for(member)))
        await first_document(settings, plan_id)
        live_pages.append(f"/plans/{plan_id}")
    await marcus.post(f"{live_pages[0]}/actions/approve", {"comment": "Right time for this"})

    # My plans for whoever of Priya and Marcus has the longest; both are on the live plans.
    mine = max((priya, marcus), key=lambda b: parties_to(records, org.by_email(b.email).id))
    in_my_plans = parties_to(records, org.by_email(mine.email).id) + len(LIVE_PLANS_FOR)
    total = len(records) + len(LIVE_PLANS_FOR)

    console.print("Timing, one request at a time")
    n = arguments.requests
    nobody = browsers.anonymous()
    rows = [
        await page_row(
            server, priya, "GET /static/app.css", ["/static/app.css"], n, "—", baseline=True
        ),
        await page_row(server, nobody, "GET /sign-in", ["/sign-in"], n, "—", baseline=True),
        await page_row(
            server,
            priya,
            "GET /plans/{id}",
            live_pages,
            n,
            f"{len(live_pages)} live plans, 2 phases",
        ),
        await page_row(
            server,
            mine,
            "GET / (My plans)",
            ["/"],
            n,
            f"party to {in_my_plans:,} plans",
        ),
        await page_row(server, grace, "GET /hr (dashboard)", ["/hr"], n, f"{total:,} plans"),
    ]
    rows += await submit_rows(server, tom, settings, arguments.submits, {})
    return Outcome(rows, total, load_before)


def report(outcome: Outcome, elapsed: float) -> None:
    table = Table(
        title=f"The web app over HTTP, {outcome.plans:,} plans in the store (one request at a time)"
    )
    for name in ("Request", "As", "In view", "Size"):
        table.add_column(name)
    for name in ("n", "p50 ms", "p95 ms", "p95 target", "Met?", "app CPU ms"):
        table.add_column(name, justify="right")
    for row in outcome.rows:
        if row.baseline:
            target, met = "baseline", "—"
        elif row.target_ms is None:
            target, met = "—", "—"
        else:
            target = f"< {row.target_ms:g} ms"
            met = "[green]yes[/]" if row.met else "[red]no[/]"
        table.add_row(
            row.what,
            row.who.split("@")[0],
            row.scope,
            row.size,
            str(len(row.samples)),
            f"{row.p50:.1f}",
            f"{row.p95:.1f}",
            target,
            met,
            "—" if row.server_cpu_ms is None else f"{row.server_cpu_ms:.1f}",
        )
    console.print()
    console.print(table)
    console.print(
        "Baseline: the same server, session and connection, with nothing behind the answer "
        "(a static file; a template).\nApp CPU: the web app process's CPU time per timed "
        "request, on average; busy neighbours on the machine inflate latencies, not this."
    )
    console.print(
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}; {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n"
        f"Load average: {outcome.load_before:.1f} as the run began, {os.getloadavg()[0]:.1f} "
        "at its end (above the CPU count, other programs compete for the CPUs)"
    )
    console.print(f"Total run time: {elapsed:.0f} s")


async def run(arguments: argparse.Namespace) -> int:
    task = asyncio.current_task()
    assert task is not None
    signals: list[signal.Signals] = []

    def stop(signum: signal.Signals) -> None:
        """The first Ctrl-C or SIGTERM stops the run; later ones are ignored, so that they
        cannot cut the cleaning up short."""
        if not signals:
            task.cancel()
        signals.append(signum)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    started = time.perf_counter()
    try:
        async with AsyncExitStack() as stack:
            try:
                outcome = await measure(arguments, stack)
            finally:
                console.print("Stopping the web app, the worker and the dev server")
    except (Exception, asyncio.CancelledError):
        # A Ctrl-C from a terminal also reaches the dev server, and a request can fail
        # before this task hears of it: that failure is the interruption, not an error.
        if signals:
            raise Interrupted from None
        raise
    report(outcome, time.perf_counter() - started)
    missed = [row for row in outcome.rows if row.met is False]
    for row in missed:
        console.print(f"[red]Target missed:[/] {row.what}: p95 {row.p95:.1f} ms")
    return 1 if missed else 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Times the web app over real HTTP with a signed-in session: a live plan's page,\n"
            "My plans, HR's dashboard, and a new-plan submit until its first document exists,\n"
            "next to a static file and the sign-in page as the server's floor. It starts its\n"
            "own Temporal dev server, worker, SQLite store and web server, and stops them.\n\n"
            f"Targets: pages p95 < {PAGE_TARGET_MS:g} ms; submit to first document p95 < "
            f"{SUBMIT_TARGET_MS:g} ms.\n"
            "Exit status: 0 when every target is met; 1 when one is missed; 2 for bad\n"
            "arguments or a stack that will not start; 130 when interrupted."
        ),
        epilog=(
            "examples:\n"
            "  .venv/bin/python bench/web.py\n"
            "  .venv/bin/python bench/web.py --plans 5000 --requests 100 --submits 20"
        ),
    )
    parser.add_argument(
        "--plans", type=int, default=1_000, help="generated plans in HR's store (default 1000)"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per page (default 200)"
    )
    parser.add_argument(
        "--submits", type=int, default=30, help="timed new-plan submits (default 30)"
    )
    arguments = parser.parse_args(argv)
    if min(arguments.plans, arguments.requests, arguments.submits) < 1:
        parser.error("--plans, --requests and --submits must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if not console.is_terminal:
        console.width = 140  # Rich's 80 columns would fold the table when output is captured.
    try:
        return asyncio.run(run(arguments))
    except (SetupError, MissingBinary) as error:
        console.print(f"[red]Cannot run the benchmark:[/] {error}")
        return 2
    except (Interrupted, KeyboardInterrupt):
        console.print("Interrupted; the web app, the worker and the dev server are stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
