"""At-least-once intake of feed entries: a journal of what each run took, settled against what it wrote.

An entry is taken by a run when NewEntries first lets it through, and the run journals it before it
goes on: `OUTPUT/_state/intake/<run>/<feed key>-<n>.json` (written atomically, never rewritten). It
is settled, and its journal dropped, once the output holds it: a row whose `source` is one of the
entry's references (`feed#entry-id`, or the linked page's URL) or a dead letter whose `input_ref` is.
What tells: the run's own files (their names carry the run), and the `done-*.json` notes the stream
writes after each Parquet file, which also name rows already present from earlier runs. An entry
waiting in the retry store (`OUTPUT/_state/retry/`, fetch.py) is the fetch step's, not pending.

`settle` runs before a stream starts and after it ends: entries of a run that was killed (or that
ended with entries still queued) are taken again by the next run, so nothing taken is ever lost,
and the writer's ids keep what was already written from being written twice. `StreamLock` keeps two
local runs from writing into one output at once (cron starting a run while the last one still runs).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.ingest.state import STATE_DIR, load_state, save_state
from transforms.storage import join, matching, read_json, write_json
from transforms.text.identity import safe_partition_value

LOG = logging.getLogger(__name__)
LOCK_STALE_SECONDS = 120.0     # a lock whose heartbeat is older belongs to a run that died
HEARTBEAT_SECONDS = 20.0


def run_folder(output: str, run_tag: str) -> str:
    return join(output, STATE_DIR, "intake", safe_partition_value(run_tag, "run"))


def entry_key(entry: dict) -> str:
    return f"{entry['feed_url']}\x1f{entry['entry_id']}"


def entry_refs(entry: dict) -> set[str]:
    """What the output calls this entry: its own source, and its linked page's URL."""
    link = (entry.get("meta") or {}).get("url")
    return {entry["source"], link} if link else {entry["source"]}


def journal(output: str | None, run_tag: str | None, name: str, entries: list[dict]) -> None:
    """Record entries as taken by this run, before they go on (no run tag: not journaled, a streaming
    runner's own checkpoints hold what is in flight)."""
    if output and run_tag and entries:
        write_json(join(run_folder(output, run_tag), f"{safe_partition_value(name)}-{uuid.uuid4().hex[:12]}.json"),
                   {"entries": entries})


def note_durable(output: str, run_tag: str, refs) -> None:
    """The references the output now holds (a Parquet file's rows, written or already present)."""
    refs = sorted(set(refs))
    if refs:
        write_json(join(run_folder(output, run_tag), f"done-{uuid.uuid4().hex[:12]}.json"), {"refs": refs})


def _read_column(path: str, column: str) -> list[str]:
    import pyarrow.parquet as pq
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return [v for v in pq.read_table(f, columns=[column]).column(column).to_pylist() if v]


def written_refs(output: str, run_tag: str) -> set[str]:
    """Sources of the rows and input_refs of the dead letters in the files this run wrote."""
    tag = safe_partition_value(run_tag, "run")
    refs: set[str] = set()
    for path in matching(join(output, "articles", "*", "*", f"part-*-{tag}-*.parquet")):
        refs.update(_read_column(path, "source"))
    for path in matching(join(output, "dead_letter", "*", f"part-*-{tag}-*.jsonl")):
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            refs.update(json.loads(line)["input_ref"] for line in f.read().decode("utf-8").splitlines() if line)
    return refs


def retrying_keys(output: str) -> set[str]:
    keys = set()
    for path in matching(join(output, STATE_DIR, "retry", "*.json")):
        keys.update((read_json(path) or {}).get("items", {}))
    return keys


def settle(output: str, current_run: str | None = None) -> dict:
    """Settle every run's journal but `current_run`'s: entries the output holds are done; the rest are
    journaled again under `current_run` (when given) and returned to be taken again, their ids marked
    seen. Returns {"runs", "settled", "pending": [entries]}."""
    folders: dict[str, list[str]] = {}
    for path in matching(join(output, STATE_DIR, "intake", "*", "*.json")):
        folders.setdefault(path.rsplit("/", 2)[-2], []).append(path)
    current = safe_partition_value(current_run, "run") if current_run else None
    retrying = retrying_keys(output)
    pending: dict[str, dict] = {}
    settled, runs = 0, [run for run in folders if run != current]
    for run in runs:
        taken, durable = {}, written_refs(output, run)
        for path in folders[run]:
            record = read_json(path) or {}
            durable.update(record.get("refs", []))
            taken.update((entry_key(e), e) for e in record.get("entries", []))
        for key, entry in taken.items():
            if entry_refs(entry) & durable or key in retrying:
                settled += 1
            else:
                pending[key] = entry
    entries = list(pending.values())
    if current_run and entries:
        journal(output, current_run, "retaken", entries)
        mark_seen(output, entries)
    for run in runs:   # only now: a crash before this line settles the same entries again, no harm
        FileSystems.delete(folders[run])
    return {"runs": len(runs), "settled": settled, "pending": entries}


def mark_seen(output: str, entries: list[dict]) -> None:
    """The entries' ids in their feeds' seen records, so that NewEntries does not take them again."""
    now = time.time()
    by_feed: dict[str, list[str]] = {}
    for entry in entries:
        by_feed.setdefault(entry["feed_key"], []).append(entry["entry_id"])
    for key, ids in by_feed.items():
        seen = load_state(output, "seen", key) or {}
        save_state(output, "seen", key, {**{i: now for i in ids}, **seen})


class StreamLock:
    """`OUTPUT/_state/stream.lock`: one local stream run per output. A lock left by a run that died
    (its process gone, or no heartbeat for LOCK_STALE_SECONDS) is taken over."""

    def __init__(self, output: str):
        self.path = join(output, STATE_DIR, "stream.lock")
        self.record = {"host": socket.gethostname(), "pid": os.getpid(),
                       "started": dt.datetime.now(dt.timezone.utc).isoformat()}
        self._stop = threading.Event()
        self._thread = None

    def holder(self) -> dict | None:
        """The live run holding the lock, if any."""
        try:
            record = read_json(self.path)
        except (OSError, ValueError):
            return None
        if not record:
            return None
        if record.get("host") == self.record["host"]:
            try:
                os.kill(int(record["pid"]), 0)
            except (ProcessLookupError, ValueError, TypeError):
                return None
            except PermissionError:
                return record
            return record if int(record["pid"]) != os.getpid() else None
        return record if time.time() - float(record.get("heartbeat", 0)) < LOCK_STALE_SECONDS else None

    def acquire(self) -> None:
        holder = self.holder()
        if holder:
            raise RuntimeError(f"another newsbeam stream (pid {holder.get('pid')} on {holder.get('host')}, "
                               f"since {holder.get('started')}) is writing to this output")
        self._beat()
        self._thread = threading.Thread(target=self._loop, name="stream-lock", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        write_json(self.path, {**self.record, "heartbeat": time.time()})

    def _loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._beat()
            except OSError as error:   # a full disk must not kill the run; the lock just ages
                LOG.warning("cannot refresh %s: %s", self.path, error)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            if FileSystems.exists(self.path):
                FileSystems.delete([self.path])
        except OSError:
            pass

