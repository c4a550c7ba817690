"""The one place a process connects to Temporal, so a payload codec can be added here later."""

from __future__ import annotations

from temporalio.client import Client

from coaching.converter import data_converter
from coaching.settings import Settings


async def connect(settings: Settings) -> Client:
    """A client that sends the domain's pydantic models as JSON."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.namespace,
        data_converter=data_converter,
    )
