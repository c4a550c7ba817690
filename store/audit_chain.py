"""The hash that chains a plan's audit rows, defined once for the writer and for `verify`.

Each row's SHA-256 covers its own fields and the SHA-256 of the plan's row before it, so a
row deleted, edited or moved no longer fits the rows around it. Times are hashed as ISO 8601
in UTC: the store keeps them as naive UTC and reads them back as aware UTC, whatever zone
the workflow wrote them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from coaching.canonical import canonical_sha256

CHAINED = (
    "plan_id",
    "key",
    "at",
    "actor",
    "action",
    "detail",
    "version",
    "refused",
    "evidence_sha256",
    "prev_sha256",
)
"""The fields a row's hash covers, `prev_sha256` (the row before's hash) among them."""


def audit_row_sha256(row: Mapping[str, Any]) -> str:
    """The SHA-256 of the RFC 8785 canonical JSON of the row's `CHAINED` fields."""
    at: datetime = row["at"]
    return canonical_sha256(
        {name: row[name] for name in CHAINED} | {"at": at.astimezone(UTC).isoformat()}
    )
