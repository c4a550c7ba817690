"""How plans travel through Temporal: pydantic models as JSON, bad input refused in words.

A malformed action (from a script, or a web form that skipped its checks) fails to decode
inside the workflow; the SDK would refuse it as "Failed decoding arguments". Raising an
`ApplicationError` instead refuses it with the field and the rule. One converter for every
client, worker and replayer, so a payload codec can be added here for all of them at once.
"""

from __future__ import annotations

from typing import Any

import temporalio.api.common.v1
from pydantic import ValidationError
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.exceptions import ApplicationError

from coaching.validation import explain


class ExplainingJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    def from_payload(
        self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None
    ) -> Any:
        try:
            return super().from_payload(payload, type_hint)
        except ValidationError as error:
            raise ApplicationError(
                "; ".join(explain(error)), type="InvalidInput", non_retryable=True
            ) from None


class PlanPayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        explaining = ExplainingJSONPayloadConverter()
        super().__init__(
            *(
                explaining if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=PlanPayloadConverter)
