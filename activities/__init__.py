"""Every activity a plan's workflow runs, bound to the integrations that carry it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.calendar import CalendarActivities
from activities.documents import DocumentActivities
from activities.notifications import NotificationActivities
from activities.records import RecordActivities
from integrations import Integrations


def plan_activities(integrations: Integrations) -> list[Callable[..., Any]]:
    """What the worker registers; a new activity method must be listed here too."""
    documents = DocumentActivities(integrations.documents)
    calendar = CalendarActivities(integrations.calendar)
    notifications = NotificationActivities(integrations.mail, integrations.web_url)
    records = RecordActivities(integrations.records)
    return [
        documents.render_plan_document,
        calendar.schedule_check_ins,
        calendar.cancel_check_ins,
        calendar.end_check_ins,
        notifications.send_notification,
        records.record_plan,
    ]
