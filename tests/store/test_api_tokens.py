"""Personal API tokens: shown once, stored only as a hash, revocable by their owner alone."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from store.api_tokens import ApiTokens, CreatedToken
from store.models import ApiTokenRow
from tests.store.sample_records import NOW

LATER = NOW + timedelta(hours=3)


@pytest.fixture
def tokens(store: Engine) -> ApiTokens:
    return ApiTokens(store)


@pytest.fixture
def mias(tokens: ApiTokens) -> CreatedToken:
    return tokens.create("mia", "  laptop script ", NOW)


def test_a_token_authenticates_as_its_owner_and_records_when(
    tokens: ApiTokens, mias: CreatedToken
) -> None:
    assert mias.token.startswith(f"cp_{mias.info.id}_")
    assert (mias.info.name, mias.info.created_at, mias.info.last_used_at) == (
        "laptop script",
        NOW,
        None,
    )

    assert tokens.authenticate(mias.token, LATER) == "mia"

    [listed] = tokens.list("mia")
    assert (listed.id, listed.name, listed.last_used_at, listed.revoked_at) == (
        mias.info.id,
        "laptop script",
        LATER,
        None,
    )


def test_only_the_hash_of_the_secret_is_stored_and_never_shown_again(
    store: Engine, tokens: ApiTokens, mias: CreatedToken
) -> None:
    secret = mias.token.split("_", 2)[2]
    with store.connect() as connection:
        row = connection.execute(select(ApiTokenRow)).one()

    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in "".join(str(value) for value in row)
    assert secret not in tokens.list("mia")[0].model_dump_json()
    assert secret not in repr(mias)


def test_a_person_lists_only_their_own_tokens_newest_first(tokens: ApiTokens) -> None:
    first = tokens.create("mia", "first", NOW)
    second = tokens.create("mia", "second", LATER)
    tokens.create("tom", "toms", NOW)

    assert [t.id for t in tokens.list("mia")] == [second.info.id, first.info.id]
    assert [t.name for t in tokens.list("tom")] == ["toms"]
    assert tokens.list("nobody") == []


def test_a_revoked_token_no_longer_authenticates(tokens: ApiTokens, mias: CreatedToken) -> None:
    assert tokens.revoke("mia", mias.info.id, LATER)

    assert tokens.authenticate(mias.token, LATER + timedelta(minutes=1)) is None
    [listed] = tokens.list("mia")
    assert (listed.revoked_at, listed.last_used_at) == (LATER, None)
    assert tokens.revoke("mia", mias.info.id, LATER + timedelta(days=1)), "revoking twice is fine"
    assert tokens.list("mia")[0].revoked_at == LATER, "and keeps the first time"


def test_nobody_revokes_someone_elses_token(tokens: ApiTokens, mias: CreatedToken) -> None:
    assert not tokens.revoke("tom", mias.info.id, LATER)
    assert not tokens.revoke("mia", "0123456789abcdef", LATER)

    assert tokens.list("mia")[0].revoked_at is None
    assert tokens.authenticate(mias.token, LATER) == "mia"


def test_a_malformed_or_altered_token_authenticates_nobody(
    tokens: ApiTokens, mias: CreatedToken
) -> None:
    toms = tokens.create("tom", "toms", NOW)
    prefix, token_id, secret = mias.token.split("_", 2)
    altered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    tried = [
        "",
        "cp_",
        f"{prefix}_{token_id}",
        f"{prefix}_{token_id}_{altered}",
        f"{prefix}_{toms.info.id}_{secret}",
        f"{prefix}_0123456789abcdef_{secret}",
        f"xx_{token_id}_{secret}",
        f"Bearer {mias.token}",
        f"{mias.token}\n",
        f"{mias.token}x",
        mias.token.upper(),
    ]

    assert [tokens.authenticate(token, LATER) for token in tried] == [None] * len(tried)
    assert tokens.list("mia")[0].last_used_at is None
    assert tokens.authenticate(mias.token, LATER) == "mia"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name_of_1_to_100_characters(tokens: ApiTokens, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        tokens.create("mia", name, NOW)

    assert "name" in str(refused.value)
    assert "must be 1 to 100 characters" in str(refused.value)
    assert tokens.list("mia") == []


def test_a_name_of_100_characters_is_enough(tokens: ApiTokens) -> None:
    assert tokens.create("mia", "x" * 100, NOW).info.name == "x" * 100
