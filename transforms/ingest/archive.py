"""WARC and ARC archives (`.warc`, `.warc.gz`, `.arc`, `.arc.gz`) → one RawDocument per HTML page.

FastWARC reads WARC (about twice as fast as warcio, README "Archives"); warcio reads the legacy ARC
format, which FastWARC does not. A WARC file is planned into byte ranges (`plan_ranges`) that
workers read independently: a record belongs to the range holding its first byte, found with
`boundaries.sync`. An ARC file, or a WARC gzipped whole, is read from its start by one worker.

What a record becomes, as `(kind, ...)` items for ReadFileDoFn:
    ("doc", RawDocument)              a `response` with status 200 and an HTML payload; `source` is
                                      `path@offset`, `url` the WARC-Target-URI, `fetched_at` the WARC-Date
    ("skip", kind)                    expected and counted: revisit, request, metadata, warcinfo,
                                      resource, not_http, not_html, http_<status>, ...
    ("filtered", reason)              refused by --outlets / --since before anything was decoded
    ("dead", ref, reason, message)    a truncated or corrupt record, `path@offset`; reading goes on
                                      at the next record start
"""
from __future__ import annotations

import posixpath
import zlib
from dataclasses import dataclass

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.ingest.boundaries import Inflated, framing, record_end, sync
from transforms.ingest.decode import digest
from transforms.ingest.http import HTML_TYPES, Response
from transforms.ingest.inputs import InputFile
from transforms.stage import Rejected
from transforms.text.identity import parse_time

WARC_SUFFIXES = (".warc", ".warc.gz")
ARC_SUFFIXES = (".arc", ".arc.gz")
NOT_PAGES = {"warcinfo", "resource", "request", "metadata", "revisit", "conversion", "continuation"}


@dataclass(frozen=True)
class ArchiveRange:
    """The records of `file` that start in [start, end): one worker's share of an archive."""
    file: InputFile
    start: int
    end: int

    @property
    def path(self) -> str:  # what a dead letter of the whole range names
        return f"{self.file.path}@{self.start}"

    @property
    def fmt(self) -> str:
        return "arc" if archive_format(self.file.path) == "arc" else "warc"


def archive_format(path: str) -> str | None:
    name = posixpath.basename(path).lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(ARC_SUFFIXES):
        return "arc"
    return None


def plan_ranges(input_file: InputFile, split_bytes: int) -> list[ArchiveRange]:
    """Byte ranges of about `split_bytes` (no I/O: which of them hold records is found when read)."""
    size = max(input_file.size, 1)
    if archive_format(input_file.path) != "warc" or split_bytes <= 0:
        return [ArchiveRange(input_file, 0, size)]
    return [ArchiveRange(input_file, start, min(start + split_bytes, size))
            for start in range(0, size, split_bytes)]


def ref(piece: ArchiveRange, offset: int) -> str:
    """The contract's `source` for a record: the file's source, `@`, the record's byte offset."""
    return f"{piece.file.source}@{offset}"


# --------------------------------------------------------------------------- payloads


def _dechunk(body: bytes) -> bytes:
    out, at = bytearray(), 0
    while True:
        line_end = body.index(b"\r\n", at)
        size = int(body[at:line_end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += body[line_end + 2:line_end + 2 + size]
        at = line_end + 2 + size + 2


def http_body(body: bytes, headers: dict) -> bytes:
    """The page as the server meant it: chunked transfer and gzip / deflate / br content encodings
    undone (Common Crawl stores decoded bodies and renames these headers, wget and Heritrix do not)."""
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunk(body)
        encoding = headers.get("content-encoding", "").lower().strip()
        if encoding in ("gzip", "x-gzip"):
            body = zlib.decompress(body, 47)
        elif encoding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate without the zlib wrapper, as some servers send it
                body = zlib.decompress(body, -15)
        elif encoding == "br":
            import brotli
            body = brotli.decompress(body)
    except Exception as error:  # noqa: BLE001 - bad chunk sizes, zlib.error, brotli.error: all one reason
        raise Rejected("bad_encoding", f"cannot undo the HTTP encoding: {error}", excerpt=body[:200]) from None
    return body


def is_html(content_type: str | None, body_head: bytes) -> bool:
    """The Content-Type says HTML; without one, the payload looks like HTML (when unsure, keep it)."""
    if content_type:
        return any(t in content_type.lower() for t in HTML_TYPES)
    start = body_head.lstrip()[:512].lower()
    return start.startswith(b"<!doctype html") or b"<html" in start


def page_document(piece: ArchiveRange, offset: int, url: str, fetched_at, status: int, headers: dict,
                  body: bytes) -> dict:
    """A page's RawDocument: `body` (HTTP encodings undone) decoded by the HTTP charset, else
    <meta charset>, else detection."""
    html = Response(url, status, headers, body).text()
    source = ref(piece, offset)
    return {"source": source, "path": piece.file.path, "input_kind": piece.fmt, "html": html, "text": None,
            "meta": {**piece.file.meta, "url": url}, "fetched_at": fetched_at,
            "digest": digest(piece.fmt, body)}  # the payload's bytes: no re-encoding of the text


# --------------------------------------------------------------------------- records


class _Truncated(Exception):
    pass


class _FastWarcRecord:
    """A FastWARC record as `_item` reads it."""

    def __init__(self, rec):
        self.rec, self.offset, self.got = rec, rec.stream_pos, 0

    header_complete = property(lambda self: self.rec.headers.get("Content-Length") is not None)
    kind = property(lambda self: str(self.rec.record_type))
    is_http = property(lambda self: self.rec.is_http)
    status = property(lambda self: self.rec.http_headers.status_code)
    url = property(lambda self: (self.rec.headers.get("WARC-Target-URI") or "").strip("<>"))
    fetched_at = property(lambda self: self.rec.record_date)
    content_type = property(lambda self: self.rec.http_content_type)

    def headers(self) -> dict:
        return {k.lower(): v for k, v in self.rec.http_headers.items()}

    def read(self, n: int) -> bytes:
        data = self.rec.reader.read(n)
        self.got += len(data)
        return data

    def finish(self) -> bool:
        """Skip the rest of the payload; False when the file ended before it."""
        return self.got + self.rec.consume() == self.rec.content_length


class _WarcioRecord:
    """A warcio record (ARC, converted to WARC terms by warcio) as `_item` reads it."""

    header_complete = True

    def __init__(self, rec, offset: int):
        self.rec, self.offset = rec, offset

    kind = property(lambda self: self.rec.rec_type)
    is_http = property(lambda self: self.rec.http_headers is not None)
    status = property(lambda self: int(self.rec.http_headers.get_statuscode() or 0))
    url = property(lambda self: self.rec.rec_headers.get_header("WARC-Target-URI") or "")
    fetched_at = property(lambda self: parse_time(self.rec.rec_headers.get_header("WARC-Date")))
    content_type = property(lambda self: self.rec.http_headers.get_header("Content-Type"))

    def headers(self) -> dict:
        return {k.lower(): v for k, v in self.rec.http_headers.headers}

    def read(self, n: int) -> bytes:
        return self.rec.raw_stream.read(n)

    def finish(self) -> bool:
        while self.rec.raw_stream.read(1 << 16):
            pass
        return self.rec.raw_stream.limit == 0


def _item(view, piece: ArchiveRange, filters, max_bytes: int):
    """One record → an item (see the module docstring)."""
    if not view.header_complete:
        raise _Truncated("record header cut short")
    kind = view.kind
    if kind != "response":
        return _skip(view, kind if kind in NOT_PAGES else "other")
    if not view.is_http:
        return _skip(view, "not_http")
    if view.status != 200:
        return _skip(view, f"http_{view.status}")
    content_type = view.content_type
    if content_type and not is_html(content_type, b""):
        return _skip(view, "not_html")
    url, fetched_at = view.url, view.fetched_at
    reason = filters.before_reading(url, fetched_at) if filters else None
    if reason:
        _finish(view)
        return ("filtered", reason)
    body = view.read(max_bytes + 1)
    if len(body) > max_bytes:
        _finish(view)
        return ("dead", ref(piece, view.offset), "too_large", f"larger than the {max_bytes >> 20} MiB per-document limit")
    _finish(view)
    headers = view.headers()
    body = http_body(body, headers)
    if not content_type and not is_html(None, body[:1024]):
        return ("skip", "not_html")
    return ("doc", page_document(piece, view.offset, url, fetched_at, view.status, headers, body))


def _finish(view) -> None:
    if not view.finish():
        raise _Truncated("payload cut short")


def _skip(view, kind: str):
    _finish(view)
    return ("skip", kind)


class _Reader:
    """The records of one range of one archive, as items."""

    def __init__(self, piece: ArchiveRange, raw, filters, max_bytes: int):
        self.piece, self.raw, self.filters, self.max_bytes = piece, raw, filters, max_bytes
        self.fmt = piece.fmt
        self.kind = framing(raw, self.fmt)
        if self.kind == "whole_gzip":
            # offsets are into the uncompressed stream: the only ones a reader can find again
            self.stream, self.end = Inflated(raw), 1 << 62
        else:
            self.stream, self.end = raw, piece.end

    def items(self):
        if self.kind == "whole_gzip":
            pos = 0 if self.piece.start == 0 else None  # read whole by the worker of the first range
        else:
            pos = sync(self.raw, self.piece.start, self.end, self.kind, self.fmt)
        while pos is not None and pos < self.end:
            pos = yield from self._items_from(pos)

    def _records(self, pos: int):
        self.stream.seek(pos)
        if self.fmt == "warc":
            from fastwarc.warc import ArchiveIterator
            for rec in ArchiveIterator(self.stream, parse_http=True, stream_detect=self.kind != "whole_gzip"):
                yield _FastWarcRecord(rec)
        else:
            from warcio.archiveiterator import ArchiveIterator
            records = ArchiveIterator(self.stream, arc2warc=True)
            for rec in records:
                yield _WarcioRecord(rec, records.offset)  # get_record_offset() would read the record first

    def _end(self, pos: int) -> int | None:
        return record_end(self.raw, pos, self.kind, self.fmt)

    def _sync(self, pos: int, end: int) -> int | None:
        return sync(self.raw, pos, end, self.kind, self.fmt)

    def _items_from(self, pos: int):
        """Items of the records from `pos` on; returns where to go on after a failure, or None."""
        records = self._records(pos)
        last = None
        while True:
            try:
                rec = next(records)
            except StopIteration:
                if self.kind != "whole_gzip":
                    yield from self._tail(pos if last is None else self._end(last))
                return None
            except Exception as error:  # noqa: BLE001 - whatever the library raises, the bytes are damaged
                return (yield from self._recover(pos, last, error))
            if rec.offset >= self.end:
                return None
            last = rec.offset
            try:
                item = _item(rec, self.piece, self.filters, self.max_bytes)
            except Rejected as why:
                item = ("dead", ref(self.piece, last), why.reason, str(why))
            except (_Truncated, OSError, EOFError) as error:
                yield ("dead", ref(self.piece, last), "truncated", f"record cut short: {error}")
                return None if self.kind == "whole_gzip" else self._sync(last + 1, self.end)
            yield item

    def _recover(self, pos: int, last: int | None, error):
        """FastWARC failed after the record at `last` (or at `pos`, where it started): a dead letter
        for the damaged bytes and the next record start to go on from. Damage belongs to the range where it
        starts; bytes that are no record at all are reported by the range before, which alone can
        tell them from the tail of its last record."""
        reason = "truncated" if isinstance(error, EOFError) else "corrupt"
        if self.kind == "whole_gzip":  # nothing after damage inside one gzip member can be found again
            yield ("dead", ref(self.piece, pos if last is None else last + 1), reason,
                   f"after the record at {last}: {error}; the rest of the file is unreadable")
            return None
        after = pos if last is None else self._end(last)
        after = pos if after is None else after
        good = self._sync(after, 1 << 62)
        if good is None or good > after and self._end(good) is not None:
            yield ("dead", ref(self.piece, after), reason,
                   f"{(good or self.piece.file.size) - after} bytes unreadable: {str(error)[:300]}")
            return good if good is not None and good < self.end else None
        if good < self.end:
            yield ("dead", ref(self.piece, good), reason, f"damaged record: {str(error)[:300]}")
        return self._sync(good + 1, self.end)

    def _tail(self, at: int | None):
        """A file that ends inside a record FastWARC said nothing about (a cut gzip header, say)."""
        if at is None or at >= self.piece.file.size:
            return
        self.raw.seek(at)
        if self.raw.read(256).strip(b"\r\n\x00 "):
            yield ("dead", ref(self.piece, at), "truncated",
                   f"{self.piece.file.size - at} bytes after the last complete record")


def archive_items(piece: ArchiveRange, filters=None, max_bytes: int = 10 << 20):
    """Every item of the records that start in `piece`."""
    with FileSystems.open(piece.file.path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
        yield from _Reader(piece, raw, filters, max_bytes).items()


class _RefuseAll:
    """Filters that refuse every page before its payload is read (see count_archive_inputs)."""

    @staticmethod
    def before_reading(url, fetched_at=None, published=None) -> str:
        return "counted"


def count_archive_inputs(input_file: InputFile, max_bytes: int = 10 << 20) -> int:
    """How many inputs the reader will count in an archive: its pages and its dead letters. The
    records are walked as the reader walks them (the same framing, recovery and skips), but every
    page is refused before its payload is read, so nothing is dechunked or decoded."""
    whole = ArchiveRange(input_file, 0, input_file.size)
    return sum(1 for item in archive_items(whole, _RefuseAll(), max_bytes) if item[0] in ("filtered", "dead"))
