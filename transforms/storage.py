"""Files through Beam's FileSystems, so that local folders, `gs://` and `s3://` behave alike.

Everything newsbeam writes is written under a temporary name and renamed when complete: a reader
(or a crash) sees the old file or the new one, never half of one.
"""
from __future__ import annotations

import json
import posixpath
import uuid

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

IN_PROGRESS = ".inprogress"


def join(*parts: str) -> str:
    return FileSystems.join(*parts) if "://" in parts[0] else posixpath.join(*parts)


def temp_name(path: str) -> str:
    """A hidden sibling of `path` that no reader's `*.parquet` / `*.json` glob matches."""
    folder, name = path.rsplit("/", 1) if "/" in path else ("", path)
    hidden = f".{name}-{uuid.uuid4().hex[:12]}{IN_PROGRESS}"
    return join(folder, hidden) if folder else hidden


def write_atomically(path: str, data: bytes) -> str:
    temp = temp_name(path)
    with FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)
    FileSystems.rename([temp], [path])
    return path


def write_json(path: str, record) -> str:
    return write_atomically(path, json.dumps(record, sort_keys=True).encode("utf-8"))


def read_json(path: str):
    """The JSON document at `path`, or None when there is none; ValueError/OSError when damaged."""
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return json.loads(f.read().decode("utf-8"))


def matching(pattern: str) -> list[str]:
    """Paths matching a glob, sorted; [] when the folder does not exist yet."""
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # noqa: BLE001 - FileSystems raises for a missing folder on some file systems
        return []
