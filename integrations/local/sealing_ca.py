"""The embedded setup's seal: a local CA and a sealing certificate it issued, made on first use
under `data_dir/keys/`.

Anyone who trusts `sealing-ca.pem` can check a certificate of completion sealed here, with
`coachplan verify --pdf` or pyHanko. It proves nothing outside this machine: production names
the organisation's own key and certificate (COACHPLAN_SEALING_KEY_FILE and friends).
"""

from __future__ import annotations

import fcntl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.local.files import write_atomically
from integrations.sealing import SealingFiles

KEYS_FOLDER = "keys"
CA_VALIDITY = timedelta(days=10 * 365)
SEALING_VALIDITY = timedelta(days=5 * 365)
ORGANISATION = "coachplan embedded setup"
_NO_USAGE = {
    "digital_signature": False,
    "content_commitment": False,
    "key_encipherment": False,
    "data_encipherment": False,
    "key_agreement": False,
    "key_cert_sign": False,
    "crl_sign": False,
    "encipher_only": False,
    "decipher_only": False,
}


class LocalSealingCa:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / KEYS_FOLDER
        self.ca_certificate = self.folder / "sealing-ca.pem"
        self.ca_key = self.folder / "sealing-ca-key.pem"
        self.files = SealingFiles(
            key=self.folder / "sealing-key.pem",
            certificate=self.folder / "sealing-certificate.pem",
        )

    def ensure(self) -> bool:
        """Makes the CA and the sealing certificate unless they exist; True if it made them.
        Processes starting together make them once (a lock file), never a mismatched pair."""
        if self.files.certificate.exists():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.files.certificate.exists():
                return False
            self._make()
        return True

    def created_line(self) -> str:
        return (
            f"made a local CA for sealing certificates of completion: {self.ca_certificate} "
            f"(trust it to verify them); sealing key and certificate in {self.folder}/"
        )

    def _make(self) -> None:
        now = datetime.now(UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("coachplan local sealing CA")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(**{**_NO_USAGE, "key_cert_sign": True, "crl_sign": True}),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        sealing = (
            x509.CertificateBuilder()
            .subject_name(_name("coachplan certificates of completion"))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + SEALING_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    **{**_NO_USAGE, "digital_signature": True, "content_commitment": True}
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        write_atomically(self.ca_key, _pem_key(ca_key))
        write_atomically(self.ca_certificate, ca.public_bytes(serialization.Encoding.PEM))
        write_atomically(self.files.key, _pem_key(key))
        write_atomically(self.files.certificate, sealing.public_bytes(serialization.Encoding.PEM))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
