"""An org directory file that cannot be read stops every command with one sentence naming
the file and what is wrong (the line, or the field), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from coaching.settings import Settings
from starter.plan_client import PlanError, directory_source


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("company: [Northwind\n", "is not valid YAML: "),
        ("company: x\npeople:\n  - since: 2026-02-30\n", "(line 3, column 12)"),
        ("company: x\x1f\n", "the character #x001f is not allowed in YAML (line 1, column 11)"),
        ("company: x\npeople: []\n", "breaks its rules: people: needs at least one item"),
        (
            "company: x\npeople:\n"
            "  - {id: a, name: A, email: a@x.io, hr: true, time_zone: Europe}\n",
            "people[1].time_zone: 'Europe' is not a known IANA time zone",
        ),
    ],
)
def test_a_broken_org_file_is_one_sentence_naming_the_file(
    tmp_path: Path, text: str, says: str
) -> None:
    org_file = tmp_path / "org.yaml"
    org_file.write_text(text)

    with pytest.raises(PlanError) as refused:
        directory_source(Settings(data_dir=tmp_path, org_file=org_file))

    assert str(refused.value).startswith(f"the org directory {org_file} ")
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)
