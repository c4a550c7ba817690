"""What operators can filter plans by in the Temporal UI: typed search attributes.

Only the phase and the next deadline: no names, no emails, nothing of the plan's content,
because everyone who can open the Temporal UI sees search attributes.
Example filter in the UI:
`CoachingPlanPhase = "review" AND CoachingPlanNextDeadline < "2026-12-01T00:00:00Z"`.
"""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

PLAN_PHASE = SearchAttributeKey.for_keyword("CoachingPlanPhase")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("CoachingPlanNextDeadline")
SEARCH_ATTRIBUTES = (PLAN_PHASE, NEXT_DEADLINE)


def _value_type(key: SearchAttributeKey[Any]) -> IndexedValueType.ValueType:
    return IndexedValueType.ValueType(key.indexed_value_type)


def dev_server_flags() -> list[str]:
    """`temporal server start-dev` registers them at start: `--search-attribute NAME=TYPE`."""
    flags = []
    for key in SEARCH_ATTRIBUTES:
        type_name = IndexedValueType.Name(_value_type(key)).removeprefix("INDEXED_VALUE_TYPE_")
        flags += ["--search-attribute", f"{key.name}={type_name.title()}"]
    return flags


async def register_search_attributes(client: Client, namespace: str) -> None:
    """For servers started without the flags (the time-skipping test server among them)."""
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={key.name: _value_type(key) for key in SEARCH_ATTRIBUTES},
            )
        )
    except RPCError as error:
        if error.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
