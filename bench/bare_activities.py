"""The bare workflow's models and its five activities, whose bodies are empty.

Apart from the workflow's module, so that the workflow sandbox passes them through instead of
building the pydantic models again for every bare plan (the product's models are passed
through the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio import activity

from coaching.status import Phase


class BareCheckIn(BaseModel):
    number: int
    due_at: datetime
    due: bool = False
    recorded: bool = False


class BareStatus(BaseModel):
    """What the driver needs from a bare plan: the same questions it asks the product."""

    plan_id: str
    phase: Phase
    version: int
    activity_ids: list[str]
    support_ids: list[str]
    check_ins: list[BareCheckIn]
    review_due_at: datetime


class BareStep(BaseModel):
    """The input of every bare activity: which plan, and which version its document is."""

    plan_id: str
    version: int = 1


@dataclass(frozen=True)
class BareActivities:
    """Five activity types, one per kind the product calls, with empty bodies."""

    data_dir: Path

    @activity.defn(name="bare_render_plan_document")
    def render(self, step: BareStep) -> None:
        folder = self.data_dir / "documents" / step.plan_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"v{step.version}.html").touch()

    @activity.defn(name="bare_send_notification")
    def notify(self, step: BareStep) -> None:
        return None

    @activity.defn(name="bare_record_plan")
    def record(self, step: BareStep) -> None:
        return None

    @activity.defn(name="bare_schedule_check_ins")
    def calendar(self, step: BareStep) -> None:
        return None

    @activity.defn(name="bare_seal_certificate")
    def seal(self, step: BareStep) -> None:
        return None

    def all(self) -> list[Any]:
        return [self.render, self.notify, self.record, self.calendar, self.seal]
