"""The codec endpoint of the Temporal UI: `POST /codec/decode` and `POST /codec/encode`.

The server keeps every payload encrypted, so the UI shows ciphertext unless it is pointed here
(`temporal server start-dev --ui-codec-endpoint`, TEMPORAL_CODEC_ENDPOINT for the UI server):
then HR, and the operators named in COACHPLAN_CODEC_OPERATORS, signed in to this app, read plans
decoded; anyone else gets 401 or 403 and the UI keeps the ciphertext. Every decode is told to
`WebContext.record_decode`, with the plans its payloads belong to.

The UI calls from its own origin with the viewer's cookie (credentials included): CORS answers
exactly the origins in COACHPLAN_CODEC_UI_ORIGINS, and a call from any other origin is
refused, which is what protects these calls from forgery (they carry no CSRF token). A script
may call with a personal API token instead of the cookie. Bodies and answers are Temporal's
`Payloads` in proto3 JSON: `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data":
"<base64>"}]}`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import HTTPException, RequestValidationError
from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from coaching.payload_codec import PayloadKeyError, is_encrypted, plan_id_of
from coaching.settings import ENV_VARS
from web.errors import ErrorAnswer
from web.identity import ApiViewer, Context, Viewer

PREFIX = "/codec"
PATHS = frozenset({f"{PREFIX}/decode", f"{PREFIX}/encode"})
ALLOWED_HEADERS = "content-type, x-namespace, authorization"
PREFLIGHT_MAX_AGE = 600


def _from_base64(value: object) -> bytes:
    """JSON brings base64 text; the app itself passes the bytes."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("is not base64") from None


Base64 = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda value: base64.b64encode(value).decode(), return_type=str),
    WithJsonSchema({"type": "string", "format": "byte"}),
]


class JsonPayload(BaseModel):
    """One `temporal.api.common.v1.Payload`, its bytes in base64."""

    metadata: dict[str, Base64] = Field(default_factory=dict)
    data: Base64 = b""

    def to_proto(self) -> Payload:
        return Payload(metadata=self.metadata, data=self.data)

    @classmethod
    def of(cls, payload: Payload) -> JsonPayload:
        return cls(metadata=dict(payload.metadata), data=payload.data)


class JsonPayloads(BaseModel):
    """`temporal.api.common.v1.Payloads` in proto3 JSON, as the Temporal UI sends them."""

    payloads: list[JsonPayload]


async def codec_reader(request: Request, viewer: ApiViewer, context: Context) -> Viewer:
    """Who may read every plan: HR, and the operators named in the configuration."""
    origin = request.headers.get("origin")
    if origin is not None and origin not in context.settings.codec_origins:
        raise HTTPException(
            403, f"{origin} may not call the codec endpoint ({ENV_VARS['codec_ui_origins']})"
        )
    if not viewer.person.hr and viewer.email not in context.settings.codec_operators:
        raise HTTPException(
            403,
            "only HR and the operators named in "
            f"{ENV_VARS['codec_operators']} may read plan payloads",
        )
    return viewer


CodecReader = Annotated[Viewer, Depends(codec_reader)]

router = APIRouter(
    prefix=PREFIX,
    tags=["codec"],
    responses={
        status: {"model": ErrorAnswer, "description": description}
        for status, description in {
            400: "The body cannot be read (not UTF-8 JSON).",
            401: "Not signed in, or the token is not valid.",
            403: "Neither HR nor a named operator, or called from another origin.",
            422: "Not Payloads, or a payload the keys cannot read; the field is named.",
        }.items()
    },
)


@router.post("/decode", summary="Decrypt payloads for the Temporal UI")
async def decode(body: JsonPayloads, reader: CodecReader, context: Context) -> JsonPayloads:
    payloads = [payload.to_proto() for payload in body.payloads]
    decoded = []
    for index, payload in enumerate(payloads):
        try:
            decoded.append(context.codec.decrypt(payload))
        except PayloadKeyError as error:
            raise _unreadable(index, error) from None
    if any(is_encrypted(payload) for payload in payloads):
        plan_ids = sorted({plan_id for p in payloads if (plan_id := plan_id_of(p))})
        await run_in_threadpool(context.record_decode, reader, plan_ids)
    return JsonPayloads(payloads=[JsonPayload.of(payload) for payload in decoded])


@router.post("/encode", summary="Encrypt payloads the Temporal UI sends")
async def encode(body: JsonPayloads, _: CodecReader, context: Context) -> JsonPayloads:
    encoded = [context.codec.encrypt(payload.to_proto()) for payload in body.payloads]
    return JsonPayloads(payloads=[JsonPayload.of(payload) for payload in encoded])


def _unreadable(index: int, error: PayloadKeyError) -> RequestValidationError:
    problem: dict[str, Any] = {
        "type": "value_error",
        "loc": ("body", "payloads", index),
        "msg": str(error),
        "input": None,
        "ctx": {"error": str(error)},
    }
    return RequestValidationError([problem])


class CodecCors:
    """CORS for the codec paths only, and only for the UI's origins: the exact origin and
    credentials allowed, so the UI's call carries the viewer's cookie. Any other path or
    origin gets no CORS header, so no other page can read an answer."""

    def __init__(self, app: ASGIApp, *, origins: Collection[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        allowed = _allow(origin) if origin is not None and origin in self.origins else {}
        if scope["method"] == "OPTIONS":
            preflight = allowed and {
                **allowed,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
            }
            answer = Response(status_code=204 if allowed else 403, headers=preflight)
            answer.headers.append("Vary", "Origin")
            await answer(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Vary", "Origin")
                headers.update(allowed)
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _allow(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
