"""What a worker without the plan in its cache makes of an Update that follows an empty workflow
task, and what a replay makes of the same history: they differ (temporalio/sdk-python#1591).

SDK Core's history chunking (v1, in temporalio 1.35) reads a workflow task completed with no
command and followed at once by the next task's schedule as a heartbeat. A cold worker, which
replays the whole history before an Update it was handed, therefore runs the empty task's jobs
(an activity's result, say) and the Update in one activation. A replay of the recorded history
(and every later worker) ends that activation at the empty task, as the Update's acceptance says
where it was sequenced, and runs the Update in the next. The workflow's commands can come out in
another order, and the plan's history no longer replays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.bridge.proto.workflow_activation import WorkflowActivation, WorkflowActivationJob
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker._workflow_instance import _WorkflowInstanceImpl

_COMMANDS = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
    EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
}
"""Events that Core counts as commands when it chunks (`HistoryEvent::is_command_event`)."""
_ARRIVALS = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
    EventType.EVENT_TYPE_TIMER_FIRED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
}
"""Events that become an activation's jobs: what the workflow would run in another order."""
_LOST_TASK = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}


def updates_taken_with_the_task_before(events: Sequence[HistoryEvent]) -> dict[str, int]:
    """Each Update that a cold worker runs in one activation with the empty task before it
    and that task's jobs, by the Update's id, with that task's started event."""
    kinds = {e.event_id: e.event_type for e in events}
    started = [
        e.event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
        and kinds.get(e.event_id + 1) not in _LOST_TASK
    ]
    taken: dict[str, int] = {}
    for event in events:
        if not event.HasField("workflow_execution_update_accepted_event_attributes"):
            continue
        accepted = event.workflow_execution_update_accepted_event_attributes
        before = [s for s in started if s < accepted.accepted_request_sequencing_event_id]
        if len(before) < 2:
            continue
        previous, empty = before[-2], before[-1]
        between = [kinds.get(i) for i in range(previous + 1, empty + 1)]
        if (
            kinds.get(empty + 1) == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
            and kinds.get(empty + 2) == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
            and not _COMMANDS.intersection(between)
            and _ARRIVALS.intersection(between)
        ):
            taken[accepted.protocol_instance_id] = empty
    return taken


def _runs_an_update(act: WorkflowActivation) -> bool:
    return any(job.HasField("do_update") for job in act.jobs)


@contextmanager
def as_a_cold_worker(
    monkeypatch: pytest.MonkeyPatch, events: Sequence[HistoryEvent]
) -> Iterator[None]:
    """Replays run each such Update with the jobs of the task before it, as a cold worker did.

    The task's own activation is answered with no commands (it had none) and its jobs go to
    the next activation, the Update's. This reaches into the SDK's workflow instance."""
    empty_tasks = set(updates_taken_with_the_task_before(events).values())
    activate = _WorkflowInstanceImpl.activate
    held: list[WorkflowActivationJob] = []

    def activate_as_a_cold_worker(
        self: _WorkflowInstanceImpl, act: WorkflowActivation
    ) -> WorkflowActivationCompletion:
        if act.history_length in empty_tasks and not held and not _runs_an_update(act):
            held.extend(act.jobs)
            completion = WorkflowActivationCompletion(run_id=act.run_id)
            completion.successful.SetInParent()
            return completion
        if held:
            jobs = [*held, *act.jobs]
            held.clear()
            del act.jobs[:]
            act.jobs.extend(jobs)
        return activate(self, act)

    with monkeypatch.context() as patched:
        patched.setattr(_WorkflowInstanceImpl, "activate", activate_as_a_cold_worker)
        yield
