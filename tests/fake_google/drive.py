"""The fake's Drive API: files with app properties, copies of documents, uploaded content
(multipart and simple media uploads), and permissions.

A caller sees a file it owns or holds a permission on; any other id is `notFound`, as on
Google. `files.list` understands only the query terms the application sends.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
DOCUMENT = "application/vnd.google-apps.document"
FOLDER = "application/vnd.google-apps.folder"
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
WRITERS = frozenset(ROLES[:4])
_QUOTED = r"'((?:[^'\\]|\\.)*)'"
_TERMS = {
    "appProperties": re.compile(
        rf"appProperties\s+has\s*\{{\s*key\s*=\s*{_QUOTED}\s+and\s+value\s*=\s*{_QUOTED}\s*\}}"
    ),
    "trashed": re.compile(r"trashed\s*=\s*(true|false)"),
    "parent": re.compile(rf"{_QUOTED}\s+in\s+parents"),
}
_AND = re.compile(r"\s+and\s+")
_created = itertools.count(1)


@dataclass
class Permission:
    id: str
    type: str
    role: str
    email_address: str = ""
    domain: str = ""

    def resource(self) -> dict[str, Any]:
        found = {"kind": "drive#permission", "id": self.id, "type": self.type, "role": self.role}
        if self.email_address:
            found["emailAddress"] = self.email_address
        if self.domain:
            found["domain"] = self.domain
        return found


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    owner: str
    parents: list[str] = field(default_factory=list)
    app_properties: dict[str, str] = field(default_factory=dict)
    trashed: bool = False
    created: int = field(default_factory=lambda: next(_created))
    permissions: list[Permission] = field(default_factory=list)
    content: bytes = b""

    def resource(self) -> dict[str, Any]:
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "appProperties": dict(self.app_properties),
            "trashed": self.trashed,
            "owners": [{"emailAddress": self.owner}],
            "webViewLink": f"https://docs.google.com/document/d/{self.id}/edit",
        }


@dataclass(frozen=True)
class Notification:
    file_id: str
    email: str
    message: str


def permission_id(email: str) -> str:
    """Google gives a person the same permission id on every file."""
    return hashlib.sha256(email.lower().encode()).hexdigest()[:20]


def select(resource: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """The part of `resource` a `fields` mask such as "files(id,name),nextPageToken" asks for."""
    if not fields or fields.strip() == "*":
        return resource
    chosen: dict[str, Any] = {}
    for name, inner in _field_masks(fields):
        if name not in resource:
            continue
        value = resource[name]
        if inner and isinstance(value, list):
            chosen[name] = [select(item, inner) for item in value]
        elif inner and isinstance(value, dict):
            chosen[name] = select(value, inner)
        else:
            chosen[name] = value
    return chosen


def _field_masks(fields: str) -> list[tuple[str, str]]:
    masks, depth, current = [], 0, ""
    for char in [*fields, ","]:
        if char == "," and depth == 0:
            name, _, inner = current.strip().partition("(")
            masks.append((name.strip(), inner[:-1] if inner.endswith(")") else inner))
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return masks


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON metadata and the media of a multipart/related upload."""
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
    )
    metadata, media = (part.get_payload(decode=True) for part in message.iter_parts())  # type: ignore[attr-defined]
    return json.loads(metadata), media


def parse_query(query: str) -> list[tuple[str, tuple[str, ...]]]:
    """The query's terms, joined by `and`; anything else is refused like Google does."""
    terms: list[tuple[str, tuple[str, ...]]] = []
    at, query = 0, query.strip()
    while at < len(query):
        for kind, pattern in _TERMS.items():
            found = pattern.match(query, at)
            if found:
                terms.append((kind, tuple(re.sub(r"\\(.)", r"\1", g) for g in found.groups())))
                at = found.end()
                break
        else:
            raise ValueError(query)
        joiner = _AND.match(query, at)
        if joiner is None and at < len(query):
            raise ValueError(query)
        at = joiner.end() if joiner else at
    return terms


def _matches(file: DriveFile, terms: list[tuple[str, tuple[str, ...]]]) -> bool:
    for kind, values in terms:
        if kind == "appProperties" and file.app_properties.get(values[0]) != values[1]:
            return False
        if kind == "trashed" and file.trashed != (values[0] == "true"):
            return False
        if kind == "parent" and values[0] not in file.parents:
            return False
    return True


@dataclass
class DriveState:
    files: dict[str, DriveFile] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)

    def add_file(
        self,
        owner: str,
        name: str,
        mime_type: str = DOCUMENT,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
        file_id: str | None = None,
    ) -> DriveFile:
        file = DriveFile(
            id=file_id or secrets.token_urlsafe(33),
            name=name,
            mime_type=mime_type,
            owner=owner,
            parents=list(parents or []),
            app_properties=dict(app_properties or {}),
        )
        file.permissions.append(Permission(permission_id(owner), "user", "owner", owner))
        self.files[file.id] = file
        return file

    def share(self, file_id: str, email: str, role: str, kind: str = "user") -> Permission:
        """Grants access the way a person does by hand in Drive; `email` is the domain's name
        for a `domain` grant and is ignored for `anyone`."""
        file = self.files[file_id]
        if kind == "anyone":
            permission = Permission("anyoneWithLink", kind, role)
        elif kind == "domain":
            permission = Permission(f"domain-{email}", kind, role, domain=email)
        else:
            permission = Permission(permission_id(email), kind, role, email.lower())
        file.permissions = [p for p in file.permissions if p.id != permission.id]
        file.permissions.append(permission)
        return permission

    def role_of(self, file_id: str, email: str) -> str | None:
        file = self.files.get(file_id)
        if file is None:
            return None
        return next((p.role for p in file.permissions if p.email_address == email.lower()), None)

    def permissions_of(self, file_id: str) -> dict[str, str]:
        """Who may open the file, and as what: emails, or `anyone`/`domain:<name>`."""
        return {
            p.email_address or (f"domain:{p.domain}" if p.domain else p.type): p.role
            for p in self.files[file_id].permissions
        }

    def documents(self) -> list[DriveFile]:
        return [file for file in self.files.values() if file.mime_type == DOCUMENT]


def router(fake: FakeGoogle) -> APIRouter:
    from tests.fake_google.server import GoogleHttpError

    api = APIRouter()

    def caller(request: Request) -> str:
        return fake.grant_for(request, DRIVE_SCOPE).subject

    def visible(file_id: str, subject: str, write: bool = False) -> DriveFile:
        file = fake.drive.files.get(file_id)
        role = fake.drive.role_of(file_id, subject)
        if file is None or role is None:
            raise GoogleHttpError(404, "notFound", f"File not found: {file_id}.")
        if write and role not in WRITERS:
            raise GoogleHttpError(
                403,
                "insufficientFilePermissions",
                "The user does not have sufficient permissions for this file.",
            )
        return file

    def new_file(subject: str, body: dict[str, Any], mime_type: str, name: str) -> DriveFile:
        for parent in body.get("parents") or []:
            visible(str(parent), subject, write=True)
        return fake.drive.add_file(
            subject,
            str(body.get("name") or name),
            mime_type,
            [str(parent) for parent in body.get("parents") or []],
            {str(k): str(v) for k, v in (body.get("appProperties") or {}).items()},
        )

    @api.post("/drive/v3/files")
    async def create(request: Request) -> dict[str, Any]:
        subject, body = caller(request), await request.json()
        with fake.lock:
            mime_type = str(body.get("mimeType") or "application/octet-stream")
            file = new_file(subject, body, mime_type, "Untitled")
            if mime_type == DOCUMENT:
                fake.docs.create(file.id, file.name)
            return select(file.resource(), request.query_params.get("fields"))

    @api.post("/upload/drive/v3/files")
    async def upload(request: Request) -> dict[str, Any]:
        """A new file with its metadata and content, as one multipart/related body."""
        subject = caller(request)
        if request.query_params.get("uploadType") != "multipart":
            raise GoogleHttpError(400, "invalid", "The fake takes multipart uploads to create.")
        body, content = _multipart(request.headers["content-type"], await request.body())
        with fake.lock:
            mime_type = str(body.get("mimeType") or "application/octet-stream")
            file = new_file(subject, body, mime_type, "Untitled")
            file.content = content
            return select(file.resource(), request.query_params.get("fields"))

    @api.patch("/upload/drive/v3/files/{file_id}")
    async def replace_content(file_id: str, request: Request) -> dict[str, Any]:
        subject = caller(request)
        if request.query_params.get("uploadType") != "media":
            raise GoogleHttpError(400, "invalid", "The fake takes media uploads to update.")
        content = await request.body()
        with fake.lock:
            file = visible(file_id, subject, write=True)
            file.content = content
            return select(file.resource(), request.query_params.get("fields"))

    @api.post("/drive/v3/files/{file_id}/copy")
    async def copy(file_id: str, request: Request) -> dict[str, Any]:
        subject, body = caller(request), await request.json()
        with fake.lock:
            source = visible(file_id, subject)
            file = new_file(subject, body, source.mime_type, f"Copy of {source.name}")
            if source.mime_type == DOCUMENT:
                fake.docs.copy(source.id, file.id, file.name)
            return select(file.resource(), request.query_params.get("fields"))

    @api.get("/drive/v3/files")
    async def list_files(request: Request) -> dict[str, Any]:
        subject, params = caller(request), request.query_params
        if params.get("corpora") in ("drive", "allDrives") and not (
            params.get("includeItemsFromAllDrives") == "true"
            and params.get("supportsAllDrives") == "true"
        ):
            raise GoogleHttpError(
                403,
                "teamDrivesParameterRequired",
                "The includeItemsFromAllDrives parameter must be set to true when corpora is "
                "drive or allDrives.",
            )
        if params.get("orderBy", "createdTime") != "createdTime":
            raise GoogleHttpError(400, "invalid", "The fake orders by createdTime only.")
        try:
            terms = parse_query(params.get("q", ""))
        except ValueError:
            raise GoogleHttpError(400, "invalid", "Invalid Value") from None
        with fake.lock:
            found = sorted(
                (
                    file
                    for file in fake.drive.files.values()
                    if fake.drive.role_of(file.id, subject) and _matches(file, terms)
                ),
                key=lambda file: file.created,
            )
            listing = {"kind": "drive#fileList", "files": [file.resource() for file in found]}
            return select(listing, params.get("fields"))

    @api.get("/drive/v3/files/{file_id}")
    async def get(file_id: str, request: Request) -> dict[str, Any]:
        subject = caller(request)
        with fake.lock:
            return select(visible(file_id, subject).resource(), request.query_params.get("fields"))

    @api.patch("/drive/v3/files/{file_id}")
    async def update(file_id: str, request: Request) -> dict[str, Any]:
        subject, body = caller(request), await request.json()
        with fake.lock:
            file = visible(file_id, subject, write=True)
            file.name = str(body.get("name", file.name))
            file.trashed = bool(body.get("trashed", file.trashed))
            for key, value in (body.get("appProperties") or {}).items():
                if value is None:
                    file.app_properties.pop(key, None)
                else:
                    file.app_properties[key] = str(value)
            if file.mime_type == DOCUMENT and "name" in body:
                fake.docs.documents[file.id].title = file.name
            return select(file.resource(), request.query_params.get("fields"))

    @api.get("/drive/v3/files/{file_id}/permissions")
    async def list_permissions(file_id: str, request: Request) -> dict[str, Any]:
        subject = caller(request)
        with fake.lock:
            file = visible(file_id, subject)
            listing = {
                "kind": "drive#permissionList",
                "permissions": [permission.resource() for permission in file.permissions],
            }
            return select(listing, request.query_params.get("fields"))

    @api.post("/drive/v3/files/{file_id}/permissions")
    async def share(file_id: str, request: Request) -> dict[str, Any]:
        subject, body, params = caller(request), await request.json(), request.query_params
        kind, role = str(body.get("type", "")), str(body.get("role", ""))
        email = str(body.get("emailAddress", "")).lower()
        if kind not in ("user", "group", "domain", "anyone") or role not in ROLES[1:]:
            raise GoogleHttpError(400, "invalidSharingRequest", f"Bad type or role: {body}")
        if kind in ("user", "group") and not email:
            raise GoogleHttpError(400, "required", "Required: emailAddress")
        with fake.lock:
            visible(file_id, subject, write=True)
            target = str(body.get("domain", "")) if kind == "domain" else email
            permission = fake.drive.share(file_id, target, role, kind)
            if email and params.get("sendNotificationEmail", "true") == "true":
                message = params.get("emailMessage", "")
                fake.drive.notifications.append(Notification(file_id, email, message))
            return select(permission.resource(), params.get("fields"))

    @api.patch("/drive/v3/files/{file_id}/permissions/{permission_id}")
    async def update_permission(file_id: str, permission_id: str, request: Request) -> Any:
        subject, body = caller(request), await request.json()
        with fake.lock:
            file = visible(file_id, subject, write=True)
            permission = next((p for p in file.permissions if p.id == permission_id), None)
            if permission is None:
                raise GoogleHttpError(404, "notFound", f"Permission not found: {permission_id}.")
            if permission.role == "owner" or body.get("role") not in ROLES[1:]:
                raise GoogleHttpError(403, "invalidOwnershipTransfer", "Cannot change the owner.")
            permission.role = str(body["role"])
            return select(permission.resource(), request.query_params.get("fields"))

    @api.delete("/drive/v3/files/{file_id}/permissions/{permission_id}")
    async def unshare(file_id: str, permission_id: str, request: Request) -> Response:
        subject = caller(request)
        with fake.lock:
            file = visible(file_id, subject, write=True)
            permission = next((p for p in file.permissions if p.id == permission_id), None)
            if permission is None:
                raise GoogleHttpError(404, "notFound", f"Permission not found: {permission_id}.")
            if permission.role == "owner":
                raise GoogleHttpError(403, "cannotRemoveOwner", "The owner cannot be removed.")
            file.permissions.remove(permission)
        return Response(status_code=204)

    return api
