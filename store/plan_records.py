"""Writes a `PlanRecord` into HR's read model, idempotently, in one transaction.

A record is applied only if its revision is newer than the stored one, so a retried or
replayed activity never moves a plan backwards; audit lines are inserted by key and never
twice. Both hold on SQLite and PostgreSQL through their `INSERT ... ON CONFLICT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coaching.records import PlanRecord
from store.models import (
    AuditRow,
    Base,
    CheckInRow,
    ObligationRow,
    PlanRow,
    ReviewRow,
    SignatureRow,
    VersionRow,
)


class PlanRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, record: PlanRecord) -> bool:
        """True if the record was newer and is now the plan's state; audit lines are kept anyway.

        Whether it is newer is decided by the database, in the plan row's upsert, so an
        attempt that overlaps its own retry can never write an older state over a newer one.
        """
        with Session(self.engine) as session, session.begin():
            newer = self._save_plan_row(session, record)
            if newer:
                self._save_children(session, record)
            self._append_audit(session, record)
        return newer

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
        self._upsert(
            session,
            VersionRow,
            [
                {
                    "plan_id": plan_id,
                    **v.model_dump(exclude={"content", "hashed_as"}),
                    "hashed_as": v.hashed_as.value,
                }
                for v in record.versions
            ],
        )
        self._upsert(
            session,
            SignatureRow,
            [
                {
                    "plan_id": plan_id,
                    "seq": seq,
                    **s.model_dump(
                        include={"role", "email", "name", "intent", "version", "sha256"}
                        | {"signed_at", "voided_at", "voided_because"}
                    ),
                }
                for seq, s in enumerate(record.signatures, start=1)
            ],
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

    def _append_audit(self, session: Session, record: PlanRecord) -> None:
        rows = [{"plan_id": record.plan_id, **entry.model_dump()} for entry in record.audit]
        if rows:
            session.execute(
                _insert(session, AuditRow).on_conflict_do_nothing(
                    index_elements=["plan_id", "key"]
                ),
                rows,
            )

    @staticmethod
    def _upsert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        """Inserts rows, or updates the ones whose primary key is already there.

        The rows go as parameters, not into the statement, so SQLAlchemy compiles it once.
        """
        if not rows:
            return
        keys = [column.name for column in model.__table__.primary_key]
        statement = _insert(session, model)
        updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def _insert(session: Session, model: type[Base]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
