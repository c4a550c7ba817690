"""Settings: environment variables over defaults, and errors that name the variable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from coaching.holidays import CompanyHolidays
from coaching.policy import PlanPolicy
from coaching.settings import Settings, SettingsError


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})

    assert settings.temporal_address == "localhost:7233"
    assert settings.namespace == "default"
    assert settings.task_queue == "coaching-plans"
    assert settings.data_dir == Path("var")
    assert settings.org_file == Path("examples/org.yaml")
    assert settings.integrations == "local"
    assert settings.ui_port == 8233
    assert settings.policy == PlanPolicy()


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env(
        {
            "TEMPORAL_ADDRESS": "temporal.internal:7000",
            "TEMPORAL_NAMESPACE": "coaching",
            "COACHPLAN_TASK_QUEUE": "plans-eu",
            "COACHPLAN_DATA_DIR": "/srv/coachplan",
            "COACHPLAN_ORG_FILE": "/etc/coachplan/org.yaml",
            "COACHPLAN_INTEGRATIONS": "local",
            "COACHPLAN_UI_PORT": "9000",
            "UNRELATED": "ignored",
        }
    )

    assert settings.temporal_host == "temporal.internal"
    assert settings.temporal_port == 7000
    assert settings.namespace == "coaching"
    assert settings.task_queue == "plans-eu"
    assert settings.data_dir == Path("/srv/coachplan")
    assert settings.org_file == Path("/etc/coachplan/org.yaml")
    assert settings.ui_port == 9000


def test_empty_variable_means_default() -> None:
    assert Settings.from_env({"TEMPORAL_ADDRESS": "", "COACHPLAN_TASK_QUEUE": ""}) == Settings()


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHPLAN_TASK_QUEUE", "from-env")

    assert Settings.from_env().task_queue == "from-env"


def test_unsupported_integrations_name_the_variable() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"COACHPLAN_INTEGRATIONS": "microsoft"})

    assert str(raised.value) == (
        "COACHPLAN_INTEGRATIONS: 'microsoft' is not supported (expected 'local' or 'google')"
    )


def test_google_names_what_it_still_needs() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"COACHPLAN_INTEGRATIONS": "google", "COACHPLAN_DIRECTORY": "google"})

    assert str(raised.value) == (
        "COACHPLAN_GOOGLE_ADMIN, COACHPLAN_GOOGLE_HR_GROUP, COACHPLAN_GOOGLE_KEY_FILE, "
        "COACHPLAN_GOOGLE_MAILBOX must be set with COACHPLAN_INTEGRATIONS=google and "
        "COACHPLAN_DIRECTORY=google"
    )


def test_a_google_setup_is_complete_with_its_key_and_mailbox() -> None:
    settings = Settings.from_env(
        {
            "COACHPLAN_INTEGRATIONS": "google",
            "COACHPLAN_GOOGLE_KEY_FILE": "/etc/coachplan/key.json",
            "COACHPLAN_GOOGLE_MAILBOX": "HR-Coaching@Example.com",
        }
    )

    assert settings.google_mailbox == "hr-coaching@example.com"
    assert settings.directory == "yaml"


def test_every_bad_variable_is_reported() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(
            {
                "TEMPORAL_ADDRESS": "localhost",
                "COACHPLAN_UI_PORT": "http",
                "TEMPORAL_NAMESPACE": "  ",
            }
        )

    assert str(raised.value).splitlines() == [
        "TEMPORAL_ADDRESS: 'localhost' is not host:port (for example localhost:7233)",
        "TEMPORAL_NAMESPACE: must not be empty",
        "COACHPLAN_UI_PORT: 'http' is not a whole number",
    ]


@pytest.mark.parametrize("address", ["localhost:", ":7233", "localhost:99999", "local host:7233"])
def test_address_needs_host_and_port(address: str) -> None:
    with pytest.raises(SettingsError, match="TEMPORAL_ADDRESS"):
        Settings.from_env({"TEMPORAL_ADDRESS": address})


def test_as_env_recreates_the_settings() -> None:
    settings = Settings(temporal_address="127.0.0.1:7300", data_dir=Path("/tmp/x"), ui_port=8300)

    assert Settings.from_env(settings.as_env()) == settings


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().task_queue = "other"  # type: ignore[misc]


def test_hr_records_default_to_sqlite_in_the_data_dir() -> None:
    assert Settings.from_env({}).database == "sqlite:///var/coachplan.db"
    assert Settings.from_env({"COACHPLAN_DATA_DIR": "/srv/cp"}).database == (
        "sqlite:////srv/cp/coachplan.db"
    )


def test_database_url_picks_postgresql() -> None:
    url = "postgresql://coach@db.internal:5432/coachplan"

    settings = Settings.from_env({"DATABASE_URL": url})

    assert settings.database == url
    assert Settings.from_env(settings.as_env()).database == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "DATABASE_URL: 'mysql://x/y' uses mysql; the store supports"),
        ("not a url", "DATABASE_URL: 'not a url' is not a database URL"),
        ("sqlite://", "DATABASE_URL: an in-memory SQLite database would lose HR's records"),
    ],
)
def test_an_unusable_database_url_names_the_variable(url: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"DATABASE_URL": url})

    assert str(raised.value).startswith(message)


def test_no_holidays_by_default() -> None:
    assert Settings.from_env({}).company_holidays() == CompanyHolidays()


def test_holidays_as_dates_or_a_calendar_file(tmp_path: Path) -> None:
    calendar = tmp_path / "holidays.ics"
    calendar.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:1@example.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\n"
        "SUMMARY:Christmas Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    dates = Settings.from_env({"COACHPLAN_HOLIDAYS": "2026-12-24,2026-12-31"})
    from_file = Settings.from_env({"COACHPLAN_HOLIDAYS": str(calendar)})

    assert set(dates.company_holidays().days) == {date(2026, 12, 24), date(2026, 12, 31)}
    assert from_file.company_holidays().name_of(date(2026, 12, 24)) == "Christmas Eve"
    assert Settings.from_env(from_file.as_env()) == from_file, "a child process reads the file"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2026-12-24,24.12.2026",
            "COACHPLAN_HOLIDAYS: '24.12.2026' is not a date (YYYY-MM-DD); for a calendar, give "
            "the path of an .ics file",
        ),
        (
            "/nonexistent/holidays.ics",
            "COACHPLAN_HOLIDAYS: cannot read /nonexistent/holidays.ics: No such file or directory",
        ),
    ],
)
def test_unusable_holidays_name_the_variable(value: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"COACHPLAN_HOLIDAYS": value})

    assert str(raised.value) == message


def test_the_payload_keys_live_in_the_data_folder_unless_set() -> None:
    assert Settings.from_env({"COACHPLAN_DATA_DIR": "/srv/coachplan"}).payload_keys_path == Path(
        "/srv/coachplan/keys/payload-keys.json"
    )
    chosen = Settings.from_env({"COACHPLAN_PAYLOAD_KEYS_FILE": "/etc/coachplan/keys.json"})
    assert chosen.payload_keys_path == Path("/etc/coachplan/keys.json")


def test_the_codec_answers_the_local_ui_by_default() -> None:
    assert Settings.from_env({"COACHPLAN_UI_PORT": "9233"}).codec_origins == (
        "http://localhost:9233",
        "http://127.0.0.1:9233",
    )
    assert Settings().codec_operators == ()


def test_codec_origins_and_operators_are_comma_separated() -> None:
    settings = Settings.from_env(
        {
            "COACHPLAN_CODEC_UI_ORIGINS": "https://temporal.example.com/, http://localhost:8233",
            "COACHPLAN_CODEC_OPERATORS": "Ops@Example.com,, sre@example.com ",
        }
    )

    assert settings.codec_origins == ("https://temporal.example.com", "http://localhost:8233")
    assert settings.codec_operators == ("ops@example.com", "sre@example.com")
    assert Settings.from_env(settings.as_env()) == settings


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        (
            {"COACHPLAN_CODEC_UI_ORIGINS": "https://temporal.example.com/ui"},
            "COACHPLAN_CODEC_UI_ORIGINS: 'https://temporal.example.com/ui' is not an origin: "
            "scheme, host and port only (for example https://temporal.example.com or "
            "http://localhost:8233)",
        ),
        (
            {"COACHPLAN_CODEC_OPERATORS": "ops"},
            "COACHPLAN_CODEC_OPERATORS: 'ops' is not an email address",
        ),
    ],
    ids=["origin-with-a-path", "operator-not-an-email"],
)
def test_bad_codec_settings_name_the_variable(variables: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(variables)

    assert str(raised.value) == line


def test_sealing_names_the_organisations_files_together() -> None:
    settings = Settings.from_env(
        {
            "COACHPLAN_SEALING_KEY_FILE": "/etc/coachplan/seal.key",
            "COACHPLAN_SEALING_CERTIFICATE_FILE": "/etc/coachplan/seal.pem",
            "COACHPLAN_TIMESTAMP_URL": "https://tsa.example.com/",
        }
    )
    assert settings.sealing_key_file == Path("/etc/coachplan/seal.key")
    assert settings.timestamp_url == "https://tsa.example.com/"
    with pytest.raises(SettingsError) as half:
        Settings.from_env({"COACHPLAN_SEALING_KEY_FILE": "/etc/coachplan/seal.key"})
    assert str(half.value) == (
        "COACHPLAN_SEALING_KEY_FILE and COACHPLAN_SEALING_CERTIFICATE_FILE must be set together"
    )
    with pytest.raises(SettingsError, match=r"COACHPLAN_TIMESTAMP_URL: .* is not an http"):
        Settings.from_env({"COACHPLAN_TIMESTAMP_URL": "tsa.example.com"})
