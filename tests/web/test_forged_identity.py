"""Every human action, from the plan page and from the JSON API, tried with no identity, a
garbled one and a forged one: each is refused and the plan stays exactly as it was. A page
answers 403 (the form has expired: no session, no CSRF token of it); the API answers 401,
naming `authorization`, however the identity is missing.

A forged session cookie here is the real thing signed with another secret key: the same
cookie signed with the app's key is shown to work, so the refusal is about the key alone.
"""

from __future__ import annotations

import json
from base64 import b64encode

import httpx
from itsdangerous import TimestampSigner

from coaching.plan import Role
from tests.web.browserless import Browserless, Person, WebStack
from tests.web.test_every_action import BY_ROLE, in_co_authoring, plausible
from web.app import SESSION_COOKIE
from web.pages.plan import ACTIONS

CSRF = "forged-csrf-token"
NO_SUCH_TOKEN = "cp_0123456789abcdef_" + "A" * 43
MALFORMED_TOKENS = ["x", "cp_", "cp_zz_" + "A" * 43, NO_SUCH_TOKEN + "!", ""]


def session_cookie(secret_key: str, email: str) -> str:
    """A session as the app writes it (Starlette's SessionMiddleware), signed with `secret_key`."""
    session = {"email": email, "via": "development", "csrf": CSRF, "sid": "forged"}
    data = b64encode(json.dumps(session).encode())
    return TimestampSigner(secret_key).sign(data).decode()


def visitor(browser_for: Browserless, cookie: str | None = None) -> httpx.AsyncClient:
    http = browser_for.anonymous().http
    if cookie is not None:
        http.cookies.set(SESSION_COOKIE, cookie)
    return http


async def test_a_session_cookie_signed_with_the_apps_key_is_a_session(
    browser_for: Browserless, web: WebStack
) -> None:
    """The forgery below is well made: with the right key, it signs the person in."""
    genuine = visitor(browser_for, session_cookie(web.settings.secret_key, BY_ROLE[Role.hr]))
    forged = visitor(browser_for, session_cookie("another-secret-key", BY_ROLE[Role.hr]))

    assert (await genuine.get("/api/me")).json()["email"] == BY_ROLE[Role.hr]
    assert (await forged.get("/api/me")).status_code == 401


async def test_every_action_without_a_valid_identity_is_refused_and_changes_nothing(
    browser_for: Browserless, web: WebStack
) -> None:
    plan_id, people = await in_co_authoring(browser_for)
    before = await web.status(plan_id)

    for name, action in ACTIONS.items():
        actor = BY_ROLE[min(action.roles)]
        form = plausible(name, before)
        page, api = f"/plans/{plan_id}/actions/{name}", f"/api/plans/{plan_id}/actions/{name}"
        body = _as_json(form)

        without_session: dict[str, httpx.AsyncClient] = {
            "no cookie": visitor(browser_for),
            "a garbled cookie": visitor(browser_for, "garbage." + "A" * 40),
            "a cookie signed with another key": visitor(
                browser_for, session_cookie("another-secret-key", actor)
            ),
        }
        for how, http in without_session.items():
            refused = await http.post(page, data={**form, "csrf_token": CSRF})
            _assert_refused_page(refused, (name, how))
            refused = await http.post(api, json=body, headers={"X-CSRF-Token": CSRF})
            _assert_refused_api(refused, (name, how), status=401)

        signed_in: Person = people[min(action.roles)]
        for token in [NO_SUCH_TOKEN, *MALFORMED_TOKENS]:
            bearer = {"Authorization": f"Bearer {token}"}
            refused = await visitor(browser_for).post(api, json=body, headers=bearer)
            _assert_refused_api(refused, (name, token), status=401)
            # The token wins over the session (scripts send one, browsers the other) ...
            refused = await signed_in.http.post(api, json=body, headers=bearer)
            _assert_refused_api(refused, (name, token, "with a session"), status=401)
            # ... and on a page, where tokens count for nothing, a token is no excuse for
            # leaving out the session's CSRF token.
            refused = await signed_in.http.post(page, data=form, headers=bearer)
            _assert_refused_page(refused, (name, token, "with a session"))

    assert (await web.status(plan_id)).model_dump() == before.model_dump()


def _as_json(form: dict[str, str]) -> dict[str, object]:
    """The page's form as an API body: only its flat fields (nested ones are the page's)."""
    return {key: value for key, value in form.items() if "." not in key}


def _assert_refused_page(answer: httpx.Response, case: object) -> None:
    """A page refuses with 403 (no session, so no CSRF token of it): the form has expired."""
    assert answer.status_code == 403, (case, answer.status_code, answer.text[-300:])
    assert "This form has expired" in answer.text, case


def _assert_refused_api(answer: httpx.Response, case: object, status: int) -> None:
    """Whoever the API cannot tell apart is asked to sign in or send a token: 401."""
    assert answer.status_code == status, (case, answer.text)
    fields = [problem["field"] for problem in answer.json()["detail"]]
    assert fields == ["authorization"], (case, fields)
