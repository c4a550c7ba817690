"""Every Temporal payload encrypted (AES-256-GCM), so that operators reading a history, and the
server's database, see no name, email or plan text.

The encrypted payload is the whole original payload (metadata included) serialized, deflated
if it is large and that makes it shorter, behind a 12-byte random nonce. A plan's payloads
repeat the same field names, people and dates, so deflating the large ones first takes a fifth
off its history; the length of a ciphertext, visible before as well, then also tells how
repetitive its content is. Its own metadata says how to read it back: the encoding, the key's
id (so a rotated key still decrypts what it encrypted) and, where the payload belongs to a
plan, the plan's id (ids carry no personal data), which the codec endpoint logs a decode
under. The key id and the plan id are authenticated with the ciphertext, so neither can be
swapped.
A payload that is not encrypted passes through: histories recorded before still replay.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Self

from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from coaching.actions import workflow_id_for
from coaching.key_ring import KeyRing

ENCODING = "encoding"
ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"
PLAN_ID = "coachplan-plan-id"
NONCE_BYTES = 12
DEFLATE_FROM_BYTES = 512
"""Smaller payloads go as they are. The worker's event loop encodes every payload, and zlib
lets go of the interpreter while it works: under load, busy activity threads take it, and the
loop waits milliseconds for each call. Deflating every payload made a new plan's first
document twice as slow at 50 plans in flight; the large ones alone hold most of the gain."""
DEFLATED = b"\0"
"""Starts a plaintext that is a deflated payload: a serialized payload never starts with a zero
byte (protobuf has no field number 0), so payloads encrypted before deflating still read."""
PLAN_WORKFLOW_PREFIX = workflow_id_for("")


class PayloadKeyError(ValueError):
    """A payload this key ring cannot decrypt: a key missing from the file, or a payload
    changed since it was encrypted."""


@dataclass(frozen=True)
class PlanPayloadCodec(PayloadCodec, WithSerializationContext):
    keys: KeyRing
    plan_id: str | None = None
    """The plan whose workflow the payloads belong to, from the serialization context."""

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = (
            context.workflow_id
            if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext)
            else None
        )
        if workflow_id is None or not workflow_id.startswith(PLAN_WORKFLOW_PREFIX):
            return replace(self, plan_id=None)
        return replace(self, plan_id=workflow_id.removeprefix(PLAN_WORKFLOW_PREFIX))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.keys.active.encode()
        plan_id = (self.plan_id or "").encode()
        metadata = {ENCODING: ENCRYPTED, KEY_ID: key_id}
        if plan_id:
            metadata[PLAN_ID] = plan_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys.cipher(self.keys.active).encrypt(
            nonce, _deflated(payload.SerializeToString()), _associated(key_id, plan_id)
        )
        return Payload(metadata=metadata, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if not is_encrypted(payload):
            return payload
        key_id = payload.metadata[KEY_ID].decode(errors="replace")
        if key_id not in self.keys.keys:
            raise PayloadKeyError(
                f"a payload is encrypted with key '{key_id}', which is not in "
                f"{self.keys.source or 'the key ring'}: add that key back to the file "
                "(a retired key stays while any history encrypted with it is kept)"
            )
        associated = _associated(payload.metadata[KEY_ID], payload.metadata.get(PLAN_ID, b""))
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            clear = self.keys.cipher(key_id).decrypt(nonce, sealed, associated)
        except InvalidTag:
            raise PayloadKeyError(
                f"a payload encrypted with key '{key_id}' fails its integrity check: it was "
                "changed after it was encrypted"
            ) from None
        return Payload.FromString(_inflated(clear))


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get(ENCODING) == ENCRYPTED and KEY_ID in payload.metadata


def plan_id_of(payload: Payload) -> str | None:
    """The plan an encrypted payload belongs to, readable without its key."""
    plan_id = payload.metadata.get(PLAN_ID)
    return plan_id.decode(errors="replace") if plan_id else None


def _deflated(serialized: bytes) -> bytes:
    if len(serialized) < DEFLATE_FROM_BYTES:
        return serialized
    deflated = DEFLATED + zlib.compress(serialized, wbits=-zlib.MAX_WBITS)
    return deflated if len(deflated) < len(serialized) else serialized


def _inflated(clear: bytes) -> bytes:
    """Raw deflate, without zlib's header and checksum: AES-GCM already checks integrity."""
    if clear.startswith(DEFLATED):
        return zlib.decompress(clear[len(DEFLATED) :], wbits=-zlib.MAX_WBITS)
    return clear


def _associated(key_id: bytes, plan_id: bytes) -> bytes:
    """What is in clear beside the ciphertext, bound to it."""
    return b"\0".join([b"coachplan-payload-v1", key_id, plan_id])
