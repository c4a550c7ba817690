"""The folder document store: one file pair per version and a share list per version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coaching.org import Person
from integrations.documents import CertificateFile, RenderedDocument
from integrations.local.documents import LocalDocumentStore

MANAGER = Person(id="mia", name="Mia Manager", email="mia@example.com")
MEMBER = Person(id="tom", name="Tom Member", email="tom@example.com")


def document(version: int, share_with: list[Person], text: str = "plan") -> RenderedDocument:
    return RenderedDocument(
        plan_id="abc123",
        version=version,
        title="Coaching plan",
        html=f"<p>{text}</p>",
        markdown=text,
        share_with=share_with,
    )


def sharing(tmp_path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        (tmp_path / "documents" / "abc123" / "sharing.json").read_text()
    )
    return loaded


def test_each_version_is_a_file_pair_with_its_own_share_list(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    folder = tmp_path / "documents" / "abc123"

    first = store.publish(document(1, [MANAGER], "draft"))
    second = store.publish(document(2, [MANAGER, MEMBER], "shared"))

    assert first == (folder / "v1.html").resolve().as_uri()
    assert second == (folder / "v2.html").resolve().as_uri()
    assert (folder / "v1.md").read_text() == "draft"
    assert (folder / "v2.html").read_text() == "<p>shared</p>"
    assert sharing(tmp_path) == {
        "plan_id": "abc123",
        "versions": {"1": [MANAGER.email], "2": [MANAGER.email, MEMBER.email]},
    }
    assert sorted(path.name for path in folder.iterdir()) == [
        "sharing.json",
        "v1.html",
        "v1.md",
        "v2.html",
        "v2.md",
    ]


def test_publishing_a_version_again_replaces_it_and_its_share_list(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    store.publish(document(1, [MANAGER, MEMBER], "old"))

    store.publish(document(1, [MANAGER], "new"))

    assert (tmp_path / "documents" / "abc123" / "v1.md").read_text() == "new"
    assert sharing(tmp_path)["versions"] == {"1": [MANAGER.email]}


def test_versions_are_listed_in_number_order(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    for version in (10, 2, 1):
        store.publish(document(version, [MANAGER]))

    versions = sharing(tmp_path)["versions"]
    assert isinstance(versions, dict)
    assert list(versions) == ["1", "2", "10"]


@pytest.mark.parametrize("plan_id", ["../escape", "a/b", ".hidden", ""])
def test_a_plan_id_that_is_not_a_file_name_is_refused(tmp_path: Path, plan_id: str) -> None:
    with pytest.raises(ValueError, match="not usable as a file name"):
        LocalDocumentStore(tmp_path).publish(
            document(1, [MANAGER]).model_copy(update={"plan_id": plan_id})
        )
    assert not (tmp_path / "documents").exists()


def test_certificates_are_files_beside_the_versions_each_with_its_readers(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    store.publish(document(1, [MANAGER]))
    folder = tmp_path / "documents" / "abc123"

    def certificate(name: str, pdf: bytes) -> CertificateFile:
        return CertificateFile(
            plan_id="abc123", name=name, title=name, pdf=pdf, share_with=[MANAGER, MEMBER]
        )

    signed = store.publish_certificate(certificate("certificate-v1-signed.pdf", b"%PDF-1 a"))
    store.publish_certificate(certificate("certificate-v1-signed.pdf", b"%PDF-1 retried"))
    store.publish_certificate(certificate("certificate-v1-closed.pdf", b"%PDF-1 final"))

    assert signed == (folder / "certificate-v1-signed.pdf").resolve().as_uri()
    assert (folder / "certificate-v1-signed.pdf").read_bytes() == b"%PDF-1 retried"
    assert (folder / "certificate-v1-closed.pdf").read_bytes() == b"%PDF-1 final"
    readers = [MANAGER.email, MEMBER.email]
    assert sharing(tmp_path) == {
        "plan_id": "abc123",
        "versions": {"1": [MANAGER.email]},
        "certificates": {
            "certificate-v1-closed.pdf": readers,
            "certificate-v1-signed.pdf": readers,
        },
    }
    with pytest.raises(ValueError, match=r"certificate name '\.\./x\.pdf'"):
        store.publish_certificate(certificate("../x.pdf", b"%PDF"))
