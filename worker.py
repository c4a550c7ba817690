"""The worker: runs every plan's workflow and activities until it is told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from temporalio.client import Client
from temporalio.worker import Worker

from activities import plan_activities
from activities.failures import IntegrationFailures
from coaching.connection import TemporalConnectError, connect
from coaching.key_ring import KeyRingError
from coaching.settings import Settings, SettingsError
from integrations import Integrations, build_integrations
from integrations.sealing import SealingSetupError
from store.schema import SchemaOutdated, require_current_schema
from workflows.coaching_plan import CoachingPlanWorkflow
from workflows.daily_sweep import DailySweepWorkflow, SweepBatchWorkflow

ACTIVITY_THREADS = 100
"""One thread per activity slot (the SDK's default of 100), so a started activity never queues."""

CACHED_PLANS = 1000
"""Plans kept in memory between their workflow tasks (the sticky cache): an action on a plan
outside it replays the plan's (lean) history. 1000 is the SDK's default, set here on purpose:
bench/scale.py measures the worker's memory with it."""

STICKY_TIMEOUT = timedelta(seconds=3)
"""How long a plan's next workflow task waits for the worker that holds it in its cache before
any worker may take it: a lost worker delays the plans it held by seconds, not ten."""

GRACEFUL_SHUTDOWN = timedelta(seconds=10)
"""Running activities may finish (they are idempotent, so a cut-off one is retried anyway)."""

log = logging.getLogger("coachplan.worker")


def build_worker(
    client: Client, task_queue: str, integrations: Integrations, executor: ThreadPoolExecutor
) -> Worker:
    """The activities are sync (files, Google's client, SQLAlchemy), hence the executor."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CoachingPlanWorkflow, DailySweepWorkflow, SweepBatchWorkflow],
        activities=plan_activities(integrations, client),
        activity_executor=executor,
        max_cached_workflows=CACHED_PLANS,
        sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        interceptors=[IntegrationFailures()],
    )


async def run(settings: Settings) -> None:
    """Runs until SIGINT or SIGTERM, or until the worker fails."""
    await asyncio.to_thread(_check_google, settings)
    integrations = build_integrations(settings)
    _check_store(integrations.records.engine)
    client = await connect(settings, metrics=True)
    if settings.metrics_port:
        log.info("Temporal SDK metrics at http://%s/metrics", settings.metrics_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(client, settings.task_queue, integrations, executor)
        running = asyncio.create_task(worker.run())
        stopping = asyncio.create_task(stop.wait())
        log.info(
            "worker started: task queue %s at %s (namespace %s)",
            settings.task_queue,
            settings.temporal_address,
            settings.namespace,
        )
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not running.done():
            log.info("stopping the worker")
            await worker.shutdown()
        await running
    log.info("worker stopped")


def _check_store(engine: Engine) -> None:
    """A database that is down is only a warning: records are retried and catch up later.
    One with an old schema raises `SchemaOutdated`: every record would fail until upgraded."""
    try:
        require_current_schema(engine)
    except OperationalError as error:
        log.warning("HR's database is unreachable (%s); records will catch up", error.orig)


class GoogleSetupError(Exception):
    """The service account cannot do what the plans need: every activity would fail."""


def _check_google(settings: Settings) -> None:
    """A bad key, a refused delegation or a missing scope is said once, here."""
    if settings.integrations != "google" and settings.directory != "google":
        return
    from integrations import google_workspace
    from integrations.google.access_check import check_access
    from integrations.google.workspace import WorkspaceSetupError

    try:
        workspace = google_workspace(settings)
    except WorkspaceSetupError as error:
        raise GoogleSetupError(str(error)) from None
    problems = [
        f"{check.api.value} as {check.subject}: {check.problem}"
        for check in check_access(workspace, settings)
        if check.problem is not None
    ]
    if problems:
        raise GoogleSetupError(
            "Google Workspace is not ready (coachplan google check tells the same):\n  "
            + "\n  ".join(problems)
        )
    log.info("Google Workspace: every permission checked for %s", workspace.service_account_email)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"coachplan-worker: bad configuration\n{error}")
    try:
        asyncio.run(run(settings))
    except (SchemaOutdated, GoogleSetupError, SealingSetupError, KeyRingError) as error:
        log.error("%s", error)
        sys.exit(1)
    except TemporalConnectError as error:
        log.error("cannot run the worker: %s", error)
        sys.exit(1)
    except RuntimeError as error:
        log.error("cannot run the worker against %s: %s", settings.temporal_address, error)
        sys.exit(1)


if __name__ == "__main__":
    main()
