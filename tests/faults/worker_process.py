"""The worker as operators run it: `python -m worker` in a process of its own, which a test
can freeze, thaw and kill with signals, like a machine that stalls or dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.starter.cli_runner import REPO

STARTUP_TIMEOUT = 60.0


class WorkerProcess:
    """One `python -m worker` at a time; `kill()` then `start()` is a crash and a restart."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self._env = env
        self._logs = logs
        self._process: subprocess.Popen[bytes] | None = None
        self.started = 0

    @property
    def pid(self) -> int:
        assert self._process is not None, "no worker is running"
        return self._process.pid

    async def start(self) -> None:
        """Starts a worker and waits until it says it polls its task queue."""
        assert self._process is None or self._process.poll() is not None, "already running"
        self.started += 1
        log = self._logs / f"worker-{self.started}.log"
        with log.open("wb") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "worker"],
                cwd=REPO,
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while b"worker started" not in log.read_bytes():
            code = self._process.poll()
            assert code is None, f"the worker stopped ({code}):\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{log.read_text()}"
            await asyncio.sleep(0.05)

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no last word to the server."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()

    def said(self) -> str:
        """Everything the running worker has logged so far."""
        return (self._logs / f"worker-{self.started}.log").read_text(errors="replace")

    def complaints(self, last: int = 80) -> str:
        """Every worker's lines above INFO (warnings, errors, tracebacks), for a failed test."""
        lines = [
            f"{log.name}: {line}"
            for log in sorted(self._logs.glob("worker-*.log"))
            for line in log.read_text(errors="replace").splitlines()
            if " INFO " not in line
        ]
        return "\n".join(lines[-last:])

    def stop(self) -> None:
        """At the end of a test: gone, frozen or not."""
        if self._process is not None and self._process.poll() is None:
            self.kill()
