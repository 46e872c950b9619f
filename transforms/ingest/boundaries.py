"""Where records start in a WARC or ARC file, so that one file is read by several workers and a
corrupt record costs only itself.

Three framings: `plain` (no compression), `record_gzip` (one gzip member per record: what Common
Crawl, Heritrix and wget write) and `whole_gzip` (one member for everything, `gzip x.warc`). The
first two can be entered at any byte: `sync` finds the first record starting at or after it (a gzip
member that inflates to a record header; a header after a record's closing blank line whose
Content-Length ends on the next closing blank line). A whole-gzip file can only be read from its
start, by one worker.
"""
from __future__ import annotations

import io
import re
import zlib

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 20
MAX_HEADER = 64 << 10
RECORD_END = b"\r\n\r\n"
ARC_HEADER_RE = re.compile(rb"^\S+ \S+ \d{14} \S+ (\d+)\n")


def warc_header(data: bytes) -> tuple[int, int] | None:
    """(header length including its blank line, Content-Length) of a WARC header at the start of
    `data`, or None when it is not one."""
    if not data.startswith(b"WARC/1."):
        return None
    end = data.find(RECORD_END, 0, MAX_HEADER)
    if end < 0:
        return None
    fields = {}
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    length = fields.get(b"content-length", b"")
    if not (length.isdigit() and b"warc-type" in fields and b"warc-record-id" in fields):
        return None
    return end + 4, int(length)


def header_ok(data: bytes, fmt: str) -> bool:
    return warc_header(data) is not None if fmt == "warc" else ARC_HEADER_RE.match(data) is not None


def inflate_member(f, pos: int, keep: int = MAX_HEADER):
    """(first `keep` inflated bytes, inflated length, compressed length or None when the member does
    not end before EOF) of the gzip member at `pos`. zlib.error when no valid member is there."""
    f.seek(pos)
    inflater = zlib.decompressobj(31)
    head, inflated, consumed = bytearray(), 0, 0
    while not inflater.eof:
        chunk = f.read(CHUNK)
        if not chunk:
            return bytes(head), inflated, None
        consumed += len(chunk)
        out = inflater.decompress(chunk)
        inflated += len(out)
        if len(head) < keep:
            head += out[:keep - len(head)]
    return bytes(head), inflated, consumed - len(inflater.unused_data)


def _record_length(data: bytes, fmt: str) -> int | None:
    """Bytes of the whole record whose header starts `data` (None: no header, or not all of it yet)."""
    if fmt == "arc":
        match = ARC_HEADER_RE.match(data)
        return match.end() + int(match.group(1)) + 1 if match else None
    parsed = warc_header(data)
    return parsed and parsed[0] + parsed[1] + len(RECORD_END)


def framing(f, fmt: str = "warc") -> str:
    """plain | record_gzip | whole_gzip: whether the first gzip member ends with the first record."""
    f.seek(0)
    if f.read(2) != b"\x1f\x8b":
        return "plain"
    f.seek(0)
    inflater, out, expected = zlib.decompressobj(31), b"", None
    try:
        while not inflater.eof:
            chunk = f.read(64 << 10)
            if not chunk:
                return "whole_gzip"  # a cut first member: read from the start, which reports it
            out += inflater.decompress(chunk)
            if expected is None:
                expected = _record_length(out, fmt)
                if expected is None and len(out) > MAX_HEADER:
                    return "whole_gzip"
            if expected is not None and len(out) > expected:
                return "whole_gzip"
    except zlib.error:
        return "whole_gzip"
    return "record_gzip" if expected is not None else "whole_gzip"


def record_end(f, pos: int, kind: str, fmt: str = "warc") -> int | None:
    """The offset just past the complete record at `pos`, or None when none is there."""
    try:
        if kind == "record_gzip":
            head, _, size = inflate_member(f, pos)
            return pos + size if size is not None and header_ok(head, fmt) else None
        f.seek(pos)
        head = f.read(MAX_HEADER)
    except (OSError, zlib.error):
        return None
    length = _record_length(head, fmt)
    if length is None:
        return None
    closing = RECORD_END if fmt == "warc" else b"\n"   # what ends a record, where its length says
    f.seek(pos + length - len(closing))
    return pos + length if f.read(len(closing)) == closing else None


def _candidates(f, pos: int, end: int, pattern: bytes, lead: int):
    """Offsets in [pos, end) where a record may start: `pattern` found `lead` bytes before them."""
    at = max(0, pos - lead)
    while at < end:
        f.seek(at)
        block = f.read(min(CHUNK, end - at) + len(pattern))
        if not block:
            return
        found = block.find(pattern)
        while found >= 0:
            start = at + found + lead
            if pos <= start < end:
                yield start
            found = block.find(pattern, found + 1)
        at += max(1, len(block) - len(pattern) + 1)


def sync(f, pos: int, end: int, kind: str, fmt: str = "warc") -> int | None:
    """The first record start in [pos, end), or None. Position 0 is always a start."""
    if pos == 0:
        return 0 if end > 0 else None
    if kind == "record_gzip":
        for start in _candidates(f, pos, end, GZIP_MAGIC, 0):
            try:
                f.seek(start)
                head = zlib.decompressobj(31).decompress(f.read(MAX_HEADER), MAX_HEADER)
            except zlib.error:
                continue
            if header_ok(head, fmt):
                return start
        return None
    if kind == "plain" and fmt == "warc":
        for start in _candidates(f, pos, end, RECORD_END + b"WARC/1.", len(RECORD_END)):
            if record_end(f, start, kind) is not None:
                return start
    return None


class Inflated(io.RawIOBase):
    """The inflated bytes of a gzip stream of one or more members, seekable (forward by inflating,
    backward by starting again). A cut file ends where it is cut, with `cut` set, so that the records
    before the cut are read: Python's GzipFile raises instead and loses its last buffer with it."""

    def __init__(self, raw):
        super().__init__()
        self.raw = raw
        self._restart()

    def _restart(self):
        self.raw.seek(0)
        self.inflater, self.pending, self.at, self.pos = zlib.decompressobj(31), b"", 0, 0
        self.cut = self.done = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0:
            raise OSError("only absolute seeks")
        if offset < self.pos:
            self._restart()
        while self.pos < offset and self.read(min(CHUNK, offset - self.pos)):
            pass
        return self.pos

    def _fill(self) -> None:
        while self.at >= len(self.pending) and not self.done:
            chunk = self.raw.read(CHUNK)
            if not chunk:
                self.done, self.cut = True, not self.inflater.eof
                return
            try:
                out = self.inflater.decompress(chunk)
                while self.inflater.eof and self.inflater.unused_data.strip(b"\x00"):  # the next member
                    rest, self.inflater = self.inflater.unused_data, zlib.decompressobj(31)
                    out += self.inflater.decompress(rest)
            except zlib.error as error:
                raise OSError(f"gzip data error: {error}") from error
            self.pending, self.at = out, 0

    def readinto(self, buffer) -> int:
        self._fill()
        n = min(len(buffer), len(self.pending) - self.at)
        buffer[:n] = self.pending[self.at:self.at + n]
        self.at += n
        self.pos += n
        return n
