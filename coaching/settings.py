"""One configuration object for every process: environment variables over sane defaults."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from coaching.policy import PlanPolicy
from coaching.validation import describe
from store.database import database_url

ENV_VARS: dict[str, str] = {
    "temporal_address": "TEMPORAL_ADDRESS",
    "namespace": "TEMPORAL_NAMESPACE",
    "task_queue": "COACHPLAN_TASK_QUEUE",
    "data_dir": "COACHPLAN_DATA_DIR",
    "org_file": "COACHPLAN_ORG_FILE",
    "integrations": "COACHPLAN_INTEGRATIONS",
    "ui_port": "COACHPLAN_UI_PORT",
    "database_url": "DATABASE_URL",
}
"""Which environment variable sets which field; errors name the variable, not the field."""

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _host_and_port(address: str) -> str:
    address = address.strip()
    matched = re.fullmatch(r"[^\s:]+:([0-9]{1,5})", address)
    if matched is None or not 0 < int(matched[1]) < 65536:
        raise ValueError(f"'{address}' is not host:port (for example localhost:7233)")
    return address


def _usable_database(url: str | None) -> str | None:
    if url is not None:
        database_url(url)
    return url


class SettingsError(ValueError):
    """Bad configuration, one line per variable, for the person who set it."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    temporal_address: Annotated[str, AfterValidator(_host_and_port)] = "localhost:7233"
    namespace: NonEmpty = "default"
    task_queue: NonEmpty = "coaching-plans"
    data_dir: Path = Path("var")
    """Documents, invites, the outbox and the local Temporal database live here."""
    org_file: Path = Path("examples/org.yaml")
    integrations: Literal["local"] = "local"
    ui_port: Annotated[int, Field(ge=1, le=65535)] = 8233
    """Where `coachplan up` serves the Temporal UI."""
    database_url: Annotated[str | None, AfterValidator(_usable_database)] = None
    """HR's records; by default a SQLite file in `data_dir`."""
    policy: PlanPolicy = PlanPolicy()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Reads the variables in ENV_VARS; an empty variable counts as unset."""
        environ = os.environ if environ is None else environ
        values = {field: environ[var] for field, var in ENV_VARS.items() if environ.get(var)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            lines = [
                f"{ENV_VARS.get(str(e['loc'][0]), str(e['loc'][0]))}: {describe(e)}"
                for e in error.errors()
            ]
            raise SettingsError("\n".join(lines)) from None

    @property
    def temporal_host(self) -> str:
        return self.temporal_address.rsplit(":", 1)[0]

    @property
    def temporal_port(self) -> int:
        return int(self.temporal_address.rsplit(":", 1)[1])

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'coachplan.db'}"

    def as_env(self) -> dict[str, str]:
        """The variables that recreate these settings in a child process."""
        values = {field: getattr(self, field) for field in ENV_VARS}
        return {
            var: str(values[field]) for field, var in ENV_VARS.items() if values[field] is not None
        }
