"""Signatures as a signing client makes them, with their evidence, for tests that sign."""

from __future__ import annotations

import hashlib
from typing import Any

from activities.documents import signing_copy
from coaching.actions import SIGNING_INTENT, SignPlan
from coaching.evidence import ConsentRecord, Disclosure, Identification, IdentificationMethod
from coaching.org import Parties
from coaching.status import PlanStatus, PlanVersion

DEVELOPMENT_SIGN_IN = Identification(method=IdentificationMethod.development_sign_in)


def signature(
    plan_id: str, plan_version: PlanVersion, parties: Parties, email: str, **changes: Any
) -> SignPlan:
    """`email` signs `plan_version` through the development sign-in, consenting as they sign."""
    people = (parties.manager, parties.team_member, parties.skip_level)
    person = next(p for p in people if p.email == email)
    consent = ConsentRecord.given(
        consent_id=f"consent-{hashlib.sha256(f'{plan_id}/{email}'.encode()).hexdigest()[:16]}",
        person_id=person.id,
        email=person.email,
        name=person.name,
        disclosure=Disclosure(),
        at=plan_version.created_at,
        through=DEVELOPMENT_SIGN_IN,
    )
    action = SignPlan(
        actor=email,
        version=plan_version.number,
        sha256=plan_version.sha256,
        intent=SIGNING_INTENT,
        document_sha256=signing_copy(plan_id, plan_version, parties).sha256,
        identified_by=DEVELOPMENT_SIGN_IN,
        consent=consent,
    )
    return action.model_copy(update=changes)


def signing_form(status: PlanStatus) -> dict[str, str]:
    """What the plan page's sign form posts for the current version, consent ticked."""
    return {
        "version": str(status.version),
        "sha256": status.sha256,
        "document_sha256": signing_copy(status.plan_id, status.versions[-1], status.parties).sha256,
        "consent_to_sign_electronically": "on",
    }
