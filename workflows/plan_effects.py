"""What a plan does to the world: its document, its check-in series, its messages and its
sealed certificates. A step that needs a fix of the setup is held (see `HeldSteps`), never lost.

Since the lean history, the effects asked for in one turn of the workflow go out together in
one activity (`carry_out_effects`), in the order they were asked for; Updates wait for them
with `settled`. Plans from before replay with one activity per effect.
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
    from activities.documents import (
        DocumentActivities,
        DocumentOrder,
        PublishedDocument,
    )
    from activities.effects import (
        ChangeCheckIns,
        Effect,
        EffectActivities,
        EffectBatch,
        EffectsCarriedOut,
        PublishDocument,
        SendNotice,
    )
    from activities.notifications import NotificationActivities
    from coaching.certificate import CertificateKind, CertificateScope
    from coaching.notices import NoticeKind
    from coaching.plan import Role
    from coaching.plan_state import AUTHORS, PlanState
    from coaching.status import Phase
    from integrations.calendar import CheckInSeries
    from workflows.activity_calls import SEALING, HeldSteps, StepMarks
    from workflows.plan_keepers import PlanKeepers


class PlanEffects:
    def __init__(
        self,
        plan: PlanState,
        *,
        series_ends_at_closing: bool,
        certifies: bool,
        batched: bool,
        marked: bool,
        parties_in_store: bool,
    ) -> None:
        self._plan = plan
        self._batched = batched
        """Plans from before the lean history replay with one activity per effect."""
        self._parties_in_store = parties_in_store
        """Plans from before send the parties with every document, notice and certificate."""
        self._queued: list[Effect] = []
        self._asked = 0
        self._carried = 0
        self._carrier: asyncio.Task[None] | None = None
        self._series_ends_at_closing = series_ends_at_closing
        """Plans from before check-ins could move cancel their series whole at an early end."""
        self._certifies = certifies
        """Plans from before certificates of completion were sealed replay without them."""
        self.series: CheckInSeries | None = None
        self.marks = StepMarks(enabled=marked)
        """Plans from before the marks replay without them; the keepers leave theirs here too."""
        self._held = HeldSteps(plan.hold, self.marks)
        self._sealing: list[asyncio.Task[None]] = []

    async def publish(self, readers: Sequence[Role]) -> None:
        """The document as the plan stands, shared with exactly `readers`."""
        plan = self._plan
        if self._batched:
            order = DocumentOrder.of(plan, readers)
            if not self._parties_in_store:
                order = order.model_copy(update={"parties": plan.parties})
            self._ask(PublishDocument(effect="document", order=order))
            return
        request = DocumentOrder.of(plan, readers).request(
            plan.version, plan.parties, plan.signatures
        )
        await self._held.run(DocumentActivities.render_plan_document, request, self._published)

    async def notify(
        self, kind: NoticeKind, to: Sequence[Role], *, while_in: Phase | None = None, **about: Any
    ) -> None:
        """Tells `to` what happened; the notification activity words it for each person. A
        notice `while_in` a phase is dropped if the plan left it before it went out (before
        the lean history, the story's wait for the document did that)."""
        notice = self._plan.notice(kind, to, **about)
        if self._batched and self._parties_in_store:
            self._ask(SendNotice(effect="notice", notice=notice, while_in=while_in))
            return
        addressed = notice.addressed(self._plan.parties)
        if self._batched:
            self._ask(SendNotice(effect="notice", notice=addressed, while_in=while_in))
            return
        await self._held.run(NotificationActivities.send_notification, addressed)

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
        if self._batched:
            self._ask(ChangeCheckIns(effect="calendar", change="schedule", series=self.series))
            return
        await self._held.run(CalendarActivities.schedule_check_ins, self.series, self._scheduled)

    async def end_calendar(self, now: datetime) -> None:
        """Check-ins still ahead leave the calendars; those held stay in them."""
        series = self.series
        if series is None or now >= max(series.until, self._plan.check_ins[-1].due_at):
            return
        if not self._series_ends_at_closing:
            self.series = series.model_copy(update={"sequence": series.sequence + 1})
            await self._held.run(CalendarActivities.cancel_check_ins, self.series)
            return
        self.series = series.model_copy(update={"until": now, "sequence": series.sequence + 1})
        if self._batched:
            self._ask(ChangeCheckIns(effect="calendar", change="end", series=self.series))
            return
        await self._held.run(CalendarActivities.end_check_ins, self.series)

    async def settled(self) -> None:
        """Once every effect asked for so far is carried out (or held for a fix)."""
        asked = self._asked
        if self._carried < asked:
            await workflow.wait_condition(lambda: self._carried >= asked)

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
            **({} if self._parties_in_store else {"parties": plan.parties}),
        )
        self._sealing.append(asyncio.create_task(self._seal(request, keepers)))

    async def finish(self) -> None:
        """Once every effect is carried out, every certificate is sealed and every held step
        went through."""
        await self.settled()
        if self._carrier is not None:
            self._carrier.cancel()
            await asyncio.gather(self._carrier, return_exceptions=True)
        await workflow.wait_condition(lambda: all(task.done() for task in self._sealing))
        await asyncio.gather(*self._sealing)
        await self._held.finish()

    async def _seal(self, request: CertificateScope, keepers: PlanKeepers) -> None:
        await workflow.wait_condition(lambda: keepers.holds_events(request.through_event))
        await self._held.run(CertificateActivities.seal_certificate, request, policy=SEALING)

    def _ask(self, effect: Effect) -> None:
        self._queued.append(effect)
        self._asked += 1
        if self._carrier is None:
            self._carrier = asyncio.create_task(self._carry_out())

    async def _carry_out(self) -> None:
        """Whatever was asked for while the last batch was out goes in the next one."""
        while True:
            await workflow.wait_condition(lambda: bool(self._queued))
            batch, self._queued = self._queued, []
            await self._held.run(
                EffectActivities.carry_out_effects,
                EffectBatch(plan_id=self._plan.plan_id, effects=batch),
                self._carried_out,
            )
            self._carried += len(batch)

    def _carried_out(self, done: EffectsCarriedOut) -> None:
        for document in done.documents:
            self._published(document)
        if done.series is not None:
            self._scheduled(done.series)

    def _published(self, document: PublishedDocument) -> None:
        if document.uri not in self._plan.documents:
            self._plan.documents.append(document.uri)

    def _scheduled(self, series: CalendarSeriesRef) -> None:
        self._plan.calendar = series.uri
