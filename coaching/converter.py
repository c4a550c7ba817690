"""How plans travel through Temporal: pydantic models as JSON, encrypted, bad input refused
in words.

A malformed action (from a script, or a web form that skipped its checks) fails to decode
inside the workflow; the SDK would refuse it as "Failed decoding arguments". Raising an
`ApplicationError` instead refuses it with the field and the rule. A `null` or bytes where a
model belongs (which the SDK hands over undecoded) is refused the same way. One converter for every
client, worker and replayer: each payload is encrypted with the key ring's active key, and
failures keep their message and stack trace in an (encrypted) payload too, since a refusal
may quote plan text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import temporalio.api.common.v1
from pydantic import BaseModel, ValidationError
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, ToJsonOptions
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.exceptions import ApplicationError

from coaching.key_ring import KeyRing, load_key_ring
from coaching.payload_codec import PlanPayloadCodec
from coaching.settings import Settings
from coaching.validation import explain


def _refused(error: ValidationError) -> ApplicationError:
    return ApplicationError("; ".join(explain(error)), type="InvalidInput", non_retryable=True)


class ExplainingJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    def from_payload(
        self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None
    ) -> Any:
        try:
            return super().from_payload(payload, type_hint)
        except ValidationError as error:
            raise _refused(error) from None


class PlanPayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        explaining = ExplainingJSONPayloadConverter(ToJsonOptions(exclude_unset=True))
        """A field left at its default is not sent: it decodes to the same default, and the
        plan's history stays lean. (A discriminator is therefore always given explicitly.)"""
        super().__init__(
            *(
                explaining if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )

    def from_payloads(
        self,
        payloads: Sequence[temporalio.api.common.v1.Payload],
        type_hints: list[type] | None = None,
    ) -> list[Any]:
        """A model is read from JSON only: `null`, bytes or a protobuf message, which other
        encodings would hand over as they are, are refused like any other wrong shape."""
        values = super().from_payloads(payloads, type_hints)
        for value, hint in zip(values, type_hints or [], strict=False):
            model = hint if isinstance(hint, type) and issubclass(hint, BaseModel) else None
            if model is not None and not isinstance(value, model):
                try:
                    model.model_validate(value)
                except ValidationError as error:
                    raise _refused(error) from None
        return values


def plan_data_converter(keys: KeyRing) -> DataConverter:
    return DataConverter(
        payload_converter_class=PlanPayloadConverter,
        payload_codec=PlanPayloadCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def configured_data_converter(settings: Settings) -> DataConverter:
    """With the configured key ring; `KeyRingError` names the variable if it cannot be read."""
    return plan_data_converter(load_key_ring(settings))
