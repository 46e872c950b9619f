"""WriteArticles and WriteDeadLetters: the only place records become files, and the one place a
duplicate article_id is stopped.

Articles go to hive-partitioned Parquet, `articles/date=YYYY-MM-DD/outlet=OUTLET/part-*.parquet`,
through Beam's FileSystems (local, `gs://`, `s3://` alike). Each file is written under a temporary
name and renamed when complete (a crash leaves no half file under a `.parquet` name), and is named
after the article ids it holds. Existing files are never rewritten or deleted.

One row per article_id in the whole output: every id is claimed in the id index (ids.py) before
its row is written, and an id claimed before goes to the partition it was first claimed for, where
it is written only if that partition does not hold it. An article not written for that reason (a
rerun, a touched or copied input, an earlier run over overlapping inputs, the same id twice in one
run) is counted as `write.already_present`.

Streaming writes (`windowed=True`) name each file after its window, pane and run as well,
`part-<window start>-p<pane>-<run>-<shard>-<digest>.parquet`, so windows and panes never collide;
a retried bundle of a pane finds its rows already present and adds nothing.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from schemas.article import ARTICLE_SCHEMA, DICTIONARY_COLUMNS, LONG_COLUMNS, STATISTICS_COLUMNS
from schemas.dead_letter import DEAD, dead_letter
from transforms import ids, state
from transforms.packed import INLINE, pack, unpack
from transforms.runtime import counter
from transforms.spill import Spill
from transforms.storage import join, matching, temp_name, write_atomically
from transforms.text.identity import partition_date, safe_partition_value

LOG = logging.getLogger(__name__)
ROW_GROUP_ROWS = 10_000     # ~50-100 MB of text before compression: a good unit for warehouse scans
REQUEST = "request"         # tagged output: an article's claim request, keyed by id shard


def partition_of(article: dict) -> tuple[str, str]:
    """(date, outlet) folder values for an article, both safe as path parts."""
    date, _ = partition_date(article.get("published_at"), article["fetched_at"])
    return date, safe_partition_value(article.get("outlet"))


def partition_dir(output: str, date: str, outlet: str) -> str:
    return join(output, "articles", f"date={date}", f"outlet={outlet}")


@functools.cache
def column_codecs() -> dict[str, str]:
    """Parquet leaf column path (`entities.list.element.text`) → codec, by its top-level column."""
    buffer = pa.BufferOutputStream()
    pq.write_table(ARTICLE_SCHEMA.empty_table(), buffer)
    schema = pq.ParquetFile(pa.BufferReader(buffer.getvalue())).schema
    paths = [schema.column(i).path for i in range(len(schema))]
    return {path: "zstd" if path.split(".")[0] in LONG_COLUMNS else "snappy" for path in paths}


def to_arrow(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def arrow_batches(rows, on_bad_row):
    """(Arrow table, its rows) of up to ROW_GROUP_ROWS rows; a row Arrow refuses goes to `on_bad_row`."""
    chunk = []

    def convert(chunk):
        try:
            return to_arrow(chunk), chunk
        except (pa.ArrowException, TypeError, ValueError):
            good = []
            for row in chunk:  # find the culprit(s) one row at a time, keep the rest
                try:
                    to_arrow([row])
                    good.append(row)
                except (pa.ArrowException, TypeError, ValueError) as error:
                    on_bad_row(row, error)
            return (to_arrow(good), good) if good else None

    for row in rows:
        chunk.append(row)
        if len(chunk) >= ROW_GROUP_ROWS:
            converted = convert(chunk)
            if converted is not None:
                yield converted
            chunk = []
    if chunk:
        converted = convert(chunk)
        if converted is not None:
            yield converted


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

    def stem(self, window, pane, shard: int, default: str | None) -> str | None:
        return window_file_stem(window, pane, self.run_tag, shard) if self.windowed else default


def write_parquet(directory: str, shard: int, rows, on_bad_row, stem: str | None = None,
                  on_written=None) -> tuple[str | None, int, int]:
    """Write the rows not yet in the partition to one new file named `<stem>-<digest>.parquet`
    (default stem `part-<shard>`). Returns (path or None, rows written, rows skipped because an
    earlier file holds them). Existing files are never rewritten or deleted, so a rerun, a retried
    bundle or a run over overlapping inputs cannot lose or duplicate a row. `on_written(rows)` sees
    every batch of rows that went into the file, before it is renamed into place."""
    stem = stem or f"part-{shard:04d}"
    already = existing_ids(directory)
    temp = temp_name(join(directory, f"{stem}.parquet"))
    written_ids, skipped, writer, handle = [], 0, None, None

    def fresh(rows):
        nonlocal skipped
        for row in rows:
            if row["article_id"] in already:
                skipped += 1
            else:
                already[row["article_id"]] = temp   # one row per id within this file too
                yield row

    try:
        for table, written_rows in arrow_batches(fresh(rows), on_bad_row):
            if writer is None:
                handle = FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED)
                writer = pq.ParquetWriter(
                    handle, ARTICLE_SCHEMA, compression=column_codecs(), use_dictionary=DICTIONARY_COLUMNS,
                    write_statistics=STATISTICS_COLUMNS, coerce_timestamps="us", allow_truncated_timestamps=True)
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            written_ids.extend(table.column("article_id").to_pylist())
            if on_written is not None:
                on_written(written_rows)
    finally:
        if writer is not None:
            writer.close()
        if handle is not None:
            handle.close()
    if not written_ids:
        return None, 0, skipped
    digest = hashlib.sha256("\n".join(sorted(written_ids)).encode()).hexdigest()[:16]
    final = join(directory, f"{stem}-{digest}.parquet")
    FileSystems.rename([temp], [final])
    return final, len(written_ids), skipped


class Recorder:
    """What else is kept of each row written, after its file is in place (the dedup and story
    indexes under OUTPUT/_state/, given by the graph builder: the writer knows none of them)."""

    def entry(self, row: dict):
        """What to keep of one written row (None: nothing)."""
        raise NotImplementedError

    def write(self, entries: list, date: str, outlet: str, path: str) -> None:
        """Keep the entries of the rows now in `path`, partition (date, outlet)."""
        raise NotImplementedError


class DayRecorder(Recorder):
    """A Recorder into an append-only folder per partition day, `<root>/day=YYYY-MM-DD/`: one file
    of `entry(row)` per article file."""

    def __init__(self, root: str, entry, schema: pa.Schema, key: str = "article_id"):
        self.root, self._entry, self.schema, self.key = root, entry, schema, key

    def entry(self, row: dict):
        return self._entry(row)

    def write(self, entries: list, date: str, outlet: str, path: str) -> None:
        state.append(state.day_folder(self.root, date), entries, self.schema, self.key, prefix=outlet)


def _claim_requests(article, shards: int, spill: Spill = INLINE):
    """The article keyed by its partition and shard, and on REQUEST its claim request by id shard."""
    key = (*partition_of(article), int(article["article_id"][:8], 16) % shards)
    yield key, (article["article_id"], pack(article, spill))
    yield beam.pvalue.TaggedOutput(REQUEST, (ids.shard_of(article["article_id"]), (article["article_id"], key[0], key[1], key)))


class ClaimIdsDoFn(beam.DoFn):
    """One id shard's requests → (partition key, Verdict) for each, after claiming the new ids."""

    def __init__(self, output: str, run: str):
        super().__init__()
        self.output, self.run = output, run

    def process(self, keyed):
        shard, requests = keyed
        yield from ids.resolve(self.output, shard, list(requests), self.run)


class WritePartitionDoFn(beam.DoFn):
    """(partition key, {articles, verdicts}) → written files: each article as its verdict says (into
    the partition its id was first claimed for), then the recorders' entries of the rows written."""

    def __init__(self, destination: Destination, run: str, recorders=(), spill: Spill = INLINE):
        super().__init__()
        self.destination, self.run, self.recorders = destination, run, tuple(recorders)
        self.spill = spill
        self._written = counter("articles_written")
        self._files = counter("write.files")
        self._skipped = counter("write.already_present")
        self._moved = counter("write.kept_first_partition")
        self._dead = counter("dead.write")

    def verdicts(self, key, article_ids: list[str], given) -> dict[str, ids.Verdict]:
        """id → Verdict; an article whose verdict is not here (a late pane of a stream) is claimed now."""
        verdicts = {}
        for v in given:
            old = verdicts.get(v.article_id)
            verdicts[v.article_id] = v if old is None or v.may_write else old
        by_shard: dict[str, list] = {}
        for article_id in dict.fromkeys(i for i in article_ids if i not in verdicts):
            by_shard.setdefault(ids.shard_of(article_id), []).append((article_id, key[0], key[1], key))
        for shard, requests in by_shard.items():
            verdicts.update((v.article_id, v) for _, v in ids.resolve(self.destination.output, shard, requests, self.run))
        return verdicts

    def process(self, keyed, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        key, group = keyed
        date, outlet, shard = key
        verdicts = self.verdicts(key, [article_id for article_id, _ in group["article"]], group["verdict"])
        elsewhere: dict[tuple[str, str], list[dict]] = {}

        def rows_here():
            for article_id, blob in group["article"]:
                verdict = verdicts[article_id]
                if not verdict.may_write:
                    self._skipped.inc()
                elif (verdict.date, verdict.outlet) != (date, outlet):
                    elsewhere.setdefault((verdict.date, verdict.outlet), []).append(unpack(blob, self.spill))
                else:
                    yield unpack(blob, self.spill)

        yield from self.write(date, outlet, shard, rows_here(), window, pane)
        for (first_date, first_outlet), rows in sorted(elsewhere.items()):
            self._moved.inc(len(rows))   # claimed for another partition before: looked for there
            yield from self.write(first_date, first_outlet, shard, rows, window, pane)

    def write(self, date, outlet, shard, rows, window, pane):
        bad, entries, sources = [], [[] for _ in self.recorders], []
        rows = (sources.append(row["source"]) or row for row in rows)

        def keep(written_rows):
            for recorder, kept in zip(self.recorders, entries):
                kept.extend(e for e in map(recorder.entry, written_rows) if e is not None)

        stem = self.destination.stem(window, pane, shard, None)
        path, written, skipped = write_parquet(partition_dir(self.destination.output, date, outlet), shard, rows,
                                               lambda row, error: bad.append((row, error)), stem, keep)
        self._written.inc(written)
        self._skipped.inc(skipped)
        if path:
            for recorder, kept in zip(self.recorders, entries):
                recorder.write(kept, date, outlet, path)
            self._files.inc()
        if path or skipped:   # `sources`: the rows the output now holds, written here or already present
            refused = {row.get("source") for row, _ in bad}
            yield {"path": path, "rows": written, "date": date, "outlet": outlet,
                   "sources": [s for s in sources if s not in refused]}
        for row, error in bad:
            self._dead.inc()
            yield beam.pvalue.TaggedOutput(DEAD, dead_letter(row.get("source", "?"), "write", "schema", error=error))


class WriteArticles(beam.PTransform):
    """articles → (written files, dead letters), at most one row per article_id in the whole output.

    Every article's id is claimed in the id index (ids.py) before rows are written, one step per id
    shard; the verdicts meet the articles at their partition, where each is written (into the
    partition its id was first claimed for, unless that partition holds it) or counted as already
    present. `shards` files per partition spread a large outlet-day over workers (the shard of an
    article is fixed by its id); `recorders` (Recorder) keep more of each row written. With a `spill`
    folder (a local run) the partition shuffle holds handles to the packed articles, not the articles."""

    def __init__(self, output: str, shards: int = 1, windowed: bool = False, run_tag: str = "", recorders=(),
                 spill: Spill = INLINE):
        super().__init__()
        self.spill = spill
        self.destination = Destination(output, windowed, run_tag)
        self.shards = max(1, shards)
        self.run = run_tag or f"run-{uuid.uuid4().hex[:12]}"   # whose claims are whose
        self.recorders = tuple(recorders)

    def expand(self, articles):
        shards = self.shards
        keyed = articles | "KeyByPartition" >> beam.FlatMap(_claim_requests, shards, self.spill).with_outputs(REQUEST, main="articles")
        verdicts = (keyed[REQUEST]
                    | "ByIdShard" >> beam.GroupByKey()
                    | "ClaimIds" >> beam.ParDo(ClaimIdsDoFn(self.destination.output, self.run)))
        results = ({"article": keyed.articles, "verdict": verdicts}
                   | "JoinVerdicts" >> beam.CoGroupByKey()
                   | "WriteParquet" >> beam.ParDo(WritePartitionDoFn(self.destination, self.run, self.recorders,
                                                                        self.spill))
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
