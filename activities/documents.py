"""Writes each version of the plan document and shares it with exactly the right people."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.threaded import threaded_activity
from coaching.org import Parties, Person
from coaching.plan import Role, StrictModel
from coaching.plan_state import PlanState
from coaching.status import CheckIn, Phase, PlanVersion, Review, Signature
from integrations.documents import DocumentStore, RenderedDocument
from integrations.recipients import Purpose, RecipientGate


class PlanDocumentRequest(StrictModel):
    plan_id: str
    phase: Phase
    version: PlanVersion
    parties: Parties
    share_with: list[Role]
    signatures: list[Signature] = Field(default_factory=list)
    check_ins: list[CheckIn] = Field(default_factory=list)
    review: Review | None = None
    team_member_included: bool | None = None
    """Whether the skip-level has approved; None in requests from before the recipient gate,
    which then judges by the phase."""


class DocumentOrder(StrictModel):
    """A document to publish, its version named by number and hash and its signatures by id
    only: the activity reads them, and the parties, from HR's store, where a version never
    changes once recorded, a signature only gets voided and the parties never change, so the
    plan's history does not carry them again with every document."""

    plan_id: str
    phase: Phase
    version: int
    sha256: str
    parties: Parties | None = None
    """Orders made before migration 0006 carried the parties."""
    share_with: list[Role]
    signature_ids: list[str] = Field(default_factory=list)
    signatures: list[Signature] = Field(default_factory=list)
    """Orders made before `signature_ids` carried the signatures themselves."""
    check_ins: list[CheckIn] = Field(default_factory=list)
    review: Review | None = None
    team_member_included: bool

    @classmethod
    def of(cls, plan: PlanState, share_with: Sequence[Role]) -> DocumentOrder:
        """The plan as it stands, for the people who may read it now."""
        return cls(
            plan_id=plan.plan_id,
            phase=plan.phase,
            version=plan.version.number,
            sha256=plan.version.sha256,
            share_with=list(share_with),
            signature_ids=[signature.id for signature in plan.signatures],
            check_ins=plan.check_ins,
            review=plan.review,
            team_member_included=plan.alignment_approved,
        )

    def request(
        self, version: PlanVersion, parties: Parties, signatures: Sequence[Signature] = ()
    ) -> PlanDocumentRequest:
        """The whole request, once `version`, the `parties` and the `signatures` named are read
        (or, before the lean history, sent)."""
        order = self.model_dump(
            exclude={"version", "sha256", "parties", "signature_ids", "signatures"}
        )
        given = list(signatures) or self.signatures
        return PlanDocumentRequest.model_validate(
            order | {"version": version, "parties": parties, "signatures": given}
        )


class PublishedDocument(StrictModel):
    plan_id: str
    version: int
    uri: str
    shared_with: list[str]


ROLE_NAMES = {
    Role.manager: "Manager",
    Role.team_member: "Team member",
    Role.skip_level: "Manager's manager",
    Role.hr: "HR",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _label(value: StrEnum) -> str:
    if isinstance(value, Role):
        return ROLE_NAMES[value]
    return value.value.replace("_", " ").capitalize()


def _local(moment: datetime, zone: str) -> str:
    """Times read in the team member's zone, the one the cadence is agreed in."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def _markdown_text(text: str) -> str:
    """People's text stays text in Markdown: no accidental headings, links or raw HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_TEMPLATES = Environment(
    loader=PackageLoader("activities", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=False,
)
"""The templates ship with the code: a worker loads each once, not checking the file again for
every message and document (3 to 4% of a busy worker's time went to those checks)."""
_TEMPLATES.filters.update(label=_label, local=_local, md=_markdown_text)


class SigningCopy(StrictModel):
    html: str
    sha256: str


def signing_copy(plan_id: str, version: PlanVersion, parties: Parties) -> SigningCopy:
    """One version's document exactly as it is put up for signature: its content and parties,
    no signatures yet. Signers read it, their signatures bind its hash, and HR's store keeps
    it, so anyone can check later that what was signed is what was shown."""
    request = PlanDocumentRequest(
        plan_id=plan_id, phase=Phase.signing, version=version, parties=parties, share_with=[]
    )
    html = _TEMPLATES.get_template("plan.html.j2").render(_context(request))
    return SigningCopy(html=html, sha256=hashlib.sha256(html.encode()).hexdigest())


class DocumentActivities:
    def __init__(self, store: DocumentStore, gate: RecipientGate | None = None) -> None:
        self._store = store
        self._gate = gate or RecipientGate()

    @threaded_activity
    def render_plan_document(self, request: PlanDocumentRequest) -> PublishedDocument:
        _refuse_invalid(request)
        readers = list(
            {
                person.email: person
                for role in request.share_with
                for person in request.parties.person(role)
            }.values()
        )
        hr_included = Role.hr in request.share_with
        group = [self._gate.hr_group] if hr_included and self._gate.hr_group else []
        self._gate.admit(
            request.plan_id,
            request.parties,
            request.phase,
            [*(person.email for person in readers), *group],
            Purpose.share,
            team_member_included=request.team_member_included,
        )
        context = _context(request)
        uri = self._store.publish(
            RenderedDocument(
                plan_id=request.plan_id,
                version=request.version.number,
                title=context["title"],
                html=_TEMPLATES.get_template("plan.html.j2").render(context),
                markdown=_TEMPLATES.get_template("plan.md.j2").render(context),
                share_with=readers,
                hr_included=hr_included,
            )
        )
        activity.logger.info(
            "Published plan %s version %d (%s) to %d people",
            request.plan_id,
            request.version.number,
            request.phase.value,
            len(readers),
        )
        return PublishedDocument(
            plan_id=request.plan_id,
            version=request.version.number,
            uri=uri,
            shared_with=[person.email for person in readers],
        )


def _refuse_invalid(request: PlanDocumentRequest) -> None:
    """Permanent mistakes: retrying would only repeat them."""
    content = request.version.content
    if request.version.sha256 not in (content.content_hash(), content.pydantic_json_hash()):
        raise ApplicationError(
            f"plan {request.plan_id} version {request.version.number}: the SHA-256 does not "
            "match the content, so the document could not be tied to what is signed",
            type="DocumentHashMismatch",
            non_retryable=True,
        )


def _context(request: PlanDocumentRequest) -> dict[str, Any]:
    content = request.version.content
    parties: list[tuple[Role, Person]] = [
        (role, person) for role in Role for person in request.parties.person(role)
    ]
    return {
        "title": f"Coaching plan for {request.parties.team_member.name}",
        "plan_id": request.plan_id,
        "phase": request.phase,
        "version": request.version,
        "content": content,
        "parties": parties,
        "zone": content.cadence.time_zone,
        "signatures": request.signatures,
        "check_ins": request.check_ins,
        "review": request.review,
        "activity_names": {item.id: item.description for item in content.activities},
        "support_names": {item.id: item.description for item in content.support},
    }
