"""Plan documents as Google Docs: one document per plan, rewritten in place at each version.

The document is found again by an app property holding the plan id, never by a stored id, so
a publish that failed after creating it (and is retried) fills the same document. The body
is rebuilt from the rendered HTML in one `batchUpdate`, which Google applies all or nothing.
Certificates of completion are PDF files beside it in Drive, shared with the same people.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from googleapiclient.http import MediaInMemoryUpload

from coaching.org import Person
from integrations.documents import CertificateFile, RenderedDocument
from integrations.google.failures import execute, execute_pages
from integrations.google.workspace import GoogleApi, GoogleWorkspace

PLAN_ID_PROPERTY = "coachplanPlanId"
STEP_PROPERTY = "coachplanStep"
CERTIFICATE_OF_PROPERTY = "coachplanCertificateOf"
"""A certificate's plan: not `PLAN_ID_PROPERTY`, which finds the plan's one document."""
CERTIFICATE_PROPERTY = "coachplanCertificate"
DOCUMENT_MIME_TYPE = "application/vnd.google-apps.document"
PDF_MIME_TYPE = "application/pdf"
READER_ROLE = "commenter"
"""Parties comment on the plan; only the application edits what they sign."""
SHARING_MESSAGE = (
    "You have been given access to a coaching plan you are part of. "
    "It is confidential to its four parties."
)
PERMISSION_FIELDS = "nextPageToken,permissions(id,type,role,emailAddress,domain)"
_STYLES = {"h1": "HEADING_1", "h2": "HEADING_2", "h3": "HEADING_3", "h4": "HEADING_4"}
_BLOCKS = frozenset({*_STYLES, "p", "li", "dd"})
_CELLS = frozenset({"td", "th", "dt"})
_SKIPPED = frozenset({"head", "style", "script", "title"})
_VOID = frozenset({"meta", "link", "img", "hr", "input", "wbr"})
_LINE_BREAK = "\u000b"
"""A line break inside a paragraph or a cell, as Google Docs stores it."""


def document_address(file_id: str) -> str:
    return f"https://docs.google.com/document/d/{file_id}/edit"


def file_address(file_id: str) -> str:
    return f"https://drive.google.com/file/d/{file_id}/view"


def u16(text: str) -> int:
    """Docs indexes count UTF-16 code units: an emoji in a name takes two."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Text:
    text: str
    style: str = "NORMAL_TEXT"
    bullet: bool = False


@dataclass
class Table:
    rows: list[list[str]] = field(default_factory=list)


Block = Text | Table


class _Blocks(HTMLParser):
    """Reads the rendered plan into headings, paragraphs, list items and tables.

    The check-ins section also gets a table of its own, one row per check-in (its heading
    and first line), so readers see them all at a glance before the details.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._tags: list[tuple[str, bool]] = []
        self._text: list[str] = []
        self._term = ""
        self._table: Table | None = None
        self._check_ins: Table | None = None
        self._check_ins_at = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._text.append("\n")
        if tag in _VOID or tag == "br":
            return
        keeps_lines = "text" in (dict(attrs).get("class") or "").split()
        self._tags.append((tag, keeps_lines or self._keeps_lines()))
        if tag == "section" and dict(attrs).get("id") == "check-ins":
            self._check_ins = Table([["Check-in", "Status", "When"]])
            self._check_ins_at = len(self.blocks) + 1
        elif tag == "table":
            self._table = Table()
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        if tag in _BLOCKS or tag in _CELLS:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        while self._tags and self._tags.pop()[0] != tag:
            pass
        if tag == "section" and self._check_ins is not None:
            self.blocks.insert(self._check_ins_at, self._check_ins)
            self._check_ins = None
        if tag not in _BLOCKS and tag not in _CELLS and tag != "table":
            return
        text = self._collected()
        self._summarise_check_in(tag, text)
        if tag in ("td", "th") and self._table is not None:
            self._table.rows[-1].append(text)
        elif tag == "table" and self._table is not None:
            self.blocks.append(self._table)
            self._table = None
        elif tag == "dt":
            self._term = text
        elif tag == "dd":
            self.blocks.append(Text(f"{self._term}: {text}"))
        elif tag in _BLOCKS and self._table is None:
            self.blocks.append(Text(text, _STYLES.get(tag, "NORMAL_TEXT"), bullet=tag == "li"))

    def _summarise_check_in(self, tag: str, text: str) -> None:
        if self._check_ins is None:
            return
        rows = self._check_ins.rows
        if tag == "h3":
            number, _, status = text.partition(": ")
            rows.append([number, status])
        elif tag == "p" and len(rows) > 1 and len(rows[-1]) == 2:
            rows[-1].append(text)

    def handle_data(self, data: str) -> None:
        if any(tag in _SKIPPED for tag, _ in self._tags):
            return
        if self._keeps_lines():
            self._text.append(re.sub(r"[ \t\r\f]+", " ", data))
        else:
            self._text.append(re.sub(r"\s+", " ", data))

    def _keeps_lines(self) -> bool:
        return bool(self._tags) and self._tags[-1][1]

    def _collected(self) -> str:
        text = re.sub(r" *\n *", "\n", "".join(self._text)).strip(" \n")
        self._text = []
        return text.replace("\n", _LINE_BREAK)


def blocks_of(html: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return [block for block in parser.blocks if not isinstance(block, Text) or block.text]


def fill_requests(blocks: list[Block], body_end: int) -> list[dict[str, Any]]:
    """Requests that replace a body ending at `body_end` with `blocks`.

    Blocks are inserted front to back, each where the previous one ended, so indexes already
    used stay valid. A table inserted at `at` brings a newline first and starts at `at + 1`;
    its cells are filled from the last, so the earlier cells' indexes do not move.
    """
    requests: list[dict[str, Any]] = []
    if body_end > 2:
        requests.append(
            {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": body_end - 1}}}
        )
    at = 1
    for block in blocks:
        if isinstance(block, Text):
            end = at + u16(block.text) + 1
            requests.append({"insertText": {"location": {"index": at}, "text": block.text + "\n"}})
            requests.append(_style(at, end, block.style))
            if block.bullet:
                requests.append(
                    {
                        "createParagraphBullets": {
                            "range": {"startIndex": at, "endIndex": end},
                            "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE",
                        }
                    }
                )
            at = end
            continue
        columns = max(len(row) for row in block.rows)
        rows = [row + [""] * (columns - len(row)) for row in block.rows]
        requests.append(_style(at, at + 1, "NORMAL_TEXT"))
        requests.append(
            {"insertTable": {"location": {"index": at}, "rows": len(rows), "columns": columns}}
        )
        table_start = at + 1
        for row_number, row in reversed(list(enumerate(rows))):
            row_start = table_start + 1 + row_number * (1 + 2 * columns)
            for column, text in reversed(list(enumerate(row))):
                if text:
                    index = row_start + 2 + 2 * column
                    requests.append({"insertText": {"location": {"index": index}, "text": text}})
        empty_table = 2 + len(rows) * (1 + 2 * columns)
        at = table_start + empty_table + sum(u16(text) for row in rows for text in row)
    requests.append(_style(at, at + 1, "NORMAL_TEXT"))
    return requests


def _style(start: int, end: int, style: str) -> dict[str, Any]:
    return {
        "updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": end},
            "paragraphStyle": {"namedStyleType": style},
            "fields": "namedStyleType",
        }
    }


class GoogleDocumentStore:
    """Keeps each plan's Google Doc, owned by `mailbox`, shared with exactly its readers.

    `folder_id` is where new documents go (a shared drive's folder keeps them off a person's
    quota), `template_id` a Google Doc whose copy gives them the company's look, and
    `hr_group` a group that keeps access to every plan.
    """

    def __init__(
        self,
        workspace: GoogleWorkspace,
        mailbox: str,
        folder_id: str | None,
        template_id: str | None,
        hr_group: str | None,
    ) -> None:
        self._workspace = workspace
        self._mailbox = mailbox.lower()
        self._folder_id = folder_id
        self._template_id = template_id
        self._hr_group = hr_group.lower() if hr_group else None
        self._plan_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def publish(self, document: RenderedDocument) -> str:
        with self._plan_lock(document.plan_id):
            found = self._find(document.plan_id)
            if found is None:
                file_id = self._create(document)
            else:
                file_id = str(found["id"])
                if found.get("name") != document.title:
                    self._rename(file_id, document.title)
            self._fill(file_id, document)
            self._share(file_id, document.share_with, document.hr_included)
            return document_address(file_id)

    def publish_certificate(self, certificate: CertificateFile) -> str:
        """Uploads the PDF as it is (Drive keeps the bytes, so the seal holds), found again by
        its app properties on a retry and then overwritten, never duplicated."""
        properties = {
            CERTIFICATE_OF_PROPERTY: certificate.plan_id,
            CERTIFICATE_PROPERTY: certificate.name,
        }
        media = MediaInMemoryUpload(certificate.pdf, mimetype=PDF_MIME_TYPE, resumable=False)
        files = self._drive().files()
        with self._plan_lock(certificate.plan_id):
            found = self._find_file(
                properties, f"looking for {certificate.name} of plan {certificate.plan_id}"
            )
            doing = f"uploading {certificate.name} of plan {certificate.plan_id}"
            if found is None:
                body: dict[str, Any] = {
                    "name": certificate.title,
                    "mimeType": PDF_MIME_TYPE,
                    "appProperties": properties,
                }
                if self._folder_id:
                    body["parents"] = [self._folder_id]
                request = files.create(
                    body=body, media_body=media, supportsAllDrives=True, fields="id"
                )
            else:
                request = files.update(
                    fileId=found["id"], media_body=media, supportsAllDrives=True, fields="id"
                )
            file_id = str(execute(request, doing)["id"])
            self._share(file_id, certificate.share_with, certificate.hr_included)
        return file_address(file_id)

    def remove_other_readers(
        self, plan_id: str, allowed: list[Person], hr_included: bool
    ) -> list[str]:
        with self._plan_lock(plan_id):
            found = self._find(plan_id)
            if found is None:
                return []
            file_id = str(found["id"])
            group = self._hr_group if hr_included else None
            return self._remove_others(file_id, self._permissions(file_id), allowed, group)

    def _plan_lock(self, plan_id: str) -> threading.Lock:
        """Two handlers of one plan publishing at once would both create, or both rewrite."""
        with self._locks_lock:
            return self._plan_locks.setdefault(plan_id, threading.Lock())

    def _drive(self) -> Any:
        return self._workspace.client(GoogleApi.drive, self._mailbox)

    def _docs(self) -> Any:
        return self._workspace.client(GoogleApi.docs, self._mailbox)

    def _find(self, plan_id: str) -> dict[str, Any] | None:
        """The plan's document, the oldest if a race ever made two."""
        return self._find_file(
            {PLAN_ID_PROPERTY: plan_id}, f"looking for the document of plan {plan_id}"
        )

    def _find_file(self, properties: dict[str, str], doing: str) -> dict[str, Any] | None:
        """The oldest file not in the trash that has all these app properties."""
        terms = [
            f"appProperties has {{ key='{key}' and value='{_quoted(value)}' }}"
            for key, value in properties.items()
        ]
        query = " and ".join([*terms, "trashed = false"])
        extra = {"corpora": "allDrives"} if self._folder_id else {}
        listing = execute(
            self._drive()
            .files()
            .list(
                q=query,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
                orderBy="createdTime",
                fields="files(id,name)",
                pageSize=10,
                **extra,
            ),
            doing,
        )
        files: list[dict[str, Any]] = listing.get("files") or []
        return files[0] if files else None

    def _create(self, document: RenderedDocument) -> str:
        body: dict[str, Any] = {
            "name": document.title,
            "appProperties": {PLAN_ID_PROPERTY: document.plan_id, STEP_PROPERTY: "plan-document"},
        }
        if self._folder_id:
            body["parents"] = [self._folder_id]
        files = self._drive().files()
        if self._template_id:
            request = files.copy(
                fileId=self._template_id, body=body, supportsAllDrives=True, fields="id"
            )
            doing = (
                f"copying the template document {self._template_id} (COACHPLAN_GOOGLE_"
                f"TEMPLATE_ID) as {self._mailbox} for plan {document.plan_id}"
            )
        else:
            body["mimeType"] = DOCUMENT_MIME_TYPE
            request = files.create(body=body, supportsAllDrives=True, fields="id")
            doing = f"creating the document of plan {document.plan_id} as {self._mailbox}"
        return str(execute(request, doing)["id"])

    def _rename(self, file_id: str, title: str) -> None:
        execute(
            self._drive()
            .files()
            .update(fileId=file_id, body={"name": title}, supportsAllDrives=True, fields="id"),
            f"renaming document {file_id}",
        )

    def _fill(self, file_id: str, document: RenderedDocument) -> None:
        docs = self._docs().documents()
        current = execute(
            docs.get(documentId=file_id, fields="body(content(endIndex))"),
            f"reading document {file_id}",
        )
        content = current.get("body", {}).get("content") or [{"endIndex": 1}]
        requests = fill_requests(blocks_of(document.html), int(content[-1]["endIndex"]))
        execute(
            docs.batchUpdate(documentId=file_id, body={"requests": requests}),
            f"writing version {document.version} of plan {document.plan_id} into {file_id}",
        )

    def _permissions(self, file_id: str) -> list[dict[str, Any]]:
        listing = self._drive().permissions()
        return [
            permission
            for page in execute_pages(
                lambda token: listing.list(
                    fileId=file_id,
                    supportsAllDrives=True,
                    fields=PERMISSION_FIELDS,
                    pageToken=token,
                ),
                f"listing who can open document {file_id}",
            )
            for permission in page.get("permissions") or []
        ]

    def _share(self, file_id: str, readers: list[Person], hr_included: bool) -> None:
        """HR reads through its group where one is set: never before co-authoring."""
        permissions = self._permissions(file_id)
        held = {str(p.get("emailAddress", "")).lower(): p for p in permissions}
        wanted = [(person.email.lower(), "user") for person in readers]
        group = self._hr_group if hr_included else None
        if group:
            wanted.append((group, "group"))
        for email, kind in dict(wanted).items():
            permission = held.get(email)
            if email == self._mailbox or (permission and permission["role"] == "owner"):
                continue
            if permission is None:
                self._grant(file_id, email, kind)
            elif permission["role"] != READER_ROLE:
                self._set_role(file_id, permission)
        self._remove_others(file_id, permissions, readers, group)

    def _grant(self, file_id: str, email: str, kind: str) -> None:
        execute(
            self._drive()
            .permissions()
            .create(
                fileId=file_id,
                body={"type": kind, "role": READER_ROLE, "emailAddress": email},
                sendNotificationEmail=True,
                emailMessage=SHARING_MESSAGE,
                supportsAllDrives=True,
                fields="id",
            ),
            f"sharing document {file_id} with {email}",
        )

    def _set_role(self, file_id: str, permission: dict[str, Any]) -> None:
        """A party given edit rights by hand could change what the others signed."""
        execute(
            self._drive()
            .permissions()
            .update(
                fileId=file_id,
                permissionId=permission["id"],
                body={"role": READER_ROLE},
                supportsAllDrives=True,
                fields="id",
            ),
            f"making {permission.get('emailAddress')} a commenter on document {file_id}",
        )

    def _remove_others(
        self,
        file_id: str,
        permissions: list[dict[str, Any]],
        allowed: list[Person],
        group: str | None,
    ) -> list[str]:
        keep = {person.email.lower() for person in allowed} | {self._mailbox}
        if group:
            keep.add(group)
        removed: list[str] = []
        for permission in permissions:
            who = _who(permission)
            if permission["role"] == "owner" or who in keep:
                continue
            execute(
                self._drive()
                .permissions()
                .delete(fileId=file_id, permissionId=permission["id"], supportsAllDrives=True),
                f"taking document {file_id} away from {who}",
            )
            removed.append(who)
        return removed


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _who(permission: dict[str, Any]) -> str:
    """An email, or what a link or domain grant reaches, for the audit log."""
    if permission.get("emailAddress"):
        return str(permission["emailAddress"]).lower()
    if permission.get("type") == "domain":
        return f"everyone at {permission.get('domain', 'the domain')}"
    return "anyone with the link"
