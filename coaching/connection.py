"""The one place a process connects to Temporal: with the plans' converter and payload keys."""

from __future__ import annotations

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client

from coaching.converter import configured_data_converter
from coaching.settings import Settings


async def connect(settings: Settings) -> Client:
    """A client that sends the domain's pydantic models as JSON, encrypted with the configured
    key ring (`KeyRingError` if it cannot be read, before any connection is tried)."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.namespace,
        data_converter=configured_data_converter(settings),
    )


async def describe_execution(client: Client, workflow_id: str) -> DescribeWorkflowExecutionResponse:
    """The raw description. The SDK's `describe()` also decodes search attributes, and fails on
    the Datetime ones of the time-skipping test server (the demo's and the tests')."""
    return await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
