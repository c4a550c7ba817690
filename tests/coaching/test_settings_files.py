"""`<VAR>_FILE`: a setting read from a mounted secret file, never echoed in an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from coaching.settings import ENV_VARS, Settings, SettingsError, values_from_files

SECRET = "s3cret-value-of-at-least-32-characters-long"


def secret_file(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_file_gives_the_value_without_its_trailing_line_break(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "COACHPLAN_SECRET_KEY_FILE": secret_file(tmp_path, "key", f"{SECRET}\n"),
            "DATABASE_URL_FILE": secret_file(
                tmp_path, "url", "postgresql://coach:pa%24s@db:5432/coachplan\r\n"
            ),
        }
    )

    assert settings.secret_key == SECRET
    assert settings.database_url == "postgresql://coach:pa%24s@db:5432/coachplan"


def test_production_settings_come_whole_from_files(tmp_path: Path) -> None:
    """OIDC's client secret and the session key are the secrets a deployment mounts."""
    settings = Settings.from_env(
        {
            "COACHPLAN_OIDC_ISSUER": "https://accounts.example.com",
            "COACHPLAN_OIDC_CLIENT_ID": "coachplan",
            "COACHPLAN_OIDC_CLIENT_SECRET_FILE": secret_file(tmp_path, "oidc", "client-secret"),
            "COACHPLAN_SECRET_KEY_FILE": secret_file(tmp_path, "key", SECRET),
        }
    )

    assert settings.oidc_client_secret == "client-secret"
    assert not settings.development_sign_in


def test_only_the_last_line_break_is_dropped(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "key", f"  {SECRET}  \n\n")

    assert values_from_files({"COACHPLAN_SECRET_KEY_FILE": path}) == {
        "COACHPLAN_SECRET_KEY": f"  {SECRET}  \n"
    }


def test_a_missing_file_names_the_variable_and_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"COACHPLAN_OIDC_CLIENT_SECRET_FILE": str(missing)})

    assert str(refused.value) == (
        f"COACHPLAN_OIDC_CLIENT_SECRET_FILE: cannot read {missing} (No such file or directory)"
    )


def test_a_directory_or_binary_file_is_refused(tmp_path: Path) -> None:
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")

    with pytest.raises(SettingsError) as refused:
        Settings.from_env(
            {"COACHPLAN_SECRET_KEY_FILE": str(tmp_path), "DATABASE_URL_FILE": str(binary)}
        )

    assert str(refused.value).splitlines() == [
        f"DATABASE_URL_FILE: cannot read {binary} (not UTF-8 text)",
        f"COACHPLAN_SECRET_KEY_FILE: cannot read {tmp_path} (Is a directory)",
    ]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "empty", "\n")

    with pytest.raises(SettingsError, match=r"^COACHPLAN_SECRET_KEY_FILE: .* is empty; it must"):
        Settings.from_env({"COACHPLAN_SECRET_KEY_FILE": path})


def test_setting_both_is_refused_without_showing_either_value(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "key", SECRET)

    with pytest.raises(SettingsError) as refused:
        Settings.from_env(
            {"COACHPLAN_SECRET_KEY": "other-" + SECRET, "COACHPLAN_SECRET_KEY_FILE": path}
        )

    assert str(refused.value) == (
        "COACHPLAN_SECRET_KEY_FILE: set COACHPLAN_SECRET_KEY or COACHPLAN_SECRET_KEY_FILE, not both"
    )
    assert SECRET not in str(refused.value)


def test_an_empty_file_variable_counts_as_unset() -> None:
    assert Settings.from_env({"COACHPLAN_SECRET_KEY_FILE": ""}) == Settings()


def test_a_value_from_a_file_is_validated_like_one_from_the_environment(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "address", "not an address\n")

    with pytest.raises(SettingsError, match=r"^TEMPORAL_ADDRESS: .*not host:port"):
        Settings.from_env({"TEMPORAL_ADDRESS_FILE": path})


def test_variables_that_name_files_keep_their_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were there a `COACHPLAN_PAYLOAD_KEYS` too, `COACHPLAN_PAYLOAD_KEYS_FILE` stays a path."""
    path = secret_file(tmp_path, "ring.json", "{}")
    monkeypatch.setitem(ENV_VARS, "payload_keys", "COACHPLAN_PAYLOAD_KEYS")

    assert values_from_files({"COACHPLAN_PAYLOAD_KEYS_FILE": path}) == {}


def test_a_file_setting_is_still_a_path(tmp_path: Path) -> None:
    settings = Settings.from_env({"COACHPLAN_PAYLOAD_KEYS_FILE": str(tmp_path / "ring.json")})

    assert settings.payload_keys_path == tmp_path / "ring.json"
