"""A long step keeps the activity's heartbeat going, and the beating stops with the step."""

from __future__ import annotations

import time

from temporalio.testing import ActivityEnvironment

from activities.heartbeats import kept_alive


def test_a_long_step_beats_while_it_runs_and_not_after() -> None:
    env = ActivityEnvironment()
    beats: list[float] = []
    env.on_heartbeat = lambda *details: beats.append(time.monotonic())

    def long_step() -> float:
        with kept_alive(every=0.05):
            time.sleep(0.3)
        return time.monotonic()

    ended = env.run(long_step)
    time.sleep(0.15)

    assert len(beats) >= 3, "the heartbeat kept going through the step"
    assert max(beats) <= ended, "and stopped when the step ended"


def test_a_beat_the_busy_worker_could_not_take_does_not_stop_the_beats() -> None:
    """The SDK gives a beat 10 s to reach a busy event loop, then raises in the beating
    thread; the beats after it must still go, or the step is taken for lost."""
    env = ActivityEnvironment()
    beats: list[float] = []

    def heartbeat(*details: object) -> None:
        beats.append(time.monotonic())
        if len(beats) == 1:
            raise TimeoutError

    env.on_heartbeat = heartbeat

    def long_step() -> None:
        with kept_alive(every=0.05):
            time.sleep(0.3)

    env.run(long_step)

    assert len(beats) >= 3
