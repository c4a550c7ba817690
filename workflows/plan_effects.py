"""What a plan does to the world, each through an activity: its document, its check-in series
and its messages. A step that needs a fix of the setup is held (see `HeldSteps`), never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities, CalendarSeriesRef
    from activities.documents import DocumentActivities, PlanDocumentRequest, PublishedDocument
    from activities.notifications import NotificationActivities
    from coaching.notices import NoticeKind
    from coaching.plan import Role
    from coaching.plan_state import PlanState
    from integrations.calendar import CheckInSeries
    from workflows.activity_calls import HeldSteps


class PlanEffects:
    def __init__(self, plan: PlanState, *, series_ends_at_closing: bool) -> None:
        self._plan = plan
        self._series_ends_at_closing = series_ends_at_closing
        """Plans from before check-ins could move cancel their series whole at an early end."""
        self.series: CheckInSeries | None = None
        self._held = HeldSteps(plan.hold)

    async def publish(self, readers: Sequence[Role]) -> None:
        """The document as the plan stands, shared with exactly `readers`."""
        request = PlanDocumentRequest.of(self._plan, readers)
        await self._held.run(DocumentActivities.render_plan_document, request, self._published)

    async def notify(self, kind: NoticeKind, to: Sequence[Role], **about: Any) -> None:
        """Tells `to` what happened; the notification activity words it for each person."""
        notice = self._plan.notice(kind, to, **about)
        await self._held.run(NotificationActivities.send_notification, notice)

    async def publish_calendar(self) -> None:
        """One series whose occurrences are the check-ins' timers."""
        plan = self._plan
        if not plan.check_ins:
            return
        series = CheckInSeries.of_check_ins(
            plan.plan_id, plan.parties, plan.version.content.cadence, plan.check_ins
        )
        sequence = 0 if self.series is None else self.series.sequence + 1
        self.series = series.model_copy(update={"sequence": sequence})
        await self._held.run(CalendarActivities.schedule_check_ins, self.series, self._scheduled)

    async def end_calendar(self, now: datetime) -> None:
        """Check-ins still ahead leave the calendars; those held stay in them."""
        series = self.series
        if series is None or now >= max(series.until, self._plan.check_ins[-1].due_at):
            return
        if self._series_ends_at_closing:
            self.series = series.model_copy(update={"until": now, "sequence": series.sequence + 1})
            await self._held.run(CalendarActivities.end_check_ins, self.series)
        else:
            self.series = series.model_copy(update={"sequence": series.sequence + 1})
            await self._held.run(CalendarActivities.cancel_check_ins, self.series)

    async def finish(self) -> None:
        """Once every held step went through."""
        await self._held.finish()

    def _published(self, document: PublishedDocument) -> None:
        if document.uri not in self._plan.documents:
            self._plan.documents.append(document.uri)

    def _scheduled(self, series: CalendarSeriesRef) -> None:
        self._plan.calendar = series.uri
