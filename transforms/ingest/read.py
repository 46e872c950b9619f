"""ReadInputs: the files of `resolve_inputs` (transforms/ingest/inputs.py) → RawDocument records (an
HTML page, a text article, a feed entry, a JSON Lines record or a WARC/ARC record), each carrying its
manifest metadata.

The file list, with every WARC file planned into byte ranges (transforms/ingest/archive.py), is
reshuffled so that reading spreads over workers. All file access goes through Beam's
FileSystems, so `gs://` and `s3://` inputs work like local ones.

A RawDocument is a dict:
    source       the contract's `source` (relative path, `path#entry-id`, JSONL `id` or `path:line`,
                 `path@offset` for an archive record)
    path         the file it came from
    input_kind   html | text | feed_entry | jsonl | warc | arc
    html / text  the payload (one of them), already decoded to str
    meta         url, outlet, published, title, language, authors, site_name (manifest wins)
    fetched_at   when the document was obtained: the file's modification time for files, so that a
                 rerun on another day puts an undated article in the same partition
    digest       sha256 of the payload, part of the stable article id
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import posixpath
import zlib

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.filters import Filters, count_filtered
from transforms.ingest.archive import ArchiveRange, archive_format, archive_items, count_archive_inputs, plan_ranges
from transforms.ingest.decode import decode_text, digest
from transforms.ingest.feeds import entries_from_feed
from transforms.ingest.inputs import META_KEYS, InputFile
from transforms.runtime import counter
from transforms.stage import Rejected, StageDoFn, apply_stage

HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# What `newsbeam run --help` lists: (suffixes, what a file of that kind gives).
INPUT_KINDS = (
    (".html .htm (.gz)", "an HTML page: one article, extracted with trafilatura"),
    (".txt", "a plain-text article: the first non-empty line is the title, the rest the body"),
    (".xml .rss .atom .rdf", "a feed document (RSS 0.9x/1.0/2.0, RDF, Atom): every entry is an article"),
    (".jsonl .ndjson (.gz)", "JSON Lines: one article a line, fields id, url, outlet, published, title, html or "
                             "text, language"),
    (".warc .arc (.gz)", "a web archive (CC-NEWS, Heritrix, wget): every HTML response with status 200 "
                         "is an article, source path@offset"),
)


def _suffix(path: str) -> str:
    name = posixpath.basename(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return posixpath.splitext(name)[1]


def sniff_kind(path: str, head: bytes) -> str:
    """html | text | feed | jsonl | archive | unknown, by suffix first and content second."""
    suffix = _suffix(path)
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    start = head.lstrip()[:512].lower()
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith(b"warc/1."):
        return "archive"
    if b"<rss" in start or b"<feed" in start or b"<rdf:rdf" in start:
        return "feed"
    if start.startswith(b"<!doctype html") or b"<html" in start:
        return "html"
    return "unknown"


def _fetched_at(mtime: float | None) -> dt.datetime:
    if mtime:
        return dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def read_bytes(path: str, limit: int) -> bytes:
    """The file's bytes, gunzipped when gzipped; Rejected when more than `limit` bytes."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        data = f.read(limit + 1)
    if data[:2] == b"\x1f\x8b":
        try:  # decompress from the file again: the compressed bytes may be cut at `limit`
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                data = gzip.GzipFile(fileobj=f).read(limit + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise Rejected("bad_gzip", f"cannot gunzip: {error}") from error
    if len(data) > limit:
        raise Rejected("too_large", f"larger than the {limit // (1 << 20)} MiB per-document limit")
    return data


def raw_document(input_file: InputFile, input_kind: str, source: str, meta: dict, fetched_at: dt.datetime,
                 *, html: str | None = None, text: str | None = None) -> dict:
    """One document to extract: exactly one of `html` and `text` is set."""
    return {
        "source": source,
        "path": input_file.path,
        "input_kind": input_kind,
        "html": html,
        "text": text,
        "meta": meta,
        "fetched_at": fetched_at,
        "digest": digest(input_kind, html if html is not None else text),
    }


def file_kind(input_file: InputFile) -> tuple[str, bytes]:
    """(kind as sniff_kind says, the first bytes of the content); Rejected for an empty file."""
    if input_file.size == 0:
        raise Rejected("empty", "empty file")
    with FileSystems.open(input_file.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        head = f.read(2048)
    if head[:2] == b"\x1f\x8b":
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read1(1024)  # a gzip's first block suffices
        except (OSError, EOFError, zlib.error):
            pass
    return sniff_kind(input_file.path, head), head


def count_inputs(input_file: InputFile, max_bytes: int = 10 << 20) -> int:
    """How many inputs the run will count for this file (documents plus dead letters at read), without
    extracting anything: for the progress display's time left. A JSON Lines file counts its non-blank
    lines, a feed its entries, a web archive its pages (and damaged records), anything else (a page,
    an article, a file that fails) one."""
    if _suffix(input_file.path) in HTML_SUFFIXES + TEXT_SUFFIXES:
        return 1  # one document (or one dead letter) whatever it holds: no need to open it
    try:
        kind = "archive" if archive_format(input_file.path) else file_kind(input_file)[0]
        if kind == "archive":   # by its suffix, or a WARC without one
            return count_archive_inputs(input_file, max_bytes)
        if kind == "jsonl":
            with FileSystems.open(input_file.path, compression_type=CompressionTypes.AUTO) as f:
                return sum(1 for line in iter(f.readline, b"") if line.strip())
        if kind == "feed":
            return max(1, sum(1 for _ in entries_from_feed(read_bytes(input_file.path, max_bytes), input_file.path)))
    except Exception:  # noqa: BLE001 - whatever fails here fails in the reader as one dead letter
        return 1
    return 1


def documents_from_file(input_file: InputFile, max_bytes: int):
    """Every RawDocument in one file (a generator); dead letters for bad parts are yielded as
    `("dead", ref, reason, message)` tuples so that a bad JSONL line does not lose its neighbours."""
    fetched_at = _fetched_at(input_file.mtime)
    kind, head = file_kind(input_file)
    if kind == "archive":  # a WARC file without its suffix: read whole by this worker
        yield from archive_items(ArchiveRange(input_file, 0, input_file.size), None, max_bytes)
        return
    if kind == "jsonl":
        yield from _jsonl_documents(input_file, max_bytes, fetched_at)
        return
    if kind == "unknown":
        raise Rejected("unrecognised", "not an HTML page, text article, feed or JSON Lines file", excerpt=head)
    data = read_bytes(input_file.path, max_bytes)
    if not data.strip():
        raise Rejected("empty", "file holds only white space")
    if kind == "feed":
        for source_suffix, payload, entry_meta in entries_from_feed(data, input_file.path):
            meta = {**entry_meta, **input_file.meta}
            yield raw_document(input_file, "feed_entry", f"{input_file.source}#{source_suffix}", meta, fetched_at,
                               html=payload)
        return
    payload = {kind: decode_text(data)}  # html= or text=
    yield raw_document(input_file, kind, input_file.source, dict(input_file.meta), fetched_at, **payload)


def _jsonl_documents(input_file: InputFile, max_line_bytes: int, fetched_at: dt.datetime):
    opener = FileSystems.open(input_file.path, compression_type=CompressionTypes.AUTO)
    with opener as f:
        # readline, not iteration: Beam's CompressedFile (a .jsonl.gz on any filesystem) is not iterable
        for number, line in enumerate(iter(f.readline, b""), 1):
            ref = f"{input_file.source}:{number}"
            if not line.strip():
                continue
            if len(line) > max_line_bytes:
                yield ("dead", ref, "too_large", f"line larger than {max_line_bytes // (1 << 20)} MiB")
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("a JSON Lines article must be an object")
            except ValueError as error:
                yield ("dead", ref, "bad_json", str(error))
                continue
            source = str(record["id"]) if record.get("id") not in (None, "") else ref
            meta = {k: record[k] for k in META_KEYS if record.get(k) not in (None, "")}
            meta = {**input_file.meta, **meta}  # the record's own fields are more specific than the file's
            html, text = record.get("html"), record.get("text")
            if isinstance(html, str) and html.strip():
                yield raw_document(input_file, "jsonl", source, meta, fetched_at, html=html)
            elif isinstance(text, str) and text.strip():
                yield raw_document(input_file, "jsonl", source, meta, fetched_at, text=text)
            else:
                yield ("dead", source, "no_content", "record has neither \"html\" nor \"text\"")


def plan_reads(input_file: InputFile, split_bytes: int) -> list:
    """A WARC file as byte ranges that workers read apart; any other file as it is."""
    return plan_ranges(input_file, split_bytes) if archive_format(input_file.path) else [input_file]


class ReadFileDoFn(StageDoFn):
    stage = "read"
    stream_outputs = True  # a JSON Lines file of 1,000 pages would otherwise be held whole (~0.7 GB)

    def __init__(self, max_bytes: int, filters: Filters | None = None):
        super().__init__()
        self.max_bytes = max_bytes
        self.filters = filters or None
        self._files = counter("read.files")
        self._filtered = counter("read.filtered")

    def process_element(self, element):
        if isinstance(element, ArchiveRange):
            if element.start == 0:
                self._files.inc()
            items = archive_items(element, self.filters, self.max_bytes)
        else:
            self._files.inc()
            items = documents_from_file(element, self.max_bytes)
        for item in items:
            if isinstance(item, dict):
                yield item
            elif item[0] == "doc":
                yield item[1]
            elif item[0] == "dead":
                _, ref, reason, message = item
                yield self.dead({"source": ref}, reason, message)
            elif item[0] == "skip":  # expected in an archive, counted by kind: not an input
                counter(f"archive.skipped.{item[1]}").inc()
            else:
                self._filtered.inc()
                count_filtered(item[1])


class ReadInputs(beam.PTransform):
    """files → (raw documents, dead letters). `files` come from `resolve_inputs`; WARC files are
    read in ranges of `split_bytes` by as many workers; `filters` refuse archive records early."""

    def __init__(self, files: list[InputFile], max_bytes: int = 10 << 20, filters: Filters | None = None,
                 split_bytes: int = 64 << 20):
        super().__init__()
        self.files = files
        self.max_bytes = max_bytes
        self.filters = filters
        self.split_bytes = split_bytes

    def expand(self, pbegin):
        split_bytes = self.split_bytes
        pieces = (pbegin
                  | "ListFiles" >> beam.Create(self.files)
                  | "PlanReads" >> beam.FlatMap(plan_reads, split_bytes)
                  | "SpreadFiles" >> beam.Reshuffle())
        return apply_stage(pieces, "ReadFiles", ReadFileDoFn(self.max_bytes, self.filters))
