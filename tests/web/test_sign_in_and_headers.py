"""Signing in (development mode), the session cookie, and the headers every answer carries."""

from __future__ import annotations

import re

from tests.web.browserless import GRACE, PRIYA, Browserless
from web.app import SESSION_COOKIE


async def test_the_development_sign_in_lists_the_directory_and_is_marked_on_every_page(
    browser_for: Browserless,
) -> None:
    visitor = browser_for.anonymous()
    page = await visitor.get("/sign-in")

    assert page.status_code == 200
    assert "Priya Raman" in page.text
    assert "Engineering Manager, Platform" in page.text
    assert "Development mode" in page.text
    priya = await browser_for.signed_in(PRIYA)
    for path in ("/", "/plans/new", "/hr", "/me"):
        assert "Development mode" in (await priya.get(path)).text, path


async def test_the_session_cookie_is_signed_http_only_lax_and_expires(
    browser_for: Browserless,
) -> None:
    visitor = browser_for.anonymous()
    await visitor.get("/sign-in")
    answer = await visitor.post("/sign-in/development", {"email": PRIYA, "next": "/"})

    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert re.search(r"max-age=43200", cookie, re.IGNORECASE), cookie
    assert PRIYA not in cookie, "the cookie is signed and encoded, not plain text"

    visitor.http.cookies.set(SESSION_COOKIE, "tampered" + visitor.http.cookies[SESSION_COOKIE])
    assert (await visitor.get("/")).status_code == 303, "a tampered cookie is no session"


async def test_sign_out_ends_the_session(browser_for: Browserless) -> None:
    grace = await browser_for.signed_in(GRACE)

    signed_out = await grace.post("/sign-out")

    assert signed_out.status_code == 303
    assert (await grace.get("/hr")).status_code == 303
    assert "You are signed out" in (await grace.get("/sign-in")).text


async def test_sign_in_goes_back_only_to_a_page_of_this_site(browser_for: Browserless) -> None:
    for target, expected in (
        ("/hr", "/hr"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ):
        visitor = browser_for.anonymous()
        await visitor.get("/sign-in")
        answer = await visitor.post("/sign-in/development", {"email": GRACE, "next": target})
        assert answer.headers["location"] == expected


async def test_an_unknown_email_or_a_missing_token_signs_nobody_in(
    browser_for: Browserless,
) -> None:
    visitor = browser_for.anonymous()
    await visitor.get("/sign-in")

    unknown = await visitor.post("/sign-in/development", {"email": "eve@example.com"})
    forged = await visitor.post("/sign-in/development", {"email": PRIYA}, csrf=False)

    assert unknown.status_code == 303
    assert "is not in the Northwind Labs directory" in (await visitor.get("/sign-in")).text
    assert forged.status_code == 403
    assert (await visitor.get("/")).status_code == 303


async def test_every_page_forbids_framing_inline_script_and_outside_assets(
    browser_for: Browserless,
) -> None:
    priya = await browser_for.signed_in(PRIYA)
    for path in ("/", "/plans/new", "/sign-in", "/nothing-here", "/static/app.css"):
        answer = await priya.get(path)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    page = (await priya.get("/plans/new")).text
    assert "<script>" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "every asset is served here"
    for asset in ("vendor/htmx-2.0.11.min.js", "vendor/pico-2.1.1.min.css", "app.css"):
        assert f"/static/{asset}" in page
        assert (await priya.get(f"/static/{asset}")).status_code == 200
