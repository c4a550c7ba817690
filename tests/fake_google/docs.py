"""The fake's Docs API: documents as paragraphs and tables, indexed the way Google indexes them.

Indexes count UTF-16 code units. The body starts with a section break (index 0); a paragraph
spans its text and its newline; a table spans a start mark, each row's mark, each cell's mark
and content, and an end mark. `batchUpdate` applies its requests in order, all or nothing.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle

DOCS_SCOPES = ("https://www.googleapis.com/auth/documents", "https://www.googleapis.com/auth/drive")
NAMED_STYLES = frozenset(
    {"NORMAL_TEXT", "TITLE", "SUBTITLE", *(f"HEADING_{level}" for level in range(1, 7))}
)
WRITERS = frozenset({"owner", "organizer", "fileOrganizer", "writer"})


@dataclass
class Paragraph:
    text: str
    """Ends with its newline."""
    style: str = "NORMAL_TEXT"
    bullet: bool = False


@dataclass
class Table:
    rows: list[list[list[Element]]]


Element = Paragraph | Table


@dataclass
class Document:
    document_id: str
    title: str
    body: list[Element] = field(default_factory=lambda: [Paragraph("\n")])
    revision: int = 1


class InvalidRequest(ValueError):
    """A request Google would refuse with 400 INVALID_ARGUMENT."""


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _u16_cut(text: str, start: int, end: int | None = None) -> str:
    data = text.encode("utf-16-le")
    return data[2 * start : None if end is None else 2 * end].decode("utf-16-le")


def size(element: Element) -> int:
    if isinstance(element, Paragraph):
        return u16(element.text)
    return 2 + sum(1 + sum(1 + _content_size(cell) for cell in row) for row in element.rows)


def _content_size(content: list[Element]) -> int:
    return sum(size(element) for element in content)


def _cells(table: Table, start: int) -> list[tuple[list[Element], int]]:
    """Each cell's content and the index its first paragraph starts at."""
    cells: list[tuple[list[Element], int]] = []
    at = start + 1
    for row in table.rows:
        at += 1
        for cell in row:
            cells.append((cell, at + 1))
            at += 1 + _content_size(cell)
    return cells


def _paragraph_at(content: list[Element], start: int, index: int) -> tuple[list[Element], int, int]:
    """The list holding the paragraph that `index` falls in, the paragraph's position and
    its start index."""
    at = start
    for position, element in enumerate(content):
        end = at + size(element)
        if at <= index < end:
            if isinstance(element, Paragraph):
                return content, position, at
            for cell, cell_start in _cells(element, at):
                if cell_start <= index < cell_start + _content_size(cell):
                    return _paragraph_at(cell, cell_start, index)
            break
        at = end
    raise InvalidRequest(f"Index {index} must be inside the bounds of an existing paragraph.")


def _segment_of(
    content: list[Element], start: int, first: int, last: int
) -> tuple[list[Element], int]:
    """The body or cell holding the whole range [first, last): a range may not cut a table."""
    at = start
    for element in content:
        end = at + size(element)
        overlaps = first < end and last > at
        if isinstance(element, Table) and overlaps and not (first <= at and last >= end):
            for cell, cell_start in _cells(element, at):
                if cell_start <= first and last <= cell_start + _content_size(cell):
                    return _segment_of(cell, cell_start, first, last)
            raise InvalidRequest("Invalid deletion range: it cannot cover part of a table.")
        at = end
    return content, start


def _paragraphs_in(content: list[Element], start: int, first: int, last: int) -> list[Paragraph]:
    found: list[Paragraph] = []
    at = start
    for element in content:
        end = at + size(element)
        if first < end and last > at:
            if isinstance(element, Paragraph):
                found.append(element)
            else:
                for cell, cell_start in _cells(element, at):
                    found += _paragraphs_in(cell, cell_start, first, last)
        at = end
    return found


def _body_end(document: Document) -> int:
    return 1 + _content_size(document.body)


def _index(request: dict[str, Any], document: Document) -> int:
    if "endOfSegmentLocation" in request:
        return _body_end(document) - 1
    location = request.get("location") or {}
    if location.get("segmentId"):
        raise InvalidRequest("The fake has no headers, footers or footnotes.")
    return int(location.get("index", -1))


def _range(request: dict[str, Any]) -> tuple[int, int]:
    text_range = request.get("range") or {}
    first, last = int(text_range.get("startIndex", -1)), int(text_range.get("endIndex", -1))
    if first < 1 or last <= first:
        raise InvalidRequest(f"Invalid range [{first}, {last}).")
    return first, last


def insert_text(document: Document, request: dict[str, Any]) -> None:
    text = str(request.get("text", ""))
    if not text:
        raise InvalidRequest("Insert text requests must specify text to insert.")
    index = _index(request, document)
    content, position, start = _paragraph_at(document.body, 1, index)
    paragraph = content[position]
    assert isinstance(paragraph, Paragraph)
    offset = index - start
    joined = _u16_cut(paragraph.text, 0, offset) + text + _u16_cut(paragraph.text, offset)
    lines = joined.split("\n")[:-1]
    content[position : position + 1] = [
        Paragraph(line + "\n", paragraph.style, paragraph.bullet) for line in lines
    ]


def insert_table(document: Document, request: dict[str, Any]) -> None:
    rows, columns = int(request.get("rows", 0)), int(request.get("columns", 0))
    if rows < 1 or columns < 1:
        raise InvalidRequest("A table needs at least one row and one column.")
    index = _index(request, document)
    content, position, start = _paragraph_at(document.body, 1, index)
    if content is not document.body:
        raise InvalidRequest("The fake does not nest tables.")
    paragraph = content[position]
    assert isinstance(paragraph, Paragraph)
    before = Paragraph(_u16_cut(paragraph.text, 0, index - start) + "\n", paragraph.style)
    after = Paragraph(_u16_cut(paragraph.text, index - start), paragraph.style, paragraph.bullet)
    table = Table([[[Paragraph("\n")] for _ in range(columns)] for _ in range(rows)])
    content[position : position + 1] = [before, table, after]


def delete_content_range(document: Document, request: dict[str, Any]) -> None:
    first, last = _range(request)
    if last > _body_end(document):
        raise InvalidRequest(f"Index {last - 1} must be less than the end index of the body.")
    content, start = _segment_of(document.body, 1, first, last)
    kept: list[Element] = []
    at = start
    for element in content:
        end = at + size(element)
        if end <= first or at >= last:
            kept.append(element)
        elif isinstance(element, Paragraph):
            cut = _u16_cut(element.text, 0, max(first - at, 0))
            cut += _u16_cut(element.text, min(last, end) - at)
            kept.append(Paragraph(cut, element.style, element.bullet))
        at = end
    merged: list[Element] = []
    for element in kept:
        previous = merged[-1] if merged else None
        if isinstance(previous, Paragraph) and not previous.text.endswith("\n"):
            if not isinstance(element, Paragraph):
                raise InvalidRequest("Invalid deletion range: the newline before a table stays.")
            merged[-1] = Paragraph(previous.text + element.text, element.style, element.bullet)
        else:
            merged.append(element)
    if not merged or not (isinstance(merged[-1], Table) or merged[-1].text.endswith("\n")):
        raise InvalidRequest("Invalid deletion range: the last newline of a segment stays.")
    content[:] = merged


def update_paragraph_style(document: Document, request: dict[str, Any]) -> None:
    first, last = _range(request)
    style = (request.get("paragraphStyle") or {}).get("namedStyleType")
    if request.get("fields") not in ("namedStyleType", "*") or style not in NAMED_STYLES:
        raise InvalidRequest(f"Unsupported paragraph style update: {request}.")
    for paragraph in _paragraphs_in(document.body, 1, first, last):
        paragraph.style = str(style)


def create_paragraph_bullets(document: Document, request: dict[str, Any]) -> None:
    first, last = _range(request)
    if not request.get("bulletPreset"):
        raise InvalidRequest("A bullet preset is required.")
    for paragraph in _paragraphs_in(document.body, 1, first, last):
        paragraph.bullet = True


def replace_all_text(document: Document, request: dict[str, Any]) -> dict[str, Any]:
    contains = request.get("containsText") or {}
    needle, replacement = str(contains.get("text", "")), str(request.get("replaceText", ""))
    if not needle:
        raise InvalidRequest("The text to replace must not be empty.")
    changed = 0
    for paragraph in _paragraphs_in(document.body, 1, 1, _body_end(document)):
        line = paragraph.text[:-1]
        if contains.get("matchCase"):
            changed += line.count(needle)
            line = line.replace(needle, replacement)
        else:
            lowered = line.lower()
            changed += lowered.count(needle.lower())
            pieces, at = [], 0
            while (found := lowered.find(needle.lower(), at)) >= 0:
                pieces += [line[at:found], replacement]
                at = found + len(needle)
            line = "".join([*pieces, line[at:]])
        paragraph.text = line + "\n"
    return (
        {"replaceAllText": {"occurrencesChanged": changed}} if changed else {"replaceAllText": {}}
    )


APPLY = {
    "insertText": insert_text,
    "insertTable": insert_table,
    "deleteContentRange": delete_content_range,
    "updateParagraphStyle": update_paragraph_style,
    "createParagraphBullets": create_paragraph_bullets,
}


def _structure(content: list[Element], start: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    at = start
    for element in content:
        end = at + size(element)
        if isinstance(element, Paragraph):
            paragraph: dict[str, Any] = {
                "elements": [
                    {"startIndex": at, "endIndex": end, "textRun": {"content": element.text}}
                ],
                "paragraphStyle": {"namedStyleType": element.style},
            }
            if element.bullet:
                paragraph["bullet"] = {"listId": "kix.fake"}
            out.append({"startIndex": at, "endIndex": end, "paragraph": paragraph})
        else:
            rows, row_at, cells = [], at + 1, iter(_cells(element, at))
            for row in element.rows:
                row_cells = []
                for cell, cell_start in (next(cells) for _ in row):
                    row_cells.append(
                        {
                            "startIndex": cell_start - 1,
                            "endIndex": cell_start + _content_size(cell),
                            "content": _structure(cell, cell_start),
                        }
                    )
                row_end = row_cells[-1]["endIndex"]
                rows.append({"startIndex": row_at, "endIndex": row_end, "tableCells": row_cells})
                row_at = row_end
            table = {"rows": len(element.rows), "columns": len(element.rows[0]), "tableRows": rows}
            out.append({"startIndex": at, "endIndex": end, "table": table})
        at = end
    return out


def _plain(content: list[Element]) -> str:
    return "".join(
        element.text
        if isinstance(element, Paragraph)
        else "".join(_plain(cell) for row in element.rows for cell in row)
        for element in content
    )


@dataclass
class DocsState:
    documents: dict[str, Document] = field(default_factory=dict)

    def create(self, document_id: str, title: str) -> Document:
        self.documents[document_id] = Document(document_id, title)
        return self.documents[document_id]

    def copy(self, source_id: str, document_id: str, title: str) -> None:
        source = self.documents.get(source_id)
        body = copy.deepcopy(source.body) if source else [Paragraph("\n")]
        self.documents[document_id] = Document(document_id, title, body)

    def resource(self, document_id: str) -> dict[str, Any]:
        document = self.documents[document_id]
        return {
            "documentId": document.document_id,
            "title": document.title,
            "revisionId": f"rev-{document.revision}",
            "body": {
                "content": [
                    {"endIndex": 1, "sectionBreak": {"sectionStyle": {}}},
                    *_structure(document.body, 1),
                ]
            },
        }

    def text(self, document_id: str) -> str:
        """The document's text as read top to bottom, cells included."""
        return _plain(self.documents[document_id].body)

    def tables(self, document_id: str) -> list[list[list[str]]]:
        """Each table's rows of cell texts, without the cells' last newline."""
        return [
            [[_plain(cell)[:-1] for cell in row] for row in element.rows]
            for element in self.documents[document_id].body
            if isinstance(element, Table)
        ]

    def paragraphs(self, document_id: str) -> list[tuple[str, str]]:
        """The body's paragraphs outside tables: (named style, text without the newline)."""
        return [
            (element.style, element.text[:-1])
            for element in self.documents[document_id].body
            if isinstance(element, Paragraph)
        ]


def router(fake: FakeGoogle) -> APIRouter:
    from tests.fake_google.server import GoogleHttpError

    api = APIRouter()

    def writable(request: Request, document_id: str, write: bool) -> Document:
        grant = fake.grant_for(request, *DOCS_SCOPES)
        document = fake.docs.documents.get(document_id)
        if document is None:
            raise GoogleHttpError(404, "notFound", "Requested entity was not found.")
        role = fake.drive.role_of(document_id, grant.subject)
        if role is None or (write and role not in WRITERS):
            raise GoogleHttpError(403, "forbidden", "The caller does not have permission")
        return document

    @api.post("/v1/documents/{document_id}:batchUpdate")
    async def batch_update(document_id: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        with fake.lock:
            document = writable(request, document_id, write=True)
            draft = copy.deepcopy(document)
            replies: list[dict[str, Any]] = []
            try:
                for number, item in enumerate(body.get("requests") or []):
                    (kind, arguments), *others = item.items()
                    if others or (kind not in APPLY and kind != "replaceAllText"):
                        raise InvalidRequest(f"requests[{number}]: unsupported {list(item)}")
                    if kind == "replaceAllText":
                        replies.append(replace_all_text(draft, arguments))
                    else:
                        APPLY[kind](draft, arguments)
                        replies.append({})
            except InvalidRequest as error:
                raise GoogleHttpError(400, "badRequest", f"Invalid requests: {error}") from None
            draft.revision += 1
            fake.docs.documents[document_id] = draft
            return {
                "documentId": document_id,
                "replies": replies,
                "writeControl": {"requiredRevisionId": f"rev-{draft.revision}"},
            }

    @api.get("/v1/documents/{document_id}")
    async def get(document_id: str, request: Request) -> dict[str, Any]:
        with fake.lock:
            writable(request, document_id, write=False)
            return fake.docs.resource(document_id)

    @api.post("/v1/documents")
    async def create(request: Request) -> dict[str, Any]:
        grant = fake.grant_for(request, *DOCS_SCOPES)
        body = await request.json()
        with fake.lock:
            document_id = secrets.token_urlsafe(33)
            title = str(body.get("title") or "Untitled document")
            fake.docs.create(document_id, title)
            fake.drive.add_file(grant.subject, title, file_id=document_id)
            return fake.docs.resource(document_id)

    return api
