"""A heartbeat that keeps beating while an activity's thread is busy in one long step.

Temporal notices a lost worker when its heartbeats stop. A step that takes long on its own
(rendering and sealing a certificate on a busy machine, a slow call to Google) would look
lost too, so a small thread beats for it while the worker lives, and stops with it.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from temporalio import activity

BEAT_EVERY = 2.0
"""Seconds between beats: well inside the 10-second heartbeat timeouts of the call policies."""


@contextmanager
def kept_alive(every: float = BEAT_EVERY) -> Iterator[None]:
    """Beats every `every` seconds until the block ends (the activity's context travels with
    the thread, which `activity.heartbeat` needs)."""
    done = threading.Event()
    context = contextvars.copy_context()

    def beat() -> None:
        while not done.wait(every):
            # The SDK waits 10 s for a busy event loop to take the beat; one it could not
            # deliver must not stop the beats after it.
            with contextlib.suppress(TimeoutError):
                context.run(activity.heartbeat)

    beating = threading.Thread(target=beat, name="heartbeat", daemon=True)
    beating.start()
    try:
        yield
    finally:
        done.set()
        beating.join()
