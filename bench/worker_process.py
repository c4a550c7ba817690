"""The product's worker as production runs it: `worker.py` in a process of its own, configured
by the environment (`Settings.as_env()`), so its memory and CPU are its own to measure."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.machine import process_cpu_seconds, rss_bytes
from coaching.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "worker started"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


class WorkerFailed(Exception):
    """The worker process did not start, or stopped; the message ends with its log."""


@dataclass
class WorkerProcess:
    pid: int
    log: Path
    process: asyncio.subprocess.Process
    rss_peak: int = 0

    def rss(self) -> int:
        value = rss_bytes(self.pid)
        self.rss_peak = max(self.rss_peak, value)
        return value

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.pid)

    def alive(self) -> None:
        if self.process.returncode is not None:
            raise WorkerFailed(
                f"the worker process stopped ({self.process.returncode}):\n{self.tail()}"
            )

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])


@asynccontextmanager
async def worker_process(settings: Settings, log: Path) -> AsyncIterator[WorkerProcess]:
    """Starts `python worker.py`, yields once it polls its task queue, stops it with SIGTERM
    (its graceful shutdown) on the way out."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "worker.py"),
            cwd=ROOT,
            env={**os.environ, **settings.as_env()},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    worker = WorkerProcess(process.pid, log, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while READY_LINE not in log.read_text(errors="replace"):
            worker.alive()
            if time.monotonic() > deadline:
                raise WorkerFailed(f"the worker did not start within a minute:\n{worker.tail()}")
            await asyncio.sleep(0.1)
        yield worker
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
