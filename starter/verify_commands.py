"""`coachplan verify --pdf FILE --trust ROOT.pem`: checks a certificate of completion on its
own, offline: the seal, the attachments against the hashes it prints, the audit chain inside.

pyHanko is imported when a check runs: every other command starts without it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from coaching.certificate_check import CertificateReport, check_attachments
from starter.command_line import Json, console, fail

PdfOption = Annotated[
    Path,
    typer.Option("--pdf", help="A certificate of completion (a sealed PDF).", show_default=False),
]
TrustOption = Annotated[
    Path,
    typer.Option(
        "--trust",
        help="The root CA certificate (PEM) the seal must chain to: the organisation's, or "
        "<data dir>/keys/sealing-ca.pem in the embedded setup (var/keys/ by default).",
        show_default=False,
    ),
]


def verify_pdf(pdf: bytes, roots_pem: bytes, file: str) -> CertificateReport:
    """`async_verify_pdf` where no event loop runs."""
    return asyncio.run(async_verify_pdf(pdf, roots_pem, file))


async def async_verify_pdf(pdf: bytes, roots_pem: bytes, file: str) -> CertificateReport:
    """Every check, each problem named; the seal first, since without it nothing else holds."""
    from integrations.seal_check import async_check_seal, read_sealed

    seal = await async_check_seal(pdf, roots_pem)
    problems = list(seal.problems)
    try:
        sealed = read_sealed(pdf)
    except ValueError as error:
        return CertificateReport(file=file, problems=[*problems, str(error)], facts=seal.facts)
    carried = check_attachments(sealed.attachments, sealed.page_text)
    return CertificateReport(
        file=file,
        problems=problems + carried.problems,
        facts=seal.facts,
        plan_id=carried.plan_id,
        audit_rows=carried.audit_rows,
        audit_head=carried.audit_head,
    )


def verify(pdf: PdfOption, trust: TrustOption, json_: Json = False) -> None:
    """Check a certificate of completion on its own: the PAdES seal (intact, trusted, nothing
    changed after sealing), plan.json and audit.json against the hashes it prints, and the
    audit chain inside it. Exit 0 when all holds, 1 when something does not.

    Example: `coachplan verify --pdf certificate-v2-signed.pdf --trust var/keys/sealing-ca.pem`
    """
    for library in ("pyhanko", "pyhanko_certvalidator"):
        # The report names each problem; pyHanko's own log of it would only be a traceback.
        logging.getLogger(library).addHandler(logging.NullHandler())
    report = verify_pdf(_read(pdf, "--pdf"), _roots(trust), str(pdf))
    if json_:
        print(report.model_dump_json(indent=2))
    else:
        show_report(report)
    raise typer.Exit(0 if report.ok else 1)


def show_report(report: CertificateReport) -> None:
    for fact in report.facts:
        console.print(f"  {escape(fact)}", highlight=False)
    if report.plan_id is not None:
        console.print(
            f"  plan {report.plan_id}: {report.audit_rows} audit rows, head "
            f"{report.audit_head or 'none'}",
            highlight=False,
        )
    for problem in report.problems:
        console.print(f"[red]✗[/] {escape(problem)}", highlight=False)
    if report.ok:
        console.print(f"[green]✓[/] {escape(report.file)}: the certificate holds", highlight=False)
    else:
        count = len(report.problems)
        console.print(
            f"{escape(report.file)}: {count} problem{'s' if count > 1 else ''}", highlight=False
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
