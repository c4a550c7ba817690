"""A TLS cluster for the tests: a real TLS endpoint, requiring client certificates, in front of
the plain dev server (`temporal server start-dev` has no TLS options).

The proxy terminates TLS with a certificate from a test CA, refuses clients without a
certificate that CA signed, and forwards the decrypted gRPC stream to the dev server. Since it
sees HTTP/2 in the clear, it also records the `authorization` headers clients send.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hpack import Decoder

SERVER_NAME = "temporal.coachplan.test"
"""The name in the server's certificate; clients dialling 127.0.0.1 name it explicitly."""
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS, CONTINUATION = 0x1, 0x9
END_HEADERS, PADDED, PRIORITY = 0x4, 0x8, 0x20


@dataclass(frozen=True)
class Issued:
    certificate: Path
    key: Path


class TestCa:
    """A certificate authority of its own, writing PEM files into `folder`."""

    __test__ = False

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self._subject = subject
        self.certificate = (
            self._builder(subject, self._key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.path = folder / f"{name}-ca.pem"
        self.path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str, *, server: bool) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            self._builder(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]), key.public_key()
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        certificate = builder.sign(self._key, hashes.SHA256())
        issued = Issued(self.folder / f"{name}.pem", self.folder / f"{name}.key")
        issued.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        issued.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return issued

    def _builder(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
        )


class TlsProxy:
    """Listens on 127.0.0.1:<port> with TLS (client certificates of `client_ca` required,
    if given) and forwards to `target` in the clear, on an event loop of its own thread."""

    def __init__(self, target: tuple[str, int], server: Issued, client_ca: Path | None) -> None:
        self.target = target
        self.authorizations: list[str] = []
        """Every `authorization` header a client sent, in order."""
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(server.certificate, server.key)
        if client_ca is not None:
            self._context.load_verify_locations(client_ca)
            self._context.verify_mode = ssl.CERT_REQUIRED
        self._context.set_alpn_protocols(["h2"])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result()
        self.port: int = self._server.sockets[0].getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> TlsProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _close(self) -> None:
        """Stops listening and drops every connection, as a server going away does."""
        self._server.close()
        running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _serve(self) -> asyncio.Server:
        server = await asyncio.start_server(
            self._forward, "127.0.0.1", 0, ssl=self._context, ssl_handshake_timeout=10
        )
        return server

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pump(reader, upstream_writer, self._headers_of_client()),
            self._pump(upstream_reader, writer, None),
        )

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        watch: _Http2Headers | None,
    ) -> None:
        try:
            while data := await source.read(65536):
                if watch is not None:
                    watch.feed(data)
                sink.write(data)
                await sink.drain()
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
                sink.close()

    def _headers_of_client(self) -> _Http2Headers:
        return _Http2Headers(self.authorizations)


class _Http2Headers:
    """Reads the header blocks of one client's HTTP/2 stream (RFC 9113 framing, RFC 7541
    HPACK with its connection-wide table), keeping the `authorization` values."""

    def __init__(self, authorizations: list[str]) -> None:
        self._authorizations = authorizations
        self._buffer = b""
        self._preface = False
        self._block = b""
        self._decoder = Decoder()

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if not self._preface:
            if len(self._buffer) < len(HTTP2_PREFACE):
                return
            self._buffer = self._buffer[len(HTTP2_PREFACE) :]
            self._preface = True
        while len(self._buffer) >= 9:
            length = int.from_bytes(self._buffer[:3], "big")
            if len(self._buffer) < 9 + length:
                return
            kind, flags = self._buffer[3], self._buffer[4]
            payload = self._buffer[9 : 9 + length]
            self._buffer = self._buffer[9 + length :]
            if kind == HEADERS:
                if flags & PADDED:
                    payload = payload[1 : len(payload) - payload[0]]
                if flags & PRIORITY:
                    payload = payload[5:]
                self._block = payload
            elif kind == CONTINUATION:
                self._block += payload
            else:
                continue
            if flags & END_HEADERS:
                for name, value in self._decoder.decode(self._block, raw=True):
                    if name.lower() == b"authorization":
                        self._authorizations.append(value.decode())
                self._block = b""
