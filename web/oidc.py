"""Signing in with the company account: OpenID Connect, Authorization Code flow with PKCE (S256)
and a nonce, through Authlib's Starlette client.

The provider says who someone is (a verified email in a signed ID token); the directory says
whether they belong here. Anything less is refused with a message on the sign-in page and
leaves nobody signed in. With OIDC configured the development sign-in is off
(`Settings.development_sign_in`); without it these routes do not exist (404).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import MismatchingStateError, OAuthError

with warnings.catch_warnings():
    # Authlib 1.9 warns on import that its httpx module will move; nothing here uses it.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from joserfc.errors import JoseError
from starlette.datastructures import URL

from coaching.org import DirectoryEntry, DirectoryError
from coaching.settings import Settings
from web.context import WebContext
from web.identity import Context, sign_in
from web.sign_in import local_path

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

SCOPE = "openid email profile"
NEXT_KEY = "oidc_next"
"""Where to go after signing in; kept in the session because the provider only carries `state`."""

STALE = "This sign-in was not started in this browser, or it took too long: please sign in again."
DECLINED = "Your company account did not sign you in: please try again."
UNVERIFIABLE = "Your company account's answer could not be verified: please sign in again."
UNREACHABLE = "The company sign-in service cannot be reached: please try again in a moment."


class SignInRefused(Exception):
    """The provider's answer signs nobody in; the message is for the person at the browser."""


def oidc_client(request: Request, settings: Settings) -> Any:
    """The app's one Authlib client, made on first use.

    The provider's metadata and keys are fetched (and cached by Authlib) on the first sign-in,
    not at import or start-up, so the app starts while the provider is unreachable and each
    app (a test builds several) talks to its own provider.
    """
    if settings.oidc_issuer is None:
        raise HTTPException(status_code=404)
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = OAuth().register(
            name="oidc",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
        )
        request.app.state.oidc_client = client
    return client


def callback_url(request: Request, settings: Settings) -> str:
    """On the public address (`base_url`), which the provider has registered, whatever
    host name the request came in on."""
    return f"{settings.web_url}{request.app.url_path_for('oidc_callback')}"


@router.get("/sign-in/oidc", name="oidc_sign_in")
async def oidc_sign_in(request: Request, context: Context, next: str | None = None) -> Response:
    """Sends the person to the provider; Authlib keeps state, nonce and PKCE verifier in the
    signed session cookie, so only this browser can finish the sign-in."""
    settings = context.settings
    client = oidc_client(request, settings)
    request.session[NEXT_KEY] = local_path(next)
    try:
        response: Response = await client.authorize_redirect(
            request, callback_url(request, settings)
        )
    except (httpx.HTTPError, AuthlibBaseError, ValueError) as error:
        log.warning("OIDC sign-in could not start: %s", type(error).__name__)
        return refused(request, UNREACHABLE, local_path(next))
    return response


@router.get("/sign-in/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, context: Context) -> Response:
    """Where the provider sends the person back: exchanges the code, checks the ID token
    (Authlib verifies signature, issuer, audience, expiry and nonce), then the email."""
    client = oidc_client(request, context.settings)
    stored_next = request.session.pop(NEXT_KEY, None)
    target = local_path(stored_next if isinstance(stored_next, str) else None)
    try:
        token = await client.authorize_access_token(request)
        person = admitted(context, token.get("userinfo"))
    except SignInRefused as refusal:
        return refused(request, str(refusal), target)
    except MismatchingStateError:
        return refused(request, STALE, target)
    except OAuthError as error:
        # Not the provider's description: anyone can put one in a link to the callback.
        log.warning("OIDC sign-in refused by the provider: %s", error.error)
        return refused(request, DECLINED, target)
    except JoseError as error:
        log.warning("OIDC ID token rejected: %s", type(error).__name__)
        return refused(request, UNVERIFIABLE, target)
    except (httpx.HTTPError, AuthlibBaseError, ValueError) as error:
        log.warning("OIDC sign-in could not finish: %s", type(error).__name__)
        return refused(request, UNREACHABLE, target)
    sign_in(request, person, "oidc", token["userinfo"]["sub"], context.settings.oidc_issuer)
    return RedirectResponse(target, status_code=303)


def admitted(context: WebContext, claims: Mapping[str, Any] | None) -> DirectoryEntry:
    """The directory person the verified ID token names, or `SignInRefused` saying why not."""
    if not claims:
        raise SignInRefused(UNVERIFIABLE)
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            "Your company account gave no email address, so coachplan cannot tell who you are."
        )
    email = email.strip().lower()
    if claims.get("email_verified") is not True:
        raise SignInRefused(
            f"Your company account has not verified {email}: verify it there, then sign in again."
        )
    domain = (context.settings.oidc_allowed_domain or "").strip().lstrip("@").lower()
    if domain and email.rsplit("@", 1)[1] != domain:
        raise SignInRefused(
            f"{email} is not an address at {domain}: sign in with your {domain} account."
        )
    try:
        return context.directory.by_email(email)
    except DirectoryError:
        raise SignInRefused(
            f"{email} is not in the {context.directory.company} directory: ask HR to add you"
        ) from None


def refused(request: Request, message: str, target: str) -> Response:
    """Back to the sign-in page with the reason; a refused attempt leaves nobody signed in,
    not even whoever was signed in before in this browser."""
    request.session.clear()
    request.session["flash"] = message
    page = URL(str(request.app.url_path_for("sign_in_page")))
    if target != "/":
        page = page.include_query_params(next=target)
    return RedirectResponse(str(page), status_code=303)
