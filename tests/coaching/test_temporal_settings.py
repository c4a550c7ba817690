"""The settings that reach a TLS cluster or Temporal Cloud, and serve metrics: each mistake is
refused at start, naming the variable, before any connection is tried."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from coaching.connection import api_key, tls_config
from coaching.settings import Settings, SettingsError
from tests.tls_proxy import SERVER_NAME, Issued, TestCa


@pytest.fixture
def ca(tmp_path: Path) -> TestCa:
    return TestCa(tmp_path, "cluster")


@pytest.fixture
def client(ca: TestCa) -> Issued:
    return ca.issue("worker", server=False)


def test_plain_by_default() -> None:
    settings = Settings.from_env({})

    assert not settings.temporal_uses_tls
    assert tls_config(settings) is False
    assert api_key(settings) is None
    assert settings.metrics_port is None


def test_mutual_tls_reads_every_file(ca: TestCa, client: Issued) -> None:
    settings = Settings.from_env(
        {
            "COACHPLAN_TEMPORAL_TLS_CERT_FILE": str(client.certificate),
            "COACHPLAN_TEMPORAL_TLS_KEY_FILE": str(client.key),
            "COACHPLAN_TEMPORAL_TLS_CA_FILE": str(ca.path),
            "COACHPLAN_TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
            "TEMPORAL_NAMESPACE": "coaching.a1b2c",
        }
    )

    assert tls_config(settings) == TLSConfig(
        server_root_ca_cert=ca.path.read_bytes(),
        domain=SERVER_NAME,
        client_cert=client.certificate.read_bytes(),
        client_private_key=client.key.read_bytes(),
    )
    assert settings.namespace == "coaching.a1b2c"
    assert Settings.from_env(settings.as_env()) == settings


def test_an_api_key_implies_tls_on_the_systems_cas(tmp_path: Path) -> None:
    key_file = tmp_path / "temporal-api-key"
    key_file.write_text("  eyJhbGciOi.key.from-cloud\n")

    settings = Settings.from_env({"COACHPLAN_TEMPORAL_API_KEY_FILE": str(key_file)})

    assert tls_config(settings) is True
    assert api_key(settings) == "eyJhbGciOi.key.from-cloud"


def test_tls_alone_uses_the_systems_cas() -> None:
    assert tls_config(Settings.from_env({"COACHPLAN_TEMPORAL_TLS": "true"})) is True


@pytest.mark.parametrize(
    ("value", "bound"), [("9464", "0.0.0.0:9464"), ("127.0.0.1:9000", "127.0.0.1:9000")]
)
def test_metrics_on_a_port_or_an_address(value: str, bound: str) -> None:
    assert Settings.from_env({"COACHPLAN_METRICS_PORT": value}).metrics_port == bound


def refusal(variables: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(variables)
    return str(refused.value)


def test_a_certificate_needs_its_key(client: Issued) -> None:
    assert refusal({"COACHPLAN_TEMPORAL_TLS_CERT_FILE": str(client.certificate)}) == (
        "COACHPLAN_TEMPORAL_TLS_CERT_FILE and COACHPLAN_TEMPORAL_TLS_KEY_FILE must be set together"
    )
    assert refusal({"COACHPLAN_TEMPORAL_TLS_KEY_FILE": str(client.key)}).startswith(
        "COACHPLAN_TEMPORAL_TLS_CERT_FILE and COACHPLAN_TEMPORAL_TLS_KEY_FILE"
    )


def test_a_key_of_another_certificate_is_refused(ca: TestCa, client: Issued) -> None:
    other = ca.issue("someone-else", server=False)

    assert refusal(
        {
            "COACHPLAN_TEMPORAL_TLS_CERT_FILE": str(client.certificate),
            "COACHPLAN_TEMPORAL_TLS_KEY_FILE": str(other.key),
        }
    ) == (
        f"COACHPLAN_TEMPORAL_TLS_KEY_FILE ({other.key}) is not the key of the certificate in "
        f"COACHPLAN_TEMPORAL_TLS_CERT_FILE ({client.certificate})"
    )


def test_unreadable_or_wrong_files_name_the_variable(tmp_path: Path, client: Issued) -> None:
    missing = tmp_path / "nowhere.pem"
    empty = tmp_path / "empty-key"
    empty.write_text("\n")

    assert refusal({"COACHPLAN_TEMPORAL_TLS_CA_FILE": str(missing)}) == (
        f"COACHPLAN_TEMPORAL_TLS_CA_FILE: cannot read {missing} (No such file or directory)"
    )
    assert refusal({"COACHPLAN_TEMPORAL_TLS_CA_FILE": str(client.key)}) == (
        f"COACHPLAN_TEMPORAL_TLS_CA_FILE: {client.key} holds no PEM certificate "
        "(-----BEGIN CERTIFICATE-----)"
    )
    assert refusal(
        {
            "COACHPLAN_TEMPORAL_TLS_CERT_FILE": str(client.certificate),
            "COACHPLAN_TEMPORAL_TLS_KEY_FILE": str(client.certificate),
        }
    ).startswith(f"COACHPLAN_TEMPORAL_TLS_KEY_FILE: {client.certificate} holds no PEM private key")
    assert refusal({"COACHPLAN_TEMPORAL_API_KEY_FILE": str(empty)}) == (
        f"COACHPLAN_TEMPORAL_API_KEY_FILE: {empty} is empty; it must hold the Temporal Cloud "
        "API key"
    )
    assert refusal({"COACHPLAN_METRICS_PORT": "metrics"}) == (
        "COACHPLAN_METRICS_PORT: 'metrics' is not a port or host:port "
        "(for example 9464 or 127.0.0.1:9464)"
    )
