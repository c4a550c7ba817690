"""Plan documents as files: an HTML and a Markdown file per version, and who may read each."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from coaching.org import Person
from integrations.documents import RenderedDocument
from integrations.local.files import file_uri, safe_name, write_atomically

SHARING_FILE = "sharing.json"


class LocalDocumentStore:
    """Writes `root/documents/<plan_id>/v<N>.html`, `v<N>.md` and `sharing.json`.

    `sharing.json` maps each version number to the emails it is shared with: the record a
    real document store keeps as access grants.
    """

    def __init__(self, root: Path) -> None:
        self._folder = root / "documents"
        # A plan's handlers may publish at once; the sharing record must keep every grant.
        self._sharing_lock = threading.Lock()

    def publish(self, document: RenderedDocument) -> str:
        folder = self._folder / safe_name(document.plan_id, "plan id")
        html = folder / f"v{document.version}.html"
        write_atomically(html, document.html.encode())
        write_atomically(folder / f"v{document.version}.md", document.markdown.encode())
        self._record_sharing(folder, document)
        return file_uri(html)

    def remove_other_readers(
        self, plan_id: str, allowed: list[Person], hr_included: bool
    ) -> list[str]:
        """Someone who added a reader to `sharing.json` by hand loses them again."""
        folder = self._folder / safe_name(plan_id, "plan id")
        emails = {person.email for person in allowed}
        with self._sharing_lock:
            versions = self._read_sharing(folder)
            if not versions:
                return []
            latest = max(versions, key=int)
            removed = [email for email in versions[latest] if email not in emails]
            if removed:
                versions[latest] = [email for email in versions[latest] if email in emails]
                self._store_sharing(folder, plan_id, versions)
        return removed

    def _record_sharing(self, folder: Path, document: RenderedDocument) -> None:
        with self._sharing_lock:
            self._write_sharing(folder, document)

    def _write_sharing(self, folder: Path, document: RenderedDocument) -> None:
        versions = self._read_sharing(folder)
        versions[str(document.version)] = [person.email for person in document.share_with]
        self._store_sharing(folder, document.plan_id, versions)

    @staticmethod
    def _store_sharing(folder: Path, plan_id: str, versions: dict[str, list[str]]) -> None:
        ordered = dict(sorted(versions.items(), key=lambda item: int(item[0])))
        record = {"plan_id": plan_id, "versions": ordered}
        write_atomically(folder / SHARING_FILE, (json.dumps(record, indent=2) + "\n").encode())

    @staticmethod
    def _read_sharing(folder: Path) -> dict[str, list[str]]:
        path = folder / SHARING_FILE
        if not path.exists():
            return {}
        versions: dict[str, list[str]] = json.loads(path.read_text())["versions"]
        return versions
