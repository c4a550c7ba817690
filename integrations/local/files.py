"""File helpers for the local integrations: a retried activity must never leave half a file."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def safe_name(value: str, what: str) -> str:
    """Ids become file names: refuse anything that could climb out of the data dir."""
    if not _SAFE_NAME.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not usable as a file name")
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a partial write. The folder is made only
    when the first write into it finds it missing: a busy worker writes thousands of files into
    folders that exist."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()
