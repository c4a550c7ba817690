"""What every request works with: the settings, the directory, plans and HR's records."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fastapi import Request

from coaching.holidays import CompanyHolidays
from coaching.org import OrgDirectory
from coaching.payload_codec import PlanPayloadCodec
from coaching.settings import Settings
from starter.hr_desk import HrDesk
from starter.plan_client import PlanClient
from store.api_tokens import ApiTokens

if TYPE_CHECKING:
    from web.identity import Viewer

log = logging.getLogger("coachplan.web.codec")

DecodeRecorder = Callable[["Viewer", Sequence[str]], None]
"""Told of every decode through the codec endpoint: who, and the plans the payloads belong to.
Called on the thread pool, so it may write to a database."""


def log_decode(viewer: Viewer, plan_ids: Sequence[str]) -> None:
    """Ids only: a log line names no person and quotes no plan."""
    log.info("codec decode by person %s of plans %s", viewer.person.id, ", ".join(plan_ids) or "-")


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    plans: PlanClient
    desk: HrDesk
    tokens: ApiTokens
    holidays: CompanyHolidays
    codec: PlanPayloadCodec
    record_decode: DecodeRecorder = log_decode

    @property
    def directory(self) -> OrgDirectory:
        """Read per request: Google's directory refreshes while the app runs."""
        return self.desk.directory

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def web_context(request: Request) -> WebContext:
    """A FastAPI dependency: the context `create_app` put on the app."""
    context: WebContext = request.app.state.context
    return context
