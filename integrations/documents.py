"""Where plan documents live: a folder by default, Google Docs in a company."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field

from coaching.org import Person
from coaching.plan import StrictModel


class RenderedDocument(StrictModel):
    """One version of a plan's document, ready to store and share."""

    plan_id: str
    version: int
    title: str
    html: str
    markdown: str
    share_with: list[Person]
    hr_included: bool = False
    """HR may read it: a store that shares with HR's group does so only then."""


class CertificateFile(StrictModel):
    """A sealed certificate of completion, stored next to the plan's document."""

    plan_id: str
    name: str = Field(description="Unique within the plan: a new certificate never replaces one.")
    title: str = Field(description="What people see the file called where a store shows one.")
    pdf: bytes
    share_with: list[Person]
    hr_included: bool = False


class DocumentStore(Protocol):
    def publish(self, document: RenderedDocument) -> str:
        """Stores the version, grants access to exactly `share_with`, returns its address.

        Publishing the same version again replaces it: activities may be retried.
        """
        ...

    def remove_other_readers(
        self, plan_id: str, allowed: list[Person], hr_included: bool
    ) -> list[str]:
        """Takes access to the plan's document away from anyone not in `allowed` (someone
        shared it by hand, say), and from HR's group unless `hr_included`; returns the
        emails removed, for HR's audit log."""
        ...

    def publish_certificate(self, certificate: CertificateFile) -> str:
        """Stores the sealed PDF byte for byte next to the plan's document, readable by exactly
        `share_with`; returns its address. Storing the same name again replaces that file
        only (a retried activity), never an earlier certificate."""
        ...
