"""`coachplan keys ...`: the key ring that encrypts every Temporal payload."""

from __future__ import annotations

import typer
from rich.markup import escape

from coaching.key_ring import KeyRing, KeyRingError, load_key_ring, rotate_key_ring
from coaching.settings import ENV_VARS
from starter.command_line import console, fail, settings

VARIABLE = ENV_VARS["payload_keys_file"]

keys_app = typer.Typer(
    help=(
        "The payload key ring: every Temporal payload is encrypted with its active key "
        f"({VARIABLE}, by default <data dir>/keys/payload-keys.json)."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@keys_app.command("create")
def create() -> None:
    """Create the key ring with one new random key, readable by you only.

    `make run` and `coachplan demo` create it on first use. Every worker, web app and CLI of
    a namespace needs the same file: without it, nothing they read from Temporal decrypts.
    Back it up where you back up secrets.

    Example: `COACHPLAN_PAYLOAD_KEYS_FILE=/etc/coachplan/payload-keys.json coachplan keys create`
    """
    path = settings().payload_keys_path
    try:
        ring = KeyRing.create(path)
    except KeyRingError as error:
        fail(str(error))
    console.print(f"Created {escape(str(path))} with key {ring.active} (active).", highlight=False)


@keys_app.command("rotate")
def rotate() -> None:
    """Add a new key and make it the active one; the retired keys stay, to read older histories.

    The procedure:

    1. `coachplan keys rotate` on the key file, then put the new file wherever a worker, the
       web app or a CLI user reads it.
    2. Restart the worker and the web app, and have CLI users take the new file: from then on
       new payloads are encrypted with the new key. A process still holding the old file cannot
       read them, so do it promptly.
    3. Keep each retired key as long as any history encrypted with it is kept: a running
       plan's for its whole life, a closed plan's for the namespace's retention period. Never
       delete a key that is still needed: the plans it encrypted could no longer be read, nor
       go on.

    Example: `coachplan keys rotate`
    """
    try:
        ring = rotate_key_ring(settings())
    except KeyRingError as error:
        fail(str(error), code=1)
    retired = ", ".join(key_id for key_id in ring.keys if key_id != ring.active)
    console.print(
        f"Key {ring.active} is now active in {escape(str(ring.source))}; the retired keys "
        f"({retired}) still decrypt older histories.\n"
        "Next: restart the worker and the web app, and give CLI users the new file.",
        highlight=False,
    )


@keys_app.command("list")
def list_keys() -> None:
    """The ids of the keys in the ring and which one is active; never the keys themselves.

    Ids start with the day the key was made. Example: `coachplan keys list`
    """
    try:
        ring = load_key_ring(settings())
    except KeyRingError as error:
        fail(str(error), code=1)
    console.print(f"{escape(str(ring.source))}:", highlight=False)
    for key_id in ring.keys:
        console.print(f"  {key_id}  {'active' if key_id == ring.active else 'retired'}")
