"""Who is who, from Google Workspace's directory: people, titles, managers and HR's group.

Read as a Workspace administrator, every so often (`CachedDirectory`): pages need it on every
request, and Google's quotas and latency allow a read every few minutes, not per request.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from coaching.org import OrgDirectory
from coaching.validation import explain
from integrations.failures import IntegrationFailure
from integrations.google.failures import execute_pages
from integrations.google.workspace import GoogleApi, GoogleWorkspace

logger = logging.getLogger(__name__)

USERS_PAGE_SIZE = 500
MEMBERS_PAGE_SIZE = 200
TIME_ZONE_SCHEMA = "Coachplan"
TIME_ZONE_FIELD = "timeZone"
"""Google's directory has no time zone per person; a custom attribute `Coachplan.timeZone`
(an IANA name) gives one. Without it the company's zone applies."""
_UNSAFE_ID = re.compile(r"[^a-z0-9._-]+")


class GoogleDirectory:
    """Reads the whole directory as `admin`; HR are the members of `hr_group`."""

    def __init__(
        self,
        workspace: GoogleWorkspace,
        admin: str,
        hr_group: str,
        company: str,
        customer: str = "my_customer",
        default_time_zone: str = "UTC",
    ) -> None:
        self._workspace = workspace
        self._admin = admin
        self._hr_group = hr_group
        self._company = company
        self._customer = customer
        self._default_time_zone = default_time_zone

    def read(self) -> OrgDirectory:
        users = [
            user for user in self._users() if not user.get("suspended") and not user.get("archived")
        ]
        emails = [str(user["primaryEmail"]).lower() for user in users]
        ids = person_ids(emails, home_domain=self._admin.rsplit("@", 1)[-1].lower())
        hr = self._hr_emails()
        people = [
            {
                "id": ids[email],
                "name": _name(user, email),
                "email": email,
                "title": _title(user),
                "time_zone": _time_zone(user),
                "manager": _manager(user, ids, own_id=ids[email]),
                "hr": email in hr,
            }
            for user, email in zip(users, emails, strict=True)
        ]
        try:
            return OrgDirectory(
                company=self._company, time_zone=self._default_time_zone, people=people
            )
        except ValidationError as error:
            raise IntegrationFailure(
                f"Google's directory cannot be used as {self._company}'s org directory "
                f"({'; '.join(explain(error))}): check that it has active users and that "
                f"COACHPLAN_GOOGLE_HR_GROUP {self._hr_group} has at least one of them as member",
                kind="GoogleDirectoryUnusable",
                retryable=False,
            ) from None

    def _users(self) -> Iterator[dict[str, Any]]:
        users = self._client().users()
        for page in execute_pages(
            lambda token: users.list(
                customer=self._customer,
                projection="full",
                maxResults=USERS_PAGE_SIZE,
                pageToken=token,
            ),
            f"reading the users of the Google directory as {self._admin}",
        ):
            yield from page.get("users") or []

    def _hr_emails(self) -> set[str]:
        members = self._client().members()
        return {
            str(member["email"]).lower()
            for page in execute_pages(
                lambda token: members.list(
                    groupKey=self._hr_group,
                    includeDerivedMembership=True,
                    maxResults=MEMBERS_PAGE_SIZE,
                    pageToken=token,
                ),
                f"reading the members of the HR group {self._hr_group}",
            )
            for member in page.get("members") or []
            if member.get("type") == "USER" and member.get("email")
        }

    def _client(self) -> Any:
        return self._workspace.client(GoogleApi.directory, self._admin)


def person_ids(emails: list[str], home_domain: str) -> dict[str, str]:
    """Each email's `PersonId`: its local part, made safe. Where two domains share a local
    part, the ones outside `home_domain` (the admin's) get their domain appended, so the
    people of the main domain keep the short id; any clash left gets a hash of the email."""
    short = {email: _safe_id(email.split("@", 1)[0]) for email in emails}
    shared = Counter(short.values())
    ids = {
        email: _safe_id(email.replace("@", "."))
        if shared[short[email]] > 1 and not email.endswith(f"@{home_domain}")
        else short[email]
        for email in emails
    }
    clashes = Counter(ids.values())
    return {
        email: f"{ids[email]}-{hashlib.sha256(email.encode()).hexdigest()[:8]}"
        if clashes[ids[email]] > 1
        else ids[email]
        for email in emails
    }


def _safe_id(text: str) -> str:
    return _UNSAFE_ID.sub("-", text.lower()).lstrip("._-") or "user"


def _name(user: dict[str, Any], email: str) -> str:
    name = user.get("name") or {}
    full = name.get("fullName") or " ".join(
        part for part in (name.get("givenName"), name.get("familyName")) if part
    )
    return str(full).strip() or email


def _title(user: dict[str, Any]) -> str:
    organizations = user.get("organizations") or []
    primary = next((o for o in organizations if o.get("primary")), None)
    chosen = primary or (organizations[0] if organizations else {})
    return str(chosen.get("title") or "")


def _time_zone(user: dict[str, Any]) -> str | None:
    zone = ((user.get("customSchemas") or {}).get(TIME_ZONE_SCHEMA) or {}).get(TIME_ZONE_FIELD)
    if not zone:
        return None
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning(
            "%s's %s.%s '%s' is not a time zone; the company's applies",
            user.get("primaryEmail"),
            TIME_ZONE_SCHEMA,
            TIME_ZONE_FIELD,
            zone,
        )
        return None
    return str(zone)


def _manager(user: dict[str, Any], ids: dict[str, str], own_id: str) -> str | None:
    """The first manager relation that names someone in the directory."""
    for relation in user.get("relations") or []:
        if relation.get("type") == "manager":
            manager = ids.get(str(relation.get("value", "")).strip().lower())
            if manager is not None and manager != own_id:
                return manager
    return None


@dataclass(frozen=True)
class _Read:
    directory: OrgDirectory
    next_read: float


class CachedDirectory:
    """The directory read once, and again once `refresh_after` has passed.

    One thread reads at a time; while it does, the others keep getting the last directory. A
    refresh that fails keeps that one, and is tried again after `retry_after`; only the very
    first read has nothing to fall back on, and raises.
    """

    def __init__(
        self,
        source: Callable[[], OrgDirectory],
        refresh_after: timedelta,
        clock: Callable[[], float] = time.monotonic,
        *,
        retry_after: timedelta = timedelta(minutes=1),
    ) -> None:
        self._source = source
        self._refresh_after = refresh_after.total_seconds()
        self._retry_after = min(retry_after, refresh_after).total_seconds()
        self._clock = clock
        self._read: _Read | None = None
        self._reading = threading.Lock()

    def current(self) -> OrgDirectory:
        last = self._read
        if last is not None and self._clock() < last.next_read:
            return last.directory
        if last is not None and not self._reading.acquire(blocking=False):
            return last.directory
        if last is None:
            self._reading.acquire()
        try:
            return self._refresh()
        finally:
            self._reading.release()

    def _refresh(self) -> OrgDirectory:
        last = self._read
        if last is not None and self._clock() < last.next_read:
            return last.directory
        try:
            directory = self._source()
        except Exception as error:
            if last is None:
                raise
            logger.warning(
                "Reading the org directory failed (%s); the one read before stays in use", error
            )
            self._read = _Read(last.directory, self._clock() + self._retry_after)
            return last.directory
        self._read = _Read(directory, self._clock() + self._refresh_after)
        return directory
