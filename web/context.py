"""What every request works with: the settings, the directory, plans and HR's records."""

from __future__ import annotations

from collections.abc import Sequence
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
from store.plan_looks import PlanLooks, Through

if TYPE_CHECKING:
    from web.identity import Viewer


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    plans: PlanClient
    desk: HrDesk
    tokens: ApiTokens
    holidays: CompanyHolidays
    codec: PlanPayloadCodec

    @property
    def directory(self) -> OrgDirectory:
        """Read per request: Google's directory refreshes while the app runs."""
        return self.desk.directory

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def record_decode(self, viewer: Viewer, plan_ids: Sequence[str]) -> None:
        """A decode through the codec endpoint is a look at each plan its payloads belong to
        (at none in particular when they name none). One INSERT each: call it on the thread
        pool."""
        looks = PlanLooks(self.desk.engine)
        now = self.now()
        looked_at: list[str | None] = [*plan_ids] or [None]
        for plan_id in looked_at:
            looks.record(plan_id, viewer.person.id, Through.codec, now)


def web_context(request: Request) -> WebContext:
    """A FastAPI dependency: the context `create_app` put on the app."""
    context: WebContext = request.app.state.context
    return context
