"""`coachplan keys` for real, and every process that needs the key ring stopping in one line
without it."""

from __future__ import annotations

import asyncio
import base64
import re
import stat
from pathlib import Path

from coaching.key_ring import KeyRing
from coaching.settings import Settings
from store.schema import upgrade_database
from tests.starter.cli_runner import GRACE, coachplan, hermetic_env, worker_start

KEY_ID = r"[0-9]{8}-[0-9a-f]{6}"


def env_for(data_dir: Path) -> dict[str, str]:
    return hermetic_env(TEMPORAL_ADDRESS="127.0.0.1:1", COACHPLAN_DATA_DIR=str(data_dir))


def secrets_of(ring: KeyRing) -> list[str]:
    return [base64.b64encode(key).decode() for key in ring.keys.values()]


async def test_keys_create_rotate_and_list(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    path = Settings(data_dir=tmp_path).payload_keys_path

    created = await coachplan("keys", "create", env=env)
    again = await coachplan("keys", "create", env=env)
    first = KeyRing.load(path)
    rotated = await coachplan("keys", "rotate", env=env)
    second = KeyRing.load(path)
    listed = await coachplan("keys", "list", env=env)

    assert created.code == 0, created
    assert re.fullmatch(rf"Created {path} with key ({KEY_ID}) \(active\)\.\n", created.out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.code == 2, again
    assert again.err == (
        f"error: {path} already exists; `coachplan keys rotate` adds a new key to it\n"
    )
    assert rotated.code == 0, rotated
    assert f"Key {second.active} is now active in {path}" in rotated.out
    assert f"the retired keys ({first.active})" in " ".join(rotated.out.split())
    assert listed.code == 0, listed
    assert listed.out == f"{path}:\n  {first.active}  retired\n  {second.active}  active\n"
    for secret in secrets_of(second):
        assert secret not in created.out + rotated.out + listed.out


async def test_rotate_documents_the_procedure() -> None:
    ran = await coachplan("keys", "rotate", "--help", env=hermetic_env())

    text = " ".join(ran.out.split())
    assert ran.code == 0, ran
    assert "Restart the worker and the web app, and have CLI users take the new file" in text
    assert "Keep each retired key as long as any history encrypted with it is kept" in text
    assert "Never delete a key that is still needed" in text
    assert "Example: coachplan keys rotate" in text


async def test_without_a_key_file_each_process_says_how_to_create_it(tmp_path: Path) -> None:
    """The worker, the web app and the CLI all stop in one line, before reaching Temporal."""
    env = env_for(tmp_path)
    upgrade_database(Settings(data_dir=tmp_path).database)
    missing = (
        f"COACHPLAN_PAYLOAD_KEYS_FILE: {tmp_path}/keys/payload-keys.json does not exist; "
        "create it with `coachplan keys create`"
    )

    status, listed, rotate, web, worker = await asyncio.gather(
        coachplan("status", "abcdef123456", "--as", GRACE, env=env),
        coachplan("keys", "list", env=env),
        coachplan("keys", "rotate", env=env),
        coachplan("web", env=env),
        worker_start(env),
    )

    for ran in (status, listed, rotate):
        assert ran.code == 1, ran
        assert ran.err == f"error: {missing}\n", ran
    assert web.code == 1, web
    assert web.err == f"coachplan web: {missing}\n"
    assert worker.code == 1, worker
    assert missing in worker.err
    assert "Traceback" not in worker.err
    assert not Settings(data_dir=tmp_path).payload_keys_path.exists()
