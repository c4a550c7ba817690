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
