"""`newsbeam state --output DIR [--rebuild] [BEAM OPTIONS]`: what OUTPUT/_state/ holds, and its
indexes computed again from the article rows of the output.

The indexes (the id index, transforms/ids.py; the signature index, transforms/dedup/index.py; the
story index, transforms/dedup/story_index.py) are derived from the rows: every entry is a function
of one row as written. `--rebuild` deletes them and writes them again from every article file, one
Beam job (so it runs where the runs run): each file's signature and story entries next to it, as the
writer keeps them, and the claims of each id shard in one file. Run it when nothing else writes
into DIR (an interrupted rebuild is finished by running it again), e.g. for an output written
before the indexes existed, or after an index was lost.
"""
from __future__ import annotations

import argparse
import re

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms import ids, state
from transforms.dedup.index import signature_recorder
from transforms.dedup.story_index import story_recorder
from transforms.runtime import counter
from transforms.storage import join, matching

INDEXES = ("ids", "dedup", "stories")
COLUMNS = ["article_id", "url", "title", "text", "content_hash", "published_at", "fetched_at", "cluster_id",
           "is_duplicate", "story_id"]
PARTITION = re.compile(r"/date=([^/]+)/outlet=([^/]+)/[^/]+$")


def index_files(output: str, name: str) -> list:
    try:
        found = FileSystems.match([join(output, "_state", name, "*", "*.parquet")])[0].metadata_list
    except Exception:  # noqa: BLE001 - no such index yet
        return []
    return sorted(found, key=lambda m: m.path)


def describe(output: str) -> str:
    """One line per index: entries, files, folders and bytes."""
    lines = []
    for name in INDEXES:
        files = index_files(output, name)
        entries = 0
        for meta in files:
            with FileSystems.open(meta.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                entries += pq.ParquetFile(f).metadata.num_rows
        folders = len({m.path.rsplit("/", 2)[1] for m in files})
        size = sum(m.size_in_bytes for m in files)
        lines.append(f"{name}: {entries} entries in {len(files)} files of {folders} folders, {size / 1e6:.2f} MB")
    return "\n".join(lines)


class RebuildFileDoFn(beam.DoFn):
    """An article file → its signature and story entries written, and a claim request per row."""

    def __init__(self, output: str):
        super().__init__()
        self.output = output
        self.recorders = (signature_recorder(join(output, "_state", "dedup")), story_recorder(join(output, "_state", "stories")))
        self._rows = counter("state.rows")

    def process(self, path: str):
        date, outlet = PARTITION.search(path).groups()
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            rows = pq.read_table(f, columns=COLUMNS).to_pylist()
        for recorder in self.recorders:
            recorder.write([e for e in map(recorder.entry, rows) if e is not None], date, outlet, path)
        self._rows.inc(len(rows))
        for row in rows:
            yield ids.shard_of(row["article_id"]), (row["article_id"], date, outlet)


def write_claims(shard: str, requests, output: str) -> int:
    """One claims file per shard: each id's smallest partition (an id in two partitions is counted)."""
    first: dict[str, tuple] = {}
    repeats = 0
    for article_id, date, outlet in sorted(requests):
        repeats += article_id in first
        first.setdefault(article_id, (date, outlet))
    rows = [{ids.KEY: i, "date": d, "outlet": o, "run": "rebuild", "claimed_at": 0.0} for i, (d, o) in first.items()]
    for chunk in range(0, len(rows), 500_000):   # a shard of a very large output in a few files
        state.append(ids.shard_dir(output, shard), rows[chunk:chunk + 500_000], ids.ID_SCHEMA, ids.KEY, "claims-rebuild")
    return repeats


def build_rebuild(pipeline: beam.Pipeline, output: str, files: list[str]):
    repeated = counter("state.ids_in_two_partitions")
    return (pipeline
            | "ArticleFiles" >> beam.Create(files)
            | "Spread" >> beam.Reshuffle()
            | "Entries" >> beam.ParDo(RebuildFileDoFn(output))
            | "ByShard" >> beam.GroupByKey()
            | "Claims" >> beam.MapTuple(lambda shard, requests: repeated.inc(write_claims(shard, requests, output))))


def delete_indexes(output: str) -> None:
    for name in INDEXES:
        paths = [m.path for m in index_files(output, name)]
        if paths:
            FileSystems.delete(paths)


def state_main(parser: argparse.ArgumentParser, flags: list[str]) -> int:
    """The command, given the parser of the command line (with --output)."""
    from pipelines.checks import make_pipeline
    parser.add_argument("--rebuild", action="store_true", help="compute the indexes again from the articles")
    args, beam_flags = parser.parse_known_args(flags)
    if not matching(join(args.output, "_runs", "*.json")):   # every run leaves its summary there
        parser.error(f"no run has written to {args.output}")
    if args.rebuild:
        from apache_beam.options.pipeline_options import PipelineOptions
        from apache_beam.metrics.metric import MetricsFilter
        files = matching(join(args.output, "articles", "date=*", "outlet=*", "*.parquet"))
        delete_indexes(args.output)
        pipeline = make_pipeline(PipelineOptions(beam_flags))
        build_rebuild(pipeline, args.output, files)
        result = pipeline.run()
        result.wait_until_finish()
        values = {c.key.metric.name: c.committed for c in result.metrics().query(
            MetricsFilter().with_namespace("newsbeam"))["counters"]}
        print(f"newsbeam state: rebuilt {', '.join(INDEXES)} from {values.get('state.rows', 0)} articles in "
              f"{len(files)} files ({values.get('state.ids_in_two_partitions', 0)} ids found in two partitions)")
    print(describe(args.output))
    return 0
