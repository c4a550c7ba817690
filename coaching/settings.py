"""One configuration object for every process: environment variables over sane defaults."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from coaching.evidence import DEFAULT_DISCLOSURE_VERSION, Disclosure
from coaching.holidays import CompanyHolidays
from coaching.org import Email
from coaching.plan import TimeZoneName
from coaching.policy import PlanPolicy
from coaching.validation import describe
from store.database import database_url

ENV_VARS: dict[str, str] = {
    "temporal_address": "TEMPORAL_ADDRESS",
    "namespace": "TEMPORAL_NAMESPACE",
    "task_queue": "COACHPLAN_TASK_QUEUE",
    "data_dir": "COACHPLAN_DATA_DIR",
    "org_file": "COACHPLAN_ORG_FILE",
    "integrations": "COACHPLAN_INTEGRATIONS",
    "ui_port": "COACHPLAN_UI_PORT",
    "database_url": "DATABASE_URL",
    "web_host": "COACHPLAN_WEB_HOST",
    "web_port": "COACHPLAN_WEB_PORT",
    "base_url": "COACHPLAN_BASE_URL",
    "secret_key": "COACHPLAN_SECRET_KEY",
    "oidc_issuer": "COACHPLAN_OIDC_ISSUER",
    "oidc_client_id": "COACHPLAN_OIDC_CLIENT_ID",
    "oidc_client_secret": "COACHPLAN_OIDC_CLIENT_SECRET",
    "oidc_allowed_domain": "COACHPLAN_OIDC_ALLOWED_DOMAIN",
    "session_hours": "COACHPLAN_SESSION_HOURS",
    "holidays": "COACHPLAN_HOLIDAYS",
    "sealing_key_file": "COACHPLAN_SEALING_KEY_FILE",
    "sealing_certificate_file": "COACHPLAN_SEALING_CERTIFICATE_FILE",
    "sealing_chain_file": "COACHPLAN_SEALING_CHAIN_FILE",
    "timestamp_url": "COACHPLAN_TIMESTAMP_URL",
    "consent_disclosure_file": "COACHPLAN_CONSENT_DISCLOSURE_FILE",
    "consent_disclosure_version": "COACHPLAN_CONSENT_DISCLOSURE_VERSION",
    "directory": "COACHPLAN_DIRECTORY",
    "directory_refresh_minutes": "COACHPLAN_DIRECTORY_REFRESH_MINUTES",
    "google_key_file": "COACHPLAN_GOOGLE_KEY_FILE",
    "google_api_endpoint": "COACHPLAN_GOOGLE_API_ENDPOINT",
    "google_mailbox": "COACHPLAN_GOOGLE_MAILBOX",
    "google_folder_id": "COACHPLAN_GOOGLE_FOLDER_ID",
    "google_template_id": "COACHPLAN_GOOGLE_TEMPLATE_ID",
    "google_hr_group": "COACHPLAN_GOOGLE_HR_GROUP",
    "google_admin": "COACHPLAN_GOOGLE_ADMIN",
    "google_customer": "COACHPLAN_GOOGLE_CUSTOMER",
    "time_zone": "COACHPLAN_TIME_ZONE",
    "payload_keys_file": "COACHPLAN_PAYLOAD_KEYS_FILE",
    "codec_ui_origins": "COACHPLAN_CODEC_UI_ORIGINS",
    "codec_operators": "COACHPLAN_CODEC_OPERATORS",
    "temporal_tls": "COACHPLAN_TEMPORAL_TLS",
    "temporal_tls_cert_file": "COACHPLAN_TEMPORAL_TLS_CERT_FILE",
    "temporal_tls_key_file": "COACHPLAN_TEMPORAL_TLS_KEY_FILE",
    "temporal_tls_ca_file": "COACHPLAN_TEMPORAL_TLS_CA_FILE",
    "temporal_tls_server_name": "COACHPLAN_TEMPORAL_TLS_SERVER_NAME",
    "temporal_api_key_file": "COACHPLAN_TEMPORAL_API_KEY_FILE",
    "temporal_wait_seconds": "COACHPLAN_TEMPORAL_WAIT_SECONDS",
    "metrics_port": "COACHPLAN_METRICS_PORT",
}
"""Which environment variable sets which field; errors name the variable, not the field."""

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

DEVELOPMENT_SECRET_KEY = "coachplan-development-only-secret-key-do-not-use"
"""Signs sessions in the embedded setup; production (OIDC) refuses to start with it."""
MIN_SECRET_LENGTH = 32
MIN_DISCLOSURE_LENGTH = 20
DEFAULT_WEB_PORT = 8000
DEFAULT_WEB_URL = f"http://localhost:{DEFAULT_WEB_PORT}"


def _host_and_port(address: str) -> str:
    address = address.strip()
    matched = re.fullmatch(r"[^\s:]+:([0-9]{1,5})", address)
    if matched is None or not 0 < int(matched[1]) < 65536:
        raise ValueError(f"'{address}' is not host:port (for example localhost:7233)")
    return address


def _metrics_address(value: str | None) -> str | None:
    """A bare port listens on every interface, as a Prometheus scraper elsewhere expects."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,5}", value):
        value = f"0.0.0.0:{value}"
    try:
        return _host_and_port(value)
    except ValueError:
        raise ValueError(
            f"'{value}' is not a port or host:port (for example 9464 or 127.0.0.1:9464)"
        ) from None


def _readable_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {path} ({error.strerror or error})") from None


def _pem_certificates(path: Path | None) -> Path | None:
    """Read once here, so that a missing file or one that is not PEM stops the start, instead
    of every connection failing later with the TLS library's words."""
    if path is not None:
        data = _readable_bytes(path)
        try:
            x509.load_pem_x509_certificates(data)
        except ValueError:
            raise ValueError(
                f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ) from None
    return path


def _pem_private_key(path: Path | None) -> Path | None:
    if path is not None:
        data = _readable_bytes(path)
        try:
            serialization.load_pem_private_key(data, password=None)
        except TypeError:
            raise ValueError(f"{path} is encrypted; the client needs its key unencrypted") from None
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError(f"{path} holds no PEM private key") from None
    return path


def _api_key_file(path: Path | None) -> Path | None:
    if path is not None and not _readable_bytes(path).strip():
        raise ValueError(f"{path} is empty; it must hold the Temporal Cloud API key")
    return path


def _web_address(url: str | None) -> str | None:
    if url is None:
        return None
    url = url.strip().rstrip("/")
    if re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url) is None:
        raise ValueError(f"'{url}' is not an http(s) address (for example http://localhost:8000)")
    return url


def _comma_separated(value: object) -> object:
    """A variable holds a list as `a,b,c`; spaces around the commas do not count."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _origin(origin: str) -> str:
    origin = origin.strip().rstrip("/")
    if re.fullmatch(r"https?://[^\s/:]+(:[0-9]{1,5})?", origin) is None:
        raise ValueError(
            f"'{origin}' is not an origin: scheme, host and port only "
            "(for example https://temporal.example.com or http://localhost:8233)"
        )
    return origin


def _time_stamping_server(url: str | None) -> str | None:
    """Kept exactly as given: some servers answer on one path only, trailing slash included."""
    if url is not None:
        _web_address(url)
    return url


def _usable_database(url: str | None) -> str | None:
    if url is not None:
        database_url(url)
    return url


def _readable_holidays(source: str | None) -> str | None:
    """Read once here, so that a bad date or an unreadable file stops the start."""
    if source is not None:
        CompanyHolidays.parse(source)
    return source


def _readable_disclosure(path: Path | None) -> Path | None:
    """Read once here, so that a missing or unreadable wording stops the start."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path} as UTF-8 text ({error})") from None
    if len(text.strip()) < MIN_DISCLOSURE_LENGTH:
        raise ValueError(f"{path} must hold the disclosure's wording, not {len(text)} characters")
    return path


class SettingsError(ValueError):
    """Bad configuration, one line per variable, for the person who set it."""


FROM_FILE_SUFFIX = "_FILE"


def values_from_files(environ: Mapping[str, str]) -> dict[str, str]:
    """`<VAR>_FILE` names a file whose content is `<VAR>`'s value, as the official postgres
    image reads its password: secrets can then come from mounted files (Docker or Kubernetes
    secrets) instead of the environment, which `ps`, crash reports and `docker inspect` show.

    One trailing line break is dropped (`echo` and editors add it). A variable that already
    names a file itself (`COACHPLAN_PAYLOAD_KEYS_FILE`) keeps its meaning: there is no
    `COACHPLAN_PAYLOAD_KEYS` to read from a file. Setting both `<VAR>` and `<VAR>_FILE`, or
    naming a file that cannot be read, is refused with a line naming the variable.
    """
    variables = set(ENV_VARS.values())
    values: dict[str, str] = {}
    problems: list[str] = []
    for var in ENV_VARS.values():
        from_file = f"{var}{FROM_FILE_SUFFIX}"
        path = environ.get(from_file)
        if not path or from_file in variables:
            continue
        if environ.get(var):
            problems.append(f"{from_file}: set {var} or {from_file}, not both")
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            problems.append(f"{from_file}: cannot read {path} ({reason})")
            continue
        value = text.removesuffix("\n").removesuffix("\r")
        if not value.strip():
            problems.append(f"{from_file}: {path} is empty; it must hold the value of {var}")
            continue
        values[var] = value
    if problems:
        raise SettingsError("\n".join(problems))
    return values


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    temporal_address: Annotated[str, AfterValidator(_host_and_port)] = "localhost:7233"
    namespace: NonEmpty = "default"
    task_queue: NonEmpty = "coaching-plans"
    data_dir: Path = Path("var")
    """Documents, invites, the outbox and the local Temporal database live here."""
    org_file: Path = Path("examples/org.yaml")
    integrations: Literal["local", "google"] = "local"
    """Where documents, invites and messages go: files under `data_dir`, or Google Workspace."""
    directory: Literal["yaml", "google"] = "yaml"
    """Who is who: `org_file`, or Google Workspace's directory."""
    directory_refresh_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    """How long the Google directory is kept before it is read again."""
    google_key_file: Path | None = None
    """The service account's JSON key; it needs domain-wide delegation."""
    google_api_endpoint: Annotated[str | None, AfterValidator(_web_address)] = None
    """Where Google's APIs answer: unset for Google itself, a local fake in tests."""
    google_mailbox: Email | None = None
    """The mailbox that owns the plan documents and sends the messages (HR's, say)."""
    google_folder_id: NonEmpty | None = None
    """The Drive folder or shared drive the documents go to; the mailbox's My Drive if unset."""
    google_template_id: NonEmpty | None = None
    """A Google Doc copied for each plan; a blank document if unset."""
    google_hr_group: Email | None = None
    """HR's group: its members are HR in the Google directory, and documents are shared with it."""
    google_admin: Email | None = None
    """A Workspace administrator the directory is read as."""
    google_customer: NonEmpty = "my_customer"
    time_zone: TimeZoneName = "UTC"
    """The company's zone for people whose directory entry names none (Google's directory
    has no zone; the org file names its own)."""
    ui_port: Annotated[int, Field(ge=1, le=65535)] = 8233
    """Where `coachplan up` serves the Temporal UI."""
    database_url: Annotated[str | None, AfterValidator(_usable_database)] = None
    """HR's records; by default a SQLite file in `data_dir`."""
    policy: PlanPolicy = PlanPolicy()
    web_host: NonEmpty = "127.0.0.1"
    """The address the web app listens on; 0.0.0.0 behind a reverse proxy."""
    web_port: Annotated[int, Field(ge=1, le=65535)] = DEFAULT_WEB_PORT
    """Where `coachplan up` and `coachplan web` serve the web app."""
    base_url: Annotated[str | None, AfterValidator(_web_address)] = None
    """The web app's address as people reach it; messages link to plan pages under it."""
    secret_key: NonEmpty = DEVELOPMENT_SECRET_KEY
    """Signs session cookies and keys plan ids; production must set its own."""
    oidc_issuer: Annotated[str | None, AfterValidator(_web_address)] = None
    """Setting it turns on OpenID Connect sign-in and turns the development sign-in off."""
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_allowed_domain: str | None = None
    """Only emails of this domain may sign in (for example example.com)."""
    session_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 12
    consent_disclosure_file: Annotated[Path | None, AfterValidator(_readable_disclosure)] = None
    """What people agree to before their first electronic signature (plain text); the built-in
    wording (an acknowledgement of the plan, not a contract) if unset."""
    consent_disclosure_version: Annotated[str, StringConstraints(max_length=40)] = (
        DEFAULT_DISCLOSURE_VERSION
    )
    """Names the wording; a new wording needs a new version, and everyone consents again."""
    holidays: Annotated[str | None, AfterValidator(_readable_holidays)] = None
    """Company holidays, on which pages warn about a check-in: comma-separated ISO dates
    (2026-12-24,2026-12-25), or the path of an .ics file whose all-day events are the holidays
    (each day of a multi-day event counts; events with a time of day do not)."""
    payload_keys_file: Path | None = None
    """The key ring that encrypts every Temporal payload; `<data_dir>/keys/payload-keys.json`
    if unset. Every worker, web app and CLI of a namespace needs the same file."""
    codec_ui_origins: Annotated[
        tuple[Annotated[str, AfterValidator(_origin)], ...] | None,
        BeforeValidator(_comma_separated),
    ] = None
    """The Temporal UI's origins, the only pages that may call the codec endpoints with the
    viewer's cookie; by default the local UI's (`http://localhost:<ui_port>` and
    `http://127.0.0.1:<ui_port>`)."""
    codec_operators: Annotated[tuple[Email, ...], BeforeValidator(_comma_separated)] = ()
    """Operators (emails) who may read decoded plans in the Temporal UI, besides HR."""

    # Reaching Temporal: a TLS cluster or Temporal Cloud.
    temporal_tls: bool = False
    """TLS to Temporal, verified against the system's CAs; any of the TLS files or the API
    key below turns it on as well."""
    temporal_tls_cert_file: Annotated[Path | None, AfterValidator(_pem_certificates)] = None
    """This client's certificate (PEM) for mutual TLS, as Temporal Cloud's mTLS namespaces ask."""
    temporal_tls_key_file: Annotated[Path | None, AfterValidator(_pem_private_key)] = None
    """The private key (PEM, unencrypted) of `temporal_tls_cert_file`."""
    temporal_tls_ca_file: Annotated[Path | None, AfterValidator(_pem_certificates)] = None
    """The CA that signed the server's certificate, for a cluster with its own CA; the
    system's CAs if unset (right for Temporal Cloud)."""
    temporal_tls_server_name: NonEmpty | None = None
    """The name in the server's certificate, when it is not the host of TEMPORAL_ADDRESS."""
    temporal_api_key_file: Annotated[Path | None, AfterValidator(_api_key_file)] = None
    """A file holding a Temporal Cloud API key, sent as `authorization: Bearer`; implies TLS.
    Read at each connection, so a rotated key takes effect at the next start."""
    temporal_wait_seconds: Annotated[float, Field(ge=0, le=3600)] = 30
    """How long a `coachplan` command retries an unreachable Temporal (a server restarting)
    before it gives up."""
    metrics_port: Annotated[str | None, AfterValidator(_metrics_address)] = None
    """Where the worker serves the Temporal SDK's Prometheus metrics (`/metrics`): a port
    (every interface) or host:port; off if unset."""

    # Sealing certificates of completion.
    sealing_key_file: Path | None = None
    """The organisation's sealing key (PEM). Unset in the embedded setup: a local CA and a
    sealing certificate are made under `data_dir/keys/` on first use."""
    sealing_certificate_file: Path | None = None
    """The certificate of the sealing key (PEM); it needs the non-repudiation key usage."""
    sealing_chain_file: Path | None = None
    """Intermediate CA certificates (PEM) carried in each seal, up to but not including the
    root that verifiers trust."""
    timestamp_url: Annotated[str | None, AfterValidator(_time_stamping_server)] = None
    """An RFC 3161 time-stamping server: each seal then carries a trusted time."""

    @model_validator(mode="after")
    def _google_is_complete(self) -> Self:
        """Each Google part names everything it needs before anything starts."""
        needed: list[str] = []
        if self.integrations == "google":
            needed += ["google_key_file", "google_mailbox"]
        if self.directory == "google":
            needed += ["google_key_file", "google_admin", "google_hr_group"]
        missing = sorted({ENV_VARS[name] for name in needed if getattr(self, name) is None})
        if missing:
            users = [
                f"{ENV_VARS[name]}=google"
                for name in ("integrations", "directory")
                if getattr(self, name) == "google"
            ]
            raise ValueError(f"{', '.join(missing)} must be set with {' and '.join(users)}")
        return self

    @model_validator(mode="after")
    def _sealing_is_complete(self) -> Self:
        """A key without its certificate, or the reverse, cannot seal anything."""
        named = [self.sealing_key_file is not None, self.sealing_certificate_file is not None]
        if any(named) and not all(named):
            raise ValueError(
                "COACHPLAN_SEALING_KEY_FILE and COACHPLAN_SEALING_CERTIFICATE_FILE must be set "
                "together"
            )
        if self.sealing_chain_file is not None and not all(named):
            raise ValueError(
                "COACHPLAN_SEALING_CHAIN_FILE needs COACHPLAN_SEALING_KEY_FILE and "
                "COACHPLAN_SEALING_CERTIFICATE_FILE"
            )
        return self

    @model_validator(mode="after")
    def _temporal_tls_is_complete(self) -> Self:
        """A client certificate is nothing without its key, and the reverse; a key that is not
        the certificate's would fail every handshake with an obscure message."""
        cert, key = self.temporal_tls_cert_file, self.temporal_tls_key_file
        if (cert is None) != (key is None):
            raise ValueError(
                "COACHPLAN_TEMPORAL_TLS_CERT_FILE and COACHPLAN_TEMPORAL_TLS_KEY_FILE must be set "
                "together"
            )
        if cert is not None and key is not None:
            leaf = x509.load_pem_x509_certificates(cert.read_bytes())[0]
            private = serialization.load_pem_private_key(key.read_bytes(), password=None)
            spki = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            if leaf.public_key().public_bytes(*spki) != private.public_key().public_bytes(*spki):
                raise ValueError(
                    f"COACHPLAN_TEMPORAL_TLS_KEY_FILE ({key}) is not the key of the certificate "
                    f"in COACHPLAN_TEMPORAL_TLS_CERT_FILE ({cert})"
                )
        return self

    @model_validator(mode="after")
    def _production_is_complete(self) -> Self:
        """With OIDC on, nothing may be left at a development default."""
        if self.oidc_issuer is None:
            return self
        if not self.oidc_client_id or not self.oidc_client_secret:
            raise ValueError(
                "COACHPLAN_OIDC_CLIENT_ID and COACHPLAN_OIDC_CLIENT_SECRET must be set with "
                "COACHPLAN_OIDC_ISSUER"
            )
        if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"COACHPLAN_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters when COACHPLAN_OIDC_ISSUER is set "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    def disclosure(self) -> Disclosure:
        """The consent disclosure in force; each call reads the file again: keep the result."""
        if self.consent_disclosure_file is None:
            return Disclosure(version=self.consent_disclosure_version)
        text = self.consent_disclosure_file.read_text(encoding="utf-8")
        return Disclosure(version=self.consent_disclosure_version, text=text)

    def company_holidays(self) -> CompanyHolidays:
        """The holidays themselves. Each call reads the .ics file again: keep the result."""
        return CompanyHolidays.parse(self.holidays) if self.holidays else CompanyHolidays()

    @property
    def development_sign_in(self) -> bool:
        """Pick-a-person sign-in, for the embedded setup only."""
        return self.oidc_issuer is None

    @property
    def web_url(self) -> str:
        return self.base_url or f"http://localhost:{self.web_port}"

    @property
    def payload_keys_path(self) -> Path:
        return self.payload_keys_file or self.data_dir / "keys" / "payload-keys.json"

    @property
    def codec_origins(self) -> tuple[str, ...]:
        return self.codec_ui_origins or tuple(
            f"http://{host}:{self.ui_port}" for host in ("localhost", "127.0.0.1")
        )

    def plan_url(self, plan_id: str) -> str:
        return f"{self.web_url}/plans/{plan_id}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Reads the variables in ENV_VARS, or the files their `_FILE` variables name; an empty
        variable counts as unset."""
        environ = os.environ if environ is None else environ
        environ = {**environ, **values_from_files(environ)}
        values = {field: environ[var] for field, var in ENV_VARS.items() if environ.get(var)}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            lines = [
                f"{ENV_VARS.get(str(e['loc'][0]), str(e['loc'][0]))}: {describe(e)}"
                if e["loc"]
                else describe(e)
                for e in error.errors()
            ]
            raise SettingsError("\n".join(lines)) from None

    @property
    def temporal_uses_tls(self) -> bool:
        return self.temporal_tls or any(
            value is not None
            for value in (
                self.temporal_tls_cert_file,
                self.temporal_tls_ca_file,
                self.temporal_tls_server_name,
                self.temporal_api_key_file,
            )
        )

    @property
    def temporal_host(self) -> str:
        return self.temporal_address.rsplit(":", 1)[0]

    @property
    def temporal_port(self) -> int:
        return int(self.temporal_address.rsplit(":", 1)[1])

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'coachplan.db'}"

    def as_env(self) -> dict[str, str]:
        """The variables that recreate these settings in a child process."""
        values = {field: getattr(self, field) for field in ENV_VARS}
        return {
            var: ",".join(value) if isinstance(value, tuple) else str(value)
            for field, var in ENV_VARS.items()
            if (value := values[field]) is not None
        }
