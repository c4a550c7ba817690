"""What `coachplan verify` found, in one form for the terminal, the parties' page and the API.

Each finding names exactly what it is about (version 2, signature abc123-signature-1, audit
row 7) and says in words what holds or what is wrong, so that a broken record can be found
and shown to the people it concerns. Checks of other evidence (a sealed certificate, say)
add their findings to the same report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, computed_field, model_validator

from coaching.plan import StrictModel


class Checked(StrEnum):
    version = "version"
    signature = "signature"
    consent = "consent"
    audit_row = "audit row"
    audit_log = "audit log"
    seal = "seal"
    """A certificate of completion's PAdES seal."""
    attachment = "attachment"
    """A file a certificate carries (plan.json, audit.json)."""


class Verdict(StrEnum):
    ok = "ok"
    bad = "bad"
    unchecked = "unchecked"
    """Recorded before the evidence was kept: there is nothing to check it against. Not an
    error, and not a proof either."""


class Finding(StrictModel):
    checked: Checked
    name: str = Field(
        description="Which one: a version number, a signature or consent id, an audit row's "
        "position and key; empty for the whole audit log."
    )
    verdict: Verdict
    says: str = Field(description="What holds, or exactly what is wrong.")

    @property
    def subject(self) -> str:
        return f"{self.checked} {self.name}".strip()


class VerificationReport(StrictModel):
    plan_id: str
    findings: list[Finding]
    source: str = Field(
        default="HR's records", description="What was checked: HR's records, or a certificate."
    )

    @model_validator(mode="before")
    @classmethod
    def _recompute_holds(cls, data: Any) -> Any:
        """A report read back from its JSON recomputes `holds` from its findings: a report
        saying it holds is never taken at its word."""
        if isinstance(data, dict):
            return {name: value for name, value in data.items() if name != "holds"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def holds(self) -> bool:
        """True when nothing checked is wrong."""
        return all(f.verdict is not Verdict.bad for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict is Verdict.bad]
