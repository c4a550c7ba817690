"""RFC 8785 canonical JSON: the same bytes for the same data on every run and every machine.

A hash taken when a plan is signed must be recomputable by anyone, years later, from the data
alone. JSON as pydantic writes it depends on field order and number formatting; RFC 8785 fixes
both (keys sorted by UTF-16 code units, ECMAScript number form, no insignificant whitespace).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785
from pydantic import BaseModel

JsonValue = Mapping[str, Any] | Sequence[Any] | str | int | bool | None


def canonical_json(value: BaseModel | JsonValue) -> bytes:
    """A model is taken as its JSON form (dates as ISO 8601 text, enums as their values)."""
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return rfc8785.dumps(data)


def canonical_sha256(value: BaseModel | JsonValue) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
