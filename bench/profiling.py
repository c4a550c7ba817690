"""Where the worker's time goes: py-spy samples this process (every thread: the event loop,
the workflow sandbox, the activity threads) while a run is measured, then the stacks are
summed into the top functions and into areas (pydantic, encryption, JSON, SQLAlchemy...).

py-spy is a dev dependency (`make install`); it attaches to the benchmark's own process, which
needs ptrace rights (root, or kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

SAMPLE_RATE = 100
AREAS = (
    ("pydantic validation / serialization", ("pydantic", "pydantic_core")),
    ("payload encryption (AES-GCM codec)", ("payload_codec", "cryptography", "key_ring")),
    ("JSON (stdlib)", ("/json/",)),
    ("SQLAlchemy / SQLite (HR's records)", ("sqlalchemy", "sqlite3", "store/")),
    ("templates (Jinja2) and documents", ("jinja2", "activities/documents", "integrations/local")),
    ("PDF sealing (pyHanko, fpdf2, asn1crypto)", ("pyhanko", "fpdf", "asn1crypto", "certificate")),
    ("e-mail (email package, notifications)", ("/email/", "notifications", "mail")),
    ("calendar (icalendar)", ("icalendar", "calendar")),
    ("Temporal SDK: workflow sandbox", ("temporalio/worker/workflow_sandbox",)),
    ("Temporal SDK: other", ("temporalio",)),
    ("coachplan domain (coaching/, workflows/)", ("coaching/", "workflows/")),
    ("asyncio / threads", ("asyncio", "threading", "concurrent")),
    ("the benchmark's driver (bench/)", ("bench/",)),
)


IDLE_LEAVES = (
    "EpollSelector.select",
    "Condition.wait",
    "Event.wait",
    "_worker (concurrent/futures/thread.py",
    "Thread._wait_for_tstate_lock",
    "SimpleQueue.get",
)
"""Threads waiting for work, which py-spy may still sample: left out of every share."""
ENTRY_FRAMES = ("<module>", "main (", "run (", "asyncio", "threading", "concurrent/futures")


def _area(frame: str) -> str | None:
    for name, needles in AREAS:
        if any(needle in frame for needle in needles):
            return name
    return None


@dataclass
class Profile:
    samples: int
    idle: int
    own: Counter[str]
    inclusive: Counter[str]
    areas: Counter[str]

    @classmethod
    def read(cls, collapsed: Path) -> Profile:
        """py-spy's raw output: one `frame;frame;...;leaf count` line per distinct stack."""
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        areas: Counter[str] = Counter()
        samples = idle = 0
        for line in collapsed.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            if any(leaf in frames[-1] for leaf in IDLE_LEAVES):
                idle += count
                continue
            samples += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
            # The innermost frame of a known area says what the sample was spent on.
            area = next((a for f in reversed(frames) if (a := _area(f))), "other")
            areas[area] += count
        return cls(samples, idle, own, inclusive, areas)

    def report(self, top: int = 15) -> str:
        if not self.samples:
            return "py-spy recorded no samples."

        def share(count: int) -> str:
            return f"{count / self.samples * 100:5.1f}%"

        lines = [
            f"py-spy: {self.samples} busy samples at {SAMPLE_RATE} Hz (every thread; "
            f"{self.idle} more of threads waiting for work are left out)",
            "",
        ]
        lines.append("By area (the innermost frame of a known library decides):")
        lines += [f"  {share(c)}  {name}" for name, c in self.areas.most_common()]
        lines += ["", f"Top {top} functions by own time:"]
        lines += [f"  {share(c)}  {frame}" for frame, c in self.own.most_common(top)]
        lines += ["", f"Top {top} functions by inclusive time (entry points left out):"]
        inner = [
            (frame, c)
            for frame, c in self.inclusive.most_common()
            if not any(entry in frame for entry in ENTRY_FRAMES)
        ]
        lines += [f"  {share(c)}  {frame}" for frame, c in inner[:top]]
        return "\n".join(lines)


class ProfilerMissing(Exception):
    """py-spy is not installed (`make install` brings it)."""


@asynccontextmanager
async def sampled(output: Path) -> AsyncIterator[None]:
    """py-spy records this process until the block ends; its raw stacks go to `output`."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise ProfilerMissing("py-spy is not installed; run `make install`")
    process = await asyncio.create_subprocess_exec(
        py_spy,
        "record",
        "--pid",
        str(os.getpid()),
        "--rate",
        str(SAMPLE_RATE),
        "--format",
        "raw",
        "--function",
        "--nonblocking",
        "--output",
        str(output),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(1.0)  # py-spy attaches before the measured run begins.
    try:
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, errors = await process.communicate()
        if not output.exists():
            raise ProfilerMissing(f"py-spy wrote no profile: {errors.decode(errors='replace')}")
