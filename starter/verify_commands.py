"""`coachplan verify --pdf FILE --trust ROOT.pem`: a certificate of completion checked on its
own, offline: the seal, the attachments against the hashes it prints, the signed content, the
signatures and consents against the audit chain, and the chain inside it.

pyHanko is imported when a check runs: every other command starts without it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from coaching.certificate_check import check_carried
from coaching.verification import Checked, Finding, Verdict, VerificationReport
from starter.command_line import fail

PdfOption = Annotated[
    Path | None,
    typer.Option(
        "--pdf",
        help="Check a certificate of completion (a sealed PDF) instead of HR's records.",
        show_default=False,
    ),
]
TrustOption = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        help="With --pdf: the root CA certificate (PEM) the seal must chain to: the "
        "organisation's, or keys/sealing-ca.pem in the data folder (var/ by default) in "
        "the embedded setup.",
        show_default=False,
    ),
]


def verify_certificate_file(pdf: Path, trust: Path | None) -> VerificationReport:
    """For the command line: files that cannot be read stop it, naming the option."""
    if trust is None:
        fail(
            "--trust is missing: the root CA certificate (PEM) the certificate's seal must chain to"
        )
    for library in ("pyhanko", "pyhanko_certvalidator"):
        # The report names each problem; pyHanko's own log of it would only be a traceback.
        logging.getLogger(library).addHandler(logging.NullHandler())
    return verify_pdf(_read(pdf, "--pdf"), _roots(trust), str(pdf))


def verify_pdf(pdf: bytes, roots_pem: bytes, file: str) -> VerificationReport:
    """`async_verify_pdf` where no event loop runs."""
    return asyncio.run(async_verify_pdf(pdf, roots_pem, file))


async def async_verify_pdf(pdf: bytes, roots_pem: bytes, file: str) -> VerificationReport:
    """Every check, each problem named; the seal first, since without it nothing else holds."""
    from integrations.seal_check import async_check_seal, read_sealed

    seal = await async_check_seal(pdf, roots_pem)
    findings = [
        Finding(checked=Checked.seal, name="", verdict=Verdict.bad, says=problem)
        for problem in seal.problems
    ] or [
        Finding(
            checked=Checked.seal,
            name="",
            verdict=Verdict.ok,
            says="intact and trusted, a certification allowing no change, covering every byte; "
            + "; ".join(seal.facts),
        )
    ]
    try:
        sealed = read_sealed(pdf)
    except ValueError as error:
        unread = Finding(checked=Checked.attachment, name="", verdict=Verdict.bad, says=str(error))
        return VerificationReport(
            plan_id="", findings=[*findings, unread], source=f"certificate {file}"
        )
    carried = check_carried(sealed.attachments, sealed.page_text, sealed.unreadable)
    return VerificationReport(
        plan_id=carried.plan_id or "",
        findings=findings + carried.findings,
        source=f"certificate {file}",
    )


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        fail(f"{option}: {path} does not exist")
    except OSError as error:
        fail(f"{option}: {path} cannot be read: {error.strerror}")


def _roots(path: Path) -> bytes:
    from integrations.seal_check import trust_roots

    data = _read(path, "--trust")
    try:
        trust_roots(data)
    except ValueError as error:
        fail(f"--trust: {path} is not a certificate file (PEM or DER): {error}")
    return data
