"""Plan documents as files: an HTML and a Markdown file per version, the sealed certificates,
and who may read each."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from coaching.org import Person
from integrations.documents import CertificateFile, RenderedDocument
from integrations.local.files import file_uri, safe_name, write_atomically

SHARING_FILE = "sharing.json"


class LocalDocumentStore:
    """Writes `root/documents/<plan_id>/v<N>.html`, `v<N>.md`, the certificates' PDFs and
    `sharing.json`.

    `sharing.json` maps each version number, and each certificate's name, to the emails it is
    shared with: the record a real document store keeps as access grants.
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

    def publish_certificate(self, certificate: CertificateFile) -> str:
        folder = self._folder / safe_name(certificate.plan_id, "plan id")
        path = folder / safe_name(certificate.name, "certificate name")
        write_atomically(path, certificate.pdf)
        with self._sharing_lock:
            record = self._read_record(folder)
            certificates = record.setdefault("certificates", {})
            certificates[certificate.name] = [person.email for person in certificate.share_with]
            self._store_record(folder, certificate.plan_id, record)
        return file_uri(path)

    def remove_other_readers(
        self, plan_id: str, allowed: list[Person], hr_included: bool
    ) -> list[str]:
        """Someone who added a reader to `sharing.json` by hand loses them again."""
        folder = self._folder / safe_name(plan_id, "plan id")
        emails = {person.email for person in allowed}
        with self._sharing_lock:
            record = self._read_record(folder)
            versions = record["versions"]
            if not versions:
                return []
            latest = max(versions, key=int)
            removed = [email for email in versions[latest] if email not in emails]
            if removed:
                versions[latest] = [email for email in versions[latest] if email in emails]
                self._store_record(folder, plan_id, record)
        return removed

    def _record_sharing(self, folder: Path, document: RenderedDocument) -> None:
        with self._sharing_lock:
            record = self._read_record(folder)
            emails = [person.email for person in document.share_with]
            record["versions"][str(document.version)] = emails
            self._store_record(folder, document.plan_id, record)

    @staticmethod
    def _store_record(folder: Path, plan_id: str, record: dict[str, dict[str, list[str]]]) -> None:
        ordered: dict[str, object] = {
            "plan_id": plan_id,
            "versions": dict(sorted(record["versions"].items(), key=lambda item: int(item[0]))),
        }
        if record.get("certificates"):
            ordered["certificates"] = dict(sorted(record["certificates"].items()))
        write_atomically(folder / SHARING_FILE, (json.dumps(ordered, indent=2) + "\n").encode())

    @staticmethod
    def _read_record(folder: Path) -> dict[str, dict[str, list[str]]]:
        """Who may read each version and each certificate, by version number and name."""
        path = folder / SHARING_FILE
        if not path.exists():
            return {"versions": {}}
        stored = json.loads(path.read_text())
        return {key: stored[key] for key in ("versions", "certificates") if key in stored}
