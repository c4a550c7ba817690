"""Where plan documents live: a folder by default, Google Docs in a company."""

from __future__ import annotations

from typing import Protocol

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
