"""Certificates of completion in Drive: the sealed PDF uploaded byte for byte beside the plan's
document, shared with exactly its parties and HR's group, one file per certificate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.documents import CertificateFile
from integrations.google.documents import (
    CERTIFICATE_OF_PROPERTY,
    CERTIFICATE_PROPERTY,
    GoogleDocumentStore,
)
from integrations.google.workspace import GoogleWorkspace
from tests.fake_google import FakeGoogle, running_fake_google
from tests.fake_google.drive import FOLDER, DriveFile
from tests.plan_examples import HR, MANAGER, MEMBER, SKIP

MAILBOX = "coachplan@example.com"
HR_GROUP = "hr-team@example.com"
PDF = b"%PDF-1.7\n\x00\xff\xfe binary \r\n bytes %%EOF\n"


@pytest.fixture
def drive(tmp_path: Path) -> Iterator[tuple[FakeGoogle, GoogleDocumentStore, DriveFile]]:
    with running_fake_google() as (fake, url):
        folder = fake.drive.add_file("admin@example.com", "Coaching plans", FOLDER)
        fake.drive.share(folder.id, MAILBOX, "writer")
        workspace = GoogleWorkspace.from_key_file(fake.key_file(tmp_path / "key.json", url), url)
        yield fake, GoogleDocumentStore(workspace, MAILBOX, folder.id, None, HR_GROUP), folder


def certificate(name: str, pdf: bytes = PDF) -> CertificateFile:
    return CertificateFile(
        plan_id="p1a2b3c4",
        name=name,
        title=f"Coaching plan p1a2b3c4: {name}",
        pdf=pdf,
        share_with=[MANAGER, MEMBER, SKIP, HR],
        hr_included=True,
    )


def test_a_certificate_is_uploaded_as_is_and_shared_with_the_parties_only(
    drive: tuple[FakeGoogle, GoogleDocumentStore, DriveFile],
) -> None:
    fake, store, folder = drive
    address = store.publish_certificate(certificate("certificate-v2-signed.pdf"))
    (file,) = [f for f in fake.drive.files.values() if f.mime_type == "application/pdf"]
    assert address == f"https://drive.google.com/file/d/{file.id}/view"
    assert file.content == PDF
    assert file.parents == [folder.id]
    assert file.app_properties == {
        CERTIFICATE_OF_PROPERTY: "p1a2b3c4",
        CERTIFICATE_PROPERTY: "certificate-v2-signed.pdf",
    }
    assert fake.drive.permissions_of(file.id) == {
        MAILBOX: "owner",
        **{p.email: "commenter" for p in (MANAGER, MEMBER, SKIP, HR)},
        HR_GROUP: "commenter",
    }


def test_a_retry_replaces_its_own_file_and_a_new_certificate_adds_one(
    drive: tuple[FakeGoogle, GoogleDocumentStore, DriveFile],
) -> None:
    fake, store, _ = drive
    first = store.publish_certificate(certificate("certificate-v2-signed.pdf"))
    again = store.publish_certificate(certificate("certificate-v2-signed.pdf", PDF + b"again"))
    final = store.publish_certificate(certificate("certificate-v2-closed.pdf"))
    assert again == first
    assert final != first
    pdfs = sorted(
        (f.app_properties[CERTIFICATE_PROPERTY], f.content)
        for f in fake.drive.files.values()
        if f.mime_type == "application/pdf"
    )
    assert pdfs == [
        ("certificate-v2-closed.pdf", PDF),
        ("certificate-v2-signed.pdf", PDF + b"again"),
    ]
