"""What a plan does to the world, each through an activity: its document, its check-in series,
its messages and its sealed certificates. A step that needs a fix of the setup is held (see
`HeldSteps`), never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities, CalendarSeriesRef
    from activities.certificates import CertificateActivities
    from activities.documents import DocumentActivities, PlanDocumentRequest, PublishedDocument
    from activities.notifications import NotificationActivities
    from coaching.certificate import CertificateKind, CertificateScope
    from coaching.notices import NoticeKind
    from coaching.plan import Role
    from coaching.plan_state import AUTHORS, PlanState
    from integrations.calendar import CheckInSeries
    from workflows.activity_calls import HeldSteps
    from workflows.plan_keepers import PlanKeepers


class PlanEffects:
    def __init__(self, plan: PlanState, *, series_ends_at_closing: bool, certifies: bool) -> None:
        self._plan = plan
        self._series_ends_at_closing = series_ends_at_closing
        """Plans from before check-ins could move cancel their series whole at an early end."""
        self._certifies = certifies
        """Plans from before certificates of completion were sealed replay without them."""
        self.series: CheckInSeries | None = None
        self._held = HeldSteps(plan.hold)
        self._sealing: list[asyncio.Task[None]] = []

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

    def seal_certificate(self, kind: CertificateKind, keepers: PlanKeepers | None) -> None:
        """Seals a certificate of the plan as both signed it, if both have, beside the story:
        the certificate waits for HR's store to hold what it certifies (`keepers` write it),
        the story does not. HR's store keeps where each one is (its `certificates` table)."""
        plan = self._plan
        signatures = [s for s in plan.signatures if s.valid]
        if not self._certifies or keepers is None or {s.role for s in signatures} != AUTHORS:
            return
        request = CertificateScope(
            plan_id=plan.plan_id,
            kind=kind,
            version=signatures[0].version,
            signature_ids=[s.id for s in signatures],
            through_event=len(plan.events),
            parties=plan.parties,
        )
        self._sealing.append(asyncio.create_task(self._seal(request, keepers)))

    async def finish(self) -> None:
        """Once every certificate is sealed and every held step went through."""
        await workflow.wait_condition(lambda: all(task.done() for task in self._sealing))
        await asyncio.gather(*self._sealing)
        await self._held.finish()

    async def _seal(self, request: CertificateScope, keepers: PlanKeepers) -> None:
        await workflow.wait_condition(lambda: keepers.holds_events(request.through_event))
        await self._held.run(CertificateActivities.seal_certificate, request)

    def _published(self, document: PublishedDocument) -> None:
        if document.uri not in self._plan.documents:
            self._plan.documents.append(document.uri)

    def _scheduled(self, series: CalendarSeriesRef) -> None:
        self._plan.calendar = series.uri
