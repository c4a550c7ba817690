"""A cancelled sync activity finishes its step: nothing is raised inside its thread, where it
could land inside a lock (logging's, SQLAlchemy's pool) and stop the whole worker."""

from __future__ import annotations

import threading
import time

import pytest
from temporalio import activity
from temporalio.exceptions import CancelledError
from temporalio.testing import ActivityEnvironment

from activities.threaded import threaded_activity


@threaded_activity
def a_step() -> bool:
    time.sleep(0.3)
    return activity.is_cancelled()


@activity.defn
def an_undeclared_step() -> bool:
    time.sleep(0.3)
    return activity.is_cancelled()


def cancelled_at_once(step: object) -> object:
    env = ActivityEnvironment()
    threading.Timer(0.05, env.cancel).start()
    return env.run(step)  # type: ignore[arg-type]


def test_a_cancelled_step_runs_to_its_end_and_knows_it_was_cancelled() -> None:
    assert cancelled_at_once(a_step) is True


def test_without_the_declaration_the_cancellation_is_raised_inside_the_thread() -> None:
    with pytest.raises(CancelledError):
        cancelled_at_once(an_undeclared_step)
