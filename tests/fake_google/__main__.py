"""Runs the fake Google Workspace in the foreground, for trying coachplan's Google mode by hand.

    python -m tests.fake_google --port 8085 --org examples/org.yaml

It seeds the directory from the org file (HR people in the HR group, managers as relations),
writes a service account key the fake accepts, and prints the variables that point coachplan
at it. Faults are injected with --fail at start, or while it runs:

    curl -X POST localhost:8085/_fake/faults \\
         -H 'content-type: application/json' \\
         -d '{"service": "gmail", "status": 429, "reason": "rateLimitExceeded", "count": 2}'
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from coaching.org import OrgDirectory
from tests.fake_google.directory import HR_GROUP
from tests.fake_google.server import SERVICE_PREFIXES, FakeGoogle, Fault, running_fake_google

SERVICES = sorted(set(SERVICE_PREFIXES.values()))


def _fault(text: str) -> Fault:
    """`service:status:reason[:count]`, as in drive:403:insufficientPermissions:2."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or parts[0] not in SERVICES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not service:status:reason[:count] with a service of {', '.join(SERVICES)}"
        )
    try:
        status, count = int(parts[1]), int(parts[3]) if len(parts) == 4 else 1
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: status and count are numbers") from None
    return Fault(parts[0], status, parts[2], count)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_google",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"Services: {', '.join(SERVICES)}.",
    )
    parser.add_argument("--port", type=int, default=8085, help="where it listens (8085)")
    parser.add_argument("--host", default="127.0.0.1", help="the address it listens on")
    parser.add_argument(
        "--org",
        type=Path,
        default=Path("examples/org.yaml"),
        help="the org directory YAML the fake directory is seeded from (examples/org.yaml)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("var/fake-google"),
        help="where the service account key is written (var/fake-google)",
    )
    parser.add_argument(
        "--fail",
        type=_fault,
        action="append",
        default=[],
        metavar="SERVICE:STATUS:REASON[:COUNT]",
        help="fail the next COUNT (1) calls to SERVICE, e.g. drive:403:insufficientPermissions",
    )
    return parser.parse_args(argv)


def _instructions(org: OrgDirectory, key_file: Path, url: str) -> str:
    hr = org.hr_people[0].email
    settings = {
        "COACHPLAN_INTEGRATIONS": "google",
        "COACHPLAN_DIRECTORY": "google",
        "COACHPLAN_GOOGLE_KEY_FILE": str(key_file.resolve()),
        "COACHPLAN_GOOGLE_API_ENDPOINT": url,
        "COACHPLAN_GOOGLE_MAILBOX": hr,
        "COACHPLAN_GOOGLE_ADMIN": hr,
        "COACHPLAN_GOOGLE_HR_GROUP": HR_GROUP,
    }
    fault = '{"service": "gmail", "status": 429, "reason": "rateLimitExceeded", "count": 1}'
    return "\n".join(
        [
            f"# The fake Google Workspace answers at {url}, with the directory of {org.company}.",
            "# Point coachplan at it, in the shell that runs coachplan:",
            *(f"export {name}={shlex.quote(value)}" for name, value in settings.items()),
            "# Make the next calls to a service fail:",
            f"#   curl -X POST {url}/_fake/faults -H 'content-type: application/json' \\",
            f"#        -d '{fault}'",
            "# Ctrl-C stops it.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    arguments = _arguments(argv)
    org = OrgDirectory.load(arguments.org)
    fake = FakeGoogle()
    fake.directory.seed_from_org(org)
    fake.faults.extend(arguments.fail)
    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with running_fake_google(fake, port=arguments.port, host=arguments.host) as (_, url):
            key_file = fake.key_file(arguments.data_dir / "service-account.json", url)
            print(_instructions(org, key_file, url), flush=True)
            _wait_for_interrupt()
    except OSError as error:
        sys.exit(f"error: cannot listen on {arguments.host}:{arguments.port}: {error}")


def _wait_for_interrupt() -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("# stopped", file=sys.stderr)


if __name__ == "__main__":
    main()
