"""The fake's Calendar API: events in people's primary calendars, recurring ones expanded into
instances, and instance changes (a moved or cancelled occurrence, one attendee's answer) kept
apart from the rule, as Google keeps them.

An event lives in its organizer's calendar; its attendees see it in theirs under the same id.
Times are answered with their offset, as Google answers them. Tests act as an attendee with
`respond` and read what the organizer's calendar holds with `event` and `instances_of`.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle, Grant

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar",
)
EVENTS = "/calendar/v3/calendars/{calendar_id}/events"
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
RULE_LIMIT = 1000
"""Instances of a rule without end that are expanded."""
SERVER_FIELDS = ("kind", "etag", "htmlLink", "created", "updated", "creator", "organizer")


@dataclass(frozen=True)
class Write:
    """One change a client made, with the `sendUpdates` it asked for (None: not given)."""

    method: str
    calendar_id: str
    event_id: str
    send_updates: str | None


@dataclass
class StoredEvent:
    resource: dict[str, Any]
    """The event (a recurring one's master) as Google answers it."""
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per instance id, the fields that instance was changed to."""
    deleted: bool = False


@dataclass
class CalendarState:
    events: dict[tuple[str, str], StoredEvent] = field(default_factory=dict)
    """By organizer's calendar id (their email) and event id."""
    writes: list[Write] = field(default_factory=list)
    answers_to_lose: int = 0
    page_size: int = 250
    """Google's largest page of instances; smaller in a test that pages."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    """The fake's own lock once its router is built."""

    def event(self, calendar_id: str, event_id: str) -> dict[str, Any] | None:
        """The event as `calendar_id` sees it; a deleted one has status "cancelled"."""
        with self.lock:
            stored = _seen(self, calendar_id, event_id)
            return None if stored is None else _answer_of(stored)

    def instances_of(
        self, calendar_id: str, event_id: str, show_deleted: bool = False
    ) -> list[dict[str, Any]]:
        with self.lock:
            stored = _seen(self, calendar_id, event_id)
            if stored is None:
                raise KeyError(f"{calendar_id} sees no event {event_id}")
            return [i for i in _instances(stored) if show_deleted or i["status"] != "cancelled"]

    def respond(
        self, event_id: str, occurrence_start: datetime | None, email: str, response: str
    ) -> None:
        """`email` answers one occurrence (by its original start), or the whole series."""
        with self.lock:
            stored = next(s for (_, i), s in self.events.items() if i == event_id)
            if occurrence_start is None:
                target = stored.resource
            else:
                instance_id = _instance_id(event_id, occurrence_start)
                [instance] = [i for i in _instances(stored) if i["id"] == instance_id]
                target = stored.changes.setdefault(instance_id, {})
                target["attendees"] = instance["attendees"]
            [attendee] = [a for a in target["attendees"] if a["email"] == email.lower()]
            attendee["responseStatus"] = response

    def lose_next_answers(self, count: int = 1) -> None:
        """The next `count` writes take effect but are answered 503, as when the connection
        drops after Google acted."""
        with self.lock:
            self.answers_to_lose += count


def router(fake: FakeGoogle) -> APIRouter:
    api = APIRouter()
    state = fake.calendar
    state.lock = fake.lock

    def calendar_of(request: Request, calendar_id: str) -> str:
        grant: Grant = fake.grant_for(request, *SCOPES)
        if calendar_id not in ("primary", grant.subject):
            raise _error(404, "notFound", "Not Found")
        return grant.subject

    def written(
        method: str, calendar: str, event_id: str, request: Request, answer: dict[str, Any]
    ) -> JSONResponse:
        state.writes.append(
            Write(method, calendar, event_id, request.query_params.get("sendUpdates"))
        )
        if state.answers_to_lose > 0:
            state.answers_to_lose -= 1
            raise _error(503, "backendError", "The service is currently unavailable.")
        return JSONResponse(answer)

    @api.post(EVENTS)
    async def insert(calendar_id: str, request: Request) -> JSONResponse:
        body = await request.json()
        with fake.lock:
            calendar = calendar_of(request, calendar_id)
            event_id = str(body.get("id") or secrets.token_hex(13))
            if not EVENT_ID.fullmatch(event_id):
                raise _error(400, "invalid", "Invalid resource id value.")
            if (calendar, event_id) in state.events:
                raise _error(409, "duplicate", "The requested identifier already exists.")
            stored = StoredEvent(_resource(body, event_id, calendar, None))
            state.events[(calendar, event_id)] = stored
            return written("insert", calendar, event_id, request, _answer_of(stored))

    @api.get(EVENTS)
    async def list_events(calendar_id: str, request: Request) -> JSONResponse:
        with fake.lock:
            calendar = calendar_of(request, calendar_id)
            wanted = [
                p.partition("=")[::2]
                for p in request.query_params.getlist("privateExtendedProperty")
            ]
            show_deleted = request.query_params.get("showDeleted") == "true"
            items = [
                _answer_of(stored)
                for stored in _visible_to(state, calendar)
                if (show_deleted or not stored.deleted)
                and all(
                    stored.resource.get("extendedProperties", {}).get("private", {}).get(key)
                    == value
                    for key, value in wanted
                )
            ]
            return JSONResponse({"kind": "calendar#events", "items": items})

    @api.get(EVENTS + "/{event_id}")
    async def get(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        with fake.lock:
            stored, instance_id = _find(state, calendar_of(request, calendar_id), event_id)
            if instance_id is None:
                return JSONResponse(_answer_of(stored))
            return JSONResponse(_instance(stored, instance_id))

    @api.put(EVENTS + "/{event_id}")
    async def update(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        body = await request.json()
        with fake.lock:
            calendar = calendar_of(request, calendar_id)
            stored = _own(state, calendar, event_id, deleted_too=True)
            _check_sequence(stored.resource, body)
            stored.resource = _resource(body, event_id, calendar, stored.resource)
            stored.deleted = stored.resource["status"] == "cancelled"
            return written("update", calendar, event_id, request, _answer_of(stored))

    @api.patch(EVENTS + "/{event_id}")
    async def patch(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        body = await request.json()
        with fake.lock:
            calendar = calendar_of(request, calendar_id)
            master_id, _, _ = event_id.partition("_")
            stored = _own(state, calendar, master_id)
            if master_id == event_id:
                _check_sequence(stored.resource, body)
                stored.resource = _resource(
                    {**stored.resource, **body}, event_id, calendar, stored.resource
                )
                stored.deleted = stored.resource["status"] == "cancelled"
                return written("patch", calendar, event_id, request, _answer_of(stored))
            _instance(stored, event_id)
            change = stored.changes.setdefault(event_id, {})
            change.update(_normalized(body, stored.resource["start"].get("timeZone")))
            return written("patch", calendar, event_id, request, _instance(stored, event_id))

    @api.delete(EVENTS + "/{event_id}")
    async def delete(calendar_id: str, event_id: str, request: Request) -> Response:
        with fake.lock:
            calendar = calendar_of(request, calendar_id)
            master_id, _, _ = event_id.partition("_")
            stored = _own(state, calendar, master_id)
            if master_id == event_id:
                stored.deleted = True
            else:
                _instance(stored, event_id)
                stored.changes.setdefault(event_id, {})["status"] = "cancelled"
            written("delete", calendar, event_id, request, {})
            return Response(status_code=204)

    @api.get(EVENTS + "/{event_id}/instances")
    async def instances(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        query = request.query_params
        with fake.lock:
            stored, instance_id = _find(state, calendar_of(request, calendar_id), event_id)
            if instance_id is not None:
                raise _error(400, "invalid", "Invalid argument: an instance has no instances.")
            found = [
                instance
                for instance in _instances(stored)
                if (query.get("showDeleted") == "true" or instance["status"] != "cancelled")
                and _within(instance, query.get("timeMin"), query.get("timeMax"))
                and _is_original(instance, query.get("originalStart"))
            ]
        first = int(query.get("pageToken") or 0)
        size = min(int(query.get("maxResults") or state.page_size), state.page_size)
        page: dict[str, Any] = {"kind": "calendar#events", "items": found[first : first + size]}
        if first + size < len(found):
            page["nextPageToken"] = str(first + size)
        return JSONResponse(page)

    return api


def _error(status: int, reason: str, message: str) -> Exception:
    """Imported here: the server imports this module before it defines the error."""
    from tests.fake_google.server import GoogleHttpError

    return GoogleHttpError(status, reason, message)


def _visible_to(state: CalendarState, calendar: str) -> list[StoredEvent]:
    """The calendar's own events and those it is invited to."""
    return [
        stored
        for (organizer, _), stored in state.events.items()
        if organizer == calendar
        or calendar in (a["email"] for a in stored.resource.get("attendees", []))
    ]


def _seen(state: CalendarState, calendar: str, event_id: str) -> StoredEvent | None:
    return next((s for s in _visible_to(state, calendar) if s.resource["id"] == event_id), None)


def _find(state: CalendarState, calendar: str, event_id: str) -> tuple[StoredEvent, str | None]:
    """The event (and the instance, for an instance id) as `calendar` sees it."""
    master_id, _, _ = event_id.partition("_")
    stored = _seen(state, calendar, master_id)
    if stored is None:
        raise _error(404, "notFound", "Not Found")
    if stored.deleted:
        raise _error(410, "deleted", "Resource has been deleted")
    if master_id == event_id:
        return stored, None
    _instance(stored, event_id)
    return stored, event_id


def _own(
    state: CalendarState, calendar: str, event_id: str, deleted_too: bool = False
) -> StoredEvent:
    """An event only its organizer may change."""
    stored = state.events.get((calendar, event_id))
    if stored is None:
        _find(state, calendar, event_id)
        raise _error(403, "forbidden", "You need to have writer access to this calendar.")
    if stored.deleted and not deleted_too:
        raise _error(410, "deleted", "Resource has been deleted")
    return stored


def _check_sequence(stored: dict[str, Any], body: dict[str, Any]) -> None:
    if int(body.get("sequence", stored["sequence"])) < stored["sequence"]:
        raise _error(
            400,
            "invalid",
            "Invalid sequence value. The specified sequence number is below the current "
            "sequence number of the resource.",
        )


def _resource(
    body: dict[str, Any], event_id: str, calendar: str, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The event as stored from a client's body: server fields set, times and attendees as
    Google normalizes them."""
    for required in ("start", "end"):
        if required not in body:
            raise _error(400, "required", f"Missing {required} time.")
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar}".encode()).decode().rstrip("=")
    resource = {key: deepcopy(value) for key, value in body.items() if key not in SERVER_FIELDS}
    resource.update(
        kind="calendar#event",
        etag=f'"{secrets.token_hex(8)}"',
        id=event_id,
        status=body.get("status", "confirmed"),
        htmlLink=f"https://www.google.com/calendar/event?eid={eid}",
        created=previous["created"] if previous else now,
        updated=now,
        creator={"email": calendar},
        organizer={"email": calendar, "self": True},
        iCalUID=f"{event_id}@google.com",
        sequence=int(body.get("sequence", 0)),
    )
    resource.update(_normalized(resource, None))
    for line in resource.get("recurrence", []):
        if line.partition(":")[0].partition(";")[0] not in ("RRULE", "RDATE", "EXDATE"):
            raise _error(400, "invalid", "Invalid recurrence rule.")
    _starts(resource)
    return resource


def _normalized(fields: dict[str, Any], zone: str | None) -> dict[str, Any]:
    """Times with their offset in their zone, attendees lower-cased with an answer."""
    normal = deepcopy(fields)
    for key in ("start", "end"):
        if key in normal:
            when = normal[key]
            name: str | None = when.get("timeZone") or zone
            moment = datetime.fromisoformat(str(when["dateTime"]))
            if moment.tzinfo is None:
                if name is None:
                    raise _error(400, "required", f"Missing time zone definition for {key} time.")
                moment = moment.replace(tzinfo=ZoneInfo(name))
            normal[key] = {"dateTime": _local(moment, name), **({"timeZone": name} if name else {})}
    if "attendees" in normal:
        for attendee in normal["attendees"]:
            attendee["email"] = attendee["email"].lower()
            attendee.setdefault("responseStatus", "needsAction")
    return normal


def _local(moment: datetime, zone: str | None) -> str:
    return (moment.astimezone(ZoneInfo(zone)) if zone else moment).isoformat()


def _moment(when: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(when["dateTime"])).astimezone(UTC)


def _starts(resource: dict[str, Any]) -> list[datetime]:
    """The master's instances, as RFC 5545 counts them: DTSTART always, then the rule's and
    the RDATEs' starts, less the EXDATEs, in the event's zone (same local time across clock
    changes)."""
    zone = ZoneInfo(resource["start"].get("timeZone") or "UTC")
    first = datetime.fromisoformat(resource["start"]["dateTime"]).astimezone(zone)
    starts: set[datetime] = {first}
    excluded: set[datetime] = set()
    try:
        for line in resource.get("recurrence", []):
            name, _, value = line.partition(":")
            kind, *parameters = name.split(";")
            if kind == "RRULE":
                starts.update(islice(rrulestr(value, dtstart=first), RULE_LIMIT))
                continue
            named = dict(p.partition("=")[::2] for p in parameters)
            moments = {_ical_moment(text, named.get("TZID"), zone) for text in value.split(",")}
            (starts if kind == "RDATE" else excluded).update(moments)
    except ValueError as error:
        raise _error(400, "invalid", f"Invalid recurrence rule: {error}") from None
    if not resource.get("recurrence"):
        return [first]
    return sorted(starts - excluded)


def _ical_moment(text: str, tzid: str | None, zone: ZoneInfo) -> datetime:
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(tzid) if tzid else zone)


def _instance_id(event_id: str, start: datetime) -> str:
    return f"{event_id}_{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _instances(stored: StoredEvent) -> list[dict[str, Any]]:
    master = stored.resource
    if not master.get("recurrence"):
        return []
    zone = master["start"].get("timeZone")
    length = _moment(master["end"]) - _moment(master["start"])
    found = []
    for start in _starts(master):
        instance_id = _instance_id(master["id"], start)
        instance = {k: deepcopy(v) for k, v in master.items() if k != "recurrence"}
        instance.update(
            id=instance_id,
            recurringEventId=master["id"],
            originalStartTime={"dateTime": _local(start, zone), "timeZone": zone},
            start={"dateTime": _local(start, zone), "timeZone": zone},
            end={"dateTime": _local(start + length, zone), "timeZone": zone},
        )
        instance.update(deepcopy(stored.changes.get(instance_id, {})))
        found.append(instance)
    return found


def _instance(stored: StoredEvent, instance_id: str) -> dict[str, Any]:
    found = [instance for instance in _instances(stored) if instance["id"] == instance_id]
    if not found:
        raise _error(404, "notFound", "Not Found")
    return found[0]


def _answer_of(stored: StoredEvent) -> dict[str, Any]:
    answer = deepcopy(stored.resource)
    if stored.deleted:
        answer["status"] = "cancelled"
    return answer


def _within(instance: dict[str, Any], time_min: str | None, time_max: str | None) -> bool:
    """Overlapping [timeMin, timeMax), as Google filters."""
    return (time_min is None or _moment(instance["end"]) > _parsed(time_min)) and (
        time_max is None or _moment(instance["start"]) < _parsed(time_max)
    )


def _is_original(instance: dict[str, Any], original_start: str | None) -> bool:
    return original_start is None or _moment(instance["originalStartTime"]) == _parsed(
        original_start
    )


def _parsed(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
