"""`python -m starter.logged_child worker|web LOG_FILE`: how `coachplan up` runs its children.

Every log record goes to the file under the data folder; only warnings and errors reach the
console too, so the ready banner with the addresses and next commands stays in view.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PROGRAMS = ("worker", "web")


def split_logging(log_file: Path) -> None:
    """The children's own `basicConfig` then does nothing: the root logger has handlers."""
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_console = logging.StreamHandler()
    to_console.setLevel(logging.WARNING)
    logging.basicConfig(level=logging.INFO, format=FORMAT, handlers=[to_file, to_console])


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in PROGRAMS:
        sys.exit(f"usage: python -m starter.logged_child {'|'.join(PROGRAMS)} LOG_FILE")
    split_logging(Path(sys.argv[2]))
    if sys.argv[1] == "worker":
        from worker import main as run
    else:
        from web.server import main as run
    run()


if __name__ == "__main__":
    main()
