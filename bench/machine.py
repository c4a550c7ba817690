"""What a benchmark's figures were measured on, and what the measuring process spent.

Every benchmark prints the machine (cores, memory, CPU model), the date and the load next to
its figures: the machine is shared, and a busy neighbour slows wall-clock figures (not CPU
seconds, which count this process only).
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

RSS_SAMPLE_SECONDS = 0.2


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def machine_line(load_before: float) -> str:
    """Cores, memory, CPU model, Python, the date, and the load as the run began and ended."""
    memory = memory_gib()
    ram = f"{memory:.0f} GiB RAM" if memory is not None else "RAM unknown"
    return (
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), {ram}, {platform.platform()}, "
        f"Python {platform.python_version()}; "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n"
        f"Load average: {load_before:.1f} as the run began, {os.getloadavg()[0]:.1f} at its "
        "end (above the CPU count, other programs compete for the CPUs)"
    )


def rss_bytes(pid: int | None = None) -> int:
    """Resident memory of a process now (Linux), this one by default."""
    statm = Path(f"/proc/{pid or 'self'}/statm").read_text().split()
    return int(statm[1]) * os.sysconf("SC_PAGE_SIZE")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of another process (a server), None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Spent:
    """What one measured stretch cost this process (worker and driver alike)."""

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    rss_start: int = 0
    rss_peak: int = 0
    server_cpu_seconds: float | None = None
    samples: list[int] = field(default_factory=list)

    @property
    def rss_growth(self) -> int:
        return max(0, self.rss_peak - self.rss_start)


@asynccontextmanager
async def spending(server_pid: int | None = None) -> AsyncIterator[Spent]:
    """Measures the wall time, this process's CPU time (every thread: the event loop, the
    activity threads and the SDK's Rust core), its peak RSS sampled every 0.2 s, and the
    server's CPU time when its process id is known."""
    spent = Spent(rss_start=rss_bytes())
    spent.rss_peak = spent.rss_start
    running = True

    async def sample() -> None:
        while running:
            spent.rss_peak = max(spent.rss_peak, rss_bytes())
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    sampler = asyncio.create_task(sample())
    server_before = process_cpu_seconds(server_pid) if server_pid else None
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield spent
    finally:
        spent.wall_seconds = time.perf_counter() - wall
        spent.cpu_seconds = time.process_time() - cpu
        running = False
        await sampler
        spent.rss_peak = max(spent.rss_peak, rss_bytes())
        server_after = process_cpu_seconds(server_pid) if server_pid else None
        if server_before is not None and server_after is not None:
            spent.server_cpu_seconds = server_after - server_before
