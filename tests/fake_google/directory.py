"""The fake's Admin SDK directory: `users.list` and `members.list`, paged as Google pages them.

Users are kept as the API's user resources (`primaryEmail`, `name.fullName`, `organizations`,
`relations`, `suspended`, `customSchemas`), so the reader is tested against Google's shapes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request

from coaching.org import OrgDirectory

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle, GoogleHttpError, Grant

USER_SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.user",
)
MEMBER_SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.group.member.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.member",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.group",
)
HR_GROUP = "hr@example.com"
MAX_USERS_PER_PAGE = 500
MAX_MEMBERS_PER_PAGE = 200


@dataclass
class DirectoryState:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """User resources by primary email, as `projection=full` returns them."""
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Member resources by group email."""
    admins: set[str] | None = None
    """Who may read the directory; None lets anyone."""
    page_size_cap: int = MAX_USERS_PER_PAGE
    """Google may return fewer than `maxResults`: a small cap spreads a few people (and
    members) over several pages."""

    def add_user(
        self,
        email: str,
        full_name: str,
        *,
        title: str = "",
        manager: str | None = None,
        suspended: bool = False,
        time_zone: str | None = None,
    ) -> dict[str, Any]:
        """A user as Google returns it; `manager` is the manager's email."""
        given, _, family = full_name.partition(" ")
        user: dict[str, Any] = {
            "kind": "admin#directory#user",
            "id": str(100000000000000000000 + len(self.users)),
            "primaryEmail": email,
            "name": {"givenName": given, "familyName": family, "fullName": full_name},
            "isAdmin": False,
            "suspended": suspended,
            "archived": False,
        }
        if title:
            user["organizations"] = [{"title": title, "primary": True, "customType": ""}]
        if manager:
            user["relations"] = [{"value": manager, "type": "manager"}]
        if time_zone:
            user["customSchemas"] = {"Coachplan": {"timeZone": time_zone}}
        self.users[email.lower()] = user
        return user

    def add_member(self, group: str, email: str, member_type: str = "USER") -> None:
        self.groups.setdefault(group.lower(), []).append(
            {
                "kind": "admin#directory#member",
                "id": secrets.token_hex(8),
                "email": email,
                "role": "MEMBER",
                "type": member_type,
                "status": "ACTIVE",
            }
        )

    def seed_from_org(self, org: OrgDirectory, hr_group: str = HR_GROUP) -> None:
        """Everyone of `org` as a user, managers as relations, HR as members of `hr_group`."""
        emails = {person.id: person.email for person in org.people}
        self.groups.setdefault(hr_group.lower(), [])
        for person in org.people:
            self.add_user(
                person.email,
                person.name,
                title=person.title,
                manager=emails[person.manager] if person.manager else None,
                time_zone=person.time_zone,
            )
            if person.hr:
                self.add_member(hr_group, person.email)

    def members(self, group: str, derived: bool) -> list[dict[str, Any]]:
        """`derived` includes the members of member groups, as `includeDerivedMembership`."""
        direct = self.groups[group.lower()]
        if not derived:
            return list(direct)
        found: list[dict[str, Any]] = []
        for member in direct:
            if member["type"] == "GROUP" and member["email"].lower() in self.groups:
                found += [m for m in self.members(member["email"], True) if m not in found]
            elif member not in found:
                found.append(member)
        return found


def _error(status: int, reason: str, message: str) -> GoogleHttpError:
    """Imported when needed: the server imports this module while it is being defined."""
    from tests.fake_google.server import GoogleHttpError

    return GoogleHttpError(status, reason, message)


def _as_admin(fake: FakeGoogle, grant: Grant) -> None:
    with fake.lock:
        admins = fake.directory.admins
    if admins is not None and grant.subject.lower() not in admins:
        raise _error(403, "forbidden", "Not Authorized to access this resource/api")


def _page(
    items: list[dict[str, Any]], page_token: str | None, max_results: int, limit: int, cap: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of at most `max_results` (and the fake's cap); tokens are opaque to clients."""
    if not 1 <= max_results <= limit:
        raise _error(400, "invalid", f"Invalid value for maxResults: {max_results}")
    if page_token is not None and not page_token.isdigit():
        raise _error(400, "invalid", "Invalid page token")
    start = int(page_token or 0)
    end = start + min(max_results, cap)
    return items[start:end], str(end) if end < len(items) else None


def router(fake: FakeGoogle) -> APIRouter:
    api = APIRouter(prefix="/admin/directory/v1")

    @api.get("/users")
    async def _users(
        request: Request,
        customer: str | None = None,
        domain: str | None = None,
        projection: str = "basic",
        max_results: Annotated[int, Query(alias="maxResults")] = 100,
        page_token: Annotated[str | None, Query(alias="pageToken")] = None,
    ) -> dict[str, Any]:
        _as_admin(fake, fake.grant_for(request, *USER_SCOPES))
        if customer is None and domain is None:
            raise _error(400, "badRequest", "Bad Request")
        with fake.lock:
            users = [fake.directory.users[email] for email in sorted(fake.directory.users)]
            cap = fake.directory.page_size_cap
        if domain is not None:
            users = [u for u in users if u["primaryEmail"].lower().endswith(f"@{domain}")]
        page, next_token = _page(users, page_token, max_results, MAX_USERS_PER_PAGE, cap)
        if projection != "full":
            page = [{k: v for k, v in user.items() if k != "customSchemas"} for user in page]
        answer: dict[str, Any] = {"kind": "admin#directory#users", "users": page}
        if next_token is not None:
            answer["nextPageToken"] = next_token
        return answer

    @api.get("/groups/{group_key}/members")
    async def _members(
        group_key: str,
        request: Request,
        derived: Annotated[bool, Query(alias="includeDerivedMembership")] = False,
        max_results: Annotated[int, Query(alias="maxResults")] = MAX_MEMBERS_PER_PAGE,
        page_token: Annotated[str | None, Query(alias="pageToken")] = None,
    ) -> dict[str, Any]:
        _as_admin(fake, fake.grant_for(request, *MEMBER_SCOPES))
        with fake.lock:
            if group_key.lower() not in fake.directory.groups:
                raise _error(404, "notFound", "Resource Not Found: groupKey")
            members = fake.directory.members(group_key, derived)
            cap = fake.directory.page_size_cap
        page, next_token = _page(members, page_token, max_results, MAX_MEMBERS_PER_PAGE, cap)
        answer: dict[str, Any] = {"kind": "admin#directory#members"}
        if page:
            answer["members"] = page
        if next_token is not None:
            answer["nextPageToken"] = next_token
        return answer

    return api
