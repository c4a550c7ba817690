"""The Temporal UI's codec endpoint: HR and the named operators read a plan's payloads decoded,
everyone else gets a refusal (and the UI keeps the ciphertext); CORS for the UI's origin only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.testing import WorkflowEnvironment

from coaching.actions import workflow_id_for
from coaching.key_ring import KeyRing
from coaching.payload_codec import KEY_ID, PlanPayloadCodec
from store.plan_looks import PlanLooks, Through
from tests.web.browserless import (
    DAVID,
    GRACE,
    PRIYA,
    TOM,
    Browserless,
    Person,
    WebStack,
    migrated_settings,
    running_app,
)
from tests.web.test_api import signed_in, start
from web.context import WebContext

UI = "http://localhost:8233"
"""The default Temporal UI's origin (COACHPLAN_UI_PORT 8233)."""
ELSEWHERE = "https://elsewhere.example.com"
DEVELOPMENT_AREA = "Leading a technical change end to end"


@pytest.fixture
async def web(dev_server_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[WebStack]:
    """The web app with David named as an operator who may decode."""
    settings = migrated_settings(dev_server_env.client, tmp_path, codec_operators=(DAVID,))
    async with running_app(dev_server_env.client, settings) as stack:
        yield stack


@pytest.fixture
async def plan_payloads(browser_for: Browserless, web: WebStack) -> tuple[str, dict[str, Any]]:
    """A plan Priya started, and its start input as the Temporal UI sends it: encrypted."""
    plan_id = await start(await signed_in(browser_for, PRIYA))
    history = await web.client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=web.client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id_for(plan_id)),
        )
    )
    started = history.history.events[0].workflow_execution_started_event_attributes
    return plan_id, json_format.MessageToDict(started.input)


def from_json(body: dict[str, Any]) -> list[Payload]:
    return list(json_format.ParseDict(body, Payloads()).payloads)


async def decode(person: Person, body: Any, origin: str | None = UI) -> httpx.Response:
    headers = {"X-Namespace": "default", **({"Origin": origin} if origin else {})}
    return await person.http.post("/codec/decode", json=body, headers=headers)


async def test_hr_reads_a_plans_payloads_and_the_decode_is_a_recorded_look(
    browser_for: Browserless, web: WebStack, plan_payloads: tuple[str, dict[str, Any]]
) -> None:
    plan_id, body = plan_payloads
    assert DEVELOPMENT_AREA.encode() not in b"".join(p.data for p in from_json(body))
    grace = await browser_for.signed_in(GRACE)
    looks = PlanLooks(web.app.state.context.desk.engine)
    before = looks.of(plan_id).total

    answer = await decode(grace, body)

    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == UI
    assert answer.headers["access-control-allow-credentials"] == "true"
    [decoded] = from_json(answer.json())
    assert decoded.metadata["encoding"] == b"json/plain"
    assert DEVELOPMENT_AREA in decoded.data.decode()
    recorded = looks.of(plan_id)
    assert recorded.total == before + 1
    assert (recorded.looks[0].person_id, recorded.looks[0].through) == ("grace.liu", Through.codec)


async def test_an_operator_named_in_the_configuration_reads_them(
    browser_for: Browserless, plan_payloads: tuple[str, dict[str, Any]]
) -> None:
    _, body = plan_payloads

    answer = await decode(await browser_for.signed_in(DAVID), body)

    assert answer.status_code == 200, answer.text
    assert DEVELOPMENT_AREA in from_json(answer.json())[0].data.decode()


async def test_hrs_api_token_reads_them_without_a_cookie(
    web: WebStack, browser_for: Browserless, plan_payloads: tuple[str, dict[str, Any]]
) -> None:
    _, body = plan_payloads
    context: WebContext = web.app.state.context
    grace = context.directory.by_email(GRACE)
    token = context.tokens.create(grace.id, "codec", context.now()).token
    script = browser_for.anonymous()
    script.http.headers["Authorization"] = f"Bearer {token}"

    answer = await decode(script, body, origin=None)

    assert answer.status_code == 200, answer.text
    assert "access-control-allow-origin" not in answer.headers


async def test_the_manager_of_the_plan_may_not_decode(
    browser_for: Browserless, plan_payloads: tuple[str, dict[str, Any]]
) -> None:
    """Not even a party: the UI is for those who may read every plan."""
    _, body = plan_payloads

    for email in (PRIYA, TOM):
        answer = await decode(await browser_for.signed_in(email), body)

        assert answer.status_code == 403, answer.text
        assert answer.json() == {
            "detail": [
                {
                    "field": None,
                    "rule": "only HR and the operators named in COACHPLAN_CODEC_OPERATORS may "
                    "read plan payloads",
                }
            ]
        }
        assert answer.headers["access-control-allow-origin"] == UI, "the UI may read why"


async def test_without_signing_in_the_answer_is_401(
    browser_for: Browserless, plan_payloads: tuple[str, dict[str, Any]]
) -> None:
    _, body = plan_payloads

    answer = await decode(browser_for.anonymous(), body)

    assert answer.status_code == 401, answer.text
    assert answer.json()["detail"][0]["field"] == "authorization"


@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
async def test_the_uis_preflight_gets_its_exact_origin_with_credentials(
    browser_for: Browserless, path: str
) -> None:
    answer = await browser_for.anonymous().http.options(
        path,
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )

    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == UI
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["access-control-allow-methods"] == "POST, OPTIONS"
    allowed = answer.headers["access-control-allow-headers"].split(", ")
    assert {"content-type", "x-namespace", "authorization"} <= set(allowed)
    assert "Origin" in answer.headers["vary"]


async def test_the_other_local_ui_address_is_allowed_too(browser_for: Browserless) -> None:
    answer = await browser_for.anonymous().http.options(
        "/codec/decode",
        headers={"Origin": "http://127.0.0.1:8233", "Access-Control-Request-Method": "POST"},
    )

    assert answer.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"


async def test_a_foreign_origin_gets_no_cors_headers_and_is_refused(
    browser_for: Browserless,
    plan_payloads: tuple[str, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, body = plan_payloads
    grace = await browser_for.signed_in(GRACE)

    preflight = await grace.http.options(
        "/codec/decode", headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "POST"}
    )
    with caplog.at_level(logging.INFO, logger="coachplan.web.codec"):
        forged = await decode(grace, body, origin=ELSEWHERE)

    for answer in (preflight, forged):
        assert answer.status_code == 403, answer.text
        assert not [h for h in answer.headers if h.startswith("access-control-")], answer.headers
    assert DEVELOPMENT_AREA not in forged.text
    assert not [r for r in caplog.records if r.name == "coachplan.web.codec"]


async def test_the_api_gets_no_cors_headers(browser_for: Browserless) -> None:
    """Only the codec paths are open to the UI's origin."""
    grace = await browser_for.signed_in(GRACE)

    answer = await grace.http.get("/api/me", headers={"Origin": UI})

    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({}, "payloads", "is required"),
        ({"payloads": [{"data": "%%%"}]}, "payloads[1].data", "is not base64"),
        (
            {"payloads": [{"metadata": {"encoding": 7}}]},
            "payloads[1].metadata.encoding",
            "must be a base64 string",
        ),
    ],
    ids=["no-payloads", "data-not-base64", "metadata-not-a-string"],
)
async def test_a_body_that_is_not_payloads_is_422_naming_the_field(
    browser_for: Browserless, body: dict[str, Any], field: str, rule: str
) -> None:
    answer = await decode(await browser_for.signed_in(GRACE), body)

    assert answer.status_code == 422, answer.text
    assert answer.json() == {"detail": [{"field": field, "rule": rule}]}


async def test_a_payload_of_a_key_not_in_the_ring_is_422_naming_it(
    browser_for: Browserless,
) -> None:
    [foreign] = await PlanPayloadCodec(KeyRing.generate()).encode([Payload(data=b"{}")])
    body = json_format.MessageToDict(Payloads(payloads=[Payload(data=b"1"), foreign]))

    answer = await decode(await browser_for.signed_in(GRACE), body)

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["field"] == "payloads[2]"
    assert f"key '{foreign.metadata[KEY_ID].decode()}', which is not in " in problem["rule"]


async def test_what_hr_encodes_decodes_back(browser_for: Browserless) -> None:
    grace = await browser_for.signed_in(GRACE)
    clear = Payload(metadata={"encoding": b"json/plain"}, data=b'"a signal typed in the UI"')
    body = json_format.MessageToDict(Payloads(payloads=[clear]))

    encoded = await grace.http.post("/codec/encode", json=body, headers={"Origin": UI})
    [encrypted] = from_json(encoded.json())
    decoded = await decode(grace, encoded.json())
    refused = await (await browser_for.signed_in(PRIYA)).http.post("/codec/encode", json=body)

    assert encoded.status_code == 200, encoded.text
    assert encoded.headers["access-control-allow-origin"] == UI
    assert encrypted.metadata["encoding"] == b"binary/encrypted"
    assert b"signal typed" not in encrypted.data
    assert from_json(decoded.json()) == [clear]
    assert refused.status_code == 403
