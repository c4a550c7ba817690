"""The one place a process connects to Temporal, so a payload codec can be added here later."""

from __future__ import annotations

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client

from coaching.converter import data_converter
from coaching.settings import Settings


async def connect(settings: Settings) -> Client:
    """A client that sends the domain's pydantic models as JSON."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.namespace,
        data_converter=data_converter,
    )


async def describe_execution(client: Client, workflow_id: str) -> DescribeWorkflowExecutionResponse:
    """The raw description. The SDK's `describe()` also decodes search attributes, and fails on
    the Datetime ones of the time-skipping test server (the demo's and the tests')."""
    return await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
