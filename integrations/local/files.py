"""File helpers for the local integrations: a retried activity must never leave half a file."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def safe_name(value: str, what: str) -> str:
    """Ids become file names: refuse anything that could climb out of the data dir."""
    if not _SAFE_NAME.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not usable as a file name")
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a partial write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        temporary = Path(tmp.name)
        try:
            tmp.write(data)
        except BaseException:
            tmp.close()
            temporary.unlink(missing_ok=True)
            raise
    os.replace(temporary, path)


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()
