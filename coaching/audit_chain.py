"""The plan's audit log as a hash chain: each row's hash covers its fields and the hash of the
row before it, so a row deleted, edited or moved breaks the chain where it was.

The hash is the one HR's store writes; a certificate's `audit.json` carries the rows with
their hashes, and `coachplan verify --pdf` recomputes them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from coaching.canonical import canonical_sha256
from coaching.records import AuditEntry

HASHED_FIELDS = frozenset(
    {"key", "at", "actor", "action", "detail", "version", "refused", "evidence_sha256"}
)


class ChainedAuditEntry(AuditEntry):
    """An audit row as HR's store keeps it, with its place in the chain."""

    prev_sha256: str | None = None
    """The hash of the plan's previous row; None for its first."""
    sha256: str | None = None


def row_sha256(plan_id: str, entry: AuditEntry, prev_sha256: str | None) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of the row's fields, its plan id and
    `prev_sha256`; its time as ISO 8601 in UTC (`2026-11-30T08:00:00+00:00`)."""
    fields = entry.model_dump(include=set(HASHED_FIELDS))
    at = entry.at.astimezone(UTC).isoformat()
    return canonical_sha256({**fields, "at": at, "plan_id": plan_id, "prev_sha256": prev_sha256})


def chain_head(rows: Sequence[ChainedAuditEntry]) -> str | None:
    return rows[-1].sha256 if rows else None


def chain_breaks(plan_id: str, rows: Sequence[ChainedAuditEntry]) -> list[str]:
    """Each row where the chain does not hold, numbered from 1, in the plan's order."""
    problems: list[str] = []
    previous: str | None = None
    for number, row in enumerate(rows, start=1):
        where = f"audit row {number} ({row.key})"
        if row.prev_sha256 != previous:
            before = f"row {number - 1}'s hash" if number > 1 else "nothing (it is the first)"
            problems.append(f"{where} is broken: its prev_sha256 does not point to {before}")
        elif row.sha256 != row_sha256(plan_id, row, row.prev_sha256):
            problems.append(f"{where} is broken: its sha256 is not the hash of its fields")
        previous = row.sha256
    return problems
