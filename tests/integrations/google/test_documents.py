"""Plan documents as Google Docs, against the fake Google over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities, PlanDocumentRequest, PublishedDocument
from coaching.actions import SIGNING_INTENT
from coaching.org import Parties, Person
from coaching.plan import Role
from coaching.status import CheckIn, CheckInStatus, Phase, PlanVersion, Signature
from integrations.failures import IntegrationFailure
from integrations.google.documents import (
    PLAN_ID_PROPERTY,
    SHARING_MESSAGE,
    STEP_PROPERTY,
    GoogleDocumentStore,
)
from integrations.google.failures import execute
from integrations.google.workspace import GoogleApi, GoogleWorkspace
from tests.fake_google import FakeGoogle, running_fake_google
from tests.fake_google.drive import FOLDER, DriveFile
from tests.plan_examples import HR, MANAGER, MEMBER, PARTIES, SKIP, STRANGER, plan_content

MAILBOX = "coachplan@example.com"
ADMIN = "admin@example.com"
HR_GROUP = "hr-team@example.com"
PLAN_ID = "p1a2b3c4"
READERS = {person.email: "commenter" for person in (MANAGER, MEMBER, SKIP, HR)}


@dataclass
class Google:
    fake: FakeGoogle
    workspace: GoogleWorkspace
    folder: DriveFile
    template: DriveFile

    def store(self, template: bool = True, hr_group: str | None = None) -> GoogleDocumentStore:
        return GoogleDocumentStore(
            self.workspace,
            MAILBOX,
            self.folder.id,
            self.template.id if template else None,
            hr_group,
        )

    def plan_documents(self) -> list[DriveFile]:
        return [
            file
            for file in self.fake.drive.documents()
            if file.app_properties.get(PLAN_ID_PROPERTY) == PLAN_ID
        ]

    def only_document(self) -> DriveFile:
        (document,) = self.plan_documents()
        return document


@pytest.fixture
def google(tmp_path: Path) -> Iterator[Google]:
    """A folder the mailbox may write to, and a template it may read, both set up by an admin."""
    with running_fake_google() as (fake, url):
        folder = fake.drive.add_file(ADMIN, "Coaching plans", FOLDER)
        fake.drive.share(folder.id, MAILBOX, "writer")
        template = fake.drive.add_file(ADMIN, "Coaching plan template")
        fake.drive.share(template.id, MAILBOX, "reader")
        fake.docs.create(template.id, template.name)
        fake.docs.documents[template.id].body[0].text = "TEMPLATE PLACEHOLDER\n"
        workspace = GoogleWorkspace.from_key_file(fake.key_file(tmp_path / "key.json", url), url)
        yield Google(fake, workspace, folder, template)


def version(number: int = 1, summary: str = "First draft") -> PlanVersion:
    content = plan_content(date(2026, 10, 14))
    return PlanVersion(
        number=number,
        content=content,
        sha256=content.content_hash(),
        author=MANAGER.email,
        summary=summary,
        created_at=datetime(2026, 10, 9, 14, 30, tzinfo=UTC),
    )


def publish(
    store: GoogleDocumentStore,
    plan_version: PlanVersion | None = None,
    share_with: list[Role] | None = None,
    parties: Parties = PARTIES,
    **history: object,
) -> PublishedDocument:
    request = PlanDocumentRequest.model_validate(
        {
            "plan_id": PLAN_ID,
            "phase": Phase.co_authoring,
            "version": plan_version or version(),
            "parties": parties,
            "share_with": list(Role) if share_with is None else share_with,
            **history,
        }
    )
    return ActivityEnvironment().run(DocumentActivities(store).render_plan_document, request)


def signed_history(plan_version: PlanVersion) -> dict[str, object]:
    signature = Signature(
        role=Role.team_member,
        email=MEMBER.email,
        name=MEMBER.name,
        intent=SIGNING_INTENT,
        version=plan_version.number,
        sha256=plan_version.sha256,
        signed_at=datetime(2026, 10, 12, 8, 15, tzinfo=UTC),
    )
    check_in = CheckIn(
        number=1,
        due_at=datetime(2026, 10, 15, 8, 0, tzinfo=UTC),
        status=CheckInStatus.skipped,
        skipped_because="Team offsite",
    )
    return {"signatures": [signature], "check_ins": [check_in]}


def test_a_first_publish_copies_the_template_into_the_folder(google: Google) -> None:
    published = publish(google.store())

    document = google.only_document()
    assert published.uri == f"https://docs.google.com/document/d/{document.id}/edit"
    assert document.parents == [google.folder.id]
    assert document.owner == MAILBOX
    assert document.name == f"Coaching plan for {MEMBER.name}"
    assert document.app_properties == {PLAN_ID_PROPERTY: PLAN_ID, STEP_PROPERTY: "plan-document"}
    calls = [(call.method, call.path) for call in google.fake.calls_to("drive")]
    assert ("POST", f"/drive/v3/files/{google.template.id}/copy") in calls


def test_the_document_holds_the_plan_in_headings_and_tables(google: Google) -> None:
    plan_version = version()
    publish(google.store(), plan_version)

    document_id = google.only_document().id
    text = google.fake.docs.text(document_id)
    content = plan_version.content
    for expected in (
        content.development_area,
        content.current_state,
        content.goal.specific,
        plan_version.sha256,
        "Confidential",
    ):
        assert expected in text
    assert "TEMPLATE PLACEHOLDER" not in text
    paragraphs = google.fake.docs.paragraphs(document_id)
    assert ("HEADING_1", f"Coaching plan for {MEMBER.name}") in paragraphs
    assert ("HEADING_2", "4. Activities") in paragraphs
    assert ("NORMAL_TEXT", content.development_area) in paragraphs
    parties, activities, support = google.fake.docs.tables(document_id)
    assert parties[0] == ["Role", "Name", "Title"]
    assert ["Manager", MANAGER.name, ""] in parties
    assert activities[0] == ["Id", "Activity", "Proposed by", "Due", "Status"]
    assert [row[1] for row in activities[1:]] == [a.description for a in content.activities]
    assert [row[2] for row in support[1:]] == [s.description for s in content.support]


def test_a_new_version_rewrites_the_same_document(google: Google) -> None:
    store = google.store()
    first = publish(store, version(1, "First draft"))
    second_version = version(2, "Answered the comments")
    second = publish(store, second_version, **signed_history(second_version))

    assert second.uri == first.uri
    document_id = google.only_document().id
    text = google.fake.docs.text(document_id)
    assert "Answered the comments" in text
    assert "First draft" not in text
    tables = google.fake.docs.tables(document_id)
    signatures = next(table for table in tables if table[0][0] == "Signer")
    assert MEMBER.email in signatures[1][0]
    assert second_version.sha256 in signatures[1][2]
    check_ins = next(table for table in tables if table[0][0] == "Check-in")
    assert check_ins[1][:2] == ["Check-in 1", "Skipped"]


def test_the_document_is_shared_with_exactly_the_readers(google: Google) -> None:
    store = google.store()
    published = publish(store)
    document_id = google.only_document().id

    assert google.fake.drive.permissions_of(document_id) == {MAILBOX: "owner", **READERS}
    notified = {(n.email, n.message) for n in google.fake.drive.notifications}
    assert notified == {(email, SHARING_MESSAGE) for email in READERS}
    assert published.shared_with == list(READERS)

    publish(store, version(2), share_with=[Role.manager, Role.skip_level, Role.hr])

    expected = {MAILBOX: "owner", **READERS}
    del expected[MEMBER.email]
    assert google.fake.drive.permissions_of(document_id) == expected
    kinds = {p.type for p in google.fake.drive.files[document_id].permissions}
    assert kinds == {"user"}


def test_the_hr_group_reads_once_hr_may_and_not_before(google: Google) -> None:
    """Alignment is for the manager and the skip-level only; HR reads from co-authoring on,
    through its group."""
    store = google.store(hr_group=HR_GROUP)
    publish(store, share_with=[Role.manager, Role.skip_level])
    document = google.only_document()
    assert HR_GROUP not in google.fake.drive.permissions_of(document.id)

    publish(store, version(2))
    assert google.fake.drive.permissions_of(document.id)[HR_GROUP] == "commenter"
    group = next(p for p in document.permissions if p.email_address == HR_GROUP)
    assert group.type == "group"

    publish(store, version(3), share_with=[Role.manager])
    assert google.fake.drive.permissions_of(document.id) == {
        MAILBOX: "owner",
        MANAGER.email: "commenter",
    }


def test_a_party_given_edit_rights_by_hand_is_back_to_commenting(google: Google) -> None:
    store = google.store()
    publish(store)
    document_id = google.only_document().id
    google.fake.drive.share(document_id, MANAGER.email, "writer")

    publish(store, version(2))

    assert google.fake.drive.permissions_of(document_id)[MANAGER.email] == "commenter"


def test_other_readers_are_removed_and_named(google: Google) -> None:
    store = google.store()
    publish(store)
    document_id = google.only_document().id
    google.fake.drive.share(document_id, STRANGER, "writer")
    google.fake.drive.share(document_id, "anyone", "reader", kind="anyone")

    removed = store.remove_other_readers(PLAN_ID, [MANAGER, MEMBER, SKIP, HR], hr_included=True)

    assert removed == [STRANGER, "anyone with the link"]
    assert google.fake.drive.permissions_of(document_id) == {MAILBOX: "owner", **READERS}


def test_removing_readers_of_a_plan_without_a_document_removes_nobody(google: Google) -> None:
    assert google.store().remove_other_readers(PLAN_ID, [MANAGER], hr_included=False) == []


def test_a_publish_that_failed_after_creating_the_document_fills_it_when_retried(
    google: Google,
) -> None:
    store = google.store()
    google.fake.fail_next("docs", 500, "backendError")

    with pytest.raises(IntegrationFailure) as failure:
        publish(store)

    assert failure.value.retryable
    created = google.only_document()
    published = publish(store)
    assert google.only_document().id == created.id
    assert published.uri.endswith(f"/{created.id}/edit")
    assert version().content.development_area in google.fake.docs.text(created.id)


def test_a_share_whose_answer_was_lost_is_not_made_twice(
    google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drive created the permission (and emailed the person), then the answer was lost."""
    store = google.store()
    lost: list[str] = []

    def answer_lost(request: Any, doing: str) -> Any:
        answer = execute(request, doing)
        if request.methodId == "drive.permissions.create" and not lost:
            lost.append(doing)
            raise IntegrationFailure("connection reset", kind="GoogleUnreachable", retryable=True)
        return answer

    monkeypatch.setattr("integrations.google.documents.execute", answer_lost)
    with pytest.raises(IntegrationFailure) as failure:
        publish(store)
    assert failure.value.retryable
    monkeypatch.setattr("integrations.google.documents.execute", execute)

    publish(store)

    document_id = google.only_document().id
    assert google.fake.drive.permissions_of(document_id) == {MAILBOX: "owner", **READERS}
    notified = [n.email for n in google.fake.drive.notifications]
    assert sorted(notified) == sorted(READERS), "nobody is told twice"


def test_a_full_drive_is_not_retried(google: Google) -> None:
    google.fake.fail_next("drive", 403, "storageQuotaExceeded")

    with pytest.raises(IntegrationFailure) as failure:
        publish(google.store())

    assert not failure.value.retryable
    assert "storage" in failure.value.message


def test_a_template_the_mailbox_cannot_open_is_named(google: Google) -> None:
    store = GoogleDocumentStore(google.workspace, MAILBOX, google.folder.id, "gone", None)

    with pytest.raises(IntegrationFailure) as failure:
        publish(store)

    assert not failure.value.retryable
    assert failure.value.kind == "Google404"
    assert "template document gone (COACHPLAN_GOOGLE_TEMPLATE_ID)" in failure.value.message
    assert google.plan_documents() == []


def test_without_a_template_a_blank_document_is_created(google: Google) -> None:
    member = Person(id="zoe", name="Zoë 🚀 Nguyen", email="zoe@example.com")
    parties = PARTIES.model_copy(update={"team_member": member})

    publish(google.store(template=False), parties=parties)

    document = google.only_document()
    assert document.name == f"Coaching plan for {member.name}"
    assert google.fake.docs.paragraphs(document.id)[0] == ("HEADING_1", document.name)
    assert ["Team member", member.name, ""] in google.fake.docs.tables(document.id)[0]
    assert google.fake.docs.text(document.id).endswith("HR.\n\n")


def test_the_fake_indexes_a_table_as_google_documents_it(google: Google) -> None:
    """Google's table guide: a 2x2 table starting at S ends at S + 12, its cells' paragraphs
    start at S + 3, S + 5, S + 8 and S + 10; inserting it at 1 puts a newline first."""
    docs = google.workspace.client(GoogleApi.docs, MAILBOX).documents()
    document_id = docs.create(body={"title": "Indexes"}).execute()["documentId"]
    table = {"location": {"index": 1}, "rows": 2, "columns": 2}
    docs.batchUpdate(documentId=document_id, body={"requests": [{"insertTable": table}]}).execute()

    content = docs.get(documentId=document_id).execute()["body"]["content"]

    start = content[2]["startIndex"]
    assert start == 2
    assert content[2]["endIndex"] == start + 12
    cells = [cell for row in content[2]["table"]["tableRows"] for cell in row["tableCells"]]
    assert [cell["content"][0]["startIndex"] for cell in cells] == [5, 7, 10, 12]
    assert content[-1]["startIndex"] == start + 12


def test_the_fake_applies_a_batch_all_or_nothing(google: Google) -> None:
    docs = google.workspace.client(GoogleApi.docs, MAILBOX).documents()
    document_id = docs.create(body={"title": "Atomic"}).execute()["documentId"]
    requests = [
        {"insertText": {"location": {"index": 1}, "text": "kept?\n"}},
        {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 99}}},
    ]

    with pytest.raises(IntegrationFailure) as failure:
        execute(docs.batchUpdate(documentId=document_id, body={"requests": requests}), "testing")

    assert failure.value.kind == "Google400"
    assert google.fake.docs.text(document_id) == "\n"
