"""Small WARC and ARC files written with warcio, as crawlers write them: a warcinfo record, request /
response pairs, a revisit, a metadata record, a non-HTML response, a 404, and gzip per record (the
norm) or over the whole file."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import random

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WORDS = ("the council said on monday that the new plan would raise spending on schools and hospitals while "
         "opposition leaders warned it could push inflation higher before the election next year").split()


def page(n: int, title: str | None = None, charset: str = "utf-8", extra: str = "") -> str:
    rng = random.Random(n)
    paragraphs = "".join(f"<p>{' '.join(rng.choices(WORDS, k=40)).capitalize()}.</p>" for _ in range(5))
    title = title or f"Story number {n} about the plan"
    return (f"<!doctype html><html><head><meta charset='{charset}'><title>{title}</title></head><body>"
            f"<nav>Home | World</nav><article><h1>{title}</h1>{extra}{paragraphs}</article>"
            f"<footer>Copyright</footer></body></html>")


def _http(status: str, content_type: str | None, extra=()) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers + list(extra), protocol="HTTP/1.1")


class Archive:
    """Records appended in order; `data()` the file's bytes, `offsets` where each record starts."""

    def __init__(self, gzip_records: bool = True):
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=gzip_records)
        self.offsets: list[tuple[str, int]] = []   # (label, offset)
        self.writer.write_record(self.writer.create_warcinfo_record("test.warc.gz", {"software": "tests"}))
        self.offsets.append(("warcinfo", 0))

    def _add(self, label: str, record) -> int:
        offset = self.buffer.tell()
        self.writer.write_record(record)
        self.offsets.append((label, offset))
        return offset

    def response(self, url: str, body: bytes | str, *, status: str = "200 OK",
                 content_type: str | None = "text/html; charset=utf-8", date: str | None = None,
                 http_extra=(), label: str | None = None) -> int:
        body = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"WARC-Date": date} if date else None
        record = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                http_headers=_http(status, content_type, http_extra),
                                                warc_headers_dict=headers)
        return self._add(label or url, record)

    def request(self, url: str) -> int:
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True)
        return self._add("request", self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                                    http_headers=http))

    def revisit(self, url: str) -> int:
        record = self.writer.create_revisit_record(url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                   refers_to_uri=url, refers_to_date="2024-05-01T00:00:00Z",
                                                   http_headers=_http("200 OK", "text/html"))
        return self._add("revisit", record)

    def metadata(self, url: str) -> int:
        record = self.writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                                                warc_content_type="application/warc-fields")
        return self._add("metadata", record)

    def data(self) -> bytes:
        return self.buffer.getvalue()


def flipped(archive: Archive, label: str, skip: int = 60) -> bytes:
    """The archive's bytes with four bytes flipped `skip` bytes into the record `label` (inside a
    gzipped record's deflate data: that record is corrupt, its neighbours are whole)."""
    data = bytearray(archive.data())
    at = dict(archive.offsets)[label] + skip
    data[at:at + 4] = bytes(b ^ 0xFF for b in data[at:at + 4])
    return bytes(data)


def whole_gzip(archive: Archive) -> bytes:
    """An uncompressed archive gzipped as one member (`gzip x.warc`)."""
    return gzip.compress(archive.data())


def news_archive(gzip_records: bool = True, pages: int = 3) -> Archive:
    """pages HTML responses on two outlets, then one each of what a crawl holds besides pages."""
    archive = Archive(gzip_records)
    for n in range(pages):
        host = "www.example.com" if n % 2 == 0 else "news.example.org"
        archive.request(f"https://{host}/story/{n}")
        archive.response(f"https://{host}/story/{n}", page(n), date=f"2024-05-0{1 + n}T10:00:00Z",
                         label=f"page{n}")
    archive.revisit("https://www.example.com/story/0")
    archive.response("https://www.example.com/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png",
                     label="image")
    archive.response("https://www.example.com/gone", "<html><body>Not found</body></html>", status="404 Not Found",
                     label="404")
    archive.metadata("https://www.example.com/story/0")
    return archive


def arc_file(pages: list[tuple[str, str]], gzip_records: bool = True) -> bytes:
    """An ARC (version 1) file: the filedesc block, then one record per (url, html)."""
    def record(header: str, block: bytes) -> bytes:
        data = f"{header} {len(block)}\n".encode() + block + b"\n"
        return gzip.compress(data) if gzip_records else data
    version = b"1 0 newsbeam-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    out = [record("filedesc://test.arc 0.0.0.0 20240501000000 text/plain", version)]
    for url, html in pages:
        body = html.encode("utf-8")
        http = (b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        out.append(record(f"{url} 93.184.216.34 20240502103000 text/html", http))
    return b"".join(out)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
