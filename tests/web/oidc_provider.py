"""A real OpenID Connect provider for the tests: `oidc-provider-mock` on a free local port.

It requires client registration (so a wrong redirect URI or client secret fails) and a nonce,
and on top of the mock it enforces PKCE: a code is exchanged only with the `code_verifier`
whose S256 digest is the `code_challenge` of its authorization request.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
from oidc_provider_mock import run_server_in_thread  # type: ignore[import-untyped]


@dataclass
class Pkce:
    """PKCE the mock does not check itself, checked in Flask hooks around its endpoints."""

    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Authorization code -> (code_challenge, code_challenge_method) it was issued for."""
    verified: int = 0

    def install(self, app: flask.Flask) -> None:
        app.after_request(self._remember_challenge)
        app.before_request(self._check_verifier)

    def _remember_challenge(self, response: flask.Response) -> flask.Response:
        request = flask.request
        if request.path == "/oauth2/authorize" and response.status_code == 302:
            code = parse_qs(urlsplit(response.location or "").query).get("code")
            if code:
                self.challenges[code[0]] = (
                    request.args.get("code_challenge", ""),
                    request.args.get("code_challenge_method", "plain"),
                )
        return response

    def _check_verifier(self) -> Any:
        request = flask.request
        if request.path != "/oauth2/token" or request.form.get("grant_type") != (
            "authorization_code"
        ):
            return None
        challenge, method = self.challenges.pop(request.form.get("code", ""), ("", ""))
        digest = hashlib.sha256(request.form.get("code_verifier", "").encode()).digest()
        if method != "S256" or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
            return flask.jsonify(
                error="invalid_grant", error_description="PKCE verification failed"
            ), 400
        self.verified += 1
        return None


@dataclass
class Provider:
    url: str
    client_id: str
    client_secret: str
    pkce: Pkce

    async def add_person(self, sub: str, **claims: object) -> None:
        """The provider's account `sub` with these ID token claims (email, email_verified...)."""
        async with httpx.AsyncClient() as http:
            answer = await http.put(f"{self.url}/users/{sub}", json=claims)
            answer.raise_for_status()


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    """A provider with one client registered for `redirect_uri`, stopped afterwards."""
    with run_server_in_thread(require_client_registration=True, require_nonce=True) as server:
        pkce = Pkce()
        app = server.app
        assert isinstance(app, flask.Flask)
        pkce.install(app)  # before its first request, as Flask requires
        url = f"http://localhost:{server.server_port}"
        registered = httpx.post(f"{url}/oauth2/clients", json={"redirect_uris": [redirect_uri]})
        registered.raise_for_status()
        client = registered.json()
        yield Provider(
            url=url,
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            pkce=pkce,
        )
