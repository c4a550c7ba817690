"""The fake's gmail API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from tests.fake_google.server import FakeGoogle


@dataclass
class GmailState:
    pass


def router(fake: FakeGoogle) -> APIRouter:
    return APIRouter()
