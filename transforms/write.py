"""WriteArticles and WriteDeadLetters: the only place records become files.

Articles go to hive-partitioned Parquet, `articles/date=YYYY-MM-DD/outlet=OUTLET/part-*.parquet`,
through Beam's FileSystems (local, `gs://`, `s3://` alike). Each file is written under a temporary
name and renamed when complete (a crash leaves no half file under a `.parquet` name), and is named
after the article ids it holds. Rows whose article_id is already in a file of the partition (a rerun,
or an earlier run over overlapping inputs) are not written again: they are counted as
`write.already_present`, and existing files are never rewritten or deleted.

Streaming writes (`windowed=True`) name each file after its window, pane and run as well,
`part-<window start>-p<pane>-<run>-<shard>-<digest>.parquet`, so windows and panes never collide;
a retried bundle of a pane finds its rows already present and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from schemas.article import ARTICLE_SCHEMA, DICTIONARY_COLUMNS
from schemas.dead_letter import DEAD, dead_letter
from transforms.packed import pack, unpack
from transforms.runtime import counter
from transforms.storage import join, matching, temp_name, write_atomically
from transforms.text.identity import partition_date, safe_partition_value

LOG = logging.getLogger(__name__)
ROW_GROUP_ROWS = 10_000     # ~50-100 MB of text before compression: a good unit for warehouse scans


def partition_of(article: dict) -> tuple[str, str]:
    """(date, outlet) folder values for an article, both safe as path parts."""
    date, _ = partition_date(article.get("published_at"), article["fetched_at"])
    return date, safe_partition_value(article.get("outlet"))


def partition_dir(output: str, date: str, outlet: str) -> str:
    return join(output, "articles", f"date={date}", f"outlet={outlet}")


def to_arrow(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def arrow_batches(rows, on_bad_row):
    """Arrow tables of up to ROW_GROUP_ROWS rows; a row Arrow refuses is passed to `on_bad_row`."""
    chunk = []

    def convert(chunk):
        try:
            return to_arrow(chunk)
        except (pa.ArrowException, TypeError, ValueError):
            good = []
            for row in chunk:  # find the culprit(s) one row at a time, keep the rest
                try:
                    to_arrow([row])
                    good.append(row)
                except (pa.ArrowException, TypeError, ValueError) as error:
                    on_bad_row(row, error)
            return to_arrow(good) if good else None

    for row in rows:
        chunk.append(row)
        if len(chunk) >= ROW_GROUP_ROWS:
            table = convert(chunk)
            if table is not None:
                yield table
            chunk = []
    if chunk:
        table = convert(chunk)
        if table is not None:
            yield table


def existing_ids(directory: str) -> dict[str, str]:
    """article_id → file for the Parquet files already in a partition folder."""
    found = {}
    for path in matching(join(directory, "*.parquet")):
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            ids = pq.read_table(f, columns=["article_id"]).column("article_id").to_pylist()
        found.update(dict.fromkeys(ids, path))
    return found


def window_file_stem(window, pane, run_tag: str, shard: int) -> str:
    """`part-20261121T224500-p0-<run>-0000`: unique per window, pane, run and shard."""
    start = getattr(window, "start", None)
    stamp = start.to_utc_datetime().strftime("%Y%m%dT%H%M%S") if start is not None else "global"
    index = getattr(pane, "index", 0) or 0
    return f"part-{stamp}-p{index}-{safe_partition_value(run_tag, 'run')}-{shard:04d}"


@dataclass(frozen=True)
class Destination:
    """Where files go and how they are named: batch files by their content alone; streaming files
    (`windowed`) by window, pane and run as well, so that windows and panes never collide."""
    output: str
    windowed: bool = False
    run_tag: str = ""

    def stem(self, window, pane, shard: int, default: str) -> str:
        return window_file_stem(window, pane, self.run_tag, shard) if self.windowed else default


def write_parquet(directory: str, shard: int, rows, on_bad_row, stem: str | None = None) -> tuple[str | None, int, int]:
    """Write the rows not yet in the partition to one new file named `<stem>-<digest>.parquet`
    (default stem `part-<shard>`). Returns (path or None, rows written, rows skipped because an
    earlier file holds them). Existing files are never rewritten or deleted, so a rerun, a retried
    bundle or a run over overlapping inputs cannot lose or duplicate a row."""
    stem = stem or f"part-{shard:04d}"
    already = existing_ids(directory)
    temp = temp_name(join(directory, f"{stem}.parquet"))
    ids, skipped, writer, handle = [], 0, None, None

    def fresh(rows):
        nonlocal skipped
        for row in rows:
            if row["article_id"] in already:
                skipped += 1
            else:
                already[row["article_id"]] = temp   # one row per id within this file too
                yield row

    try:
        for table in arrow_batches(fresh(rows), on_bad_row):
            if writer is None:
                handle = FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED)
                writer = pq.ParquetWriter(
                    handle, ARTICLE_SCHEMA, compression="zstd", use_dictionary=DICTIONARY_COLUMNS,
                    write_statistics=True, coerce_timestamps="us", allow_truncated_timestamps=True)
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            ids.extend(table.column("article_id").to_pylist())
    finally:
        if writer is not None:
            writer.close()
        if handle is not None:
            handle.close()
    if not ids:
        return None, 0, skipped
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]
    final = join(directory, f"{stem}-{digest}.parquet")
    FileSystems.rename([temp], [final])
    return final, len(ids), skipped


class WritePartitionDoFn(beam.DoFn):
    def __init__(self, destination: Destination):
        super().__init__()
        self.destination = destination
        self._written = counter("articles_written")
        self._files = counter("write.files")
        self._skipped = counter("write.already_present")
        self._dead = counter("dead.write")

    def process(self, keyed, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        (date, outlet, shard), packed = keyed
        sources = []
        rows = (unpack(blob) for blob in packed)
        rows = (sources.append(row["source"]) or row for row in rows)
        bad = []
        stem = self.destination.stem(window, pane, shard, None)
        path, written, skipped = write_parquet(partition_dir(self.destination.output, date, outlet), shard, rows,
                                               lambda row, error: bad.append((row, error)), stem)
        self._written.inc(written)
        self._skipped.inc(skipped)
        if path:
            self._files.inc()
        if path or skipped:   # `sources`: the rows the output now holds, written here or already present
            refused = {row.get("source") for row, _ in bad}
            yield {"path": path, "rows": written, "date": date, "outlet": outlet,
                   "sources": [s for s in sources if s not in refused]}
        for row, error in bad:
            self._dead.inc()
            yield beam.pvalue.TaggedOutput(DEAD, dead_letter(row.get("source", "?"), "write", "schema", error=error))


class WriteArticles(beam.PTransform):
    """articles → (written files, dead letters). `shards` files per partition spread a large
    outlet-day over workers; the shard of an article is fixed by its id."""

    def __init__(self, output: str, shards: int = 1, windowed: bool = False, run_tag: str = ""):
        super().__init__()
        self.destination = Destination(output, windowed, run_tag)
        self.shards = max(1, shards)

    def expand(self, articles):
        shards = self.shards
        results = (articles
                   | "KeyByPartition" >> beam.Map(lambda a: ((*partition_of(a), int(a["article_id"][:8], 16) % shards), pack(a)))
                   | "GroupByPartition" >> beam.GroupByKey()
                   | "WriteParquet" >> beam.ParDo(WritePartitionDoFn(self.destination))
                   .with_outputs(DEAD, main="ok"))
        return results.ok, results[DEAD]


# --------------------------------------------------------------------------- dead letters


def dead_letter_json(record: dict) -> str:
    def default(value):
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        return str(value)
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=default)


def write_dead_letters(output: str, stage: str, records, stem: str = "part") -> str:
    """All dead letters of one stage into `dead_letter/stage=STAGE/<stem>-<digest>.jsonl` (rerun-safe)."""
    lines = sorted(dead_letter_json(r) for r in records)
    keys = sorted(f"{json.loads(l)['input_ref']}\x1f{json.loads(l)['reason']}" for l in lines)
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    directory = join(output, "dead_letter", f"stage={safe_partition_value(stage)}")
    return write_atomically(join(directory, f"{stem}-{digest}.jsonl"), ("\n".join(lines) + "\n").encode("utf-8"))


class WriteDeadLetters(beam.PTransform):
    """dead letters → the files they were written to."""

    def __init__(self, output: str, windowed: bool = False, run_tag: str = ""):
        super().__init__()
        self.destination = Destination(output, windowed, run_tag)

    def expand(self, dead_letters):
        destination = self.destination

        def write(keyed, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
            stage, records = keyed
            return write_dead_letters(destination.output, stage, records, destination.stem(window, pane, 0, "part"))

        return (dead_letters
                | "KeyByStage" >> beam.Map(lambda d: (d["stage"], d))
                | "GroupByStage" >> beam.GroupByKey()
                | "WriteJsonLines" >> beam.Map(write))
