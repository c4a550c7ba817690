"""The ways through a plan's life the lifecycle benchmark drives, for either workflow.

- short: start -> approve -> ready x2 -> sign x2 -> cancel, each plan on its own, at most
  `in_flight` at a time;
- whole: start -> approve -> propose (team member) / ready (manager) -> sign x2, at most
  `in_flight` at a time; then every check-in (recorded by the manager, a note by the team
  member), the review and the team member's comment, in lockstep: the server's clock moves
  once for all plans to just after the next check-in (or the review), then the people answer
  every plan's wait, again at most `in_flight` at a time.

Why lockstep: on the time-skipping test server the plans share one clock, and it only moves
when the driver asks it to. Started together, the plans share their schedule (the same form,
the same day), so one move serves them all and no plan's reminder or escalation timer fires
while its people are still acting. A driver that moved time for one plan would move it for all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from rich.progress import Progress, TaskID
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from bench.plan_people import Plan, PlanPeople, Snapshot
from coaching.status import Phase

PathKind = Literal["short", "whole"]
DOCUMENT_POLL_SECONDS = 0.005
"""How often the one watcher looks for awaited first documents: well below the figures."""
STATE_POLL_SECONDS = 0.05
WAIT_TIMEOUT_SECONDS = 600.0
"""A plan that has not reached a state this long after it could have is stuck, not slow."""
AFTER_CHECK_IN = timedelta(hours=2)
AFTER_REVIEW_DUE = timedelta(minutes=5)
T = TypeVar("T")


class DriverError(Exception):
    """A plan did not reach a state the driver waits for; the message says which."""


class DocumentWatch:
    """One task looks for every awaited first document, instead of one poller per plan."""

    def __init__(self) -> None:
        self._waiting: dict[Path, asyncio.Future[float]] = {}
        self._task: asyncio.Task[None] | None = None

    async def first_document(self, path: Path) -> float:
        """The moment (`time.perf_counter()`) `path` was first seen."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch())
        found = asyncio.get_running_loop().create_future()
        self._waiting[path] = found
        return await asyncio.wait_for(found, WAIT_TIMEOUT_SECONDS)

    async def _watch(self) -> None:
        while self._waiting:
            now = time.perf_counter()
            for path in [p for p in self._waiting if p.exists()]:
                found = self._waiting.pop(path)
                if not found.done():
                    found.set_result(now)
            await asyncio.sleep(DOCUMENT_POLL_SECONDS)


@dataclass
class Lived:
    """One plan's life as the driver saw it."""

    plan: Plan
    first_document_ms: float


class Clock:
    """The server's clock: it moves on the time-skipping server only when asked."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self._env = env

    async def advance_to(self, moment: datetime) -> None:
        """A busy server can take longer than the SDK's RPC timeout to skip (every plan's
        timers fire on the way): the clock is read again and the rest is asked for."""
        while (remaining := moment - await self._env.get_current_time()) > timedelta(0):
            try:
                await self._env.sleep(remaining)
            except RPCError as error:
                if error.status is not RPCStatusCode.CANCELLED and "Timeout" not in error.message:
                    raise


async def limited(items: Sequence[T], in_flight: int, step: Callable[[T], Awaitable[None]]) -> None:
    """`step` for every item, at most `in_flight` at a time; the first failure stops all."""
    gate = asyncio.Semaphore(in_flight)

    async def one(item: T) -> None:
        async with gate:
            await step(item)

    try:
        async with asyncio.TaskGroup() as group:
            for item in items:
                group.create_task(one(item))
    except* DriverError as failed:
        raise failed.exceptions[0] from None


async def until(
    people: PlanPeople, plan: Plan, check: Callable[[Snapshot], bool], what: str
) -> Snapshot:
    """Reads the plan's state until `check` holds (a timer's workflow task is still running)."""
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while not check(snapshot := await people.snapshot(plan)):
        if time.monotonic() > deadline:
            raise DriverError(f"{people.label} plan {plan.plan_id}: {what} did not happen")
        await asyncio.sleep(STATE_POLL_SECONDS)
    return snapshot


async def agree(people: PlanPeople, member: str, watch: DocumentWatch, path: PathKind) -> Lived:
    """From the start request to both signatures (and, on the short path, the cancel)."""
    started_at = time.perf_counter()
    plan = await people.start(member, started_at)
    folder = people.data_dir / "documents" / plan.plan_id
    first = await watch.first_document(folder / "v1.html")
    lived = Lived(plan, (first - started_at) * 1000)
    manager, member_email = plan.parties.manager.email, plan.parties.team_member.email
    await people.approve(plan)
    snapshot = await people.snapshot(plan)
    if path == "whole":
        await people.propose(plan, snapshot)
        snapshot = await people.snapshot(plan)
        await people.ready(plan, manager, snapshot.version)
    else:
        await people.ready(plan, manager, snapshot.version)
        await people.ready(plan, member_email, snapshot.version)
    await people.sign(plan, manager)
    await people.sign(plan, member_email)
    if path == "short":
        await people.cancel(plan)
    return lived


async def check_in(people: PlanPeople, plan: Plan, number: int) -> None:
    """Once its timer fired, the manager records the check-in and the team member adds a note."""
    snapshot = await until(
        people, plan, lambda seen: seen.check_ins[number - 1].due, f"check-in {number}"
    )
    await people.record_check_in(plan, number, snapshot)
    await people.add_note(plan, number)


async def finished(client: Client, people: PlanPeople, plan: Plan) -> None:
    """Until the workflow completed. The time-skipping server can end the SDK's long poll for
    the result without an event when it is busy ("No completion event found"): asked again."""
    handle = client.get_workflow_handle(people.workflow_id(plan.plan_id))
    while True:
        try:
            await handle.result()
            return
        except RuntimeError as error:
            if "No completion event found" not in str(error):
                raise


async def drive(
    people: PlanPeople,
    client: Client,
    clock: Clock | None,
    members: Sequence[str],
    path: PathKind,
    in_flight: int,
    progress: Progress,
) -> list[Lived]:
    """Every plan through its path; returns once every workflow has completed."""
    watch = DocumentWatch()
    lives: list[Lived] = []
    name = people.label
    agreeing = progress.add_task(f"{name}: start to signed", total=len(members))
    closing = progress.add_task(f"{name}: completed", total=len(members), visible=False)

    async def agree_one(member: str) -> None:
        lives.append(await agree(people, member, watch, path))
        progress.advance(agreeing)
        if path == "short":
            await finished(client, people, lives[-1].plan)
            progress.advance(closing)

    progress.update(closing, visible=path == "short")
    await limited(members, in_flight, agree_one)
    if path == "whole":
        assert clock is not None, "the whole life needs the time-skipping server's clock"
        await live_through(
            people, client, clock, [lived.plan for lived in lives], in_flight, progress
        )
    return lives


async def live_through(
    people: PlanPeople,
    client: Client,
    clock: Clock,
    plans: list[Plan],
    in_flight: int,
    progress: Progress,
) -> None:
    """The active phase and the review, in lockstep on the shared clock."""
    name = people.label
    signed: dict[str, Snapshot] = {}

    async def read(plan: Plan) -> None:
        signed[plan.plan_id] = await until(
            people, plan, lambda s: s.phase is Phase.active and bool(s.check_ins), "activation"
        )

    await limited(plans, in_flight, read)
    count = max(len(s.check_ins) for s in signed.values())
    for number in range(1, count + 1):
        due = [
            s.check_ins[number - 1].due_at for s in signed.values() if len(s.check_ins) >= number
        ]
        await clock.advance_to(max(due) + AFTER_CHECK_IN)
        task = progress.add_task(f"{name}: check-in {number}", total=len(plans))

        async def hold(plan: Plan, number: int = number, task: TaskID = task) -> None:
            if len(signed[plan.plan_id].check_ins) >= number:
                await check_in(people, plan, number)
            progress.advance(task)

        await limited(plans, in_flight, hold)
    review_due = [s.review_due_at for s in signed.values() if s.review_due_at is not None]
    await clock.advance_to(max(review_due) + AFTER_REVIEW_DUE)
    reviewing = progress.add_task(f"{name}: review and close", total=len(plans))

    async def review(plan: Plan) -> None:
        await until(people, plan, lambda s: s.phase is Phase.review, "the review")
        await people.submit_review(plan)
        await people.comment(plan)
        await finished(client, people, plan)
        progress.advance(reviewing)

    await limited(plans, in_flight, review)
