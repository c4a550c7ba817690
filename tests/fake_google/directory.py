"""The fake's directory API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle


@dataclass
class DirectoryState:
    pass


def router(fake: FakeGoogle) -> APIRouter:
    return APIRouter()
