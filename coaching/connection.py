"""The one place a process connects to Temporal: with the plans' converter and payload keys,
over TLS or with an API key where the settings say so, and with metrics where asked."""

from __future__ import annotations

import functools
import re

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import TLSConfig

from coaching.converter import configured_data_converter
from coaching.settings import Settings

SDK_CONNECT_FAILED = "Failed client connect"
"""How the SDK's error starts when it could not connect (at `connect`, or at a lazy call)."""
CLOSED_AT_ONCE = re.compile(r"after connection: Status \{ code: (Unknown|Cancelled)\b")
"""The first call on a fresh connection died at the transport (not an answer such as
Unavailable from a server still starting)."""
TLS_WORDS = ("tls", "certificate", "handshake", "ssl")
"""Words of the SDK's connection errors that mean TLS refused, not a server that is down."""


class TemporalConnectError(RuntimeError):
    """Temporal cannot be reached, or refused this client; the message says which and what
    to check. A `RuntimeError`, as the SDK's own connection error is."""

    def __init__(self, message: str, *, tls_refused: bool) -> None:
        super().__init__(message)
        self.tls_refused = tls_refused
        """True when retrying cannot help: the TLS settings or the server's certificate
        are wrong, not the server's availability."""


async def connect(settings: Settings, *, lazy: bool = False, metrics: bool = False) -> Client:
    """A client that sends the domain's pydantic models as JSON, encrypted with the configured
    key ring (`KeyRingError` if it cannot be read, before any connection is tried).

    `lazy` connects at the first call instead (and again at each call until one succeeds),
    so a process can start while Temporal is down. `metrics` serves the SDK's Prometheus
    metrics on `settings.metrics_port`, if set (one process per port: the worker's)."""
    converter = configured_data_converter(settings)
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.namespace,
            data_converter=converter,
            tls=tls_config(settings),
            api_key=api_key(settings),
            lazy=lazy,
            runtime=metrics_runtime(settings.metrics_port)
            if metrics and settings.metrics_port
            else None,
        )
    except RuntimeError as error:
        raise connect_error(settings, error) from None


def tls_config(settings: Settings) -> TLSConfig | bool:
    """False for a plain connection (the dev server); True for TLS on the system's CAs."""
    if not settings.temporal_uses_tls:
        return False
    cert, key, ca = (
        settings.temporal_tls_cert_file,
        settings.temporal_tls_key_file,
        settings.temporal_tls_ca_file,
    )
    if cert is None and ca is None and settings.temporal_tls_server_name is None:
        return True
    return TLSConfig(
        server_root_ca_cert=ca.read_bytes() if ca else None,
        domain=settings.temporal_tls_server_name,
        client_cert=cert.read_bytes() if cert else None,
        client_private_key=key.read_bytes() if key else None,
    )


def api_key(settings: Settings) -> str | None:
    """Read at each connection: a rotated key takes effect at the next start."""
    path = settings.temporal_api_key_file
    return path.read_text(encoding="utf-8").strip() if path else None


@functools.cache
def metrics_runtime(bind_address: str) -> Runtime:
    """One runtime per address and process: a second one would bind the port again."""
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address)))
    except Exception as error:
        raise TemporalConnectError(
            f"cannot serve metrics on {bind_address} (COACHPLAN_METRICS_PORT): {error}",
            tls_refused=False,
        ) from None


def connect_error(settings: Settings, error: Exception) -> TemporalConnectError:
    """The SDK's connection error as a sentence naming the address and what to check.

    A server certificate the client does not trust is a refusal: retrying cannot help. A
    connection closed right after it was made (TCP, and TLS as far as the client can tell) is
    ambiguous: over TLS 1.3 a server that rejects the client's certificate says so only by
    closing, and so does a plain client at a TLS port; but a load balancer or proxy without a
    live server behind it does the same. It is retried, and the message names both."""
    text = str(error)
    where = f"Temporal at {settings.temporal_address}"
    untrusted = re.search(r"InvalidCertificate\((\w+)", text)
    if untrusted is not None:
        return TemporalConnectError(
            f"{where} presented a certificate this client does not trust ({untrusted[1]}): "
            "check COACHPLAN_TEMPORAL_TLS_CA_FILE (the CA that signed the server's certificate) "
            "and COACHPLAN_TEMPORAL_TLS_SERVER_NAME (the name in it)",
            tls_refused=True,
        )
    if CLOSED_AT_ONCE.search(text):
        hint = (
            "the server may require a client certificate (COACHPLAN_TEMPORAL_TLS_CERT_FILE and "
            "COACHPLAN_TEMPORAL_TLS_KEY_FILE) or not accept this one"
            if settings.temporal_uses_tls
            else "the server may require TLS (COACHPLAN_TEMPORAL_TLS, or the TLS files or API key "
            "of the README's 'Connecting to Temporal Cloud or a TLS cluster')"
        )
        return TemporalConnectError(
            f"{where} closed the connection as soon as it was made: it may be restarting, or "
            f"{hint}",
            tls_refused=False,
        )
    if any(word in text.lower() for word in TLS_WORDS):
        return TemporalConnectError(
            f"{where} refused the TLS connection ({_reason(text)}): check the "
            "COACHPLAN_TEMPORAL_TLS_* settings",
            tls_refused=True,
        )
    return TemporalConnectError(f"cannot reach {where}: {_reason(text)}", tls_refused=False)


def _reason(text: str) -> str:
    """The innermost words of the SDK's error (a Rust debug chain), else all of it."""
    for pattern in (r'message: "([^"]+)" }\)', r'error: "([^"]+)"', r'message: "([^"]+)"'):
        found = re.findall(pattern, text)
        if found:
            return str(found[-1])
    return text.removeprefix("Failed client connect: ")


async def describe_execution(client: Client, workflow_id: str) -> DescribeWorkflowExecutionResponse:
    """The raw description. The SDK's `describe()` also decodes search attributes, and fails on
    the Datetime ones of the time-skipping test server (the demo's and the tests')."""
    return await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
