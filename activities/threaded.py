"""How every sync activity is declared.

The SDK cancels a sync activity (its heartbeat or start-to-close timeout passed, or the plan
no longer wants it) by raising an exception inside its thread, wherever that thread is. Landing
between a lock's acquire and its `try`, in logging's handler, SQLAlchemy's pool or SQLite's
driver, it leaves the lock held for good and the whole worker stops (seen under load in
`bench/scale.py`). Our activities are short and idempotent, so a cancelled attempt is left to
finish; Temporal ignores its result and the retry repeats nothing anyone can see twice.
"""

from __future__ import annotations

from temporalio import activity

threaded_activity = activity.defn(no_thread_cancel_exception=True)
