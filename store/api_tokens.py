"""Personal API tokens, for scripts that call the JSON API as the person who made them.

A token reads `cp_<id>_<secret>`. The id is public and finds the row; only the SHA-256 of the
secret is stored, so the table alone opens nothing, and the plaintext is shown once, when the
token is made. A revoked token is kept (its owner still sees it) but never authenticates again.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from coaching.plan import StrictModel
from store.models import ApiTokenRow

PREFIX = "cp"
ID_BYTES = 8
TOKEN = re.compile(rf"{PREFIX}_(?P<id>[0-9a-f]{{{2 * ID_BYTES}}})_(?P<secret>[A-Za-z0-9_-]{{43}})")
"""`secrets.token_urlsafe(32)` is 43 characters of the URL-safe alphabet, `_` included, so the
secret is matched whole rather than split on `_`."""
NAME_LENGTH = 100


class NewToken(StrictModel):
    """What a person asks for; the name is only a label for them to tell their tokens apart."""

    person_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    name: str

    @field_validator("name")
    @classmethod
    def _a_label(cls, name: str) -> str:
        name = name.strip()
        if not 1 <= len(name) <= NAME_LENGTH:
            raise ValueError(
                f"a token's name must be 1 to {NAME_LENGTH} characters (it has {len(name)}), "
                "to tell your tokens apart, e.g. 'laptop script'"
            )
        return name


class TokenInfo(StrictModel):
    """A token as its owner sees it in their list: never its secret, nor the secret's hash."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedToken(StrictModel):
    """The only answer that carries the plaintext: show it once, it cannot be read back."""

    token: str = Field(repr=False)
    info: TokenInfo


class ApiTokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, person_id: str, name: str, now: datetime) -> CreatedToken:
        """Raises pydantic's `ValidationError` (naming `name`) for an empty or too long name."""
        asked = NewToken(person_id=person_id, name=name)
        token_id = secrets.token_hex(ID_BYTES)
        secret = secrets.token_urlsafe(32)
        row = ApiTokenRow(
            id=token_id,
            person_id=asked.person_id,
            name=asked.name,
            secret_sha256=_sha256(secret),
            created_at=now,
            last_used_at=None,
            revoked_at=None,
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
        return CreatedToken(
            token=f"{PREFIX}_{token_id}_{secret}",
            info=TokenInfo(
                id=token_id, name=asked.name, created_at=now, last_used_at=None, revoked_at=None
            ),
        )

    def list(self, person_id: str) -> builtins.list[TokenInfo]:
        """The person's tokens, revoked ones included, newest first."""
        query = (
            select(ApiTokenRow)
            .where(ApiTokenRow.person_id == person_id)
            .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id)
        )
        with Session(self.engine) as session:
            rows = session.scalars(query).all()
            return [TokenInfo.model_validate(row, from_attributes=True) for row in rows]

    def revoke(self, person_id: str, token_id: str, now: datetime) -> bool:
        """True if the token is the person's (revoking twice keeps the first time); False if
        there is no such token of theirs: someone else's answers exactly like a missing one."""
        statement = (
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, ApiTokenRow.person_id == person_id)
            .values(revoked_at=func.coalesce(ApiTokenRow.revoked_at, now))
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1

    def authenticate(self, token: str, now: datetime) -> str | None:
        """The person the token acts for, or None if it is malformed, unknown or revoked.

        The secret's hash is compared in constant time, so timing tells nothing about it.
        """
        match = TOKEN.fullmatch(token)
        if match is None:
            return None
        token_id, presented = match["id"], _sha256(match["secret"])
        with self.engine.begin() as connection:
            found = connection.execute(
                select(ApiTokenRow.person_id, ApiTokenRow.secret_sha256).where(
                    ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None)
                )
            ).first()
            if found is None or not hmac.compare_digest(found.secret_sha256, presented):
                return None
            used = connection.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                .values(last_used_at=now)
            )
            return found.person_id if used.rowcount == 1 else None


def token_id(token: str) -> str | None:
    """The public id in a token (what its owner sees on /me), never its secret."""
    match = TOKEN.fullmatch(token)
    return None if match is None else match["id"]


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
