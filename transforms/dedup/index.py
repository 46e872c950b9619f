"""The signature index that carries syndication groups across runs: OUTPUT/_state/dedup/index-NN.parquet.

One row per recent article: its id, rank time, canonical (cluster_id), bucket keys and shingle set,
and when it was seen. Only articles within `window_days` of the newest one are kept, so the index is
bounded by the dedup window, not by the history of the output folder. Files go through Beam
FileSystems (local, gs://, s3:// alike), each written under a temporary name and renamed over the
previous version of its shard, so a reader never sees half a file.

Entries read back rank before anything new (priority 0 in `rank_key`) and keep the canonical they
were written with: a later copy of an article already written points at that article's canonical,
and the rows already on disk never need rewriting.
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.packed import INLINE, pack, unpack
from transforms.runtime import counter
from transforms.spill import Spill
from transforms.storage import join, matching, temp_name

INDEX_SHARDS = 8

INDEX_SCHEMA = pa.schema([
    ("article_id", pa.string()),
    ("rank_time", pa.string()),
    ("canonical", pa.string()),
    ("keys", pa.list_(pa.string())),
    ("shingles", pa.binary()),
    ("seen", pa.timestamp("us", tz="UTC")),
])


def index_files(state_dir: str) -> list[str]:
    return matching(join(state_dir, "index-*.parquet"))


def entry_to_node(entry: dict) -> dict:
    return {"id": entry["article_id"], "rank": f"0|{entry['rank_time']}|{entry['article_id']}",
            "canonical": entry["canonical"], "keys": list(entry["keys"]), "shingles": entry["shingles"],
            "seen": entry["seen"]}


def node_to_entry(node: dict, canonical: str) -> dict:
    return {"article_id": node["id"], "rank_time": node["rank"].split("|")[1], "canonical": canonical,
            "keys": node["keys"], "shingles": node["shingles"], "seen": node["seen"]}


def within_window(entries: list[dict], window_days: float, newest: dt.datetime | None = None) -> list[dict]:
    times = [e["seen"] for e in entries if e["seen"] is not None]
    newest = newest or (max(times) if times else None)
    if newest is None:
        return entries
    oldest = newest - dt.timedelta(days=window_days)
    return [e for e in entries if e["seen"] is None or e["seen"] >= oldest]


def read_index_file(path: str):
    """The entries of one index file, a record batch at a time, as graph nodes."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=1024):
            for entry in batch.to_pylist():
                yield entry_to_node(entry)


def read_index(state_dir: str, window_days: float) -> list[dict]:
    """Every entry of the index within the window of its newest entry (a plain helper for tests and
    tools; the pipeline reads file by file and leaves the window to the writer)."""
    nodes = [n for path in index_files(state_dir) for n in read_index_file(path)]
    times = [n["seen"] for n in nodes if n["seen"] is not None]
    if not times:
        return nodes
    oldest = max(times) - dt.timedelta(days=window_days)
    return [n for n in nodes if n["seen"] is None or n["seen"] >= oldest]


def write_index_shard(state_dir: str, shard: int, entries: list[dict]) -> str:
    final = join(state_dir, f"index-{shard:02d}.parquet")
    temp = temp_name(final)
    entries = sorted(entries, key=lambda e: e["article_id"])
    with FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        pq.write_table(pa.Table.from_pylist(entries, schema=INDEX_SCHEMA), f, compression="zstd")
    FileSystems.rename([temp], [final])
    return final


class ReadSignatureIndex(beam.PTransform):
    """The index's entries as (article_id, packed node), like LabelSyndication's own nodes."""

    def __init__(self, state_dir: str, window_days: float, spill: Spill = INLINE):
        super().__init__()
        self.state_dir, self.window_days, self.spill = state_dir, window_days, spill

    def expand(self, pbegin):
        # One file per worker call, streamed in record batches: no worker holds the whole index. The
        # index was cut to the window when it was written; a shard no run has rewritten since may
        # hold older entries, which only ever match true copies and are dropped at the next write.
        loaded = counter("dedup.index_read")
        spill = self.spill

        def read(path):
            for node in read_index_file(path):
                loaded.inc()
                node["shingles"] = spill.put(node["shingles"])
                yield node["id"], pack(node, spill)
        return (pbegin
                | "StateDir" >> beam.Create([self.state_dir])
                | "IndexFiles" >> beam.FlatMap(index_files)
                | "SpreadFiles" >> beam.Reshuffle()
                | "ReadEntries" >> beam.FlatMap(read))


def _prefer_earlier(joined):
    """One node per article id: the index's when this article was written before (a rerun)."""
    article_id, group = joined
    earlier = list(group["earlier"])
    yield article_id, earlier[0] if earlier else list(group["new"])[0]


def merge_with_index(nodes, earlier):
    """(article_id, packed node) of this run and of the index → one per article id."""
    return ({"new": nodes, "earlier": earlier}
            | "JoinIndex" >> beam.CoGroupByKey()
            | "OneNodePerId" >> beam.FlatMap(_prefer_earlier))


def _index_entry(joined, spill: Spill):
    _, group = joined
    labels = list(group["label"])
    for packed in group["node"]:
        node = unpack(packed, spill)
        node["shingles"] = spill.get(node["shingles"])
        if node["rank"].startswith("0|") or not labels:
            canonical = node["canonical"]   # written before: its rows keep the canonical they have
        else:
            canonical = labels[0][2]
        yield node_to_entry(node, canonical)


class WriteSignatureIndex(beam.PTransform):
    """(nodes, labels) → the index files written (entries within the window of the newest)."""

    def __init__(self, state_dir: str, window_days: float, shards: int = INDEX_SHARDS, spill: Spill = INLINE):
        super().__init__()
        self.state_dir, self.window_days, self.shards, self.spill = state_dir, window_days, shards, spill

    def expand(self, nodes_and_labels):
        """nodes: (article_id, packed node); labels: (article_id, label ref)."""
        nodes, labels = nodes_and_labels
        state_dir, window, shards = self.state_dir, self.window_days, self.shards
        entries = ({"node": nodes, "label": labels}
                   | "JoinLabels" >> beam.CoGroupByKey()
                   | "Entries" >> beam.FlatMap(_index_entry, self.spill))
        newest = (entries
                  | "SeenTimes" >> beam.FlatMap(lambda e: [e["seen"]] if e["seen"] is not None else [])
                  | "Newest" >> beam.CombineGlobally(lambda times: max(times, default=None)))
        return (entries
                | "InWindow" >> beam.FlatMap(lambda e, newest: within_window([e], window, newest),
                                             beam.pvalue.AsSingleton(newest))
                | "ByShard" >> beam.Map(lambda e: (int(e["article_id"][:8], 16) % shards, e))
                | "GroupShard" >> beam.GroupByKey()
                | "WriteShard" >> beam.MapTuple(lambda shard, es: write_index_shard(state_dir, shard, list(es))))
