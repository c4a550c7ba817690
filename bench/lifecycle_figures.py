"""The lifecycle benchmark's figures: per-plan history sizes, one run's totals, and the table
that puts the product next to the bare workflow with the issue's targets."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from bench.machine import Spent
from bench.plan_paths import Lived, PathKind
from bench.timing import percentile
from coaching.connection import describe_execution

KIB = 1024
MIB = 1024 * 1024
WHOLE_MAX_EVENTS = 300
WHOLE_MAX_BYTES = 100 * KIB
SHORT_MAX_BYTES_RATIO = 1.2
MIN_THROUGHPUT_RATIO = 0.70
FIRST_DOCUMENT_P95_MS = 500.0


@dataclass(frozen=True)
class HistoryFigures:
    events: int
    size_bytes: int | None
    """Temporal's own count: DescribeWorkflowExecution's history_size_bytes, else the last
    WorkflowTaskStarted event's historySizeBytes; None where the server reports neither."""
    json_bytes: int
    activities: int
    timers: int
    updates: int
    bytes_by_kind: Counter[str]
    """Each event's encoded size, summed by event type (activities and Updates by name)."""
    first_step: FirstStep | None


FIRST_STEP_STAGES = (
    ("start to its first workflow task", "first_task"),
    ("that task until the first activity is scheduled", "first_scheduled"),
    ("the activity waits for a worker", "activity_queued"),
    ("the activity runs", "activity_ran"),
)


@dataclass(frozen=True)
class FirstStep:
    """Where a plan's first side effect (the product's first document) spends its time, in
    ms, from the history's event times."""

    first_task: float
    first_scheduled: float
    activity_queued: float
    activity_ran: float

    @classmethod
    def of(cls, events: Sequence[HistoryEvent]) -> FirstStep | None:
        def at(event: HistoryEvent) -> float:
            return event.event_time.ToMilliseconds()

        def first(field: str) -> HistoryEvent | None:
            return next((e for e in events if e.HasField(field)), None)

        task = first("workflow_task_started_event_attributes")
        scheduled = first("activity_task_scheduled_event_attributes")
        if task is None or scheduled is None:
            return None

        def of_scheduled(field: str) -> HistoryEvent | None:
            return next(
                (e for e in events if getattr(e, field).scheduled_event_id == scheduled.event_id),
                None,
            )

        started = of_scheduled("activity_task_started_event_attributes")
        done = of_scheduled("activity_task_completed_event_attributes")
        if started is None or done is None:
            return None
        return cls(
            first_task=at(task) - at(events[0]),
            first_scheduled=at(scheduled) - at(task),
            activity_queued=at(started) - at(scheduled),
            activity_ran=at(done) - at(started),
        )


def event_kind(event: HistoryEvent, events: Sequence[HistoryEvent]) -> str:
    kind = (event.WhichOneof("attributes") or "unknown").removesuffix("_event_attributes")
    if event.HasField("activity_task_scheduled_event_attributes"):
        return f"{kind}: {event.activity_task_scheduled_event_attributes.activity_type.name}"
    if event.HasField("activity_task_completed_event_attributes"):
        scheduled = events[event.activity_task_completed_event_attributes.scheduled_event_id - 1]
        name = scheduled.activity_task_scheduled_event_attributes.activity_type.name
        return f"{kind}: {name}"
    if event.HasField("workflow_execution_update_accepted_event_attributes"):
        accepted = event.workflow_execution_update_accepted_event_attributes
        return f"{kind}: {accepted.accepted_request.input.name}"
    return kind


async def history_figures(client: Client, workflow_id: str) -> HistoryFigures:
    description = await describe_execution(client, workflow_id)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    size = description.workflow_execution_info.history_size_bytes or None
    if size is None:
        started = [
            e.workflow_task_started_event_attributes.history_size_bytes
            for e in history.events
            if e.HasField("workflow_task_started_event_attributes")
        ]
        size = (started[-1] if started else 0) or None
    by_kind: Counter[str] = Counter()
    for event in history.events:
        by_kind[event_kind(event, history.events)] += event.ByteSize()
    return HistoryFigures(
        events=len(history.events),
        size_bytes=size,
        json_bytes=len(history.to_json().encode()),
        activities=sum(
            e.HasField("activity_task_scheduled_event_attributes") for e in history.events
        ),
        timers=sum(e.HasField("timer_started_event_attributes") for e in history.events),
        updates=sum(
            e.HasField("workflow_execution_update_accepted_event_attributes")
            for e in history.events
        ),
        bytes_by_kind=by_kind,
        first_step=FirstStep.of(history.events),
    )


@dataclass
class RunFigures:
    """One workflow's run: N plans through one path."""

    label: str
    lives: list[Lived]
    spent: Spent
    histories: list[HistoryFigures]
    not_answering: int
    """How often the client said a plan was "not answering" (its 10 s query timeout)."""

    @property
    def plans(self) -> int:
        return len(self.lives)

    @property
    def plans_per_minute(self) -> float:
        return self.plans / self.spent.wall_seconds * 60

    @property
    def cpu_per_plan(self) -> float:
        return self.spent.cpu_seconds / self.plans

    @property
    def server_cpu_per_plan(self) -> float | None:
        cpu = self.spent.server_cpu_seconds
        return None if cpu is None else cpu / self.plans

    @property
    def rss_growth_per_plan(self) -> float:
        return self.spent.rss_growth / self.plans

    def mean(self, field: str) -> float:
        values = [getattr(h, field) for h in self.histories]
        return statistics.fmean(values) if values else 0.0

    def largest(self, field: str) -> int | None:
        values = [getattr(h, field) for h in self.histories if getattr(h, field) is not None]
        return max(values) if values else None

    def heaviest(self, top: int) -> list[tuple[str, float]]:
        """The event kinds that weigh most, in bytes per plan on average."""
        total: Counter[str] = Counter()
        for history in self.histories:
            total.update(history.bytes_by_kind)
        plans = max(1, len(self.histories))
        return [(kind, size / plans) for kind, size in total.most_common(top)]

    @property
    def bytes_per_plan(self) -> float | None:
        sizes = [h.size_bytes for h in self.histories if h.size_bytes is not None]
        return statistics.fmean(sizes) if len(sizes) == len(self.histories) and sizes else None

    def first_step(self, stage: str, q: float) -> float | None:
        values = [getattr(h.first_step, stage) for h in self.histories if h.first_step is not None]
        return percentile(values, q) if values else None

    def first_document(self, q: float) -> float:
        return percentile([lived.first_document_ms for lived in self.lives], q)


def _ratio(ours: float | None, bare: float | None) -> str:
    if ours is None or bare is None or bare == 0:
        return "—"
    return f"{ours / bare:.2f}x"


def _met(ok: bool) -> str:
    return "[green]pass[/]" if ok else "[red]FAIL[/]"


@dataclass
class Verdict:
    target: str
    met: bool


def verdicts(
    path: PathKind, ours: RunFigures, bare: RunFigures, in_flight: int
) -> dict[str, Verdict]:
    """The issue's targets, keyed by the table row they stand next to."""
    found: dict[str, Verdict] = {}
    ratio = ours.plans_per_minute / bare.plans_per_minute
    found["plans/min"] = Verdict(
        f">= {MIN_THROUGHPUT_RATIO:.2f}x bare", ratio >= MIN_THROUGHPUT_RATIO
    )
    if path == "whole":
        events = ours.largest("events") or 0
        found["history events"] = Verdict(f"<= {WHOLE_MAX_EVENTS}", events <= WHOLE_MAX_EVENTS)
        size = ours.largest("size_bytes")
        if size is not None:
            found["history bytes"] = Verdict(
                f"<= {WHOLE_MAX_BYTES // KIB} KiB", size <= WHOLE_MAX_BYTES
            )
    else:
        ours_bytes, bare_bytes = ours.bytes_per_plan, bare.bytes_per_plan
        if ours_bytes is not None and bare_bytes:
            found["history bytes"] = Verdict(
                f"<= {SHORT_MAX_BYTES_RATIO:.1f}x bare",
                ours_bytes <= SHORT_MAX_BYTES_RATIO * bare_bytes,
            )
    note = "" if in_flight == 50 else f" (target is at 50 in flight; ran {in_flight})"
    found["first document p95"] = Verdict(
        f"< {FIRST_DOCUMENT_P95_MS:g} ms{note}", ours.first_document(0.95) < FIRST_DOCUMENT_P95_MS
    )
    return found


def _kib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / KIB:.1f} KiB"


def figures_table(
    title: str, path: PathKind, ours: RunFigures, bare: RunFigures, in_flight: int
) -> tuple[Table, dict[str, Verdict]]:
    found = verdicts(path, ours, bare, in_flight)
    table = Table(title=title)
    table.add_column("Figure")
    for name in (ours.label, bare.label, "ratio", "target", "met?"):
        table.add_column(name, justify="right")

    def row(name: str, a: str, b: str, ratio: str, key: str | None = None) -> None:
        verdict = found.get(key or name)
        target = verdict.target if verdict else "—"
        table.add_row(name, a, b, ratio, target, _met(verdict.met) if verdict else "—")

    row(
        "plans/min",
        f"{ours.plans_per_minute:.0f}",
        f"{bare.plans_per_minute:.0f}",
        _ratio(ours.plans_per_minute, bare.plans_per_minute),
    )
    row("wall seconds", f"{ours.spent.wall_seconds:.1f}", f"{bare.spent.wall_seconds:.1f}", "—")
    row(
        "CPU s/plan (worker+driver)",
        f"{ours.cpu_per_plan:.3f}",
        f"{bare.cpu_per_plan:.3f}",
        _ratio(ours.cpu_per_plan, bare.cpu_per_plan),
    )
    a, b = ours.server_cpu_per_plan, bare.server_cpu_per_plan
    if a is not None and b is not None:
        row("Temporal server CPU s/plan", f"{a:.3f}", f"{b:.3f}", _ratio(a, b))
    row(
        "peak RSS (process)",
        f"{ours.spent.rss_peak / MIB:.0f} MiB",
        f"{bare.spent.rss_peak / MIB:.0f} MiB",
        "—",
    )
    row(
        "RSS growth/plan",
        f"{ours.rss_growth_per_plan / KIB:.0f} KiB",
        f"{bare.rss_growth_per_plan / KIB:.0f} KiB",
        _ratio(ours.rss_growth_per_plan, bare.rss_growth_per_plan or None),
    )
    row(
        "history events/plan (max)",
        f"{ours.mean('events'):.0f} ({ours.largest('events')})",
        f"{bare.mean('events'):.0f} ({bare.largest('events')})",
        _ratio(ours.mean("events"), bare.mean("events")),
        "history events",
    )
    row(
        "history bytes/plan (Temporal's)",
        _kib(ours.bytes_per_plan),
        _kib(bare.bytes_per_plan),
        _ratio(ours.bytes_per_plan, bare.bytes_per_plan),
        "history bytes",
    )
    row(
        "history JSON/plan",
        _kib(ours.mean("json_bytes")),
        _kib(bare.mean("json_bytes")),
        _ratio(ours.mean("json_bytes"), bare.mean("json_bytes")),
        "json",
    )
    for field, name in (("activities", "activities"), ("timers", "timers"), ("updates", "updates")):
        row(f"{name}/plan", f"{ours.mean(field):.1f}", f"{bare.mean(field):.1f}", "—", field)
    row("'not answering' (query timeouts)", str(ours.not_answering), str(bare.not_answering), "—")
    for q, name in ((0.50, "p50"), (0.95, "p95")):
        row(
            f"start to first document {name}",
            f"{ours.first_document(q):.0f} ms",
            f"{bare.first_document(q):.0f} ms",
            _ratio(ours.first_document(q), bare.first_document(q)),
            "first document p95" if name == "p95" else "first document p50",
        )
    return table, found


def weight_table(ours: RunFigures, bare: RunFigures, top: int = 12) -> Table:
    """Where the history's bytes are, beside the bare workflow's for the same kind of event:
    what to slim first."""
    total = sum(size for _, size in ours.heaviest(10_000)) or 1.0
    bare_sizes = dict(bare.heaviest(10_000))
    table = Table(title=f"What {ours.label}'s history is made of (encoded event bytes per plan)")
    columns = ("event kind", f"{ours.label} KiB/plan", "share", f"{bare.label} KiB/plan")
    for name in columns:
        table.add_column(name, justify="left" if name == "event kind" else "right")
    for kind, size in ours.heaviest(top):
        theirs = bare_sizes.get(kind)
        table.add_row(
            kind,
            f"{size / KIB:.1f}",
            f"{size / total * 100:.0f}%",
            "—" if theirs is None else f"{theirs / KIB:.1f}",
        )
    table.add_row(
        "all events", f"{total / KIB:.1f}", "100%", f"{sum(bare_sizes.values()) / KIB:.1f}"
    )
    return table


def first_step_table(ours: RunFigures, bare: RunFigures) -> Table:
    """Where the time to the first document goes, by the server's event times: waiting for
    the worker's first workflow task, that task (the product's first record is a local
    activity inside it), and the first activity's wait for a worker slot and its run. The
    activity's run still ends before its result is recorded, so it includes more than the
    document itself."""
    table = Table(title="Start to the first activity's completion, from the history (ms)")
    table.add_column("stage")
    for run in (ours, bare):
        for q in ("p50", "p95"):
            table.add_column(f"{run.label} {q}", justify="right")
    for name, stage in FIRST_STEP_STAGES:
        cells = []
        for run in (ours, bare):
            for q in (0.50, 0.95):
                value = run.first_step(stage, q)
                cells.append("—" if value is None else f"{value:.0f}")
        table.add_row(name, *cells)
    return table
