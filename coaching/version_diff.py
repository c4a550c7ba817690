"""What changed between two versions of a plan, part by part, in words a person reads.

Activities and support commitments are matched by id, so an edit reads as an edit (with the
words that changed), not as one item removed and another added.
"""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import Any

from coaching.plan import PlanContent, StrictModel

PART_NAMES = {
    "development_area": "Development area",
    "current_state": "Current state",
    "goal.specific": "Goal: specific",
    "goal.measure": "Goal: measure",
    "goal.target": "Goal: target",
    "goal.achieve_by": "Goal: achieve by",
    "timeline.start": "Timeline: start",
    "timeline.end": "Timeline: end",
    "cadence.frequency": "Cadence: frequency",
    "cadence.weekday": "Cadence: weekday",
    "cadence.time": "Cadence: time",
    "cadence.time_zone": "Cadence: time zone",
}
ITEM_DETAILS = ("due", "status", "kind")
"""Shown as changes of an item that stays; an item added or removed is one line."""


class ChangeKind(StrEnum):
    added = "added"
    removed = "removed"
    changed = "changed"


class Words(StrictModel):
    """A run of words that stayed, or that only the earlier or the later version has."""

    text: str
    kind: ChangeKind | None = None


class Change(StrictModel):
    part: str
    kind: ChangeKind
    before: str = ""
    after: str = ""
    words: list[Words]


def diff_contents(before: PlanContent, after: PlanContent) -> list[Change]:
    """Every part that differs, in the order of the plan's seven parts."""
    old, new = _parts(before), _parts(after)
    whole_items = {part for part in [*old, *new] if (part in old) != (part in new)}
    changes = []
    for part in dict.fromkeys([*old, *new]):
        was, now = old.get(part), new.get(part)
        if was == now or part.split(":")[0] in whole_items - {part}:
            continue
        if was is None:
            kind = ChangeKind.added
        elif now is None:
            kind = ChangeKind.removed
        else:
            kind = ChangeKind.changed
        changes.append(
            Change(
                part=part,
                kind=kind,
                before=was or "",
                after=now or "",
                words=_words(was or "", now or ""),
            )
        )
    return changes


def _parts(content: PlanContent) -> dict[str, str]:
    data: dict[str, Any] = content.model_dump(mode="json")
    parts: dict[str, str] = {}
    for path, name in PART_NAMES.items():
        value: Any = data
        for key in path.split("."):
            value = value[key]
        parts[name] = str(value)
    for key, title in (("activities", "Activity"), ("support", "Support")):
        for item in data[key]:
            name = f"{title} {item['id']}"
            parts[name] = item["description"]
            for field in ITEM_DETAILS:
                if item.get(field) is not None:
                    parts[f"{name}: {field}"] = str(item[field]).replace("_", " ")
    return parts


def _words(before: str, after: str) -> list[Words]:
    old, new = before.split(), after.split()
    runs: list[Words] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Words(text=" ".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(Words(text=" ".join(old[i1:i2]), kind=ChangeKind.removed))
        if j2 > j1:
            runs.append(Words(text=" ".join(new[j1:j2]), kind=ChangeKind.added))
    return runs
