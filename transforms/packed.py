"""What crosses a shuffle, made small: packed articles, and many small records grouped in a few arrays.

Beam's local runner holds every GroupByKey and CoGroupByKey in memory until the stage that reads it
runs, each value decoded into its own Python objects (bench/RESULTS.md). Two forms keep that small:

- `pack` / `unpack`: an article as a zlib-compressed pickle of its dict (a tagged news article is
  about 4.3 KB against 10.2 KB in Beam's own encoding), or, given a Spill with a folder (the local
  runner, transforms/spill.py), a 16-byte handle to that blob on local disk. Only our stages unpack.
- `Records` / `groups`: a CombineFn that gathers (64-bit key, bytes) records into three flat buffers
  per shard key, so that a shuffle of one record per article per LSH band (85 of them) costs about
  12 bytes plus the payload per record, instead of a dict entry, a list and a tuple of strings for
  each (~800 bytes). `groups` then yields the records of each key in key order, like a GroupByKey.
  Beam lifts the combine into the producing stage, so the records never exist as Python objects;
  given a Spill with a folder they also wait on disk, in chunks (`Records`).
"""
from __future__ import annotations

import pickle
import struct
import zlib
from array import array

import apache_beam as beam
import numpy as np

from transforms.spill import Spill

INLINE = Spill(None)


def pack(article: dict, spill: Spill = INLINE) -> bytes:
    return spill.put(zlib.compress(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL), 1))


def unpack(blob: bytes, spill: Spill = INLINE) -> dict:
    return pickle.loads(zlib.decompress(spill.get(blob)))


CHUNK_BYTES = 1 << 16   # a Records accumulator past this many bytes goes to the spill as one chunk
_COUNT = struct.Struct("<I")


class Records(beam.CombineFn):
    """(key: 0 <= int < 2**63, payload: bytes) → (keys, payload lengths, payloads, chunks): three flat
    buffers (keys below 2**63: Beam's coders take signed 64-bit integers) and, given a Spill with a
    folder, the handles of the CHUNK_BYTES pieces already written to it. On the local runner every
    shard's accumulator waits in memory, twice over (the producing stage's combiner table, then the
    shuffle), so without chunks the records of the whole run would: 85 band records an article are
    3 KB (bench/RESULTS.md). With chunks what waits is 16 bytes a chunk, and `groups` reads one
    shard's chunks back when its stage runs."""

    def __init__(self, spill: Spill = INLINE, chunk_bytes: int | None = None):
        super().__init__()
        self.spill, self.chunk_bytes = spill, chunk_bytes or CHUNK_BYTES

    def create_accumulator(self):
        return [array("Q"), array("I"), bytearray(), []]

    def add_input(self, acc, record):
        key, payload = record
        acc[0].append(key)
        acc[1].append(len(payload))
        acc[2].extend(payload)
        if len(acc[2]) + 12 * len(acc[0]) >= self.chunk_bytes:
            self._write_chunk(acc)
        return acc

    def _write_chunk(self, acc):
        """The buffers to the spill as one chunk (count, keys, lengths, payloads); a no-op inline."""
        if self.spill.inline or not acc[0]:
            return
        acc[3].append(self.spill.put(b"".join((_COUNT.pack(len(acc[0])), acc[0].tobytes(), acc[1].tobytes(), acc[2]))))
        acc[0], acc[1], acc[2] = array("Q"), array("I"), bytearray()

    def merge_accumulators(self, accs):
        merged = self.create_accumulator()
        for keys, lengths, payloads, *chunks in accs:
            chunks = chunks[0] if chunks else []
            if chunks:      # what merged holds in memory was added before these chunks: it goes first
                self._write_chunk(merged)
                merged[3].extend(chunks)
            merged[0].extend(keys)
            merged[1].extend(lengths)
            merged[2].extend(payloads)
            if len(merged[2]) + 12 * len(merged[0]) >= self.chunk_bytes:
                self._write_chunk(merged)
        return merged

    def extract_output(self, acc):
        return acc

    def get_accumulator_coder(self):
        from apache_beam.coders import PickleCoder
        return PickleCoder()  # arrays and bytearrays pickle as their raw bytes


def _flat(records, spill: Spill):
    """(keys, lengths, payloads) of a Records output as numpy arrays and one buffer, chunks read back."""
    keys, lengths, payloads, *chunks = records
    parts = [(np.asarray(keys, dtype=np.uint64), np.asarray(lengths, dtype=np.uint32), payloads)]
    for handle in (chunks[0] if chunks else []):
        blob = spill.get(handle)
        n = _COUNT.unpack_from(blob)[0]
        start = _COUNT.size
        parts.insert(len(parts) - 1, (np.frombuffer(blob, np.uint64, n, start), np.frombuffer(blob, np.uint32, n, start + 8 * n),
                                      memoryview(blob)[start + 12 * n:]))
    if len(parts) == 1:
        return parts[0]
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), b"".join(p[2] for p in parts))


def groups(records, min_size: int = 1, spill: Spill = INLINE):
    """(key, [payloads]) for each key of a Records output with at least `min_size` records, in key
    order; payloads of one key in the order they were added. `spill`: the one its chunks are on."""
    keys, lengths, payloads = _flat(records, spill)
    if not len(keys):
        return
    ends = np.cumsum(lengths, dtype=np.int64)
    starts = ends - lengths
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
    run_starts = np.concatenate([[0], bounds])
    run_ends = np.concatenate([bounds, [len(sorted_keys)]])
    big = np.flatnonzero(run_ends - run_starts >= min_size)
    data = memoryview(payloads)
    for run in big:
        members = order[run_starts[run]:run_ends[run]]
        yield int(sorted_keys[run_starts[run]]), [bytes(data[starts[i]:ends[i]]) for i in members]


def distinct(records, width: int, spill: Spill = INLINE):
    """(key, payload) of each distinct record of a Records output whose payloads are all `width`
    bytes, in key order: a Distinct whose repeats wait as a few flat buffers (or spill chunks) instead
    of a Python value each in the runner's GroupingBuffer."""
    keys, lengths, payloads = _flat(records, spill)
    if not len(keys):
        return
    if np.any(lengths != width):
        raise ValueError(f"distinct: records of {width} bytes expected")
    rows = np.empty(len(keys), dtype=[("key", "<u8"), ("payload", f"V{width}")])
    rows["key"] = keys
    rows["payload"] = np.frombuffer(payloads, dtype=f"V{width}", count=len(keys))
    for row in np.unique(rows):
        yield int(row["key"]), bytes(row["payload"])
