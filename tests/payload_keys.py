"""The tests' fixed key ring: every test client, worker and replayer encrypts with it, and a
process a test starts reads it from the file `write_test_keys` puts where the settings say."""

from __future__ import annotations

from coaching.converter import plan_data_converter
from coaching.key_ring import KeyRing
from coaching.settings import Settings

TEST_KEY_ID = "tests-1"
TEST_KEYS = KeyRing(active=TEST_KEY_ID, keys={TEST_KEY_ID: bytes(range(32))})
TEST_CONVERTER = plan_data_converter(TEST_KEYS)


def write_test_keys(settings: Settings) -> None:
    TEST_KEYS.save(settings.payload_keys_path, replace=True)
