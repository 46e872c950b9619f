"""WARC and ARC files written with warcio, read without Beam: rows, urls, dates, skipped records by
kind, dead letters with file and offset, byte ranges that add up to the whole file."""
from __future__ import annotations

import gzip
import zlib

import pytest

from tests.ingest.warcs import Archive, arc_file, flipped, news_archive, page, utc, whole_gzip
from transforms.filters import Filters
from transforms.ingest.archive import archive_items, plan_ranges
from transforms.ingest.boundaries import framing
from transforms.ingest.inputs import resolve_inputs


def read(path, split_bytes: int = 0, filters=None) -> list[tuple]:
    """Every item of the file, its ranges read one after the other; docs as (source, url, fetched_at)."""
    [input_file] = resolve_inputs([str(path)])
    out = []
    for piece in plan_ranges(input_file, split_bytes):
        for item in archive_items(piece, filters):
            if item[0] == "doc":
                doc = item[1]
                out.append(("doc", doc["source"], doc["meta"]["url"], doc["fetched_at"], doc["html"]))
            else:
                out.append(item[:3])
    return out


def docs(items):
    return [i for i in items if i[0] == "doc"]


def skips(items):
    return sorted(i[1] for i in items if i[0] == "skip")


@pytest.mark.parametrize("framed", ["record_gzip", "whole_gzip", "plain"])
def test_pages_become_documents_and_everything_else_is_counted_by_kind(tmp_path, framed):
    archive = news_archive(gzip_records=framed == "record_gzip")
    data = whole_gzip(archive) if framed == "whole_gzip" else archive.data()
    path = tmp_path / ("crawl.warc" if framed == "plain" else "crawl.warc.gz")
    path.write_bytes(data)
    with open(path, "rb") as f:
        assert framing(f) == framed
    items = read(path)
    offsets = dict(archive.offsets)
    assert [(d[1], d[2], d[3]) for d in docs(items)] == [
        (f"crawl.warc{'' if framed == 'plain' else '.gz'}@{offsets[f'page{n}']}",
         f"https://{'www.example.com' if n % 2 == 0 else 'news.example.org'}/story/{n}",
         utc(f"2024-05-0{1 + n}T10:00:00Z")) for n in range(3)]
    assert all("Story number" in d[4] for d in docs(items))
    assert skips(items) == ["http_404", "metadata", "not_html", "request", "request", "request", "revisit",
                            "warcinfo"]
    assert not [i for i in items if i[0] == "dead"]


@pytest.mark.parametrize("gzip_records", [True, False])
def test_a_truncated_last_record_is_a_dead_letter_with_its_offset(tmp_path, gzip_records):
    archive = Archive(gzip_records)
    for n in range(3):
        archive.response(f"https://www.example.com/{n}", page(n), label=f"page{n}")
    data = archive.data() if gzip_records else whole_gzip(archive)
    last = dict(archive.offsets)["page2"]
    for cut in (len(data) - 20, len(data) - 300):
        path = tmp_path / f"cut{cut}.warc.gz"
        path.write_bytes(data[:cut])
        items = read(path)
        assert [d[2] for d in docs(items)] == ["https://www.example.com/0", "https://www.example.com/1"]
        [dead] = [i for i in items if i[0] == "dead"]
        assert dead == ("dead", f"cut{cut}.warc.gz@{last}", "truncated")


def test_a_cut_gzip_header_at_the_end_is_reported_not_lost(tmp_path):
    archive = Archive()
    archive.response("https://www.example.com/0", page(0))
    offset = archive.response("https://www.example.com/1", page(1))
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(archive.data()[:offset + 5])  # five bytes of the last gzip member
    items = read(path)
    assert [d[2] for d in docs(items)] == ["https://www.example.com/0"]
    assert [i for i in items if i[0] == "dead"] == [("dead", f"cut.warc.gz@{offset}", "truncated")]


@pytest.mark.parametrize("damage", ["flipped_bytes", "garbage_between"])
def test_a_corrupt_record_costs_only_itself(tmp_path, damage):
    archive = Archive()
    for n in range(4):
        archive.response(f"https://www.example.com/{n}", page(n), label=f"page{n}")
    offsets = dict(archive.offsets)
    data = bytearray(archive.data())
    if damage == "flipped_bytes":
        data = bytearray(flipped(archive, "page1"))  # inside the deflate data of the second page
        expected = ["https://www.example.com/0", "https://www.example.com/2", "https://www.example.com/3"]
    else:
        data[offsets["page2"]:offsets["page2"]] = b"not a record at all"
        expected = [f"https://www.example.com/{n}" for n in range(4)]
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(bytes(data))
    for split in (0, 300, 1000):  # also when the damage sits across a range boundary
        items = read(path, split)
        assert [d[2] for d in docs(items)] == expected
        [dead] = [i for i in items if i[0] == "dead"]
        at = offsets["page1"] if damage == "flipped_bytes" else offsets["page2"]
        assert dead == ("dead", f"damaged.warc.gz@{at}", "corrupt")


@pytest.mark.parametrize("framed", ["record_gzip", "plain", "whole_gzip"])
def test_ranges_of_any_size_read_each_record_exactly_once(tmp_path, framed):
    archive = news_archive(gzip_records=framed == "record_gzip", pages=12)
    data = whole_gzip(archive) if framed == "whole_gzip" else archive.data()
    path = tmp_path / ("x.warc" if framed == "plain" else "x.warc.gz")
    path.write_bytes(data)
    whole = read(path)
    assert len(docs(whole)) == 12
    for split in (1, 97, 512, 1500, 4096, len(data) - 1):
        assert read(path, split) == whole, split
    [input_file] = resolve_inputs([str(path)])
    assert len(plan_ranges(input_file, 97)) == -(-len(data) // 97)


def test_http_encodings_are_undone_and_the_http_charset_decodes(tmp_path):
    archive = Archive()
    cyrillic = page(1, title="Новости дня", charset="windows-1251").replace("<meta charset='windows-1251'>", "")
    archive.response("https://lenta.ru/news/1", cyrillic.encode("cp1251"), content_type="text/html; charset=windows-1251")
    body = page(2, title="Gzipped and chunked").encode()
    packed = gzip.compress(body)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 500]), packed[i:i + 500])
                       for i in range(0, len(packed), 500)) + b"0\r\n\r\n"
    archive.response("https://www.example.com/2", chunked,
                     http_extra=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")])
    archive.response("https://www.example.com/3", zlib.compress(page(3).encode()), content_type=None,
                     http_extra=[("Content-Encoding", "deflate")])  # no Content-Type: the payload says HTML
    path = tmp_path / "enc.warc.gz"
    path.write_bytes(archive.data())
    pages = docs(read(path))
    assert "Новости дня" in pages[0][4]
    assert "Gzipped and chunked" in pages[1][4]
    assert "Story number 3" in pages[2][4]


def test_filters_refuse_records_before_their_payload_is_read(tmp_path):
    path = tmp_path / "f.warc.gz"
    path.write_bytes(news_archive(pages=6).data())
    filters = Filters.parse(outlets="example.org", since="2024-05-03")
    items = read(path, filters=filters)
    assert [d[2] for d in docs(items)] == ["https://news.example.org/story/3", "https://news.example.org/story/5"]
    assert sorted(i[1] for i in items if i[0] == "filtered") == ["outlet", "outlet", "outlet", "since"]
    globbed = read(path, filters=Filters.parse(outlets="news.*"))
    assert len(docs(globbed)) == 3
    assert "not_html" in skips(globbed)  # the image is not HTML before it is off-outlet


@pytest.mark.parametrize("gzip_records", [True, False])
def test_arc_files_are_read_with_warcio(tmp_path, gzip_records):
    pages = [("https://www.example.com/a", page(1)), ("https://news.example.org/b", page(2))]
    data = arc_file(pages, gzip_records)
    path = tmp_path / ("old.arc.gz" if gzip_records else "old.arc")
    path.write_bytes(data)
    items = read(path)
    assert [(d[2], d[3]) for d in docs(items)] == [(u, utc("2024-05-02T10:30:00Z")) for u, _ in pages]
    assert skips(items) == ["warcinfo"]
    assert all(d[1].startswith(path.name + "@") for d in docs(items))
    path.write_bytes(data[:-40])
    cut = read(path)
    assert [d[2] for d in docs(cut)] == ["https://www.example.com/a"]
    assert [i[2] for i in cut if i[0] == "dead"] == ["truncated"]


def test_an_archive_on_an_object_store_is_read_in_ranges(tmp_path):
    import object_store  # memory://, which behaves as gs:// and s3:// do (tests/object_store.py)
    object_store.clear()
    try:
        archive = news_archive(pages=5)
        object_store.put("memory://bucket/cc-news/a.warc.gz", archive.data())
        local = tmp_path / "a.warc.gz"
        local.write_bytes(archive.data())
        [remote] = resolve_inputs(["memory://bucket/cc-news/"])
        assert remote.source == "a.warc.gz"
        items = [item for piece in plan_ranges(remote, 700) for item in archive_items(piece)]
        assert [d[1]["source"] for d in items if d[0] == "doc"] == [d[1] for d in docs(read(local))]
    finally:
        object_store.clear()
