"""Every payload encrypted with the key ring's active key; a retired key still decrypts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from coaching.actions import workflow_id_for
from coaching.key_ring import (
    KeyRing,
    KeyRingError,
    key_ring_on_first_use,
    load_key_ring,
    rotate_key_ring,
)
from coaching.payload_codec import (
    DEFLATE_FROM_BYTES,
    DEFLATED,
    ENCRYPTED,
    KEY_ID,
    NONCE_BYTES,
    PLAN_ID,
    PayloadKeyError,
    PlanPayloadCodec,
    plan_id_of,
)
from coaching.settings import Settings
from tests.payload_keys import TEST_CONVERTER

PLAN_TEXT = "Kwame Mensah will lead the design review of the event bus"
PLAN_ID_SEEN = "3f9c2a7d81b4"


def clear_payload(text: str = PLAN_TEXT) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(text).encode())


def settings_in(folder: Path) -> Settings:
    return Settings(data_dir=folder)


def plan_context(plan_id: str) -> WorkflowSerializationContext:
    return WorkflowSerializationContext(namespace="default", workflow_id=workflow_id_for(plan_id))


async def test_a_payload_comes_back_as_it_went_in() -> None:
    codec = PlanPayloadCodec(KeyRing.generate())
    payload = clear_payload()

    [encrypted] = await codec.encode([payload])
    [decrypted] = await codec.decode([encrypted])

    assert decrypted == payload


async def test_the_ciphertext_holds_none_of_the_plaintext() -> None:
    codec = PlanPayloadCodec(KeyRing.generate())

    [encrypted] = await codec.encode([clear_payload()])

    raw = encrypted.SerializeToString()
    for word in ("Kwame", "Mensah", "design review", "json/plain"):
        assert word.encode() not in raw


async def test_the_metadata_names_the_encoding_and_the_active_key() -> None:
    keys = KeyRing.generate()

    [encrypted] = await PlanPayloadCodec(keys).encode([clear_payload()])

    assert encrypted.metadata["encoding"] == ENCRYPTED
    assert encrypted.metadata[KEY_ID] == keys.active.encode()
    assert PLAN_ID not in encrypted.metadata


async def test_two_encryptions_of_the_same_payload_differ() -> None:
    codec = PlanPayloadCodec(KeyRing.generate())

    first, second = await codec.encode([clear_payload(), clear_payload()])

    assert first.data != second.data


@pytest.mark.parametrize(
    "context",
    [
        WorkflowSerializationContext(
            namespace="default", workflow_id=workflow_id_for("3f9c2a7d81b4")
        ),
        ActivitySerializationContext(
            namespace="default",
            activity_id="1",
            activity_type="send_notification",
            activity_task_queue="coaching-plans",
            workflow_id=workflow_id_for(PLAN_ID_SEEN),
            workflow_type="CoachingPlanWorkflow",
            is_local=False,
        ),
    ],
    ids=["workflow", "activity"],
)
async def test_a_plans_payloads_carry_its_id_in_clear(
    context: WorkflowSerializationContext | ActivitySerializationContext,
) -> None:
    codec = PlanPayloadCodec(KeyRing.generate()).with_context(context)

    [encrypted] = await codec.encode([clear_payload()])

    assert plan_id_of(encrypted) == PLAN_ID_SEEN
    assert (await codec.decode([encrypted])) == [clear_payload()]


async def test_other_workflows_payloads_carry_no_plan_id() -> None:
    context = WorkflowSerializationContext(namespace="default", workflow_id="coachplan-daily-sweep")
    codec = PlanPayloadCodec(KeyRing.generate()).with_context(context)

    [encrypted] = await codec.encode([clear_payload()])

    assert plan_id_of(encrypted) is None


async def test_a_plan_id_moved_to_another_payload_is_refused() -> None:
    """The plan id is in clear, but bound to the ciphertext: a look is logged under the truth."""
    keys = KeyRing.generate()
    context = WorkflowSerializationContext(
        namespace="default", workflow_id=workflow_id_for("aaaaaa")
    )
    [encrypted] = await PlanPayloadCodec(keys).with_context(context).encode([clear_payload()])
    encrypted.metadata[PLAN_ID] = b"bbbbbb"

    with pytest.raises(PayloadKeyError, match="fails its integrity check"):
        await PlanPayloadCodec(keys).decode([encrypted])


async def test_a_payload_of_a_retired_key_decodes_after_rotation(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    before = KeyRing.create(settings.payload_keys_path)
    [old] = await PlanPayloadCodec(before).encode([clear_payload("written before")])

    after = rotate_key_ring(settings)
    [new] = await PlanPayloadCodec(after).encode([clear_payload("written after")])

    assert after.active != before.active
    assert set(after.keys) == {before.active, after.active}
    assert new.metadata[KEY_ID] == after.active.encode()
    assert load_key_ring(settings) == after
    reread = PlanPayloadCodec(load_key_ring(settings))
    assert await reread.decode([old, new]) == [
        clear_payload("written before"),
        clear_payload("written after"),
    ]


async def test_an_unknown_key_is_named_with_the_file_to_add_it_to(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    [encrypted] = await PlanPayloadCodec(KeyRing.generate()).encode([clear_payload()])
    unknown = encrypted.metadata[KEY_ID].decode()
    other = PlanPayloadCodec(KeyRing.create(settings.payload_keys_path))

    with pytest.raises(PayloadKeyError) as raised:
        await other.decode([encrypted])

    assert str(raised.value) == (
        f"a payload is encrypted with key '{unknown}', which is not in "
        f"{settings.payload_keys_path}: add that key back to the file (a retired key stays "
        "while any history encrypted with it is kept)"
    )


async def test_a_clear_payload_passes_through() -> None:
    """Histories recorded before encryption still replay."""
    payload = clear_payload()

    assert await PlanPayloadCodec(KeyRing.generate()).decode([payload]) == [payload]


def repetitive_payload() -> Payload:
    """Like a plan's: the same field names and people again and again."""
    people = [{"name": "Kwame Mensah", "email": "kwame@example.com", "role": r} for r in "abcd"]
    return clear_payload(json.dumps([{"to": people, "text": PLAN_TEXT}] * 6))


def plaintext_of(keys: KeyRing, encrypted: Payload) -> bytes:
    nonce, sealed = encrypted.data[:NONCE_BYTES], encrypted.data[NONCE_BYTES:]
    return keys.cipher(keys.active).decrypt(nonce, sealed, bound_to(keys))


def bound_to(keys: KeyRing) -> bytes:
    """What a payload of no plan has been bound to since payloads were first encrypted."""
    return b"coachplan-payload-v1\0" + keys.active.encode() + b"\0"


async def test_a_repetitive_payload_is_deflated_before_it_is_encrypted() -> None:
    keys = KeyRing.generate()
    codec = PlanPayloadCodec(keys)
    payload = repetitive_payload()

    [encrypted] = await codec.encode([payload])

    assert len(encrypted.data) < len(payload.SerializeToString()) / 3
    assert plaintext_of(keys, encrypted).startswith(DEFLATED)
    assert await codec.decode([encrypted]) == [payload]


@pytest.mark.parametrize(
    "text", ["ok", "ok " * (DEFLATE_FROM_BYTES // 4)], ids=["short", "small but repetitive"]
)
async def test_a_small_payload_is_encrypted_as_it_is(text: str) -> None:
    keys = KeyRing.generate()
    payload = clear_payload(text)

    [encrypted] = await PlanPayloadCodec(keys).encode([payload])

    assert plaintext_of(keys, encrypted) == payload.SerializeToString()


async def test_a_payload_encrypted_before_deflating_still_decodes() -> None:
    """Histories recorded before payloads were deflated still replay."""
    keys = KeyRing.generate()
    payload = repetitive_payload()
    nonce = bytes(NONCE_BYTES)
    sealed = keys.cipher(keys.active).encrypt(nonce, payload.SerializeToString(), bound_to(keys))
    before = Payload(
        metadata={"encoding": ENCRYPTED, KEY_ID: keys.active.encode()}, data=nonce + sealed
    )

    assert await PlanPayloadCodec(keys).decode([before]) == [payload]


async def test_tampered_ciphertext_is_refused() -> None:
    codec = PlanPayloadCodec(KeyRing.generate())
    [encrypted] = await codec.encode([clear_payload()])
    flipped = bytearray(encrypted.data)
    flipped[-1] ^= 1
    encrypted.data = bytes(flipped)

    with pytest.raises(PayloadKeyError, match="changed after it was encrypted"):
        await codec.decode([encrypted])


async def test_failure_messages_are_encrypted_too() -> None:
    """A refusal may quote plan text: the failure keeps it in an encrypted payload."""
    failure = Failure()
    await TEST_CONVERTER.encode_failure(ApplicationError(PLAN_TEXT, type="BadData"), failure)

    assert PLAN_TEXT.encode() not in failure.SerializeToString()
    assert failure.message == "Encoded failure"
    decoded = await TEST_CONVERTER.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert decoded.message == PLAN_TEXT
    assert decoded.type == "BadData"


def test_a_new_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "payload-keys.json"

    ring = KeyRing.create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    content = json.loads(path.read_text())
    assert content["active"] == ring.active
    assert list(content["keys"]) == [ring.active]


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "payload-keys.json"
    first = KeyRing.create(path)

    with pytest.raises(KeyRingError, match="already exists; `coachplan keys rotate`"):
        KeyRing.create(path)

    assert KeyRing.load(path) == first


def test_rotation_keeps_the_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    KeyRing.create(settings.payload_keys_path)

    rotate_key_ring(settings)

    assert stat.S_IMODE(settings.payload_keys_path.stat().st_mode) == 0o600
    assert [p.name for p in settings.payload_keys_path.parent.iterdir()] == ["payload-keys.json"]


def test_first_use_creates_the_ring_once_and_says_so(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    said: list[str] = []

    created = key_ring_on_first_use(settings, said.append)
    again = key_ring_on_first_use(settings, said.append)

    assert created == again
    assert len(said) == 1
    assert str(settings.payload_keys_path) in said[0]


def test_a_missing_key_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError) as raised:
        load_key_ring(settings_in(tmp_path))

    assert str(raised.value) == (
        f"COACHPLAN_PAYLOAD_KEYS_FILE: {tmp_path}/keys/payload-keys.json does not exist; "
        "create it with `coachplan keys create`"
    )


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        ("{", "is not JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("[]", 'must be JSON like {"active": "<id>", "keys": {"<id>": "<base64>"}}'),
        ('{"active": "k1", "keys": {"k1": "%%%"}}', "key 'k1' is not base64"),
        ('{"active": "k1", "keys": {"k1": "AAAA"}}', "key 'k1' must be 32 bytes (got 3)"),
        (
            '{"active": "k2", "keys": {"k1": "' + "A" * 43 + '="}}',
            "the active key 'k2' is not among the keys",
        ),
        (
            '{"active": "a b", "keys": {"a b": "' + "A" * 43 + '="}}',
            "key id 'a b' may hold only letters, digits, '.', '_' and '-' (at most 64)",
        ),
    ],
    ids=["not-json", "not-an-object", "not-base64", "short-key", "unknown-active", "bad-id"],
)
def test_a_malformed_key_file_names_the_variable_the_file_and_the_rule(
    tmp_path: Path, content: str, rule: str
) -> None:
    settings = settings_in(tmp_path)
    settings.payload_keys_path.parent.mkdir()
    settings.payload_keys_path.write_text(content)

    with pytest.raises(KeyRingError) as raised:
        load_key_ring(settings)

    assert str(raised.value) == (
        f"COACHPLAN_PAYLOAD_KEYS_FILE: {settings.payload_keys_path}: {rule}"
    )
