"""The seal: made with the local CA or the organisation's files, checked offline, by our own
check and by the standalone `pyhanko` command, and broken by any change of a byte."""

from __future__ import annotations

import http.server
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import tsp
from asn1crypto.keys import PrivateKeyInfo
from asn1crypto.x509 import Certificate
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

from activities.certificate_pdf import render_certificate
from coaching.certificate import CertificateKind
from integrations.local.sealing_ca import LocalSealingCa
from integrations.seal_check import check_seal
from integrations.sealing import Sealer, SealingFiles, SealingSetupError
from tests.certificate_examples import Clock, closed_plan, content_of

PYHANKO = str(Path(sys.executable).parent / "pyhanko")


@pytest.fixture(scope="module")
def local_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalSealingCa:
    ca = LocalSealingCa(tmp_path_factory.mktemp("data"))
    assert ca.ensure()
    return ca


@pytest.fixture(scope="module")
def unsealed() -> bytes:
    return render_certificate(content_of(closed_plan(Clock()), CertificateKind.closed))


@pytest.fixture(scope="module")
def sealed(local_ca: LocalSealingCa, unsealed: bytes) -> bytes:
    return Sealer.load(local_ca.files).seal(unsealed)


def test_the_local_ca_is_made_once_and_its_keys_are_private(local_ca: LocalSealingCa) -> None:
    assert not local_ca.ensure()
    for key in (local_ca.ca_key, local_ca.files.key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    sealing = x509.load_pem_x509_certificate(local_ca.files.certificate.read_bytes())
    usage = sealing.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment
    assert usage.digital_signature
    assert str(local_ca.ca_certificate) in local_ca.created_line()


def test_a_clean_certificate_passes_and_says_who_sealed_it(
    local_ca: LocalSealingCa, sealed: bytes, unsealed: bytes
) -> None:
    assert sealed.startswith(unsealed), "the seal is an incremental update of the pages"
    check = check_seal(sealed, local_ca.ca_certificate.read_bytes())
    assert check.problems == []
    assert "sealed by" in check.facts[0]
    assert "coachplan certificates of completion" in check.facts[0]


def test_the_standalone_pyhanko_command_reports_a_valid_intact_seal(
    local_ca: LocalSealingCa, sealed: bytes, tmp_path: Path
) -> None:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(sealed)
    ran = subprocess.run(
        [
            PYHANKO,
            "sign",
            "validate",
            "--trust-replace",
            "--trust",
            str(local_ca.ca_certificate),
            str(pdf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ":INTACT:TRUSTED,UNTOUCHED" in ran.stdout
    pretty = subprocess.run(
        [
            PYHANKO,
            "sign",
            "validate",
            "--pretty-print",
            "--trust-replace",
            "--trust",
            str(local_ca.ca_certificate),
            str(pdf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "The signature is judged VALID." in pretty.stdout
    assert "The signature covers the entire file." in pretty.stdout


def _flipped(pdf: bytes, at: int) -> bytes:
    changed = bytearray(pdf)
    changed[at] ^= 0x01
    return bytes(changed)


def _places(sealed: bytes) -> dict[str, int]:
    """One byte of each kind of place in the file: pages, attachments, structure, the seal."""
    contents = sealed.index(b"/Contents <") + len(b"/Contents <")
    end = sealed.index(b">", contents)
    return {
        "a page's text": sealed.index(b"stream\n") + 20,
        "an attachment's stream": sealed.index(b"stream\n", sealed.index(b"/EmbeddedFile")) + 20,
        "the cross-reference table": sealed.index(b"xref") + 10,
        "the seal's signature": contents + 400,
        "the seal's zero padding": end - 10,
        "the last byte": len(sealed) - 2,
    }


@pytest.mark.parametrize(
    "place",
    [
        "a page's text",
        "an attachment's stream",
        "the cross-reference table",
        "the seal's signature",
        "the seal's zero padding",
        "the last byte",
    ],
)
def test_one_byte_changed_anywhere_is_named(
    local_ca: LocalSealingCa, sealed: bytes, place: str
) -> None:
    tampered = _flipped(sealed, _places(sealed)[place])
    check = check_seal(tampered, local_ca.ca_certificate.read_bytes())
    assert check.problems, f"a byte changed in {place} went unnoticed"
    assert any(p.startswith(("broken", "modified after sealing")) for p in check.problems), (
        check.problems
    )


def test_a_wrong_trust_root_is_reported_untrusted(
    sealed: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = LocalSealingCa(tmp_path_factory.mktemp("other"))
    other.ensure()
    check = check_seal(sealed, other.ca_certificate.read_bytes())
    assert len(check.problems) == 1
    assert check.problems[0].startswith("not trusted: the sealing certificate")


def test_bytes_added_after_sealing_are_reported(local_ca: LocalSealingCa, sealed: bytes) -> None:
    check = check_seal(sealed + b"\n% a later note\n", local_ca.ca_certificate.read_bytes())
    assert any(p.startswith("modified after sealing") for p in check.problems), check.problems


def test_an_unsealed_pdf_is_not_sealed(local_ca: LocalSealingCa, unsealed: bytes) -> None:
    check = check_seal(unsealed, local_ca.ca_certificate.read_bytes())
    assert check.problems == ["missing: the PDF carries no signature"]


def test_a_missing_or_mismatched_key_stops_at_load(
    local_ca: LocalSealingCa, tmp_path: Path
) -> None:
    missing = SealingFiles(key=tmp_path / "nope.pem", certificate=local_ca.files.certificate)
    with pytest.raises(
        SealingSetupError, match=r"COACHPLAN_SEALING_KEY_FILE: .*nope.pem does not exist"
    ):
        Sealer.load(missing)
    mismatched = SealingFiles(key=local_ca.ca_key, certificate=local_ca.files.certificate)
    with pytest.raises(SealingSetupError, match="is not the certificate of the key"):
        Sealer.load(mismatched)


def test_a_certificate_without_non_repudiation_is_refused(
    local_ca: LocalSealingCa, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_key = serialization.load_pem_private_key(local_ca.ca_key.read_bytes(), password=None)
    ca = x509.load_pem_x509_certificate(local_ca.ca_certificate.read_bytes())
    sealing = x509.load_pem_x509_certificate(local_ca.files.certificate.read_bytes())
    only_signing = (
        x509.CertificateBuilder()
        .subject_name(sealing.subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(sealing.not_valid_before_utc)
        .not_valid_after(sealing.not_valid_after_utc)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "cert.pem").write_bytes(only_signing.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SealingSetupError, match="lacks the non-repudiation"):
        Sealer.load(SealingFiles(key=tmp_path / "key.pem", certificate=tmp_path / "cert.pem"))


@pytest.fixture
def time_stamping_server(local_ca: LocalSealingCa) -> Iterator[str]:
    """An RFC 3161 server on loopback: pyHanko's test time-stamper, with a time-stamping
    certificate the local CA issued, so its tokens are trusted like the seal."""
    ca = x509.load_pem_x509_certificate(local_ca.ca_certificate.read_bytes())
    ca_key = serialization.load_pem_private_key(local_ca.ca_key.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test TSA")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    stamper = DummyTimeStamper(
        tsa_cert=Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            answer = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_configured_time_stamping_server_stamps_the_seal(
    local_ca: LocalSealingCa, unsealed: bytes, time_stamping_server: str
) -> None:
    sealed = Sealer.load(local_ca.files, timestamp_url=time_stamping_server).seal(unsealed)
    check = check_seal(sealed, local_ca.ca_certificate.read_bytes())
    assert check.problems == []
    assert any(fact.startswith("time-stamped at") for fact in check.facts), check.facts
