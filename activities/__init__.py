"""Every activity a plan's workflow runs, bound to the integrations that carry it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.client import Client

from activities.calendar import CalendarActivities
from activities.certificates import CertificateActivities
from activities.documents import DocumentActivities
from activities.effects import EffectActivities
from activities.notifications import NotificationActivities
from activities.records import RecordActivities
from activities.sweep import SweepActivities
from integrations import Integrations
from store.certificates import CertificateRecords
from store.hr_queries import HrQueries


def plan_activities(integrations: Integrations, client: Client) -> list[Callable[..., Any]]:
    """What the worker registers; a new activity method must be listed here too.

    The sweep asks plans questions and tells them what it found, through `client`. Every
    share, invite and message passes the one recipient gate of `integrations`."""
    gate = integrations.recipients
    documents = DocumentActivities(integrations.documents, gate)
    calendar = CalendarActivities(integrations.calendar, integrations.web_url, gate)
    notifications = NotificationActivities(integrations.mail, integrations.web_url, gate=gate)
    records = RecordActivities(integrations.records)
    effects = EffectActivities(documents, calendar, notifications, integrations.records)
    certificates = CertificateActivities(
        CertificateRecords(integrations.records.engine), integrations.documents, integrations.sealer
    )
    sweep = SweepActivities(
        client,
        HrQueries(integrations.records.engine),
        integrations.documents,
        integrations.calendar,
        gate,
    )
    return [
        effects.carry_out_effects,
        documents.render_plan_document,
        calendar.schedule_check_ins,
        calendar.cancel_check_ins,
        calendar.end_check_ins,
        notifications.send_notification,
        records.record_plan,
        certificates.seal_certificate,
        sweep.open_plans,
        sweep.sweep_plan,
    ]
