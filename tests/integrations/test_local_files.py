"""The local integrations' files: whole or not at all, wherever they go."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.local.files import write_atomically


def test_a_file_is_written_into_folders_made_on_the_way(tmp_path: Path) -> None:
    path = tmp_path / "documents" / "3f9c2a7d81b4" / "v1.html"

    write_atomically(path, b"<p>plan</p>")

    assert path.read_bytes() == b"<p>plan</p>"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_second_write_replaces_the_first_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "v1.html"
    write_atomically(path, b"first")

    write_atomically(path, b"second")

    assert path.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["v1.html"]


def test_a_write_that_fails_leaves_the_old_file_and_no_partial_one(tmp_path: Path) -> None:
    path = tmp_path / "v1.html"
    write_atomically(path, b"old")

    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")  # type: ignore[arg-type]

    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["v1.html"]
