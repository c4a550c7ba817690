"""YAML as people write it: a value PyYAML cannot build (2026-02-30, 0x_) is a YAML error at
its line, like any other, instead of a bare `ValueError` from deep inside PyYAML."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import Node
from yaml.reader import ReaderError


class PlainLoader(yaml.SafeLoader):
    """`yaml.SafeLoader`, whose every failure is a `yaml.YAMLError` with a place."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            raise ConstructorError(
                None, None, f"{node.value!r} cannot be read: {error}", node.start_mark
            ) from None


def yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """PyYAML's several-line message about `text` as one line, with the place people look
    for: its line and column."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} (line {mark.line + 1}, column {mark.column + 1})"
    if isinstance(error, ReaderError):
        character = error.character
        code = ord(character) if isinstance(character, str) else int(character)
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        return f"the character #x{code:04x} is not allowed in YAML (line {line}, column {column})"
    return " ".join(str(error).split())
