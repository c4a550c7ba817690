"""Writes a `PlanRecord` into HR's read model, idempotently, in one transaction.

A record is applied only if its revision is newer than the stored one, so a retried or
replayed activity never moves a plan backwards; audit lines are inserted by key and never
twice. Both hold on SQLite and PostgreSQL through their `INSERT ... ON CONFLICT`.

What proves a signature is written once and never rewritten by a later record: a version's
content and signing copy, a signature's evidence, a consent. Each audit line is chained to
the plan's line before it (`store.audit_chain`), under a lock on the plan's row, so that
overlapping saves of one plan never fork the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coaching.canonical import canonical_json
from coaching.evidence import ConsentRecord
from coaching.org import Parties
from coaching.plan import PlanContent
from coaching.records import PlanRecord, VersionRecord
from coaching.status import HashScheme, Phase, PlanVersion, Signature
from store.audit_chain import audit_row_sha256
from store.database import one_writer
from store.models import (
    AuditRow,
    Base,
    CheckInRow,
    ConsentRow,
    ObligationRow,
    PlanRow,
    ReviewRow,
    SignatureRow,
    VersionRow,
)

SIGNATURE_CHANGES = ("voided_at", "voided_because")
"""All a later record may change in a stored signature: the rest is what was signed."""


class PlanRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, record: PlanRecord, signing_copies: Mapping[int, str] | None = None) -> bool:
        """True if the record was newer and is now the plan's state; versions, consents and
        audit lines are kept anyway. `signing_copies` are the HTML of signed versions' signing
        copies by version number (see `awaiting_signing_copy`).

        Whether it is newer is decided by the database, in the plan row's upsert, so an
        attempt that overlaps its own retry can never write an older state over a newer one.
        """
        with one_writer(self.engine), Session(self.engine) as session, session.begin():
            newer = self._save_plan_row(session, record)
            self._lock_plan(session, record.plan_id)
            self._save_versions(session, record, signing_copies or {})
            if newer:
                self._save_children(session, record)
            self._save_consents(session, record)
            self._append_audit(session, record)
        return newer

    def awaiting_signing_copy(self, record: PlanRecord) -> list[PlanVersion]:
        """The versions signed with a document hash whose signing copy is not stored yet,
        with their content (the record's, or an earlier record's), for the caller to render.
        A version whose content is in neither is left for a later record."""
        signed = {s.version for s in record.signatures if s.document_sha256}
        if not signed:
            return []
        query = select(VersionRow.number, VersionRow.content, VersionRow.signing_copy).where(
            VersionRow.plan_id == record.plan_id, VersionRow.number.in_(signed)
        )
        with self.engine.connect() as connection:
            stored = {row.number: row for row in connection.execute(query)}
        awaiting = []
        for version in record.versions:
            row = stored.get(version.number)
            if version.number not in signed or (row is not None and row.signing_copy):
                continue
            content = version.content or _stored_content(
                version.sha256, row.content if row else None
            )
            if content is not None:
                awaiting.append(
                    PlanVersion.model_validate(version.model_dump() | {"content": content})
                )
        return awaiting

    def phase(self, plan_id: str) -> Phase | None:
        """The phase HR's store last recorded; None before the plan's first record."""
        with Session(self.engine) as session:
            row = session.get(PlanRow, plan_id)
        return None if row is None else Phase(row.phase)

    def parties(self, plan_id: str) -> Parties | None:
        """The plan's parties; None before its first record (since migration 0006)."""
        with Session(self.engine) as session:
            row = session.get(PlanRow, plan_id)
        return None if row is None else parties_of(row)

    def version(self, plan_id: str, number: int, sha256: str) -> PlanVersion | None:
        """A version as HR's store keeps it, if its stored content still has `sha256`: what
        a document is rendered from, so the plan's history need not carry the content again."""
        with Session(self.engine) as session:
            row = session.get(VersionRow, (plan_id, number))
        if row is None or row.sha256 != sha256 or row.content is None:
            return None
        content = _stored_content(row.sha256, row.content)
        if content is None:
            return None
        return PlanVersion(
            number=row.number,
            sha256=row.sha256,
            hashed_as=HashScheme(row.hashed_as or HashScheme.pydantic_json),
            author=row.author,
            summary=row.summary,
            created_at=row.created_at,
            content=content,
        )

    def signatures(self, plan_id: str, ids: Sequence[str]) -> list[Signature] | None:
        """The plan's signatures `ids` as given, each voided or not as it stands now; None
        while HR's store lacks one of them (a record still on its way)."""
        with Session(self.engine) as session:
            rows = signature_rows(session, plan_id, ids)
        if any(id_ not in rows for id_ in ids):
            return None
        return [
            Signature.model_validate_json(rows[id_].evidence or "").model_copy(
                update={
                    "voided_at": rows[id_].voided_at,
                    "voided_because": rows[id_].voided_because,
                }
            )
            for id_ in ids
        ]

    @staticmethod
    def _save_plan_row(session: Session, record: PlanRecord) -> bool:
        parties = record.parties
        next_due = record.next_deadline
        owing = [o for o in record.owed if o.due == next_due and not o.optional]
        row = {
            "plan_id": record.plan_id,
            "revision": record.revision,
            "manager_id": parties.manager.id,
            "team_member_id": parties.team_member.id,
            "skip_level_id": parties.skip_level.id,
            "parties": parties.model_dump_json(),
            "team_member_included": record.team_member_included,
            "phase": record.phase.value,
            "outcome": record.outcome.value if record.outcome else None,
            "version": record.version,
            "starts_on": record.starts_on,
            "ends_on": record.ends_on,
            "started_at": record.started_at,
            "closed_at": record.closed_at,
            "review_due_at": record.review_due_at,
            "next_deadline": next_due,
            "next_owed_by": ",".join(sorted({o.role.value for o in owing})),
            "next_action": "; ".join(o.action for o in owing),
            "held_because": record.held_because,
            "document": record.document,
            "calendar": record.calendar,
            "updated_at": datetime.now(UTC),
        }
        statement = _insert(session, PlanRow)
        updates = {name: statement.excluded[name] for name in row if name != "plan_id"}
        # Once brought in, a team member stays in: a record from a worker that does not know
        # the field yet (it defaults to False) must not hide the plan from them again.
        updates["team_member_included"] = or_(
            PlanRow.team_member_included, statement.excluded.team_member_included
        )
        upsert = statement.on_conflict_do_update(
            index_elements=["plan_id"],
            set_=updates,
            where=PlanRow.revision < statement.excluded.revision,
        )
        written = session.connection().execute(upsert.returning(PlanRow.revision), row)
        return written.first() is not None

    @staticmethod
    def _lock_plan(session: Session, plan_id: str) -> None:
        """Saves of one plan take turns from here on (PostgreSQL; SQLite's writer holds the
        whole database since the upsert), so each reads the audit chain's head as it is."""
        session.execute(select(PlanRow.plan_id).where(PlanRow.plan_id == plan_id).with_for_update())

    def _save_versions(
        self, session: Session, record: PlanRecord, signing_copies: Mapping[int, str]
    ) -> None:
        """A version never changes: a record without its content (or signing copy) leaves
        the stored one as it is, and one with it fills only what is missing."""
        rows = [
            _version_row(record.plan_id, version, signing_copies.get(version.number))
            for version in record.versions
        ]
        self._upsert(session, VersionRow, rows, fixed=rows[0].keys() if rows else ())

    def _save_children(self, session: Session, record: PlanRecord) -> None:
        plan_id = record.plan_id
        parties = record.parties
        session.execute(delete(ObligationRow).where(ObligationRow.plan_id == plan_id))
        obligations = [
            {
                "plan_id": plan_id,
                "seq": seq,
                "role": obligation.role.value,
                "person_id": person.id,
                "action": obligation.action,
                "due": obligation.due,
                "optional": obligation.optional,
            }
            for seq, (obligation, person) in enumerate(
                (o, p) for o in record.owed for p in parties.person(o.role)
            )
        ]
        if obligations:
            session.execute(insert(ObligationRow), obligations)
        signatures = [
            _signature_row(plan_id, seq, s) for seq, s in enumerate(record.signatures, start=1)
        ]
        self._upsert(
            session,
            SignatureRow,
            signatures,
            fixed=[name for name in signatures[0] if name not in SIGNATURE_CHANGES]
            if signatures
            else (),
        )
        self._upsert(
            session,
            CheckInRow,
            [
                {
                    "plan_id": plan_id,
                    "number": c.number,
                    "due_at": c.due_at,
                    "status": c.status.value,
                    "recorded_at": c.recorded_at,
                    "feedback": c.feedback,
                    "adjustments": c.adjustments,
                    "team_member_notes": len(c.team_member_notes),
                }
                for c in record.check_ins
            ],
        )
        if record.review is not None:
            review = record.review
            comment = review.team_member_comment
            self._upsert(
                session,
                ReviewRow,
                [
                    {
                        "plan_id": plan_id,
                        "outcome": review.outcome.value,
                        "achievements": review.achievements,
                        "next_steps": review.next_steps,
                        "submitted_by": review.submitted_by,
                        "submitted_at": review.submitted_at,
                        "team_member_comment": comment.text if comment else None,
                    }
                ],
            )

    @staticmethod
    def _save_consents(session: Session, record: PlanRecord) -> None:
        """Kept as first recorded, with the plan it was given in; later plans rely on it."""
        rows = [
            {
                **consent_columns(consent),
                "plan_id": record.plan_id,
                "evidence": canonical_json(consent).decode(),
                "evidence_sha256": consent.evidence_sha256,
            }
            for consent in record.consents
        ]
        if rows:
            session.execute(
                _insert(session, ConsentRow).on_conflict_do_nothing(index_elements=["consent_id"]),
                rows,
            )

    @staticmethod
    def _append_audit(session: Session, record: PlanRecord) -> None:
        """The lines not stored yet, in the record's order, each chained to the one before.

        Runs under the plan's lock, so the keys present and the chain's head are read as
        they are; a row from before the chain (no hash) starts it afresh.
        """
        plan_id = record.plan_id
        present = set(
            session.scalars(
                select(AuditRow.key).where(
                    AuditRow.plan_id == plan_id, AuditRow.key.in_([e.key for e in record.audit])
                )
            )
        )
        head = session.scalar(
            select(AuditRow.sha256)
            .where(AuditRow.plan_id == plan_id)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        rows = []
        for entry in record.audit:
            if entry.key in present:
                continue
            present.add(entry.key)
            row = {"plan_id": plan_id, **entry.model_dump(), "prev_sha256": head}
            row["sha256"] = head = audit_row_sha256(row)
            rows.append(row)
        if rows:
            session.execute(insert(AuditRow), rows)

    @staticmethod
    def _upsert(
        session: Session,
        model: type[Base],
        rows: Sequence[dict[str, Any]],
        fixed: Collection[str] = (),
    ) -> None:
        """Inserts rows, or updates the ones whose primary key is already there; a `fixed`
        column is only filled where it is empty, never replaced.

        The rows go as parameters, not into the statement, so SQLAlchemy compiles it once.
        """
        if not rows:
            return
        table = model.__table__
        keys = [column.name for column in table.primary_key]
        statement = _insert(session, model)
        updates = {
            name: func.coalesce(table.c[name], statement.excluded[name])
            if name in fixed
            else statement.excluded[name]
            for name in rows[0]
            if name not in keys
        }
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def parties_of(row: PlanRow) -> Parties | None:
    return None if row.parties is None else Parties.model_validate_json(row.parties)


def signature_rows(session: Session, plan_id: str, ids: Sequence[str]) -> dict[str, SignatureRow]:
    """The plan's stored signatures among `ids` that hold their evidence, by id: an id missing
    from the answer is not in HR's store yet."""
    rows = session.scalars(
        select(SignatureRow).where(
            SignatureRow.plan_id == plan_id, SignatureRow.signature_id.in_(ids)
        )
    )
    return {row.signature_id: row for row in rows if row.signature_id and row.evidence}


def _version_row(plan_id: str, version: VersionRecord, signing_copy: str | None) -> dict[str, Any]:
    """The content as RFC 8785 canonical JSON, so that its hash can be recomputed from it."""
    return {
        "plan_id": plan_id,
        **version.model_dump(exclude={"content", "hashed_as"}),
        "hashed_as": version.hashed_as.value,
        "content": canonical_json(version.content).decode() if version.content else None,
        "signing_copy": signing_copy,
        "signing_copy_sha256": hashlib.sha256(signing_copy.encode()).hexdigest()
        if signing_copy is not None
        else None,
    }


def _stored_content(sha256: str, stored: str | None) -> PlanContent | None:
    """Stored content that still matches the version's hash; anything else is left for
    `coachplan verify` to name, never rendered as what was signed."""
    if stored is None:
        return None
    try:
        content = PlanContent.model_validate_json(stored)
    except ValidationError:
        return None
    hashes = (content.content_hash(), content.pydantic_json_hash())
    return content if sha256 in hashes else None


def _signature_row(plan_id: str, seq: int, signature: Signature) -> dict[str, Any]:
    """A signature given before signature evidence (no identification) has no evidence to
    store: its "signed" audit line carries none either."""
    has_evidence = signature.identified_by is not None
    return {
        "plan_id": plan_id,
        "seq": seq,
        **signature_columns(signature),
        **signature.model_dump(include=set(SIGNATURE_CHANGES)),
        "evidence": canonical_json(signature.evidence()).decode() if has_evidence else None,
        "evidence_sha256": signature.evidence_sha256 if has_evidence else None,
    }


def signature_columns(signature: Signature) -> dict[str, Any]:
    """A signature's row as given: what `coachplan verify` compares with its evidence."""
    identified, context = signature.identified_by, signature.context
    return {
        "signature_id": signature.id or None,
        "role": signature.role.value,
        "email": signature.email,
        "name": signature.name,
        "intent": signature.intent,
        "version": signature.version,
        "sha256": signature.sha256,
        "signed_at": signature.signed_at,
        "person_id": signature.person_id or None,
        "document_sha256": signature.document_sha256,
        "identified_by": identified.method.value if identified else None,
        "subject": identified.subject if identified else None,
        "issuer": identified.issuer if identified else None,
        "consent_id": signature.consent_id,
        "ip": context.ip if context else None,
        "user_agent": context.user_agent if context else None,
        "session_id": context.session_id if context else None,
    }


def consent_columns(consent: ConsentRecord) -> dict[str, Any]:
    """A consent's row as given: what `coachplan verify` compares with its evidence."""
    return {
        "consent_id": consent.id,
        "person_id": consent.person_id,
        "email": consent.email,
        "name": consent.name,
        "disclosure_version": consent.disclosure_version,
        "disclosure_sha256": consent.disclosure_sha256,
        "disclosure_text": consent.disclosure_text,
        "given_at": consent.given_at,
        "given_through": consent.given_through.method.value,
    }


def _insert(session: Session, model: type[Base]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
