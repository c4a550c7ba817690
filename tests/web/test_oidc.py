"""Signing in with a company account, end to end against a real OpenID Connect provider.

The provider (`tests.web.oidc_provider`) runs on a real port and the app talks to it over
HTTP; the test plays the browser, following each redirect by hand: coachplan -> the
provider's authorization form -> back to coachplan's callback. Only a verified email of the
allowed domain that is in the directory gets a session; every refusal says why on the
sign-in page and leaves nobody signed in.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from coaching.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError
from store.schema import upgrade_database
from tests.payload_keys import write_test_keys
from tests.web.oidc_provider import Provider, running_provider
from web.app import create_app

ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"
WEB_URL = "http://coachplan.test"
"""The app's public address (`base_url`), not the host a request came in on."""
CALLBACK = f"{WEB_URL}/sign-in/oidc/callback"
PRIYA = "priya.raman@example.com"
CSRF_HEADER = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(CALLBACK) as running:
        yield running


@pytest.fixture
def make_app(
    tmp_path: Path, dev_server_env: WorkflowEnvironment, provider: Provider
) -> Iterator[Callable[..., FastAPI]]:
    """Apps on a migrated SQLite database, with OIDC against `provider` unless told otherwise
    (a change to None leaves that setting at its default)."""
    apps: list[FastAPI] = []

    def make(**changes: Any) -> FastAPI:
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "database_url": f"sqlite:///{tmp_path}/coachplan-{len(apps)}.db",
            "org_file": ORG_FILE,
            "base_url": WEB_URL,
            "oidc_issuer": provider.url,
            "oidc_client_id": provider.client_id,
            "oidc_client_secret": provider.client_secret,
            "oidc_allowed_domain": "example.com",
            "secret_key": "x" * 40,
            **changes,
        }
        settings = Settings(**{key: value for key, value in values.items() if value is not None})
        upgrade_database(settings.database)
        write_test_keys(settings)
        app = create_app(settings, client=dev_server_env.client)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.context.desk.engine.dispose()


@dataclass
class Browser:
    """One person's browser: its own cookies for coachplan and for the provider."""

    app: httpx.AsyncClient
    idp: httpx.AsyncClient

    async def start(self, next: str = "/") -> httpx.URL:
        """Clicks "Sign in with your company account"; returns where coachplan sent it."""
        answer = await self.app.get("/sign-in/oidc", params={"next": next})
        assert answer.status_code == 302, answer.text
        return httpx.URL(answer.headers["location"])

    async def authorize(self, authorize_url: httpx.URL, sub: str) -> str:
        """Fills in the provider's form as `sub`; returns the callback URL it redirects to."""
        form = await self.idp.get(authorize_url)
        assert form.status_code == 200, form.text
        assert 'name="sub"' in form.text
        answer = await self.idp.post(authorize_url, data={"sub": sub})
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(f"{CALLBACK}?"), location
        return location

    async def deny(self, authorize_url: httpx.URL) -> str:
        answer = await self.idp.post(authorize_url, data={"action": "deny"})
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(f"{CALLBACK}?"), location
        return location

    async def sign_in_as(self, sub: str, next: str = "/") -> httpx.Response:
        """The whole round trip; the answer is coachplan's to the callback."""
        callback = await self.authorize(await self.start(next), sub)
        return await self.app.get(callback)

    async def signed_in(self) -> bool:
        """The sign-in page sends a signed-in person on (303) and shows itself to anyone else."""
        answer = await self.app.get("/sign-in", params={"next": "/signed-in"})
        if answer.status_code == 303:
            assert answer.headers["location"] == "/signed-in"
            return True
        assert answer.status_code == 200, answer.text
        return False

    async def sign_in_page(self) -> str:
        answer = await self.app.get("/sign-in")
        assert answer.status_code == 200, answer.text
        return html.unescape(answer.text)


@pytest.fixture
async def browser_of(
    make_app: Callable[..., FastAPI],
) -> AsyncIterator[Callable[..., Browser]]:
    """`browser_of(app)`: a fresh browser for that app (default: one with OIDC on)."""
    clients: list[httpx.AsyncClient] = []
    default: list[FastAPI] = []

    def browser(app: FastAPI | None = None) -> Browser:
        if app is None:
            if not default:
                default.append(make_app())
            app = default[0]
        pair = Browser(
            app=httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=WEB_URL),
            idp=httpx.AsyncClient(),
        )
        clients.extend([pair.app, pair.idp])
        return pair

    yield browser
    for client in clients:
        await client.aclose()


async def a_person(provider: Provider, **claims: object) -> str:
    """A new account at the provider (each test its own, so none sees another's)."""
    sub = f"person-{uuid.uuid4().hex[:8]}"
    await provider.add_person(sub, **claims)
    return sub


def refused_to_sign_in(answer: httpx.Response) -> None:
    assert answer.status_code == 303, answer.text
    assert urlsplit(answer.headers["location"]).path == "/sign-in"
    assert "coachplan_session" in answer.headers.get("set-cookie", "")


async def test_a_directory_person_signs_in_with_pkce_and_a_nonce_and_lands_where_they_were_going(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    sub = await a_person(provider, email="Priya.Raman@example.com", email_verified=True)
    browser = browser_of()
    assert not await browser.signed_in()
    assert "/sign-in/oidc?next=" in await browser.sign_in_page()

    authorize_url = await browser.start(next="/plans/abc?tab=history")
    sent = parse_qs(authorize_url.query.decode())
    assert str(authorize_url.copy_with(query=None)) == f"{provider.url}/oauth2/authorize"
    assert sent["response_type"] == ["code"]
    assert sent["client_id"] == [provider.client_id]
    assert sent["redirect_uri"] == [CALLBACK]
    assert sent["scope"] == ["openid email profile"]
    assert sent["code_challenge_method"] == ["S256"]
    assert len(sent["code_challenge"][0]) >= 43
    assert sent["nonce"][0]
    assert sent["state"][0]

    verified_before = provider.pkce.verified
    answer = await browser.app.get(await browser.authorize(authorize_url, sub))

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/plans/abc?tab=history"
    assert provider.pkce.verified == verified_before + 1
    assert await browser.signed_in()
    page = await browser.app.get("/no-such-page")
    assert page.status_code == 404
    assert "Priya Raman" in page.text, "every page names who is signed in"


async def test_the_code_cannot_be_used_twice(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    sub = await a_person(provider, email=PRIYA, email_verified=True)
    browser = browser_of()
    callback = await browser.authorize(await browser.start(), sub)
    assert (await browser.app.get(callback)).status_code == 303
    assert await browser.signed_in()

    replayed = await browser.app.get(callback)

    refused_to_sign_in(replayed)
    assert not await browser.signed_in()


async def test_next_never_leads_off_the_site(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    sub = await a_person(provider, email=PRIYA, email_verified=True)

    answer = await browser_of().sign_in_as(sub, next="//evil.example/steal")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (
            {"email": "nobody@example.com", "email_verified": True},
            "nobody@example.com is not in the Northwind Labs directory: ask HR to add you",
        ),
        (
            {"email": "priya@other.org", "email_verified": True},
            "priya@other.org is not an address at example.com",
        ),
        (
            {"email": "priya.raman@example.com.other.org", "email_verified": True},
            "is not an address at example.com",
        ),
        (
            {"email": PRIYA, "email_verified": False},
            f"Your company account has not verified {PRIYA}",
        ),
        ({"email": PRIYA}, f"Your company account has not verified {PRIYA}"),
        ({"email": PRIYA, "email_verified": "true"}, "has not verified"),
        ({"email_verified": True}, "gave no email address"),
    ],
    ids=[
        "not-in-directory",
        "other-domain",
        "domain-suffix",
        "unverified",
        "verification-unknown",
        "verified-as-text",
        "no-email",
    ],
)
async def test_a_sign_in_is_refused_with_the_reason(
    provider: Provider,
    browser_of: Callable[..., Browser],
    claims: dict[str, object],
    message: str,
) -> None:
    sub = await a_person(provider, **claims)
    browser = browser_of()

    answer = await browser.sign_in_as(sub, next="/plans/abc")

    refused_to_sign_in(answer)
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"next": ["/plans/abc"]}
    assert message in await browser.sign_in_page()
    assert not await browser.signed_in()
    assert message not in await browser.sign_in_page(), "the reason is shown once"


async def test_a_tampered_state_is_refused(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    sub = await a_person(provider, email=PRIYA, email_verified=True)
    browser = browser_of()
    callback = urlsplit(await browser.authorize(await browser.start(), sub))
    query = parse_qs(callback.query)
    query["state"] = [query["state"][0][::-1] + "x"]

    answer = await browser.app.get(urlunsplit(callback._replace(query=urlencode(query, True))))

    refused_to_sign_in(answer)
    assert "was not started in this browser" in await browser.sign_in_page()
    assert not await browser.signed_in()


async def test_a_callback_from_another_browser_is_refused(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    """Login CSRF: an attacker's own code and state, planted on someone else's browser."""
    sub = await a_person(provider, email=PRIYA, email_verified=True)
    attacker, victim = browser_of(), browser_of()
    callback = await attacker.authorize(await attacker.start(), sub)

    refused_to_sign_in(await victim.app.get(callback))
    assert not await victim.signed_in()


async def test_a_denied_authorization_is_refused(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    browser = browser_of()

    answer = await browser.app.get(await browser.deny(await browser.start()))

    refused_to_sign_in(answer)
    assert "Your company account did not sign you in" in await browser.sign_in_page()
    assert not await browser.signed_in()


async def test_a_crafted_error_link_shows_no_text_of_its_own(
    browser_of: Callable[..., Browser],
) -> None:
    browser = browser_of()
    link = "/sign-in/oidc/callback?" + urlencode(
        {"error": "access_denied", "error_description": "Call +1 555 0100 to unlock your account"}
    )

    refused_to_sign_in(await browser.app.get(link))

    page = await browser.sign_in_page()
    assert "Your company account did not sign you in" in page
    assert "555" not in page


async def test_a_refused_sign_in_signs_out_whoever_was_signed_in(
    provider: Provider, browser_of: Callable[..., Browser]
) -> None:
    priya = await a_person(provider, email=PRIYA, email_verified=True)
    stranger = await a_person(provider, email="nobody@example.com", email_verified=True)
    browser = browser_of()
    assert (await browser.sign_in_as(priya)).status_code == 303
    assert await browser.signed_in()

    refused_to_sign_in(await browser.sign_in_as(stranger))

    assert not await browser.signed_in()


async def test_the_development_sign_in_is_off_with_oidc(
    browser_of: Callable[..., Browser],
) -> None:
    browser = browser_of()
    page = await browser.app.get("/sign-in")
    token = CSRF_HEADER.search(page.text)
    assert token is not None
    assert "Development mode" not in page.text
    assert 'action="/sign-in/development"' not in page.text

    answer = await browser.app.post(
        "/sign-in/development", data={"email": PRIYA, "next": "/", "csrf_token": token[1]}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in"
    assert "The development sign-in is off" in await browser.sign_in_page()
    assert not await browser.signed_in()


async def test_without_oidc_its_routes_do_not_exist(
    make_app: Callable[..., FastAPI], browser_of: Callable[..., Browser]
) -> None:
    browser = browser_of(
        make_app(
            oidc_issuer=None,
            oidc_client_id=None,
            oidc_client_secret=None,
            secret_key=DEVELOPMENT_SECRET_KEY,
        )
    )

    assert (await browser.app.get("/sign-in/oidc")).status_code == 404
    assert (await browser.app.get("/sign-in/oidc/callback?code=a&state=b")).status_code == 404
    assert "/sign-in/oidc" not in await browser.sign_in_page()


async def test_an_unreachable_provider_is_explained(
    make_app: Callable[..., FastAPI], browser_of: Callable[..., Browser]
) -> None:
    """The app starts without the provider; signing in then says the service is down."""
    browser = browser_of(make_app(oidc_issuer="http://localhost:9"))

    answer = await browser.app.get("/sign-in/oidc", params={"next": "/plans/abc"})

    refused_to_sign_in(answer)
    assert "cannot be reached" in await browser.sign_in_page()


OIDC_ENV = {
    "COACHPLAN_OIDC_ISSUER": "https://id.example.com",
    "COACHPLAN_OIDC_CLIENT_ID": "coachplan",
    "COACHPLAN_OIDC_CLIENT_SECRET": "s3cret",
}


@pytest.mark.parametrize(
    "secret_key",
    [None, DEVELOPMENT_SECRET_KEY, "too-short"],
    ids=["unset", "development", "short"],
)
def test_oidc_refuses_a_weak_secret_key(secret_key: str | None) -> None:
    env = {**OIDC_ENV, **({"COACHPLAN_SECRET_KEY": secret_key} if secret_key else {})}

    with pytest.raises(SettingsError, match="COACHPLAN_SECRET_KEY"):
        Settings.from_env(env)


def test_oidc_settings_turn_the_development_sign_in_off() -> None:
    settings = Settings.from_env({**OIDC_ENV, "COACHPLAN_SECRET_KEY": "k" * 40})

    assert not settings.development_sign_in
    assert Settings.from_env({}).development_sign_in
