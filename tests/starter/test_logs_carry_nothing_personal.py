"""Logs carry no plan content, names or emails: every record of a whole `coachplan demo`, down
to DEBUG from the root logger and temporalio's, is searched for each person's name and email
and for the plan's text.

The demo runs in this process, so one handler on the root logger sees every record, each
formatted in full: its message with its arguments, its traceback, and any extra fields a
structured log would print.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from coaching.form import PlanForm
from coaching.org import OrgDirectory
from coaching.settings import Settings
from starter.demo import run_demo
from starter.local_stack import EXAMPLE_FORM

REPO = Path(__file__).resolve().parents[2]
ORG_FILE = REPO / "examples" / "org.yaml"
PIECE = 30
"""A log line may quote text cut short: the first characters of each text are searched too."""
STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class EveryRecord(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in vars(record).items() if k not in STANDARD_FIELDS}
        return f"{self.format(record)} {extras!r}" if extras else self.format(record)


@contextmanager
def at_debug(handler: logging.Handler) -> Iterator[None]:
    """The root logger and temporalio's let DEBUG through for the duration. A library that
    sets its own level keeps it: SQLAlchemy's WARNING, as its DEBUG echo is an opt-in that
    prints the rows it reads (docs/security.md: leave it off in production)."""
    loggers = [logging.getLogger(), logging.getLogger("temporalio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    loggers[0].addHandler(handler)
    try:
        yield
    finally:
        loggers[0].removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.fixture(scope="module")
async def demo_logs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """(logger name, the record in full) for every record of one whole demo."""
    folder = tmp_path_factory.mktemp("demo")
    handler = EveryRecord()
    with at_debug(handler):
        code = await run_demo(
            folder, Settings(data_dir=folder, org_file=ORG_FILE), Console(file=io.StringIO())
        )
    assert code == 0
    assert len(handler.records) > 50, "the demo's activities log each step"
    return [(record.name, handler.text(record)) for record in handler.records]


@pytest.fixture(scope="module")
def personal() -> list[str]:
    """Everyone's name and email, and each of the plan's texts, whole and its first words."""
    people = OrgDirectory.load(ORG_FILE).people
    form = PlanForm.load(EXAMPLE_FORM)
    texts = [
        form.development_area,
        form.current_state,
        form.goal.specific,
        form.goal.measure,
        form.goal.target,
        *(activity.description for activity in form.activities),
        *(support.description for support in form.support),
    ]
    return [
        *(person.name for person in people),
        *(person.email for person in people),
        *texts,
        *(text[:PIECE] for text in texts),
    ]


def mentions(record: str, said: str) -> bool:
    return said.lower() in record.lower()


def echoes_payloads(logger: str, record: str) -> bool:
    """temporalio's DEBUG echo of each activity's result as it goes to the server: exactly
    what Temporal's history keeps, which the payload codec encrypts."""
    return logger == "temporalio.worker._activity" and " Completing activity with " in record


def test_no_log_record_names_a_person_or_quotes_the_plan(
    demo_logs: list[tuple[str, str]], personal: list[str]
) -> None:
    found = {
        said: record
        for logger, record in demo_logs
        if not echoes_payloads(logger, record)
        for said in personal
        if mentions(record, said)
    }

    assert found == {}


def test_what_temporalio_echoes_of_payloads_at_debug_is_ciphertext(
    demo_logs: list[tuple[str, str]], personal: list[str]
) -> None:
    echoed = [record for logger, record in demo_logs if echoes_payloads(logger, record)]

    assert echoed
    assert [said for said in personal if any(mentions(record, said) for record in echoed)] == []
