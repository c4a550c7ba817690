"""Serves the web app with uvicorn: `coachplan web`, `python -m web`, and `make run`."""

from __future__ import annotations

import logging
import sys

import uvicorn

from coaching.key_ring import KeyRingError
from coaching.settings import Settings, SettingsError
from starter.plan_client import DatabaseUnavailable, PlanError
from web.app import create_app

log = logging.getLogger("coachplan.web")


def serve(settings: Settings) -> int:
    """Runs until Ctrl-C or SIGTERM; 1 when the app cannot start (the reason is printed)."""
    try:
        app = create_app(settings)
    except (DatabaseUnavailable, PlanError, KeyRingError) as error:
        print(f"coachplan web: {error}", file=sys.stderr, flush=True)
        return 1
    config = uvicorn.Config(
        app,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"coachplan web: bad configuration\n{error}")
    sys.exit(serve(settings))
