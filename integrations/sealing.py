"""The organisation's seal on certificates of completion: a PAdES certification signature by
pyHanko that allows no change afterwards, with a trusted time where a time-stamping server is
configured.

The key and certificate are read once, when the worker starts: a missing file, a key that is
not the certificate's, or a certificate without the non-repudiation key usage is said there,
in one line, instead of failing every certificate later.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from coaching.settings import ENV_VARS

SEAL_FIELD = "CoachplanSeal"


class SealingSetupError(ValueError):
    """The seal cannot be used at all: said once, at start-up."""


@dataclass(frozen=True)
class SealingFiles:
    key: Path
    certificate: Path
    chain: Path | None = None
    """Intermediate CA certificates; never the root, which verifiers bring themselves."""


class Sealer:
    """Seals PDFs with one key; safe to share between threads (each seal is independent)."""

    def __init__(self, signer: signers.Signer, timestamper: TimeStamper | None = None) -> None:
        self._signer = signer
        self._timestamper = timestamper

    @classmethod
    def load(cls, files: SealingFiles, timestamp_url: str | None = None) -> Sealer:
        """Raises `SealingSetupError` naming the file and what is wrong with it."""
        key = _private_key(files.key)
        certificate = _certificate(files.certificate)
        _check_pair(files, key, certificate)
        chain = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        chain.register_multiple(_chain(files.chain) if files.chain else [])
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER)),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            ),
            cert_registry=chain,
        )
        return cls(signer, HTTPTimeStamper(timestamp_url) if timestamp_url else None)

    def seal(self, pdf: bytes) -> bytes:
        """Certifies `pdf` as it is. pyHanko runs its own event loop: call it from a thread
        without one (a sync activity on the worker's thread pool)."""
        metadata = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            md_algorithm="sha256",
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Certificate of completion of a coaching plan",
        )
        output = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            metadata,
            signer=self._signer,
            timestamper=self._timestamper,
        )
        return bytes(output.getvalue())


def _read(path: Path, what: str, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SealingSetupError(f"{variable}: {path} does not exist ({what})") from None
    except OSError as error:
        raise SealingSetupError(f"{variable}: {path} cannot be read: {error.strerror}") from None


def _chain(path: Path) -> list[asn1_x509.Certificate]:
    variable = ENV_VARS["sealing_chain_file"]
    data = _read(path, "the sealing certificate's intermediate CAs", variable)
    try:
        return [
            asn1_x509.Certificate.load(c.public_bytes(Encoding.DER))
            for c in x509.load_pem_x509_certificates(data)
        ]
    except ValueError as error:
        raise SealingSetupError(f"{variable}: {path} is not PEM certificates ({error})") from None


def _private_key(path: Path) -> PrivateKeyTypes:
    variable = ENV_VARS["sealing_key_file"]
    data = _read(path, "the organisation's sealing key", variable)
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SealingSetupError(
            f"{variable}: {path} is not an unencrypted PEM private key ({error})"
        ) from None


def _certificate(path: Path) -> x509.Certificate:
    variable = ENV_VARS["sealing_certificate_file"]
    data = _read(path, "the sealing key's certificate", variable)
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as error:
        raise SealingSetupError(f"{variable}: {path} is not a PEM certificate ({error})") from None


def _check_pair(files: SealingFiles, key: PrivateKeyTypes, certificate: x509.Certificate) -> None:
    variable = ENV_VARS["sealing_certificate_file"]
    where = f"{variable}: {files.certificate}"
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise SealingSetupError(f"{where} is not the certificate of the key in {files.key}")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.content_commitment:
        raise SealingSetupError(
            f"{where} lacks the non-repudiation (content commitment) key usage a seal needs"
        )
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SealingSetupError(
            f"{where} is valid only from {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}"
        )
