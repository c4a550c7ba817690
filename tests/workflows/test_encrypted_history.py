"""On a real dev server, Temporal keeps a plan's history as ciphertext: no party's name or email
and no plan text in any byte of it. After a key rotation the history still reads, and a worker
holding the rotated ring carries the plan on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.api.common.v1 import Payload, SearchAttributes, WorkflowExecution
from temporalio.api.history.v1 import History, MarkerRecordedEventAttributes
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from coaching.actions import (
    ActivityDraft,
    ApproveAlignment,
    MarkReady,
    ProposeActivities,
    StartPlan,
    workflow_id_for,
)
from coaching.converter import plan_data_converter
from coaching.key_ring import KeyRing, rotate_key_ring
from coaching.payload_codec import KEY_ID, PayloadKeyError, is_encrypted, plan_id_of
from coaching.settings import Settings
from coaching.status import Phase
from tests.workflows.running_plan import (
    MANAGER,
    MEMBER,
    PARTIES,
    SKIP,
    eventually,
    local_integrations,
    plan_content,
)
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

PATCH = "core_patch"
LOCAL_ACTIVITY = "core_local_activity"
PROPOSED = "Present the stakeholder update at the monthly all-hands"
COMMENT = "Right time for this: the launch needs Tom's updates"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A key ring of the test's own, so that rotating it touches no other test."""
    settings = Settings(data_dir=tmp_path)
    KeyRing.create(settings.payload_keys_path)
    return settings


def client_with(env: WorkflowEnvironment, keys: KeyRing) -> Client:
    """Another client on the same connection, encrypting with `keys`."""
    return Client(
        env.client.service_client,
        namespace=env.client.namespace,
        data_converter=plan_data_converter(keys),
    )


@asynccontextmanager
async def worker_for(
    client: Client, task_queue: str, folder: Path, store: Engine
) -> AsyncIterator[None]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        integrations = local_integrations(folder, store)
        async with build_worker(client, task_queue, integrations, executor):
            yield


async def raw_history(client: Client, workflow_id: str) -> History:
    """The history as the server keeps it and an operator fetches it: no codec."""
    answer = await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return answer.history


def payloads_in(history: History) -> list[Payload]:
    """Every payload of every event, found by walking the protos; but those in clear by design:
    the search attributes (a phase and a deadline), the SDK's patch markers (a patch id) and
    the SDK's own account of a local activity (its number, type and times; its result is
    encrypted like any other)."""
    found: list[Payload] = []

    def walk(message: Any) -> None:
        if isinstance(message, SearchAttributes) or (
            isinstance(message, MarkerRecordedEventAttributes) and message.marker_name == PATCH
        ):
            return
        if (
            isinstance(message, MarkerRecordedEventAttributes)
            and message.marker_name == LOCAL_ACTIVITY
        ):
            if "result" in message.details:
                walk(message.details["result"])
            return
        if isinstance(message, Payload):
            found.append(message)
            return
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            if field.is_repeated:
                items = value.values() if field.message_type.GetOptions().map_entry else value
                for item in items:
                    walk(item)
            else:
                walk(value)

    walk(history)
    return found


async def settled(handle: WorkflowHandle[Any, Any]) -> None:
    async def idle() -> bool:
        raw = (await handle.describe()).raw_description
        return not raw.pending_activities and not raw.HasField("pending_workflow_task")

    await eventually(idle, seconds=20)


def secrets_of(start: StartPlan) -> list[str]:
    """What must never reach Temporal in clear: each party's name and email, the plan's text,
    and what people wrote."""
    content = start.content
    people = [MANAGER, MEMBER, SKIP, *PARTIES.hr]
    return [
        *(p.name for p in people),
        *(p.email for p in people),
        content.development_area,
        content.current_state,
        content.goal.specific,
        content.goal.measure,
        *(a.description for a in content.activities),
        *(s.description for s in content.support),
        PROPOSED,
        COMMENT,
    ]


async def test_the_history_holds_only_ciphertext_and_reads_after_rotation(
    dev_server_env: WorkflowEnvironment, settings: Settings, sqlite_store: Engine
) -> None:
    first_ring = KeyRing.load(settings.payload_keys_path)
    client = client_with(dev_server_env, first_ring)
    task_queue = f"encrypted-{uuid.uuid4().hex[:8]}"
    plan_id = uuid.uuid4().hex[:12]
    start = StartPlan(
        plan_id=plan_id, parties=PARTIES, content=plan_content(date.today() + timedelta(days=7))
    )
    folder = settings.data_dir

    async with worker_for(client, task_queue, folder, sqlite_store):
        handle = await client.start_workflow(
            Plan.run, start, id=workflow_id_for(plan_id), task_queue=task_queue
        )
        await handle.execute_update(
            Plan.approve, ApproveAlignment(actor=SKIP.email, comment=COMMENT)
        )
        drafts = [ActivityDraft(description=PROPOSED)]
        await handle.execute_update(
            Plan.propose_activities,
            ProposeActivities(actor=MEMBER.email, activities=drafts, note=COMMENT),
        )
        await settled(handle)

    history = await raw_history(client, handle.id)
    raw = history.SerializeToString()
    for secret in secrets_of(start):
        assert secret.encode() not in raw, f"{secret!r} is in the history in clear"
    payloads = payloads_in(history)
    assert payloads
    assert all(is_encrypted(p) for p in payloads)
    assert {p.metadata[KEY_ID].decode() for p in payloads} == {first_ring.active}
    assert {plan_id_of(p) for p in payloads} == {plan_id}, "the codec endpoint logs looks by it"

    second_ring = rotate_key_ring(settings)
    rotated = client_with(dev_server_env, second_ring)
    started = history.events[0].workflow_execution_started_event_attributes
    assert await rotated.data_converter.decode(started.input.payloads, [StartPlan]) == [start]

    async with worker_for(rotated, task_queue, folder, sqlite_store):
        carried_on = rotated.get_workflow_handle_for(Plan.run, handle.id)
        version = (await carried_on.query(Plan.status)).version
        agreed = MarkReady(actor=MANAGER.email, version=version)
        await carried_on.execute_update(Plan.mark_ready, agreed)
        assert (await carried_on.query(Plan.status)).phase is Phase.signing
        await settled(carried_on)

    later = payloads_in(await raw_history(client, handle.id))[len(payloads) :]
    assert {p.metadata[KEY_ID].decode() for p in later} == {second_ring.active}
    with pytest.raises(PayloadKeyError, match=f"key '{second_ring.active}'"):
        await client.data_converter.decode(later[-1:])
    await carried_on.terminate("test done")
