"""The signature index that carries syndication groups across runs: OUTPUT/_state/dedup/day=YYYY-MM-DD/.

One entry per article written: its id, rank time, canonical (its row's cluster_id), exact keys
(content hash, URL), LSH band digests and shingle set, filed under the row's partition day (the
UTC publication day, else the fetch day) in append-only folders (transforms/state.py). Nothing is
ever dropped, so a run of March after a run of June finds March; and a run reads only the days
within the dedup window of its own articles, never the whole history.

The writer keeps the entries (signature_recorder, a write.Recorder) from each row as written, after
its file is in place: the index describes exactly the rows in the output (`newsbeam state --rebuild`
computes it again from them). About 2.2 KB an article (bench/state_index.py).

Lookups (EarlierCopies): an article's node is matched against the entries of the days around its
own, with the decision of the batch graph (signatures.py, syndication.bucket_pairs): an exact key
matches every entry that has it; a band is verified on the shingle sets, and a band held by more
than BUCKET_CAP entries only against its PIVOTS earliest. The result is the smallest label (rank,
id, canonical) among the entries it is a copy of: entries rank before anything new (priority 0 in
the rank), so a copy of an article already written takes that article's canonical, and rows on
disk never need rewriting.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import time

import numpy as np
import pyarrow as pa

from transforms import state
from transforms.dedup.signatures import as_shingles, fingerprint, is_copy, is_exact_key, rank_key, shingle_set
from transforms.packed import INLINE
from transforms.spill import Spill
from transforms.write import DayRecorder

KEY = "article_id"
BAND_BYTES = 8            # signatures.band_keys: 8-byte blake2b digests, hex in the key
REFRESH_SECONDS = 60.0    # a live run lists a day again after this long, for files other writers added

INDEX_SCHEMA = pa.schema([
    ("article_id", pa.string()),
    ("rank_time", pa.string()),
    ("canonical", pa.string()),
    ("exact_keys", pa.list_(pa.string())),
    ("bands", pa.binary()),          # BAND_BYTES per band, in band order
    ("shingles", pa.binary()),       # sorted unique uint32 word 5-gram hashes
])


def day_of(moment: dt.datetime | None) -> int:
    """The UTC day ordinal of a time (0 without one)."""
    return moment.astimezone(dt.timezone.utc).date().toordinal() if moment else 0


def day_name(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def days_around(days, window_days: float) -> list[int]:
    """Every day within the window (whole days, rounded up) of any of `days`."""
    reach = math.ceil(window_days)
    return sorted({d + k for d in days if d for k in range(-reach, reach + 1)})


# A row's (exact keys, band bytes[, shingles handle]), kept on it by the syndication stage, which
# computed them: the writer's entry then needs no MinHash. On a local run the shingle set is already
# on the spill disk (its handle, 16 bytes, rides along): read back, not computed again from the text.
SIGNATURE_KEYS = "_signature_keys"


def signature_keys(node: dict) -> tuple[list[str], bytes]:
    """(exact keys, band digests as BAND_BYTES each in band order) of a fingerprint node."""
    exact = [k for k in node["keys"] if is_exact_key(k)]
    bands = b"".join(bytes.fromhex(k.split(":", 1)[1]) for k in node["keys"] if not is_exact_key(k))
    return exact, bands


def entry_of(row: dict, spill: Spill = INLINE) -> dict:
    """The index entry of a written row (`spill`: where the handle the row carries points)."""
    carried = row.get(SIGNATURE_KEYS)
    if carried:
        exact, bands, *handle = carried
        shingles = spill.get(handle[0]) if handle else shingle_set(row.get("text") or "").tobytes()
    else:
        node = fingerprint(row)
        (exact, bands), shingles = signature_keys(node), node["shingles"]
    return {KEY: row[KEY], "rank_time": rank_key(row).split("|")[1], "canonical": row.get("cluster_id") or row[KEY],
            "exact_keys": list(exact), "bands": bands, "shingles": shingles}


def entry_keys(entry: dict) -> list[str]:
    bands = entry["bands"] or b""
    return list(entry["exact_keys"]) + [f"b{i}:{bands[i * BAND_BYTES:(i + 1) * BAND_BYTES].hex()}"
                                        for i in range(len(bands) // BAND_BYTES)]


def entry_ref(entry: dict) -> tuple[str, str, str]:
    """The label of an entry: rank `0|time|id` (before anything new), id, canonical."""
    return f"0|{entry['rank_time']}|{entry[KEY]}", entry[KEY], entry["canonical"]


def read_day(state_dir: str, day: int, files=None) -> tuple[list[dict], list]:
    """(entries, files read) of one day; a day of many files is merged as it is read whole."""
    folder = state.day_folder(state_dir, day_name(day))
    every = state.folder_files(folder)
    todo = [f for f in every if files is None or f[0] not in files]
    rows, read = state.read_folder(folder, KEY, files=todo)
    if files is None and len(read) > state.COMPACT_AT:
        state.compact(folder, read, rows, INDEX_SCHEMA, KEY, keep=lambda rs: list({r[KEY]: r for r in rs}.values()))
    return rows, read


MIX = 0x9E3779B97F4A7C15    # mixes the band number into a band's digest


def key_hashes(keys: list[str]) -> np.ndarray:
    """64-bit hashes of bucket keys: a band key's own digest (mixed with its band number), a blake2b
    of an exact key. A day's keys are held as sorted arrays of these, about 1 KB an entry."""
    out = np.empty(len(keys), dtype=np.uint64)
    for i, key in enumerate(keys):
        if is_exact_key(key):
            out[i] = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
        else:
            band, digest = key[1:].split(":", 1)
            out[i] = (int(digest, 16) ^ (int(band) * MIX)) & 0xFFFFFFFFFFFFFFFF
    return out


def entry_hashes(entry: dict) -> np.ndarray:
    """key_hashes(entry_keys(entry)), straight from the stored band digests."""
    bands = np.frombuffer(entry["bands"] or b"", dtype=">u8").astype(np.uint64)
    with np.errstate(over="ignore"):
        bands = bands ^ (np.arange(len(bands), dtype=np.uint64) * np.uint64(MIX))
    return np.concatenate([key_hashes(list(entry["exact_keys"])), bands])


class DayIndex:
    """The entries of one day: their labels and shingles, and (key hash → entry) as sorted arrays."""

    def __init__(self):
        self.labels: list[tuple] = []
        self.shingles: list[bytes] = []
        self.ids: set[str] = set()
        self.files: set[str] = set()
        self.listed_at = 0.0
        self.keys = np.zeros(0, dtype=np.uint64)
        self.members = np.zeros(0, dtype=np.int32)

    def add(self, entries: list[dict]) -> None:
        keys, members = [self.keys], [self.members]
        for entry in entries:
            if entry[KEY] in self.ids:
                continue   # a file merged meanwhile repeats what was read
            self.ids.add(entry[KEY])
            hashes = entry_hashes(entry)
            keys.append(hashes)
            members.append(np.full(len(hashes), len(self.labels), dtype=np.int32))
            self.labels.append(entry_ref(entry))
            self.shingles.append(entry["shingles"])
        keys, members = np.concatenate(keys), np.concatenate(members)
        order = np.argsort(keys, kind="stable")
        self.keys, self.members = keys[order], members[order]

    def lookup(self, hashes: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(position in `hashes`, entries holding that key) for each key some entry holds."""
        lo = np.searchsorted(self.keys, hashes, side="left")
        hi = np.searchsorted(self.keys, hashes, side="right")
        return [(i, self.members[lo[i]:hi[i]]) for i in np.nonzero(hi > lo)[0]]

    def __len__(self):
        return len(self.labels)


class EarlierCopies:
    """Days of the index in memory, loaded when first needed (and, with `refresh`, listed again
    after REFRESH_SECONDS for files written since), and the lookup of one node against them."""

    def __init__(self, state_dir: str, window_days: float, cap: int, pivots: int, refresh: bool = False,
                 keep_days: int | None = None):
        self.state_dir, self.window_days, self.cap, self.pivots = state_dir, window_days, cap, pivots
        self.refresh, self.keep_days = refresh, keep_days
        self.days: dict[int, DayIndex] = {}
        self.loaded = 0

    def load(self, days) -> None:
        now = time.monotonic()
        for day in days:
            index = self.days.get(day)
            if index is not None and not (self.refresh and now - index.listed_at > REFRESH_SECONDS):
                continue
            index = index or DayIndex()
            entries, read = read_day(self.state_dir, day, index.files if index.files else None)
            index.add(entries)
            index.files.update(p for p, _ in read)
            index.listed_at = now
            self.days[day] = index
            self.loaded += len(entries)
        if self.keep_days and len(self.days) > self.keep_days:   # a live run moves on: forget the oldest days
            for day in sorted(self.days)[:len(self.days) - self.keep_days]:
                del self.days[day]

    def best(self, node: dict) -> tuple | None:
        """The smallest label among the loaded entries, within the window of the node's day, that the
        node is a copy of (None: none)."""
        day = day_of(node["seen"])
        keys = node["keys"]
        hashes = key_hashes(keys)
        shingles = as_shingles(node["shingles"])
        verified: dict[tuple[int, int], bool] = {}
        best = None
        for other in days_around([day], self.window_days):
            index = self.days.get(other)
            if not index:
                continue
            for at, members in index.lookup(hashes):
                exact = is_exact_key(keys[at])
                if not exact and len(members) >= self.cap:
                    members = sorted(members, key=lambda m: index.labels[m])[:self.pivots]
                for m in members:
                    label = index.labels[m]
                    if best is not None and label >= best:
                        continue
                    if not exact:
                        seen = verified.get((other, m))
                        if seen is None:
                            seen = verified[(other, m)] = is_copy(shingles, as_shingles(index.shingles[m]))
                        if not seen:
                            continue
                    best = label
        return best


def signature_recorder(state_dir: str, spill: Spill = INLINE) -> DayRecorder:
    """The write.Recorder of this index: each written row's entry, one file per article file
    (`spill`: the run's, which holds the shingle sets LabelSyndication left handles to)."""
    return DayRecorder(state_dir, functools.partial(entry_of, spill=spill), INDEX_SCHEMA, KEY)
