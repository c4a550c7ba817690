"""The fake's drive API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle


@dataclass
class DriveState:
    pass


def router(fake: FakeGoogle) -> APIRouter:
    return APIRouter()
