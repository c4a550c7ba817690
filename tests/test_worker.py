"""The worker registers the plan workflow and every activity, bound to the integrations."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities import plan_activities
from activities.calendar import CalendarActivities
from activities.certificates import CertificateActivities
from activities.documents import DocumentActivities
from activities.effects import EffectActivities
from activities.notifications import NotificationActivities
from activities.records import RecordActivities
from activities.sweep import SweepActivities
from coaching.settings import ENV_VARS, Settings
from integrations import build_integrations
from integrations.local.calendar import IcsCalendar
from integrations.local.documents import LocalDocumentStore
from integrations.local.mail import OutboxMailer
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow
from workflows.daily_sweep import DailySweepWorkflow, SweepBatchWorkflow


def activity_names(functions: list[object]) -> set[str]:
    names = set()
    for function in functions:
        definition = activity._Definition.from_callable(function)  # type: ignore[arg-type]
        if definition is not None and definition.name is not None:
            names.add(definition.name)
    return names


def test_local_integrations_are_rooted_in_the_data_dir(tmp_path: Path) -> None:
    integrations = build_integrations(Settings(data_dir=tmp_path))

    assert isinstance(integrations.documents, LocalDocumentStore)
    assert isinstance(integrations.calendar, IcsCalendar)
    assert isinstance(integrations.mail, OutboxMailer)
    assert (tmp_path / "keys" / "sealing-ca.pem").exists(), "the local CA, made on first use"


async def test_every_activity_method_is_registered(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    defined = activity_names(
        [
            method
            for cls in (
                EffectActivities,
                DocumentActivities,
                CalendarActivities,
                NotificationActivities,
                RecordActivities,
                CertificateActivities,
                SweepActivities,
            )
            for _, method in inspect.getmembers(cls, inspect.isfunction)
        ]
    )

    registered = plan_activities(
        build_integrations(Settings(data_dir=tmp_path)), time_skipping_env.client
    )

    assert activity_names(list(registered)) == defined
    assert len(registered) == len(defined)
    assert {"carry_out_effects", "render_plan_document", "send_notification", "record_plan"} <= (
        defined
    )


async def test_no_sync_activity_is_interrupted_inside_its_thread(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Each is declared with `threaded_activity` (see `activities/threaded.py` for why)."""
    registered = plan_activities(
        build_integrations(Settings(data_dir=tmp_path)), time_skipping_env.client
    )
    definitions = [activity._Definition.must_from_callable(fn) for fn in registered]
    threaded = [d for d in definitions if not d.is_async]

    assert {d.name for d in threaded} >= {"carry_out_effects", "record_plan", "seal_certificate"}
    assert [d.name for d in threaded if not d.no_thread_cancel_exception] == []


async def test_worker_starts_and_shuts_down(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    integrations = build_integrations(Settings(data_dir=tmp_path))
    with ThreadPoolExecutor(max_workers=4) as executor:
        worker = build_worker(time_skipping_env.client, "worker-test", integrations, executor)
        config = worker.config()
        async with worker:
            pass

    assert worker.is_shutdown
    assert worker.task_queue == "worker-test"
    assert config.get("workflows") == [
        CoachingPlanWorkflow,
        DailySweepWorkflow,
        SweepBatchWorkflow,
    ]
    assert config.get("activity_executor") is executor
    assert len(config.get("activities", [])) == len(
        plan_activities(integrations, time_skipping_env.client)
    )


def test_the_worker_refuses_a_database_that_needs_an_upgrade(tmp_path: Path) -> None:
    """Every record would fail until someone upgrades it: say so at start, not later."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ENV_VARS.values()},
        "COACHPLAN_DATA_DIR": str(tmp_path),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
    }

    ran = subprocess.run(
        [sys.executable, "-m", "worker"], env=env, capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 1, ran
    assert "run `coachplan db upgrade`" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_worker_stops_at_once_without_the_organisations_sealing_key(tmp_path: Path) -> None:
    """Every certificate would fail: one line names the variable and the file."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ENV_VARS.values()},
        "COACHPLAN_DATA_DIR": str(tmp_path),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "COACHPLAN_SEALING_KEY_FILE": str(tmp_path / "seal.key"),
        "COACHPLAN_SEALING_CERTIFICATE_FILE": str(tmp_path / "seal.pem"),
    }

    ran = subprocess.run(
        [sys.executable, "-m", "worker"], env=env, capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 1, ran
    assert f"COACHPLAN_SEALING_KEY_FILE: {tmp_path / 'seal.key'} does not exist" in ran.stderr
    assert "Traceback" not in ran.stderr
