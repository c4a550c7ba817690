"""Timings that mean something on a shared machine: warmed up, garbage collector held off,
nearest-rank percentiles of real samples."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

WARMUP = 5
"""Untimed calls before each timed series: connections, caches, the first render."""
T = TypeVar("T")


class Percentiles:
    """A row of timings: its p50, its p95, and whether the p95 met its target."""

    samples: list[float]
    target_ms: float | None

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.p95 < self.target_ms


def percentile(samples: list[float], q: float) -> float:
    """Nearest rank: an actual measurement, never an interpolated one."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def settle_memory() -> None:
    """The generated plans stay in memory for the whole run; frozen, they are left out of
    the garbage collector's full passes, which would otherwise land inside the timings (a
    `coachplan hr` process never holds them)."""
    gc.collect()
    gc.freeze()


def measure(call: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    """Times `repeat` calls after a few warm-ups (pool connections, statement caches)."""
    settle_memory()
    for _ in range(WARMUP):
        result = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


async def measure_async(call: Callable[[], Awaitable[T]], repeat: int) -> tuple[list[float], T]:
    """`measure` for the Temporal client, timed on the event loop it runs on."""
    settle_memory()
    for _ in range(WARMUP):
        result = await call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result
