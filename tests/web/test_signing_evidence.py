"""A signature given in the web app records who signed, how the app knew them, where from, the
consent it relies on and the signing copy they read; the client can claim none of it."""

from __future__ import annotations

import hashlib

import pytest

from coaching.actions import SIGNING_INTENT
from coaching.evidence import IdentificationMethod
from coaching.status import Phase, PlanStatus
from starter.plan_client import PlanClient
from tests.signatures import signing_form
from tests.web.browserless import KWAME, MARCUS, PRIYA, TOM, Browserless, Person, WebStack
from tests.web.test_api import call, with_token
from tests.web.test_plan_page import started
from tests.workflows.running_plan import eventually


async def in_signing(browser_for: Browserless) -> tuple[str, Person, Person]:
    """Priya's plan for Kwame, approved and marked ready by both: waiting for signatures."""
    plan_id, priya = await started(browser_for)
    marcus = await browser_for.signed_in(MARCUS)
    kwame = await browser_for.signed_in(KWAME)
    assert (await marcus.post(f"/plans/{plan_id}/actions/approve", {})).status_code == 303
    for person in (kwame, priya):
        ready = await person.post(f"/plans/{plan_id}/actions/ready", {"version": "1"})
        assert ready.status_code == 303, ready.text
    return plan_id, priya, kwame


async def test_a_web_signature_records_its_evidence_and_the_signing_copy_read(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya, _ = await in_signing(browser_for)
    status = await web.status(plan_id)

    page = await priya.get(f"/plans/{plan_id}")
    assert "Before your first electronic signature" in page.text
    assert "Paper copy: you can ask HR" in page.text
    copy = await priya.get(f"/plans/{plan_id}/signing-copy")
    assert copy.status_code == 200
    assert "sandbox" in copy.headers["content-security-policy"]
    assert signing_form(status)["document_sha256"] == hashlib.sha256(copy.content).hexdigest()

    signed = await priya.post(f"/plans/{plan_id}/actions/sign", signing_form(status))
    assert signed.status_code == 303, signed.text

    signature = (await web.status(plan_id)).signatures[-1]
    assert signature.document_sha256 == hashlib.sha256(copy.content).hexdigest()
    assert signature.identified_by is not None
    assert signature.identified_by.method is IdentificationMethod.development_sign_in
    assert signature.context is not None
    assert signature.context.session_id
    assert signature.context.user_agent
    consent = (await web.status(plan_id)).consents[0]
    assert (consent.email, consent.id) == (PRIYA, signature.consent_id)
    assert consent.given_through.method is IdentificationMethod.development_sign_in
    assert "Paper copy" in consent.disclosure_text

    again = await priya.get(f"/plans/{plan_id}")
    assert "Before your first electronic signature" not in again.text


async def test_signing_without_consent_or_with_another_copy_is_refused_and_changes_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya, _ = await in_signing(browser_for)
    status = await web.status(plan_id)

    unconsented = {**signing_form(status), "consent_to_sign_electronically": ""}
    refused = await priya.post(f"/plans/{plan_id}/actions/sign", unconsented)
    assert refused.status_code == 422
    assert "consent_to_sign_electronically: required before your first" in refused.text

    other_copy = {**signing_form(status), "document_sha256": "ab" * 32}
    refused = await priya.post(f"/plans/{plan_id}/actions/sign", other_copy)
    assert refused.status_code == 422
    assert "document_sha256: version 1's signing copy has SHA-256" in refused.text

    after = await web.status(plan_id)
    assert (after.signatures, after.consents, after.phase) == ([], [], Phase.signing)


async def test_the_wrong_person_and_an_outsider_cannot_sign_or_read_the_signing_copy(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, _, _ = await in_signing(browser_for)
    status = await web.status(plan_id)
    marcus = await browser_for.signed_in(MARCUS)
    tom = await browser_for.signed_in(TOM)

    wrong = await marcus.post(f"/plans/{plan_id}/actions/sign", signing_form(status))
    assert wrong.status_code == 403
    assert "only the manager or team member may sign" in wrong.text
    assert (await tom.get(f"/plans/{plan_id}/signing-copy")).status_code == 404
    assert (await tom.post(f"/plans/{plan_id}/actions/sign", signing_form(status))).status_code == (
        404
    )
    assert (await web.status(plan_id)).signatures == []


async def test_an_api_signature_is_identified_by_its_token_and_cannot_claim_evidence(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, _, kwame = await in_signing(browser_for)
    await kwame.get("/me")
    created = await call(kwame, "POST", "/api/tokens", {"name": "signing script"})
    token, info = created.json()["token"], created.json()["info"]
    script = with_token(browser_for, token)
    status = await web.status(plan_id)
    body = {**signing_form(status), "version": status.version, "intent": SIGNING_INTENT}
    body["consent_to_sign_electronically"] = True

    claimed = {**body, "identified_by": {"method": "oidc", "subject": "x", "issuer": "y"}}
    refused = await script.post(f"/api/plans/{plan_id}/actions/sign", json=claimed)
    assert refused.status_code == 422
    assert "identified_by" in refused.text

    signed = await script.post(f"/api/plans/{plan_id}/actions/sign", json=body)
    assert signed.status_code == 200, signed.text
    signature = (await web.status(plan_id)).signatures[-1]
    assert signature.identified_by is not None
    assert signature.identified_by.method is IdentificationMethod.api_token
    assert signature.identified_by.subject == info["id"]


async def test_the_parties_download_the_sealed_certificate_once_both_have_signed(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, priya, kwame = await in_signing(browser_for)
    status = await web.status(plan_id)
    for person in (priya, kwame):
        signed = await person.post(f"/plans/{plan_id}/actions/sign", signing_form(status))
        assert signed.status_code == 303, signed.text

    async def listed() -> bool:
        return "Certificate 1" in (await kwame.get(f"/plans/{plan_id}")).text

    await eventually(listed)
    pdf = await kwame.get(f"/plans/{plan_id}/certificates/1")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() in (await kwame.get(f"/plans/{plan_id}")).text

    tom = await browser_for.signed_in(TOM)
    assert (await tom.get(f"/plans/{plan_id}/certificates/1")).status_code == 404
    assert (await kwame.get(f"/plans/{plan_id}/certificates/2")).status_code == 404


async def test_a_signature_asks_the_plan_for_its_state_once(
    browser_for: Browserless, web: WebStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page and the API read the plan to check who may sign, and sign from that reading:
    under load every query is a workflow task on a worker, and people wait on them."""
    plan_id, priya, kwame = await in_signing(browser_for)
    status = await web.status(plan_id)
    asked: list[str] = []
    query = PlanClient._query

    async def counted(plans: PlanClient, plan_id: str) -> PlanStatus:
        asked.append(plan_id)
        return await query(plans, plan_id)

    monkeypatch.setattr(PlanClient, "_query", counted)
    signed = await priya.post(f"/plans/{plan_id}/actions/sign", signing_form(status))
    assert signed.status_code == 303, signed.text
    assert asked == [plan_id]

    asked.clear()
    body = {**signing_form(status), "version": status.version, "intent": SIGNING_INTENT}
    signed = await call(kwame, "POST", f"/api/plans/{plan_id}/actions/sign", body)
    assert signed.status_code == 200, signed.text
    assert asked == [plan_id]
