"""What every `coachplan` command shares: the consoles, the settings, the directory, `--as`,
and turning every failure a person can cause into a sentence."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from coaching.actions import (
    Action,
)
from coaching.form import PlanForm
from coaching.key_ring import KeyRingError
from coaching.org import DirectoryError, OrgDirectory
from coaching.payload_codec import PayloadKeyError
from coaching.settings import Settings, SettingsError
from coaching.validation import describe, explain
from coaching.yaml_text import yaml_problem
from starter.local_stack import EXAMPLE_FORM
from starter.plan_client import (
    DatabaseUnavailable,
    PlanClient,
    PlanError,
    TemporalUnavailable,
    load_directory,
)

FIRST_PAUSE = 0.5
MAX_PAUSE = 5.0
"""Backoff between connection attempts while Temporal is unreachable, in seconds."""

console = Console()
errors = Console(stderr=True, soft_wrap=True)
MAX_LIMIT = 10_000
Result = TypeVar("Result")
SomeAction = TypeVar("SomeAction", bound=Action)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def fail(lines: list[str] | str, code: int = 2) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        errors.print(f"[red]error:[/] {escape(line)}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        fail(str(error).splitlines())


@contextmanager
def explained() -> Iterator[None]:
    """Turns every failure a person can cause into a sentence: exit 2 for what they typed,
    exit 1 for a server or database that cannot be reached, or payload keys that are missing."""
    try:
        yield
    except ValidationError as error:
        fail(explain(error))
    except PlanError as error:
        fail(str(error))
    except (TemporalUnavailable, DatabaseUnavailable, KeyRingError, PayloadKeyError) as error:
        fail(str(error), code=1)


@functools.cache
def directory() -> OrgDirectory:
    with explained():
        return load_directory(settings())


def in_directory(email: str | None) -> str | None:
    """`--as` names someone in the org directory, or the command stops at once, naming the
    option: before any plan is read, so the answer says nothing about the plan."""
    if email is None:
        return None
    try:
        return directory().by_email(email).email
    except DirectoryError as error:
        fail(f"--as: {error}")


def zone_of(email: str) -> ZoneInfo:
    """The person's time zone, or the company's: every time they are shown is in it."""
    return directory().public(directory().by_email(email)).zone


As = Annotated[
    str,
    typer.Option("--as", help="Your email, as in the org directory.", callback=in_directory),
]


def run(work: Callable[[PlanClient], Awaitable[Result]]) -> Result:
    """Connects to Temporal and does the work."""
    with explained():
        return asyncio.run(with_client(work))


def load_form(path: Path) -> PlanForm:
    """A file that cannot be a form is refused in one line naming it; a form that breaks a
    rule, in one line per rule naming the field."""
    if path.is_dir():
        fail(f"form: {path} is a directory, not a form file (YAML, like {EXAMPLE_FORM})")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        fail(f"form: {path} does not exist")
    except OSError as error:
        fail(f"form: {path} cannot be read: {error.strerror}")
    except UnicodeDecodeError as error:
        fail(
            f"form: {path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}); save it as UTF-8"
        )
    try:
        return PlanForm.parse_yaml(text)
    except yaml.YAMLError as error:
        fail(f"form: {path} is not valid YAML: {yaml_problem(error, text)}")
    except ValidationError as error:
        problems = error.errors()
        if len(problems) == 1 and not problems[0]["loc"]:
            whole = problems[0]
            found = "is empty" if whole["input"] is None else describe(whole)
            fail(f"form: {path} {found}; see {EXAMPLE_FORM} for a filled form")
        fail(explain(error))


def build(model: type[SomeAction], **fields: Any) -> SomeAction:
    try:
        return model(**fields)
    except ValidationError as error:
        fail(explain(error))


async def with_client(work: Callable[[PlanClient], Awaitable[Result]]) -> Result:
    return await work(await connect_retrying(settings()))


async def connect_retrying(configured: Settings) -> PlanClient:
    """Connects, retrying with backoff for `temporal_wait_seconds` while Temporal is
    unreachable (a server restarting, say) and saying so once; a refusal (TLS) is not retried."""
    deadline = time.monotonic() + configured.temporal_wait_seconds
    pause = FIRST_PAUSE
    told = False
    while True:
        try:
            return await PlanClient.connect(configured)
        except TemporalUnavailable as error:
            left = deadline - time.monotonic()
            if not error.retryable or left <= 0:
                if told:
                    raise TemporalUnavailable(
                        f"{error} (retried for {configured.temporal_wait_seconds:g} s; "
                        "COACHPLAN_TEMPORAL_WAIT_SECONDS sets how long)",
                        retryable=error.retryable,
                    ) from None
                raise
            if not told:
                errors.print(
                    f"Temporal is unreachable, retrying for up to "
                    f"{configured.temporal_wait_seconds:g} s ({escape(str(error))})",
                    highlight=False,
                )
                told = True
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, MAX_PAUSE)
