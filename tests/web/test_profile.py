"""My profile page: who I am, and my API tokens: made and shown once, used, revoked."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.browserless import GRACE, KWAME, PRIYA, Browserless, Person

SHOWN_TOKEN = re.compile(r'value="(cp_[0-9a-f]{16}_[A-Za-z0-9_-]{43})"')
REVOKE_FORM = re.compile(r'action="/me/tokens/([0-9a-f]{16})/revoke"')
ONCE = "Copy it now; it is not shown again."


async def on_profile(browser_for: Browserless, email: str) -> Person:
    """Signed in and on /me, holding the signed-in session's CSRF token."""
    person = await browser_for.signed_in(email)
    page = await person.get("/me")
    assert page.status_code == 200, page.text
    return person


async def create_token(person: Person, name: str) -> tuple[str, httpx.Response]:
    page = await person.post("/me/tokens", {"name": name})
    assert page.status_code == 201, page.text
    shown = SHOWN_TOKEN.findall(page.text)
    assert len(shown) == 1, page.text
    return shown[0], page


def token_id(token: str) -> str:
    return token.split("_")[1]


def script(browser_for: Browserless, token: str) -> httpx.AsyncClient:
    http = browser_for.anonymous().http
    http.headers["Authorization"] = f"Bearer {token}"
    return http


async def test_the_page_says_who_i_am(browser_for: Browserless) -> None:
    grace = await browser_for.signed_in(GRACE)

    page = await grace.get("/me")

    assert page.status_code == 200
    for text in ("Grace Liu", "People Partner", GRACE, "development sign-in", "no API tokens"):
        assert text in page.text
    assert '<label for="token-name">' in page.text
    assert 'name="csrf_token"' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text


async def test_signed_out_people_are_sent_to_sign_in(browser_for: Browserless) -> None:
    anyone = browser_for.anonymous()

    page = await anyone.get("/me")

    assert page.status_code == 303
    assert httpx.URL(page.headers["location"]).path == "/sign-in"


async def test_a_token_is_shown_once_works_on_the_api_and_stops_when_revoked(
    browser_for: Browserless,
) -> None:
    priya = await on_profile(browser_for, PRIYA)

    token, made = await create_token(priya, "  laptop script ")

    assert ONCE in made.text
    assert made.headers["cache-control"] == "no-store"
    assert "laptop script" in made.text
    later = await priya.get("/me")
    assert token not in later.text
    assert ONCE not in later.text
    assert REVOKE_FORM.findall(later.text) == [token_id(token)]
    assert "never" in later.text

    api = script(browser_for, token)
    me = await api.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == PRIYA
    assert me.json()["signed_in_via"] == "token"
    used = await priya.get("/me")
    assert "never" not in used.text

    revoked = await priya.post(f"/me/tokens/{token_id(token)}/revoke")
    assert revoked.status_code == 303
    assert revoked.headers["location"].endswith("/me")
    page = await priya.get("/me")
    assert "Token 'laptop script' is revoked" in page.text
    assert "revoked " in page.text
    assert REVOKE_FORM.findall(page.text) == []
    assert (await api.get("/api/me")).status_code == 401


async def test_someone_elses_token_cannot_be_revoked(browser_for: Browserless) -> None:
    kwame, priya = await on_profile(browser_for, KWAME), await on_profile(browser_for, PRIYA)
    token, _ = await create_token(kwame, "kwame's script")

    refused = await priya.post(f"/me/tokens/{token_id(token)}/revoke")
    missing = await priya.post("/me/tokens/0123456789abcdef/revoke")

    assert refused.status_code == missing.status_code == 404
    assert "no such token among yours" in refused.text
    assert refused.text.replace(priya.csrf, "") == missing.text.replace(priya.csrf, "")
    # Nor through the API.
    deleted = await priya.http.delete(
        f"/api/tokens/{token_id(token)}", headers={"X-CSRF-Token": priya.csrf}
    )
    assert deleted.status_code == 404
    me = await script(browser_for, token).get("/api/me")
    assert me.status_code == 200
    assert me.json()["email"] == KWAME


async def test_without_the_csrf_token_nothing_is_made_or_revoked(
    browser_for: Browserless,
) -> None:
    priya = await on_profile(browser_for, PRIYA)
    token, _ = await create_token(priya, "kept")

    made = await priya.post("/me/tokens", {"name": "sneaky"}, csrf=False)
    forged = await priya.http.post("/me/tokens", data={"name": "sneaky", "csrf_token": "forged"})
    revoke = await priya.post(f"/me/tokens/{token_id(token)}/revoke", csrf=False)

    for refused in (made, forged, revoke):
        assert refused.status_code == 403, refused.text
    page = await priya.get("/me")
    assert "sneaky" not in page.text
    assert REVOKE_FORM.findall(page.text) == [token_id(token)]
    assert (await script(browser_for, token).get("/api/me")).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
async def test_a_bad_name_is_shown_next_to_the_field(browser_for: Browserless, name: str) -> None:
    priya = await on_profile(browser_for, PRIYA)

    refused = await priya.post("/me/tokens", {"name": name})

    assert refused.status_code == 422
    assert 'aria-invalid="true" aria-describedby="token-name-error"' in refused.text
    assert 'id="token-name-error" class="field-error"' in refused.text
    assert "1 to 100 characters" in refused.text
    assert SHOWN_TOKEN.search(refused.text) is None
    assert "You have no API tokens" in refused.text
