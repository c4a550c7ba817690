"""`coachplan demo`: a whole plan on the time-skipping server, run as a person would run it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

import pytest
from icalendar import Calendar

from coaching.key_ring import KeyRing
from tests.starter.cli_runner import Ran, coachplan, hermetic_env

PARTIES = {
    "priya.raman@example.com",
    "kwame.mensah@example.com",
    "marcus.okafor@example.com",
    "grace.liu@example.com",
    "omar.farouk@example.com",
}
"""The example plan's manager, team member and skip-level, and the example org's HR."""
DEMO_SECONDS = 15.0
PYHANKO = str(Path(sys.executable).parent / "pyhanko")


def demo_env(folder: Path) -> dict[str, str]:
    """TEMPORAL_ADDRESS points at a closed port, as the demo needs no server."""
    return hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1", COACHPLAN_DATA_DIR=str(folder))


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ran, float, Path]:
    """Runs once, with HR's records in the same folder."""
    folder = tmp_path_factory.mktemp("demo")
    began = time.monotonic()
    ran = await coachplan("demo", "--data-dir", str(folder), env=demo_env(folder))
    return ran, time.monotonic() - began, folder


async def test_the_demo_closes_a_whole_plan_in_seconds(demo: tuple[Ran, float, Path]) -> None:
    ran, seconds, _ = demo

    assert ran.code == 0, ran
    assert seconds < DEMO_SECONDS, f"the demo took {seconds:.1f} s"
    matched = re.search(r"Plan ([0-9a-f]{12}) closed as achieved\. What it made:", ran.out)
    assert matched is not None, ran
    assert "signs version" in ran.out
    assert "records check-in 1" in ran.out


async def test_the_demo_makes_the_key_ring_on_first_use(demo: tuple[Ran, float, Path]) -> None:
    ran, _, folder = demo
    keys = folder / "keys" / "payload-keys.json"

    assert ran.code == 0, ran
    assert f"created the payload key ring {keys} (key " in " ".join(ran.out.split())
    assert KeyRing.load(keys).active


async def test_the_demo_tells_the_story_in_the_team_members_zone(
    demo: tuple[Ran, float, Path],
) -> None:
    """Kwame's entry names no zone: he works in the company's, Europe/Berlin."""
    ran, _, _ = demo
    assert ran.code == 0, ran

    assert "Times are Kwame Mensah's, in Europe/Berlin." in ran.out
    steps = [
        line for line in ran.out.splitlines() if re.match(r"\w{3} \d{2} \w{3} \d{2}:\d{2} ", line)
    ]
    assert len(steps) > 20
    for step in steps:
        assert step.split()[4] in ("CET", "CEST"), step
    assert "Times are in Europe/Berlin." in ran.out, "the final status too"
    assert " UTC" not in ran.out


async def test_the_demo_shows_which_support_was_delivered_at_each_check_in(
    demo: tuple[Ran, float, Path],
) -> None:
    ran, _, _ = demo
    assert ran.code == 0, ran

    assert "Priya Raman promises support s1: A weekly 30-minute design office hour" in ran.out
    assert "records check-in 1; support s1, s2, s3 delivered\n" in ran.out
    assert (
        "records check-in 2; support s1 delivered, s2, s3 not delivered (travelling that week)\n"
        in ran.out
    )


async def test_the_demo_makes_documents_one_invite_and_mail_for_the_parties(
    demo: tuple[Ran, float, Path],
) -> None:
    ran, _, folder = demo
    assert ran.code == 0, ran

    (plan_folder,) = (folder / "documents").iterdir()
    assert f"Plan {plan_folder.name} closed as achieved" in ran.out
    assert len(list(plan_folder.glob("v*.html"))) >= 2
    (invite,) = (folder / "invites").glob("*.ics")
    mails = sorted((folder / "outbox").glob("*.eml"))
    assert len(mails) >= 3

    calendar = Calendar.from_ical(invite.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]

    for mail in mails:
        message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
        to = {address.lower() for _, address in getaddresses(message.get_all("To", []))}
        assert to, f"{mail.name} has no To"
        assert to <= PARTIES, f"{mail.name} goes to {to - PARTIES}"


async def test_after_the_demo_hr_sees_the_plan_closed_with_its_outcome(
    demo: tuple[Ran, float, Path],
) -> None:
    ran, _, folder = demo
    assert ran.code == 0, ran
    (plan_folder,) = (folder / "documents").iterdir()

    listed = await coachplan("hr", "list", "--as", "grace.liu@example.com", env=demo_env(folder))
    as_json = await coachplan(
        "hr", "list", "--as", "grace.liu@example.com", "--json", env=demo_env(folder)
    )
    refused = await coachplan(
        "hr", "list", "--as", "kwame.mensah@example.com", env=demo_env(folder)
    )

    assert listed.code == 0, listed
    assert plan_folder.name in listed.out
    (plan,) = as_json.json()["plans"]
    assert (plan["plan_id"], plan["phase"], plan["outcome"]) == (
        plan_folder.name,
        "closed",
        "achieved",
    )
    assert refused.code == 2, refused
    assert "may not see HR's records" in refused.err


async def test_the_demos_certificates_verify_with_coachplan_and_with_pyhanko(
    demo: tuple[Ran, float, Path],
) -> None:
    """The local CA is made on first use and said; a third party checks a certificate with the
    standalone pyhanko command against that root, and `coachplan verify --pdf` checks it all."""
    ran, _, folder = demo
    assert ran.code == 0, ran
    root = folder / "keys" / "sealing-ca.pem"
    assert f"made a local CA for sealing certificates of completion: {root}" in ran.out
    (plan_folder,) = (folder / "documents").iterdir()
    signed, closed = sorted(plan_folder.glob("certificate-*.pdf"), key=lambda p: "closed" in p.name)
    assert signed.name.endswith("-signed.pdf")
    assert closed.name.endswith("-closed.pdf")
    assert f"Check one: coachplan verify --pdf {closed} --trust {root}" in ran.out

    for certificate in (signed, closed):
        verified = await coachplan(
            "verify", "--pdf", str(certificate), "--trust", str(root), env=demo_env(folder)
        )
        assert verified.code == 0, verified
        assert verified.out.rstrip().endswith("Everything holds.")
        pyhanko = subprocess.run(
            [
                PYHANKO,
                "sign",
                "validate",
                "--trust-replace",
                "--trust",
                str(root),
                str(certificate),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert pyhanko.returncode == 0, pyhanko.stderr
        assert ":INTACT:TRUSTED,UNTOUCHED" in pyhanko.stdout
