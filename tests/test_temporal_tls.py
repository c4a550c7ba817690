"""Reaching Temporal over TLS, as a production cluster or Temporal Cloud asks, end to end.

The dev server has no TLS of its own, so a real TLS endpoint stands in front of it
(`tests/tls_proxy.py`): a certificate from a test CA, client certificates of that CA required.
The worker runs here on a client made by `coaching.connection.connect` from the TLS
settings; `coachplan` runs as a person runs it, in a process of its own with the variables.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from coaching.connection import TemporalConnectError, connect
from coaching.settings import Settings
from integrations import build_integrations
from store.schema import upgrade_database
from tests.payload_keys import write_test_keys
from tests.starter.cli_runner import GRACE, STARTED, coachplan, hermetic_env, worker_start
from tests.tls_proxy import SERVER_NAME, Issued, TestCa, TlsProxy
from worker import build_worker


@dataclass(frozen=True)
class Cluster:
    """A TLS Temporal: its CA, a client certificate it trusts, and the variables of a
    process that reaches it."""

    proxy: TlsProxy
    ca: TestCa
    client: Issued
    data_dir: Path
    task_queue: str

    def env(self, **variables: str) -> dict[str, str]:
        return hermetic_env(
            **{
                "TEMPORAL_ADDRESS": self.proxy.address,
                "COACHPLAN_TASK_QUEUE": self.task_queue,
                "COACHPLAN_DATA_DIR": str(self.data_dir),
                "COACHPLAN_TEMPORAL_TLS_CA_FILE": str(self.ca.path),
                "COACHPLAN_TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
                **variables,
            }
        )

    def mutual_env(self, **variables: str) -> dict[str, str]:
        return self.env(
            **{
                "COACHPLAN_TEMPORAL_TLS_CERT_FILE": str(self.client.certificate),
                "COACHPLAN_TEMPORAL_TLS_KEY_FILE": str(self.client.key),
                **variables,
            }
        )


def backend(env: WorkflowEnvironment) -> tuple[str, int]:
    host, port = env.client.service_client.config.target_host.rsplit(":", 1)
    return host, int(port)


@pytest.fixture(scope="module")
def cluster(
    dev_server_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("tls")
    ca = TestCa(folder, "cluster")
    data_dir = folder / "data"
    settings = Settings(data_dir=data_dir)
    upgrade_database(settings.database)
    write_test_keys(settings)
    with TlsProxy(backend(dev_server_env), ca.issue(SERVER_NAME, server=True), ca.path) as proxy:
        yield Cluster(
            proxy, ca, ca.issue("worker", server=False), data_dir, f"tls-{uuid.uuid4().hex[:8]}"
        )


@pytest.fixture(scope="module")
async def tls_worker(cluster: Cluster) -> AsyncIterator[None]:
    """The worker, on a client that `connect` made over mutual TLS."""
    env = cluster.mutual_env()
    settings = Settings.from_env(env)
    assert settings.temporal_uses_tls
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(
            client, settings.task_queue, build_integrations(settings), executor
        ):
            yield


async def test_with_the_right_client_certificate_a_plan_runs_over_mutual_tls(
    cluster: Cluster, tls_worker: None
) -> None:
    env = cluster.mutual_env()

    started = await coachplan(
        "start", "--form", "examples/plan.yaml", "--as", "priya.raman@example.com", env=env
    )
    assert started.code == 0, started
    matched = STARTED.search(started.out)
    assert matched is not None, started
    # The status comes from the workflow's query: the worker, over TLS, answered it.
    status = await coachplan("status", matched[1], "--as", GRACE, "--json", env=env)
    assert status.json()["phase"] == "alignment"


async def test_without_a_client_certificate_the_cli_says_what_to_set(cluster: Cluster) -> None:
    """Over TLS 1.3 the server refuses a missing certificate only by closing the connection,
    as a load balancer without a live server would: the CLI retries, then names both."""
    ran = await coachplan(
        "status",
        "abcdef123456",
        "--as",
        GRACE,
        env=cluster.env(COACHPLAN_TEMPORAL_WAIT_SECONDS="2"),
    )

    assert ran.code == 1, ran
    assert ran.err.endswith(
        f"error: Temporal at {cluster.proxy.address} closed the connection as soon as it was "
        "made: it may be restarting, or the server may require a client certificate "
        "(COACHPLAN_TEMPORAL_TLS_CERT_FILE and COACHPLAN_TEMPORAL_TLS_KEY_FILE) or not accept "
        "this one (retried for 2 s; COACHPLAN_TEMPORAL_WAIT_SECONDS sets how long)\n"
    ), ran


async def test_a_certificate_of_another_ca_is_refused_alike(cluster: Cluster) -> None:
    stranger = TestCa(cluster.data_dir, "stranger").issue("intruder", server=False)
    ran = await coachplan(
        "status",
        "abcdef123456",
        "--as",
        GRACE,
        env=cluster.env(
            COACHPLAN_TEMPORAL_TLS_CERT_FILE=str(stranger.certificate),
            COACHPLAN_TEMPORAL_TLS_KEY_FILE=str(stranger.key),
        ),
    )

    assert ran.code == 1, ran
    assert "closed the connection as soon as it was made" in ran.err, ran


async def test_a_server_certificate_of_a_ca_not_trusted_is_named(cluster: Cluster) -> None:
    other = TestCa(cluster.data_dir, "other")
    ran = await coachplan(
        "status",
        "abcdef123456",
        "--as",
        GRACE,
        env=cluster.mutual_env(
            COACHPLAN_TEMPORAL_TLS_CA_FILE=str(other.path), COACHPLAN_TEMPORAL_WAIT_SECONDS="30"
        ),
    )

    assert ran.code == 1, ran
    assert "retrying" not in ran.err, "a refusal is not an outage: waiting cannot help"
    assert ran.err == (
        f"error: Temporal at {cluster.proxy.address} presented a certificate this client does "
        "not trust (UnknownIssuer): check COACHPLAN_TEMPORAL_TLS_CA_FILE (the CA that signed "
        "the server's certificate) and COACHPLAN_TEMPORAL_TLS_SERVER_NAME (the name in it)\n"
    ), ran


async def test_the_worker_without_a_client_certificate_stops_with_one_line(
    cluster: Cluster,
) -> None:
    ran = await worker_start(cluster.env())

    assert ran.code == 1, ran
    assert "Traceback" not in ran.err, ran
    assert (
        f"cannot run the worker: Temporal at {cluster.proxy.address} closed the connection as "
        "soon as it was made: it may be restarting, or the server may require a client "
        "certificate"
    ) in ran.err, ran


async def test_an_api_key_is_sent_as_a_bearer_token_over_tls(
    cluster: Cluster, dev_server_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Temporal Cloud's API-key namespaces: TLS with the server verified, no client
    certificate, and the key in every call's `authorization` header."""
    key_file = tmp_path / "temporal-api-key"
    key_file.write_text("cloud-api-key-for-tests\n")
    server = cluster.ca.issue(SERVER_NAME, server=True)
    with TlsProxy(backend(dev_server_env), server, client_ca=None) as cloud:
        settings = Settings.from_env(
            {
                "TEMPORAL_ADDRESS": cloud.address,
                "COACHPLAN_DATA_DIR": str(cluster.data_dir),
                "COACHPLAN_TEMPORAL_TLS_CA_FILE": str(cluster.ca.path),
                "COACHPLAN_TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
                "COACHPLAN_TEMPORAL_API_KEY_FILE": str(key_file),
            }
        )
        client = await connect(settings)
        await client.count_workflows()

    assert cloud.authorizations
    assert set(cloud.authorizations) == {"Bearer cloud-api-key-for-tests"}


async def test_a_plain_client_at_a_tls_port_is_told_to_use_tls(cluster: Cluster) -> None:
    settings = Settings(temporal_address=cluster.proxy.address, data_dir=cluster.data_dir)

    with pytest.raises(TemporalConnectError) as refused:
        await connect(settings)

    assert "the server may require TLS" in str(refused.value)
