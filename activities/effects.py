"""One activity for everything a step of a plan does to the world: its document, its check-in
series and its messages, in the order the workflow asked for them.

A person's action or a turn of the story usually has two or three side effects. Carried out
together they cost the plan's history one activity instead of one each, and the workflow one
wait. Each effect is idempotent on its own (a document version, a series sequence, a message
id), so a retried batch repeats nothing the world can see twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import CalendarActivities, CalendarSeriesRef
from activities.documents import DocumentActivities, DocumentOrder, PublishedDocument
from activities.heartbeats import kept_alive
from activities.notifications import NotificationActivities
from activities.threaded import threaded_activity
from coaching.notices import Notice, NoticeOrder
from coaching.org import Parties
from coaching.plan import StrictModel
from coaching.status import Phase
from integrations.calendar import CheckInSeries
from store.plan_records import PlanRecords


class PublishDocument(StrictModel):
    effect: Literal["document"]
    order: DocumentOrder


class ChangeCheckIns(StrictModel):
    effect: Literal["calendar"]
    change: Literal["schedule", "end"]
    series: CheckInSeries


class SendNotice(StrictModel):
    effect: Literal["notice"]
    notice: NoticeOrder | Notice
    """Its parties are read from HR's store; notices asked for before migration 0006 carry
    them."""
    while_in: Phase | None = None
    """A notice that a phase opened goes out only while HR's store still shows the plan in it:
    people who acted faster than the plan's document was written are not told of a phase
    they already left."""


Effect = Annotated[PublishDocument | ChangeCheckIns | SendNotice, Field(discriminator="effect")]
"""Each effect names its kind explicitly: the converter leaves out what was not set."""


class EffectBatch(StrictModel):
    plan_id: str
    effects: list[Effect]


class EffectsCarriedOut(StrictModel):
    """What the plan keeps of its effects: where its document and its series are."""

    documents: list[PublishedDocument] = Field(default_factory=list)
    series: CalendarSeriesRef | None = None
    sent: int = 0


class EffectActivities:
    def __init__(
        self,
        documents: DocumentActivities,
        calendar: CalendarActivities,
        notifications: NotificationActivities,
        records: PlanRecords,
    ) -> None:
        self._documents = documents
        self._records = records
        self._calendar = calendar
        self._notifications = notifications

    @threaded_activity
    def carry_out_effects(self, batch: EffectBatch) -> EffectsCarriedOut:
        """In order; a heartbeat after each effect, and every few seconds during a long one,
        tells Temporal this worker is alive, so a lost worker is noticed within the heartbeat
        timeout and the batch retried elsewhere."""
        with kept_alive():
            return self._carry_out(batch)

    def _carry_out(self, batch: EffectBatch) -> EffectsCarriedOut:
        documents: list[PublishedDocument] = []
        series: CalendarSeriesRef | None = None
        sent = 0
        # Read from HR's store once a batch, when an effect first needs them.
        parties = functools.cache(functools.partial(self._parties, batch.plan_id))
        for number, effect in enumerate(batch.effects, start=1):
            if isinstance(effect, PublishDocument):
                documents.append(self._publish(effect.order, parties))
            elif isinstance(effect, ChangeCheckIns):
                series = self._change_check_ins(effect)
            elif self._still_due(effect):
                notice = effect.notice
                if not isinstance(notice, Notice):
                    notice = notice.addressed(parties())
                self._notifications.send_notification(notice)
                sent += 1
            activity.heartbeat(number)
        return EffectsCarriedOut(documents=documents, series=series, sent=sent)

    def _still_due(self, effect: SendNotice) -> bool:
        if effect.while_in is None:
            return True
        phase = self._records.phase(effect.notice.plan_id)
        if phase in (None, effect.while_in):
            return True
        activity.logger.info(
            "Not sending %s notice %s of plan %s: the plan is in %s already",
            effect.notice.kind.value,
            effect.notice.event_id,
            effect.notice.plan_id,
            phase.value,
        )
        return False

    def _publish(self, order: DocumentOrder, parties: Callable[[], Parties]) -> PublishedDocument:
        """The version's content and the signatures come from HR's store: the plan records
        them (a local activity) before it asks for the document, so only a store still
        catching up is without them."""
        version = self._records.version(order.plan_id, order.version, order.sha256)
        if version is None:
            raise ApplicationError(
                f"plan {order.plan_id}: HR's store does not hold version {order.version} with "
                "its content yet; the document is rendered once it does",
                type="VersionNotRecordedYet",
            )
        signatures = self._records.signatures(order.plan_id, order.signature_ids)
        if signatures is None:
            raise ApplicationError(
                f"plan {order.plan_id}: HR's store does not hold signatures "
                f"{', '.join(order.signature_ids)} yet; the document is rendered once it does",
                type="SignatureNotRecordedYet",
            )
        request = order.request(version, order.parties or parties(), signatures)
        return self._documents.render_plan_document(request)

    def _parties(self, plan_id: str) -> Parties:
        parties = self._records.parties(plan_id)
        if parties is None:
            raise ApplicationError(
                f"plan {plan_id}: HR's store does not hold its parties yet; the step is taken "
                "once it does",
                type="PartiesNotRecordedYet",
            )
        return parties

    def _change_check_ins(self, effect: ChangeCheckIns) -> CalendarSeriesRef:
        if effect.change == "schedule":
            return self._calendar.schedule_check_ins(effect.series)
        return self._calendar.end_check_ins(effect.series)
