"""`create_app`: the web app, wired to Temporal and HR's store.

`coachplan web` serves it (and `make run` starts it beside the worker); tests build it
around their own Temporal client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from temporalio.client import Client

from coaching.connection import connect
from coaching.key_ring import load_key_ring
from coaching.payload_codec import PlanPayloadCodec
from coaching.settings import Settings
from starter.hr_desk import HrDesk
from starter.plan_client import PlanClient, unreachable
from store.api_tokens import ApiTokens
from store.hr_queries import HrQueries
from web import api, codec, oidc, sign_in
from web.context import WebContext
from web.errors import install_error_handlers
from web.pages import certificates, hr, my_plans, new_plan, plan, profile, verification
from web.security import SecurityHeaders
from web.templating import build_templates

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "coachplan_session"


def create_app(settings: Settings, client: Client | None = None) -> FastAPI:
    """Refuses to start on a database `coachplan db upgrade` has not prepared
    (`DatabaseUnavailable`) or without the payload keys (`KeyRingError`). Unless given a
    client, it makes a lazy one: the app starts while Temporal is down, pages that need
    Temporal answer 503 while it is, and work again once it is back, without a restart."""
    payload_codec = PlanPayloadCodec(load_key_ring(settings))
    desk = HrDesk.open(settings)

    def context_for(temporal: Client) -> WebContext:
        return WebContext(
            settings=settings,
            plans=PlanClient(temporal, settings, desk.directory_source, HrQueries(desk.engine)),
            desk=desk,
            tokens=ApiTokens(desk.engine),
            holidays=settings.company_holidays(),
            codec=payload_codec,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if client is None:
            try:
                app.state.context = context_for(await connect(settings, lazy=True))
            except RuntimeError as error:
                raise unreachable(settings, error) from None
        yield
        desk.engine.dispose()

    app = FastAPI(
        title="coachplan",
        summary="Coaching plans: each person's part, HR's records.",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.templates = build_templates()
    if client is not None:
        app.state.context = context_for(client)
    https = settings.web_url.startswith("https://")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(codec.CodecCors, origins=settings.codec_origins)
    app.add_middleware(SecurityHeaders, https=https)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        sign_in.router,
        oidc.router,
        my_plans.router,
        new_plan.router,
        plan.router,
        verification.router,
        certificates.router,
        hr.router,
        profile.router,
        api.router,
        codec.router,
    ):
        app.include_router(router)
    return app
