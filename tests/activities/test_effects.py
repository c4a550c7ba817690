"""One activity carries out a step's effects in order: the document from the version HR's store
holds, then the messages; a retry repeats nothing anyone can see twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.calendar import CalendarActivities
from activities.documents import DocumentActivities, DocumentOrder
from activities.effects import (
    EffectActivities,
    EffectBatch,
    EffectsCarriedOut,
    PublishDocument,
    SendNotice,
)
from activities.notifications import NotificationActivities
from coaching.actions import SIGNING_INTENT
from coaching.notices import NoticeKind, NoticeOrder
from coaching.org import Parties
from coaching.plan import Role
from coaching.records import VersionRecord
from coaching.status import Phase, PlanVersion, Signature
from integrations.local.calendar import IcsCalendar
from integrations.local.documents import LocalDocumentStore
from integrations.local.mail import OutboxMailer
from store.models import PlanRow
from store.plan_records import PlanRecords
from tests.signatures import DEVELOPMENT_SIGN_IN
from tests.store.sample_records import a_record

PLAN_ID = "plan000001"


def effect_activities(
    root: Path, store: Engine, records: PlanRecords | None = None
) -> EffectActivities:
    return EffectActivities(
        DocumentActivities(LocalDocumentStore(root / "documents")),
        CalendarActivities(IcsCalendar(root / "invites")),
        NotificationActivities(OutboxMailer(root / "outbox")),
        records or PlanRecords(store),
    )


def recorded(store: Engine, version: PlanVersion, parties: Parties) -> None:
    """HR's store holds the version with its content, as the plan's record keeper writes it."""
    PlanRecords(store).save(
        a_record(
            PLAN_ID,
            parties=parties,
            versions=[VersionRecord.model_validate(version.model_dump())],
        )
    )


def batch(version: PlanVersion, parties: Parties | None = None) -> EffectBatch:
    """As the workflow asks for them: without the parties, unless `parties` are given as an
    order and a notice carried them before migration 0006."""
    named = {} if parties is None else {"parties": parties}
    order = DocumentOrder(
        plan_id=PLAN_ID,
        phase=Phase.alignment,
        version=version.number,
        sha256=version.sha256,
        share_with=[Role.manager, Role.skip_level],
        team_member_included=False,
        **named,
    )
    notice = NoticeOrder(
        plan_id=PLAN_ID,
        event_id="001-alignment_requested",
        kind=NoticeKind.alignment_requested,
        to=[Role.skip_level],
        phase=Phase.alignment,
        version=version.number,
        team_member_included=False,
    )
    return EffectBatch(
        plan_id=PLAN_ID,
        effects=[
            PublishDocument(effect="document", order=order),
            SendNotice(
                effect="notice", notice=notice if parties is None else notice.addressed(parties)
            ),
        ],
    )


def carry_out(
    activities: EffectActivities, effects: EffectBatch
) -> tuple[EffectsCarriedOut, list[tuple[object, ...]]]:
    env = ActivityEnvironment()
    beats: list[tuple[object, ...]] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    return env.run(activities.carry_out_effects, effects), beats


def test_the_document_is_rendered_from_the_recorded_version_then_the_message_sent(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    done, beats = carry_out(effect_activities(tmp_path, store), batch(version))

    [document] = done.documents
    assert document.version == version.number
    assert parties.team_member.name in Path(document.uri.removeprefix("file://")).read_text()
    assert document.shared_with == [parties.manager.email, parties.skip_level.email]
    written = Path(document.uri.removeprefix("file://")).read_text()
    assert version.content.goal.specific in written
    assert done.sent == 1
    [message] = (tmp_path / "outbox").rglob("*.eml")
    assert f"To: {parties.skip_level.name} <{parties.skip_level.email}>" in message.read_text()
    assert beats == [(1,), (2,)]


def recorded_before_parties(store: Engine, version: PlanVersion, parties: Parties) -> None:
    """HR's store as migration 0006 left a plan recorded before it: no parties on its row."""
    recorded(store, version, parties)
    with store.begin() as connection:
        connection.execute(update(PlanRow).values(parties=None))


def test_parties_hr_store_does_not_hold_yet_are_retried_and_nothing_is_written(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded_before_parties(store, version, parties)

    with pytest.raises(ApplicationError) as refused:
        carry_out(effect_activities(tmp_path, store), batch(version))

    assert refused.value.type == "PartiesNotRecordedYet"
    assert not refused.value.non_retryable
    assert f"plan {PLAN_ID}: HR's store does not hold its parties yet" in refused.value.message
    assert not list(tmp_path.rglob("*.eml"))
    assert not list(tmp_path.rglob("*.html"))


class CountedRecords(PlanRecords):
    parties_read = 0

    def parties(self, plan_id: str) -> Parties | None:
        self.parties_read += 1
        return super().parties(plan_id)


def test_a_batch_reads_the_parties_once(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    records = CountedRecords(store)
    activities = effect_activities(tmp_path, store, records)
    [document, notice] = batch(version).effects
    assert isinstance(notice, SendNotice)
    second = notice.notice.model_copy(update={"event_id": "002-alignment_requested"})
    effects = EffectBatch(
        plan_id=PLAN_ID,
        effects=[document, notice, notice.model_copy(update={"notice": second})],
    )

    done, _ = carry_out(activities, effects)

    assert done.sent == 2
    assert records.parties_read == 1


def test_an_order_and_a_notice_from_before_bring_their_own_parties(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded_before_parties(store, version, parties)

    done, _ = carry_out(effect_activities(tmp_path, store), batch(version, parties))

    assert done.documents[0].shared_with == [parties.manager.email, parties.skip_level.email]
    assert done.sent == 1


def test_a_retried_batch_writes_no_document_or_message_twice(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    activities = effect_activities(tmp_path, store)
    first, _ = carry_out(activities, batch(version))
    written = {p: p.read_bytes() for p in (tmp_path / "documents").rglob("*") if p.is_file()}
    again, _ = carry_out(activities, batch(version))

    assert again == first
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 1
    assert {
        p: p.read_bytes() for p in (tmp_path / "documents").rglob("*") if p.is_file()
    } == written


def test_a_version_hr_store_does_not_hold_yet_is_retried_and_nothing_is_sent(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    with pytest.raises(ApplicationError) as refused:
        carry_out(effect_activities(tmp_path, store), batch(version))

    assert refused.value.type == "VersionNotRecordedYet"
    assert not refused.value.non_retryable
    assert f"does not hold version {version.number}" in refused.value.message
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").rglob("*.eml"))


def test_a_notice_of_a_phase_the_plan_already_left_is_not_sent(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    PlanRecords(store).save(
        a_record(PLAN_ID, revision=2, parties=parties, phase=Phase.co_authoring, audit=[])
    )
    [document, notice] = batch(version).effects
    assert isinstance(notice, SendNotice)
    effects = EffectBatch(
        plan_id=PLAN_ID,
        effects=[
            document,
            notice.model_copy(update={"while_in": Phase.alignment}),
            notice.model_copy(
                update={
                    "while_in": Phase.co_authoring,
                    "notice": notice.notice.model_copy(
                        update={"event_id": "002-alignment_requested"}
                    ),
                }
            ),
        ],
    )
    done, _ = carry_out(effect_activities(tmp_path, store), effects)

    assert done.sent == 1
    [message] = (tmp_path / "outbox").rglob("*.eml")
    assert "002-alignment_requested" in message.read_text()


def signed_by_the_manager(version: PlanVersion, parties: Parties, **changes: Any) -> Signature:
    manager = parties.manager
    return Signature(
        role=Role.manager,
        email=manager.email,
        name=manager.name,
        intent=SIGNING_INTENT,
        version=version.number,
        sha256=version.sha256,
        signed_at=version.created_at,
        id=f"{PLAN_ID}-signature-1",
        plan_id=PLAN_ID,
        person_id=manager.id,
        document_sha256="0" * 64,
        identified_by=DEVELOPMENT_SIGN_IN,
        **changes,
    )


def with_order(effects: EffectBatch, **changes: Any) -> EffectBatch:
    document, notice = effects.effects
    assert isinstance(document, PublishDocument)
    order = document.order.model_copy(update=changes)
    return effects.model_copy(
        update={"effects": [PublishDocument(effect="document", order=order), notice]}
    )


def test_signatures_are_named_by_id_and_shown_as_hr_store_holds_them_now(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    """A signature voided since the order was made shows as voided: the document is the
    plan as it stands, and the history carries ids, not the signatures."""
    signature = signed_by_the_manager(version, parties)
    versions = [VersionRecord.model_validate(version.model_dump())]
    records = PlanRecords(store)
    records.save(a_record(PLAN_ID, parties=parties, versions=versions, signatures=[signature]))
    voided = signature.model_copy(
        update={"voided_at": version.created_at, "voided_because": "version 3 replaced it"}
    )
    records.save(a_record(PLAN_ID, 2, parties=parties, versions=versions, signatures=[voided]))
    effects = with_order(batch(version), signature_ids=[signature.id])

    done, _ = carry_out(effect_activities(tmp_path, store), effects)

    written = Path(done.documents[0].uri.removeprefix("file://")).read_text()
    assert parties.manager.name in written
    assert "version 3 replaced it" in written


def test_a_signature_hr_store_does_not_hold_yet_is_retried_and_nothing_is_sent(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    effects = with_order(batch(version), signature_ids=[f"{PLAN_ID}-signature-1"])
    with pytest.raises(ApplicationError) as refused:
        carry_out(effect_activities(tmp_path, store), effects)

    assert refused.value.type == "SignatureNotRecordedYet"
    assert not refused.value.non_retryable
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").rglob("*.eml"))


def test_an_order_made_before_signature_ids_shows_the_signatures_it_carries(
    tmp_path: Path, store: Engine, version: PlanVersion, parties: Parties
) -> None:
    recorded(store, version, parties)
    signature = signed_by_the_manager(version, parties)
    effects = with_order(batch(version), signatures=[signature])

    done, _ = carry_out(effect_activities(tmp_path, store), effects)

    written = Path(done.documents[0].uri.removeprefix("file://")).read_text()
    assert parties.manager.name in written
    assert signature.sha256 in written
