"""Reads the consents to sign electronically that HR's store keeps (the record activity
writes them): a person who consented under the wording in force is not asked again."""

from __future__ import annotations

from sqlalchemy import Engine, select

from coaching.evidence import ConsentRecord, Disclosure
from store.models import ConsentRow


class ConsentRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def given(self, person_id: str, disclosure: Disclosure) -> ConsentRecord | None:
        """The person's earliest consent to exactly this disclosure, if any."""
        with self.engine.connect() as connection:
            evidence = connection.execute(
                select(ConsentRow.evidence)
                .where(
                    ConsentRow.person_id == person_id,
                    ConsentRow.disclosure_sha256 == disclosure.sha256,
                )
                .order_by(ConsentRow.given_at)
                .limit(1)
            ).scalar()
        return None if evidence is None else ConsentRecord.model_validate_json(evidence)
