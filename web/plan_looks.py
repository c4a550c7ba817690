"""Each view of a plan in the web app is recorded, and the plan's page lists who opened it,
so the team member knows who has read their plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from coaching.org import DirectoryError
from coaching.status import PlanStatus
from store.plan_looks import PlanLooks, Through
from web.context import WebContext
from web.identity import Viewer
from web.templating import label

THROUGH = {
    Through.page: "the plan's page",
    Through.api: "the JSON API",
    Through.cli: "the coachplan command",
    Through.hr_dashboard: "HR's dashboard",
    Through.codec: "the Temporal UI (decoded)",
}


@dataclass(frozen=True)
class Opened:
    name: str
    roles: str
    """Their roles on the plan, in words; empty for someone who is not a party."""
    at: datetime
    through: str


@dataclass(frozen=True)
class WhoOpened:
    opened: list[Opened]
    """The most recent first."""
    total: int


def record_look(context: WebContext, viewer: Viewer, plan_id: str, through: Through) -> None:
    """One INSERT, so async handlers run it on the thread pool; called once the viewer was
    found allowed, so whoever may not see the plan leaves no trace."""
    PlanLooks(context.desk.engine).record(plan_id, viewer.person.id, through, context.now())


async def who_opened(context: WebContext, status: PlanStatus) -> WhoOpened | None:
    """None when the store cannot be read: the page shows the plan anyway."""
    try:
        found = await run_in_threadpool(PlanLooks(context.desk.engine).of, status.plan_id)
    except SQLAlchemyError:
        return None
    opened = []
    for look in found.looks:
        try:
            person = context.directory.by_id(look.person_id)
        except DirectoryError:
            name, roles = look.person_id, ""
        else:
            found_roles = context.plans.roles_of(status, person.email)
            name, roles = person.name, ", ".join(label(role) for role in sorted(found_roles))
        opened.append(Opened(name=name, roles=roles, at=look.at, through=THROUGH[look.through]))
    return WhoOpened(opened=opened, total=found.total)
