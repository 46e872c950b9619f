"""Append-only Parquet folders under OUTPUT/_state/: what the indexes kept between runs are made of.

A folder (one id shard, one publication day) holds immutable files. A writer only ever adds one,
written under a temporary name and renamed when complete, named by a digest of its rows, and never
rewrites or appends to a file: two writers into one output (two workers, a stream and a batch run)
cannot lose each other's entries, which a read-modify-write of a shared file would. A reader reads
every file of the folders it needs, each sorted by its key with row groups of ROW_GROUP_ROWS, so a
lookup of a few keys decodes only the row groups whose min/max statistics can hold them.

A folder of more than COMPACT_AT files is merged by whoever has just read it whole: one new file
holding every row, then the files it merged are deleted (only those: a file added meanwhile stays).
Two readers merging at once write the same file name (same rows, same digest); a reader that finds a
file gone (merged by another) lists the folder again.
"""
from __future__ import annotations

import bisect
import hashlib
import logging

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.storage import join, temp_name

LOG = logging.getLogger(__name__)
COMPACT_AT = 16
ROW_GROUP_ROWS = 4096


def folder_files(folder: str) -> list[tuple[str, float]]:
    """(path, modification time) of the folder's Parquet files, oldest first; [] when it is absent."""
    try:
        found = FileSystems.match([join(folder, "*.parquet")])[0].metadata_list
    except Exception:  # noqa: BLE001 - FileSystems raises for a missing folder on some file systems
        return []
    return sorted(((m.path, m.last_updated_in_seconds or 0.0) for m in found), key=lambda f: (f[1], f[0]))


def day_folder(root: str, day: str) -> str:
    """The folder of one partition day (YYYY-MM-DD) in an index filed by day."""
    return join(root, f"day={day}")


def rows_digest(keys) -> str:
    return hashlib.sha256("\n".join(sorted(map(str, keys))).encode("utf-8")).hexdigest()[:16]


def append(folder: str, rows: list[dict], schema: pa.Schema, key: str, prefix: str = "part") -> str | None:
    """One new immutable file `<prefix>-<digest>.parquet` of `rows`, sorted by `key`; None for no rows."""
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: r[key])
    final = join(folder, f"{prefix}-{rows_digest(r[key] for r in rows)}.parquet")
    temp = temp_name(final)
    with FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        # snappy: the entries are hashes and ids, which zstd shrank by under 1% for a quarter more time
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), f, compression="snappy",
                       row_group_size=ROW_GROUP_ROWS, write_statistics=[key])
    FileSystems.rename([temp], [final])
    return final


def _row_groups(parquet: pq.ParquetFile, key: str, wanted: list[str] | None) -> list[int]:
    """The row groups that may hold one of the sorted `wanted` keys (all when `wanted` is None)."""
    groups = range(parquet.metadata.num_row_groups)
    if wanted is None:
        return list(groups)
    column = parquet.schema_arrow.get_field_index(key)
    keep = []
    for i in groups:
        stats = parquet.metadata.row_group(i).column(column).statistics
        if stats is None or not stats.has_min_max:
            keep.append(i)
            continue
        at = bisect.bisect_left(wanted, stats.min)
        if at < len(wanted) and wanted[at] <= stats.max:
            keep.append(i)
    return keep


def read_file(path: str, key: str, columns: list[str] | None = None, wanted: list[str] | None = None) -> list[dict]:
    """The rows of one file (only those whose `key` is in the sorted list `wanted`, when given)."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        parquet = pq.ParquetFile(f)
        groups = _row_groups(parquet, key, wanted)
        if not groups:
            return []
        rows = parquet.read_row_groups(groups, columns=columns).to_pylist()
    if wanted is None:
        return rows
    keys = set(wanted)
    return [r for r in rows if r[key] in keys]


def read_folder(folder: str, key: str, columns: list[str] | None = None, wanted=None,
                files: list[tuple[str, float]] | None = None) -> tuple[list[dict], list[tuple[str, float]]]:
    """(rows, files read): every row of the folder's files, or those whose `key` is in `wanted`.
    Rows come file by file, oldest file first; a file merged away meanwhile is found again in the
    merged file (the same row may then come twice: callers keep one per key)."""
    wanted = sorted(set(wanted)) if wanted is not None else None
    files = folder_files(folder) if files is None else files
    rows, done = [], []
    for attempt in range(3):
        missing = False
        for path, mtime in files:
            if path in {p for p, _ in done}:
                continue
            try:
                found = read_file(path, key, columns, wanted)
            except Exception as error:  # noqa: BLE001 - a file merged away by another reader: list again
                if FileSystems.exists(path):
                    raise
                LOG.debug("state file %s gone (%s); listing %s again", path, error, folder)
                missing = True
                continue
            rows.extend({**r, "_file": path} for r in found)
            done.append((path, mtime))
        if not missing:
            break
        files = folder_files(folder)
    return rows, done


def compact(folder: str, files: list[tuple[str, float]], rows: list[dict], schema: pa.Schema, key: str,
            keep=None) -> str | None:
    """Merge `files` (whose rows are `rows`, all of them) into one file when there are more than
    COMPACT_AT of them; `keep(rows)` picks the rows to keep (default: all). Returns the new file."""
    if len(files) <= COMPACT_AT:
        return None
    kept = keep(rows) if keep else rows
    names = schema.names
    merged = append(folder, [{n: r.get(n) for n in names} for r in kept], schema, key, prefix="merged")
    stale = [p for p, _ in files if p != merged]
    for path in stale:
        try:
            FileSystems.delete([path])
        except Exception:  # noqa: BLE001 - another reader merged and deleted it first
            pass
    return merged
