"""The payload keys: AES-256 keys by id, one of them active for new payloads.

A key ring rather than one key, so that a rotated key keeps decrypting the histories it
encrypted: Temporal keeps a closed plan's history for the namespace's retention period, and
a running plan's for its whole life. The file holds
`{"active": "<id>", "keys": {"<id>": "<base64 of 32 bytes>", ...}}`, readable by its owner only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coaching.settings import ENV_VARS, Settings

KEY_BYTES = 32
"""AES-256."""
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
FILE_MODE = 0o600
CREATE_HINT = "create it with `coachplan keys create`"


class KeyRingError(ValueError):
    """A key file that is missing or malformed, in one line for whoever starts the process."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    """The key new payloads are encrypted with."""
    keys: Mapping[str, bytes]
    source: Path | None = field(default=None, compare=False)
    """The file the ring was read from: where a missing key has to be added."""

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if KEY_ID.fullmatch(key_id) is None:
                raise KeyRingError(
                    f"key id '{key_id}' may hold only letters, digits, '.', '_' and '-' "
                    "(at most 64)"
                )
            if len(key) != KEY_BYTES:
                raise KeyRingError(f"key '{key_id}' must be {KEY_BYTES} bytes (got {len(key)})")
        if self.active not in self.keys:
            raise KeyRingError(f"the active key '{self.active}' is not among the keys")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    @classmethod
    def generate(cls) -> KeyRing:
        """A ring of one new random key, kept in memory."""
        key_id = _new_key_id()
        return cls(active=key_id, keys={key_id: secrets.token_bytes(KEY_BYTES)})

    def rotated(self) -> KeyRing:
        """A new active key; the others stay, so what they encrypted still decrypts."""
        key_id = _new_key_id()
        while key_id in self.keys:
            key_id = _new_key_id()
        return KeyRing(
            active=key_id,
            keys={**self.keys, key_id: secrets.token_bytes(KEY_BYTES)},
            source=self.source,
        )

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise KeyRingError(f"{path} does not exist; {CREATE_HINT}") from None
        except OSError as error:
            raise KeyRingError(f"{path} cannot be read: {error.strerror}") from None
        try:
            return cls._parse(json.loads(text), path)
        except (ValueError, TypeError) as error:
            raise KeyRingError(f"{path}: {_reason(error)}") from None

    @classmethod
    def _parse(cls, content: Any, path: Path) -> KeyRing:
        if not isinstance(content, dict) or not isinstance(content.get("keys"), dict):
            raise KeyRingError('must be JSON like {"active": "<id>", "keys": {"<id>": "<base64>"}}')
        if not isinstance(content.get("active"), str):
            raise KeyRingError("'active' must name one of the keys")
        keys = {}
        for key_id, encoded in content["keys"].items():
            try:
                keys[key_id] = base64.b64decode(str(encoded), validate=True)
            except binascii.Error:
                raise KeyRingError(f"key '{key_id}' is not base64") from None
        return cls(active=content["active"], keys=keys, source=path)

    @classmethod
    def create(cls, path: Path) -> KeyRing:
        """A new file with one random key; an existing file is never overwritten."""
        try:
            return cls.generate().save(path, replace=False)
        except FileExistsError:
            raise KeyRingError(
                f"{path} already exists; `coachplan keys rotate` adds a new key to it"
            ) from None

    def save(self, path: Path, *, replace: bool) -> KeyRing:
        """Written beside the file, then moved into place: a reader sees the old ring or the
        new one, never half of one. Without `replace`, an existing file stays as it is
        (`FileExistsError`)."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        content = {
            "active": self.active,
            "keys": {key_id: base64.b64encode(key).decode() for key_id, key in self.keys.items()},
        }
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump(content, file, indent=2)
                file.write("\n")
            if replace:
                os.replace(partial, path)
            else:
                os.link(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return dataclasses.replace(self, source=path)

    def cipher(self, key_id: str) -> AESGCM:
        """Raises `KeyError` for a key the ring does not hold."""
        return self._ciphers[key_id]

    @functools.cached_property
    def _ciphers(self) -> dict[str, AESGCM]:
        return {key_id: AESGCM(key) for key_id, key in self.keys.items()}


def load_key_ring(settings: Settings) -> KeyRing:
    """The configured ring; a problem is named with its variable."""
    try:
        return KeyRing.load(settings.payload_keys_path)
    except KeyRingError as error:
        raise KeyRingError(f"{ENV_VARS['payload_keys_file']}: {error}") from None


def rotate_key_ring(settings: Settings) -> KeyRing:
    """Adds a new active key to the configured file, keeping every key it holds."""
    return load_key_ring(settings).rotated().save(settings.payload_keys_path, replace=True)


def key_ring_on_first_use(settings: Settings, say: Callable[[str], None]) -> KeyRing:
    """The embedded setup's ring (`coachplan up`, `coachplan demo`): created the first time,
    which `say` tells in one line."""
    path = settings.payload_keys_path
    try:
        ring = KeyRing.generate().save(path, replace=False)
    except FileExistsError:
        return load_key_ring(settings)
    say(
        f"created the payload key ring {path} (key {ring.active}); every Temporal payload is "
        "encrypted with it: keep it, and back it up"
    )
    return ring


def _new_key_id() -> str:
    """The day it was made, for people deciding which retired keys are still needed."""
    return f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"


def _reason(error: ValueError | TypeError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"is not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    return str(error)
