"""Per-feed records kept between runs under `OUTPUT/_state/<kind>/<key>.json`, written atomically
through Beam FileSystems (local, gs://, s3:// alike)."""
from __future__ import annotations

import logging

from transforms.runtime import counter
from transforms.storage import join, read_json, write_json

STATE_DIR = "_state"


def state_path(output: str, kind: str, key: str) -> str:
    return join(output, STATE_DIR, kind, f"{key}.json")


def load_state(output: str | None, kind: str, key: str):
    if not output:
        return None
    path = state_path(output, kind, key)
    try:
        return read_json(path)
    except (OSError, ValueError) as error:  # a damaged state file: start afresh, loudly
        counter(f"state.unreadable.{kind}").inc()
        logging.getLogger(__name__).warning("ignoring unreadable state %s: %s", path, error)
        return None


def save_state(output: str | None, kind: str, key: str, record) -> None:
    """Write-then-rename, so a crash leaves the old record or the new one, never half of one."""
    if output:
        write_json(state_path(output, kind, key), record)
