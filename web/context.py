"""What every request works with: the settings, the directory, plans and HR's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from coaching.holidays import CompanyHolidays
from coaching.org import OrgDirectory
from coaching.settings import Settings
from starter.hr_desk import HrDesk
from starter.plan_client import PlanClient
from store.api_tokens import ApiTokens


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    plans: PlanClient
    desk: HrDesk
    tokens: ApiTokens
    holidays: CompanyHolidays

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
