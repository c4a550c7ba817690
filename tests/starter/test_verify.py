"""`coachplan verify --pdf FILE --trust ROOT.pem`, run as a person runs it: exit 0 when the
certificate holds, 1 naming each problem, 2 for a file that cannot be read or a question
that mixes a plan id and a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.certificate_pdf import render_certificate
from coaching.certificate import CertificateKind
from integrations.local.sealing_ca import LocalSealingCa
from integrations.sealing import Sealer
from tests.certificate_examples import Clock, closed_plan, content_of
from tests.starter.cli_runner import coachplan, hermetic_env


@pytest.fixture(scope="module")
def local_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalSealingCa:
    ca = LocalSealingCa(tmp_path_factory.mktemp("data"))
    ca.ensure()
    return ca


@pytest.fixture(scope="module")
def certificate(local_ca: LocalSealingCa) -> Path:
    content = content_of(closed_plan(Clock()), CertificateKind.closed)
    path = local_ca.folder.parent / "certificate-v1-closed.pdf"
    path.write_bytes(Sealer.load(local_ca.files).seal(render_certificate(content)))
    return path


async def verify(pdf: Path, trust: Path, *more: str) -> tuple[int, str, str]:
    ran = await coachplan(
        "verify", "--pdf", str(pdf), "--trust", str(trust), *more, env=hermetic_env()
    )
    return ran.code, ran.out, ran.err


async def test_a_clean_certificate_holds(certificate: Path, local_ca: LocalSealingCa) -> None:
    code, out, _ = await verify(certificate, local_ca.ca_certificate)
    assert code == 0, out
    assert f"Plan cert0123abcd: certificate {certificate}, checked offline" in out
    assert "OK seal: intact and trusted" in out
    assert "sealed by Common Name: coachplan certificates of completion" in out
    assert "OK attachment plan.json: its SHA-256" in out
    assert out.rstrip().endswith("Everything holds.")
    code, out, _ = await verify(certificate, local_ca.ca_certificate, "--json")
    report = json.loads(out)
    assert report["holds"] is True
    assert report["plan_id"] == "cert0123abcd"
    assert {f["verdict"] for f in report["findings"]} == {"ok"}


async def test_one_changed_byte_is_reported_as_a_broken_seal(
    certificate: Path, local_ca: LocalSealingCa, tmp_path: Path
) -> None:
    data = bytearray(certificate.read_bytes())
    data[data.index(b"stream\n") + 40] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(data)
    code, out, _ = await verify(tampered, local_ca.ca_certificate)
    assert code == 1
    assert "PROBLEM seal: broken: the sealed bytes were changed" in out


async def test_a_damaged_attachment_is_named_beside_the_broken_seal(
    certificate: Path, local_ca: LocalSealingCa, tmp_path: Path
) -> None:
    data = bytearray(certificate.read_bytes())
    embedded = data.index(b"stream\n", data.index(b"/Type /EmbeddedFile")) + len(b"stream\n")
    data[embedded + 20] ^= 0xFF
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(data)
    code, out, _ = await verify(tampered, local_ca.ca_certificate)
    assert code == 1
    assert "PROBLEM seal: broken" in out
    assert "PROBLEM attachment plan.json: " in out


async def test_a_wrong_trust_root_is_reported_as_untrusted(
    certificate: Path, tmp_path: Path
) -> None:
    other = LocalSealingCa(tmp_path)
    other.ensure()
    code, out, _ = await verify(certificate, other.ca_certificate)
    assert code == 1
    assert "PROBLEM seal: not trusted: the sealing certificate" in out
    assert "1 problem:" in out


async def test_files_that_cannot_be_read_are_named(
    certificate: Path, local_ca: LocalSealingCa, tmp_path: Path
) -> None:
    code, _, err = await verify(tmp_path / "missing.pdf", local_ca.ca_certificate)
    assert code == 2
    assert "--pdf: " in err
    assert "missing.pdf does not exist" in err
    code, _, err = await verify(certificate, certificate)
    assert code == 2
    assert "--trust: " in err
    assert "is not a certificate file" in err
    both = await coachplan("verify", "abcdef123456", "--pdf", str(certificate), env=hermetic_env())
    assert both.code == 2
    assert "give a plan id or --pdf, not both" in both.err
    untrusted = await coachplan("verify", "--pdf", str(certificate), env=hermetic_env())
    assert untrusted.code == 2
    assert "--trust is missing" in untrusted.err
