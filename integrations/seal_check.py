"""Checking a sealed PDF offline with pyHanko: is the seal intact, valid, trusted, a
certification that allows no change, and does it cover every byte of the file; and reading
what the sealed file carries (its attachments and the text of its pages).

Each problem is one sentence that starts with its name: "broken", "not trusted", "modified
after sealing". A file too damaged to read is one of them, not an exception.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from integrations.sealing import SEAL_FIELD


@dataclass
class SealCheck:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    """What the seal says when it holds: who sealed, when, with which timestamp."""


@dataclass
class SealedPdf:
    """The parts of a sealed PDF that a certificate check reads."""

    attachments: dict[str, bytes]
    unreadable: dict[str, str]
    """Attachments whose stream cannot be decoded, and why."""
    page_text: bytes
    """The pages' content streams, decoded: the printed text is in them verbatim."""


def trust_roots(pem: bytes) -> list[object]:
    """The certificates of a PEM or DER file; raises ValueError when it holds none."""
    roots = list(load_certs_from_pemder_data(pem))
    if not roots:
        raise ValueError("no certificate in it")
    return roots


def check_seal(pdf: bytes, roots_pem: bytes) -> SealCheck:
    """Runs pyHanko's validation in an event loop of its own: call it where none runs."""
    return asyncio.run(async_check_seal(pdf, roots_pem))


async def async_check_seal(pdf: bytes, roots_pem: bytes) -> SealCheck:
    check = SealCheck()
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        seals = reader.embedded_signatures
    except Exception as error:  # a damaged file can fail anywhere in the parser
        check.problems.append(f"broken: the file is not a readable PDF any more ({error})")
        return check
    if not seals:
        check.problems.append("missing: the PDF carries no signature")
        return check
    if len(seals) > 1 or seals[0].field_name != SEAL_FIELD:
        names = ", ".join(seal.field_name for seal in seals)
        check.problems.append(f"not a coachplan seal: the PDF's signatures are {names}")
    seal = seals[-1]
    context = ValidationContext(trust_roots=trust_roots(roots_pem), allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(seal, context)
    except SignatureValidationError as error:
        check.problems.append(f"broken: {error.failure_message}")
        return check
    except Exception as error:  # a damaged file can fail anywhere in the parser
        check.problems.append(f"broken: the sealed file cannot be read ({error})")
        return check
    check.problems += _judged(seal, status, pdf)
    if not check.problems:
        check.facts += _described(status)
    return check


def _judged(seal: EmbeddedPdfSignature, status: PdfSignatureStatus, pdf: bytes) -> list[str]:
    problems: list[str] = []
    if not status.intact:
        problems.append("broken: the sealed bytes were changed (their digest no longer matches)")
    elif not status.valid:
        problems.append("broken: the signature does not verify with the sealing certificate")
    elif not _reserved_space_untouched(seal, pdf):
        problems.append("broken: bytes inside the seal's reserved space were changed")
    elif not status.trusted:
        subject = status.signing_cert.subject.human_friendly
        indication = status.trust_problem_indic
        why = f" ({getattr(indication, 'name', indication)})" if indication else ""
        problems.append(
            f"not trusted: the sealing certificate ({subject}) does not chain to the "
            f"trusted root{why}"
        )
    if seal.docmdp_level is not MDPPerm.NO_CHANGES:
        problems.append("not final: the seal is not a certification that allows no change")
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE or not status.docmdp_ok:
        problems.append("modified after sealing: the file has bytes the seal does not cover")
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        problems.append("broken: its timestamp does not verify")
    return problems


def _reserved_space_untouched(seal: EmbeddedPdfSignature, pdf: bytes) -> bool:
    """The bytes the seal leaves out are exactly its signature, in the form pyHanko wrote it
    (upper-case hex, zero padding): pyHanko reads them leniently, so check them here."""
    _, end_of_first, start_of_second, _ = (int(n) for n in seal.byte_range)
    contents = seal.pkcs7_content
    signature = cms.ContentInfo.load(contents).dump()
    return pdf[end_of_first:start_of_second] == b"<" + contents.hex().upper().encode() + b">" and (
        not contents[len(signature) :].strip(b"\0")
    )


def _described(status: PdfSignatureStatus) -> list[str]:
    facts = [f"sealed by {status.signing_cert.subject.human_friendly}"]
    if status.signer_reported_dt is not None:
        facts.append(
            f"sealed at {status.signer_reported_dt:%Y-%m-%d %H:%M:%S %Z} (as the sealer says)"
        )
    timestamp = status.timestamp_validity
    if timestamp is not None:
        trusted = "" if timestamp.trusted else " (its authority is not among the trusted roots)"
        facts.append(f"time-stamped at {timestamp.timestamp:%Y-%m-%d %H:%M:%S %Z}{trusted}")
    return facts


def read_sealed(pdf: bytes) -> SealedPdf:
    """Raises ValueError when the file cannot be read as a PDF."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        names = reader.root.get("/Names")
        tree = names.get("/EmbeddedFiles") if names is not None else None
        specs = [
            (str(name), spec)
            for node in (_name_tree_nodes(tree) if tree is not None else [])
            for name, spec in _pairs(node)
        ]
        streams = _page_streams(reader.root["/Pages"])
    except Exception as error:  # a damaged file can fail anywhere in the parser
        raise ValueError(f"the file is not a readable PDF ({error})") from None
    sealed = SealedPdf({}, {}, b"\n".join(_decoded(stream) for stream in streams))
    for name, spec in specs:
        try:
            sealed.attachments[name] = spec.get_object()["/EF"]["/F"].get_object().data
        except Exception as error:  # a damaged stream fails in its decoder
            sealed.unreadable[name] = str(error)
    return sealed


def _pairs(node: generic.DictionaryObject) -> list[tuple[object, Any]]:
    names = list(node.get("/Names", generic.ArrayObject()))
    return list(zip(names[::2], names[1::2], strict=True))


def _decoded(stream: Any) -> bytes:
    """A damaged page shows no text: the seal's check names the damage."""
    try:
        return bytes(stream.get_object().data)
    except Exception:  # a damaged stream fails in its decoder
        return b""


def _name_tree_nodes(node: generic.DictionaryObject) -> list[generic.DictionaryObject]:
    kids = [kid.get_object() for kid in node.get("/Kids", generic.ArrayObject())]
    return [node, *(deeper for kid in kids for deeper in _name_tree_nodes(kid))]


def _page_streams(node: generic.DictionaryObject) -> list[Any]:
    if node.get("/Type") == "/Pages":
        return [s for kid in node["/Kids"] for s in _page_streams(kid.get_object())]
    contents = node.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    return list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
