"""What proves a signature years later: how the signer was identified, the consent to sign
electronically it relies on, and where it was given from.

Each record is hashed as RFC 8785 canonical JSON; the hash goes into the plan's audit chain,
so a record edited afterwards no longer matches the chain and `coachplan verify` names it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from coaching.canonical import canonical_sha256
from coaching.org import Email
from coaching.plan import StrictModel

Sha256 = Annotated[str, StringConstraints(to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")]
RecordId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{5,79}$")]


class IdentificationMethod(StrEnum):
    oidc = "oidc"
    """Signed in through the company's OpenID Connect provider."""
    api_token = "api_token"
    """A personal API token the person created after signing in."""
    development_sign_in = "development_sign_in"
    """The embedded setup's pick-a-person sign-in: it identifies nobody."""
    cli_development = "cli_development"
    """The `coachplan` command's `--as`: a development and operator tool that identifies nobody."""


class Identification(StrictModel):
    """How the person acting was identified, as the signature records it."""

    method: IdentificationMethod
    subject: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        default=None, description="The OIDC subject, or the API token's id."
    )
    issuer: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="The OIDC issuer."
    )

    @model_validator(mode="after")
    def _names_who_vouched(self) -> Self:
        if self.method is IdentificationMethod.oidc and not (self.subject and self.issuer):
            raise ValueError("an OpenID Connect identification needs its subject and issuer")
        if self.method is IdentificationMethod.api_token and not self.subject:
            raise ValueError("an API token identification needs the token's id as subject")
        return self

    def describe(self) -> str:
        match self.method:
            case IdentificationMethod.oidc:
                return f"OpenID Connect subject {self.subject} at {self.issuer}"
            case IdentificationMethod.api_token:
                return f"personal API token {self.subject}"
            case IdentificationMethod.development_sign_in:
                return "the development sign-in (embedded setup; identifies nobody)"
            case IdentificationMethod.cli_development:
                return "the coachplan command's --as (development setup; identifies nobody)"


CLI_DEVELOPMENT = Identification(method=IdentificationMethod.cli_development)
"""How the `coachplan` command identifies the person it acts as: by `--as`, so not at all."""


class SigningContext(StrictModel):
    """Where a web action came from. The CLI has none."""

    ip: Annotated[str, StringConstraints(max_length=64)] | None = None
    user_agent: Annotated[str, StringConstraints(max_length=500)] | None = None
    session_id: Annotated[str, StringConstraints(max_length=100)] | None = None


DEFAULT_DISCLOSURE_VERSION = "2026-11"
DEFAULT_DISCLOSURE = """\
Using electronic signatures for coaching plans

By agreeing, you choose to acknowledge coaching plans electronically instead of on paper.
Your electronic signature acknowledges that you have read a version of a coaching plan and will
work on it together; it is not a contract and does not change your terms of employment.

- Paper copy: you can ask HR for a paper copy of any plan you are part of, and its record of
  signatures, at any time and at no cost.
- Withdrawing: you can withdraw this consent at any time by telling HR. Plans you signed before
  stay signed; from then on HR arranges acknowledgement on paper.
- What you need: a web browser to read and sign the plan, and a PDF reader to open its
  certificate of completion. Keep a copy of the certificate if you wish; HR keeps one too.
"""


class Disclosure(StrictModel):
    """What a person is told before they first sign electronically; versioned and hashed."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = (
        DEFAULT_DISCLOSURE_VERSION
    )
    text: Annotated[str, StringConstraints(min_length=20, max_length=20000)] = DEFAULT_DISCLOSURE

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


class ConsentRecord(StrictModel):
    """One person's consent to sign electronically, given once, before their first signature,
    and relied on by every signature of theirs under the same disclosure."""

    id: RecordId
    person_id: str
    email: Email
    name: str
    disclosure_version: str
    disclosure_sha256: Sha256
    disclosure_text: str
    given_at: AwareDatetime
    given_through: Identification
    context: SigningContext | None = None

    @model_validator(mode="after")
    def _text_matches_hash(self) -> Self:
        if hashlib.sha256(self.disclosure_text.encode()).hexdigest() != self.disclosure_sha256:
            raise ValueError("disclosure_sha256 is not the SHA-256 of disclosure_text")
        return self

    @classmethod
    def given(
        cls,
        *,
        consent_id: str,
        person_id: str,
        email: str,
        name: str,
        disclosure: Disclosure,
        at: datetime,
        through: Identification,
        context: SigningContext | None = None,
    ) -> ConsentRecord:
        return cls(
            id=consent_id,
            person_id=person_id,
            email=email,
            name=name,
            disclosure_version=disclosure.version,
            disclosure_sha256=disclosure.sha256,
            disclosure_text=disclosure.text,
            given_at=at,
            given_through=through,
            context=context,
        )

    def covers(self, disclosure: Disclosure) -> bool:
        """A consent holds for the disclosure it was given to; new wording asks again."""
        return self.disclosure_sha256 == disclosure.sha256

    @property
    def evidence_sha256(self) -> str:
        return canonical_sha256(self)
