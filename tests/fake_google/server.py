"""The fake's core: the token endpoint, who called with which scopes, injected faults."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from google.auth import jwt

from tests.fake_google import calendar, directory, docs, drive, gmail

SERVICE_PREFIXES = {
    "/token": "token",
    "/drive/": "drive",
    "/upload/drive/": "drive",
    "/v1/documents": "docs",
    "/calendar/": "calendar",
    "/gmail/": "gmail",
    "/admin/directory/": "directory",
}
"""Which API a path belongs to, for faults and for the request log."""

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GoogleHttpError(Exception):
    """Raised by the fake's routes; answered as Google's JSON error body."""

    def __init__(self, status: int, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.status = status
        self.reason = reason
        self.message = message or reason


def google_error(status: int, reason: str, message: str = "") -> JSONResponse:
    message = message or reason
    return JSONResponse(
        status_code=status,
        content={
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": "global", "reason": reason, "message": message}],
                "status": STATUS_NAMES.get(status, "UNKNOWN"),
            }
        },
    )


@dataclass(frozen=True)
class Grant:
    """An access token the fake issued: who it impersonates, with which scopes."""

    subject: str
    scopes: frozenset[str]


@dataclass
class Fault:
    service: str
    status: int
    reason: str
    remaining: int


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    path: str
    status: int


@dataclass
class FakeGoogle:
    domain: str = "example.com"
    delegated_scopes: set[str] | None = None
    """What the Admin console's delegation grants; None grants whatever is asked."""
    refused_subjects: set[str] = field(default_factory=set)
    """People the service account may not impersonate (not in the domain, suspended)."""
    client_email: str = "coachplan@coachplan-test.iam.gserviceaccount.com"
    tokens: dict[str, Grant] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    drive: drive.DriveState = field(default_factory=lambda: drive.DriveState())
    docs: docs.DocsState = field(default_factory=lambda: docs.DocsState())
    calendar: calendar.CalendarState = field(default_factory=lambda: calendar.CalendarState())
    gmail: gmail.GmailState = field(default_factory=lambda: gmail.GmailState())
    directory: directory.DirectoryState = field(default_factory=lambda: directory.DirectoryState())
    lock: threading.RLock = field(default_factory=threading.RLock)
    """Routes run in uvicorn's threads and tests read the state from theirs."""

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._key_id = secrets.token_hex(8)

    def fail_next(self, service: str, status: int, reason: str, count: int = 1) -> None:
        """The next `count` calls to `service` ("drive", "docs", "calendar", "gmail",
        "directory" or "token") get this error instead of an answer."""
        with self.lock:
            self.faults.append(Fault(service, status, reason, count))

    def calls_to(self, service: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.service == service]

    def key_file(self, path: Path, base_url: str) -> Path:
        """A real service account key whose token endpoint is this fake."""
        private_key = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        key = {
            "type": "service_account",
            "project_id": "coachplan-test",
            "private_key_id": self._key_id,
            "private_key": private_key,
            "client_email": self.client_email,
            "client_id": "100000000000000000001",
            "token_uri": f"{base_url}/token",
        }
        path.write_text(json.dumps(key, indent=2))
        return path

    def grant_for(self, request: Request, *accepted_scopes: str) -> Grant:
        """The caller's grant, if its token holds one of `accepted_scopes`."""
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        with self.lock:
            grant = self.tokens.get(token)
        if grant is None:
            raise GoogleHttpError(401, "authError", "Invalid Credentials")
        if accepted_scopes and not grant.scopes & set(accepted_scopes):
            raise GoogleHttpError(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
        return grant

    def issue_token(self, assertion: str) -> dict[str, Any] | None:
        """The JWT-bearer grant: checks the signature (not `aud`, which names Google)."""
        public_key = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        try:
            claims = jwt.decode(assertion, certs=public_key, verify=True)
        except ValueError:
            return None
        subject = str(claims.get("sub") or claims.get("iss"))
        scopes = frozenset(str(claims.get("scope", "")).split())
        if claims.get("iss") != self.client_email or not scopes:
            return None
        if subject in self.refused_subjects:
            return None
        if self.delegated_scopes is not None and not scopes <= self.delegated_scopes:
            return None
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = Grant(subject=subject, scopes=scopes)
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def app(self) -> FastAPI:
        app = FastAPI(title="fake Google")
        fake = self

        @app.exception_handler(GoogleHttpError)
        async def _google_error(request: Request, error: GoogleHttpError) -> JSONResponse:
            return google_error(error.status, error.reason, error.message)

        @app.middleware("http")
        async def _faults_and_log(request: Request, call_next: Any) -> Response:
            service = _service_of(request.url.path)
            response: Response | None = None
            with fake.lock:
                fault = next((f for f in fake.faults if f.service == service), None)
                if fault is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        fake.faults.remove(fault)
            if fault is not None:
                response = google_error(fault.status, fault.reason)
            else:
                response = await call_next(request)
            with fake.lock:
                fake.calls.append(
                    Call(service, request.method, request.url.path, response.status_code)
                )
            return response

        @app.post("/token")
        async def _token(request: Request) -> JSONResponse:
            form = await request.form()
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            answer = fake.issue_token(str(form.get("assertion", "")))
            if answer is None:
                return JSONResponse(
                    {
                        "error": "unauthorized_client",
                        "error_description": "Client is unauthorized to retrieve access tokens "
                        "using this method, or client not authorized for any of the scopes "
                        "requested.",
                    },
                    status_code=401,
                )
            return JSONResponse(answer)

        @app.post("/_fake/faults")
        async def _add_fault(request: Request) -> JSONResponse:
            body = await request.json()
            fake.fail_next(
                str(body["service"]),
                int(body["status"]),
                str(body["reason"]),
                int(body.get("count", 1)),
            )
            return JSONResponse({"faults": len(fake.faults)})

        for module in (drive, docs, calendar, gmail, directory):
            app.include_router(module.router(fake))
        return app


def _service_of(path: str) -> str:
    return next(
        (service for prefix, service in SERVICE_PREFIXES.items() if path.startswith(prefix)),
        "other",
    )


@contextmanager
def running_fake_google(
    fake: FakeGoogle | None = None, port: int = 0, host: str = "127.0.0.1"
) -> Iterator[tuple[FakeGoogle, str]]:
    """Serves `fake` (a new one by default) until the block ends; yields it and its URL."""
    fake = fake or FakeGoogle()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    url = f"http://{host}:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake Google server did not start")
        time.sleep(0.01)
    try:
        yield fake, url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
