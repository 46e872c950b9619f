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
  Beam lifts the combine into the producing stage, so the records never exist as Python objects.
"""
from __future__ import annotations

import pickle
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


class Records(beam.CombineFn):
    """(key: 0 <= int < 2**63, payload: bytes) → (keys, payload lengths, payloads): three flat buffers
    (keys below 2**63: Beam's coders take signed 64-bit integers)."""

    def create_accumulator(self):
        return [array("Q"), array("I"), bytearray()]

    def add_input(self, acc, record):
        key, payload = record
        acc[0].append(key)
        acc[1].append(len(payload))
        acc[2].extend(payload)
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for keys, lengths, payloads in accs:
            merged[0].extend(keys)
            merged[1].extend(lengths)
            merged[2].extend(payloads)
        return merged

    def extract_output(self, acc):
        return acc

    def get_accumulator_coder(self):
        from apache_beam.coders import PickleCoder
        return PickleCoder()  # arrays and bytearrays pickle as their raw bytes


def groups(records, min_size: int = 1):
    """(key, [payloads]) for each key of a Records output with at least `min_size` records, in key
    order; payloads of one key in the order they were added."""
    keys, lengths, payloads = records
    if not len(keys):
        return
    keys = np.frombuffer(keys, dtype=np.uint64) if isinstance(keys, array) else np.asarray(keys, dtype=np.uint64)
    lengths = np.frombuffer(lengths, dtype=np.uint32) if isinstance(lengths, array) else np.asarray(lengths, np.uint32)
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
