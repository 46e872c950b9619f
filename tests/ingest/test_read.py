"""ReadInputs' plain functions: resolving inputs, sniffing kinds, decoding, splitting files into documents."""
import gzip
import json

import pytest

from transforms.ingest.decode import decode_text, looks_binary
from transforms.ingest.inputs import InputError, resolve_inputs
from transforms.ingest.read import documents_from_file, sniff_kind
from transforms.stage import Rejected


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_folders_are_walked_recursively_and_sources_are_relative(tmp_path):
    write(tmp_path / "in" / "a.txt", "Title\n\nBody text here.")
    write(tmp_path / "in" / "deep" / "b.html", "<html></html>")
    files = resolve_inputs([str(tmp_path / "in")])
    assert sorted(f.source for f in files) == ["a.txt", "deep/b.html"]


def test_globs_and_single_files(tmp_path):
    write(tmp_path / "in" / "x" / "a.html", "<html></html>")
    write(tmp_path / "in" / "y" / "b.html", "<html></html>")
    write(tmp_path / "in" / "y" / "c.txt", "t")
    files = resolve_inputs([str(tmp_path / "in" / "*" / "*.html")])
    assert sorted(f.source for f in files) == ["x/a.html", "y/b.html"]
    single = resolve_inputs([str(tmp_path / "in" / "y" / "c.txt")])
    assert [f.source for f in single] == ["c.txt"]


def test_missing_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="input not found"):
        resolve_inputs([str(tmp_path / "nope")])


def test_folder_manifest_applies_and_is_not_an_input(tmp_path):
    write(tmp_path / "in" / "a.txt", "Title\n\nBody.")
    write(tmp_path / "in" / "manifest.jsonl", json.dumps({"path": "a.txt", "outlet": "lenta.ru"}) + "\n")
    files = resolve_inputs([str(tmp_path / "in")])
    assert [(f.source, f.meta) for f in files] == [("a.txt", {"outlet": "lenta.ru"})]


def test_explicit_manifest_wins_over_folder_manifest(tmp_path):
    write(tmp_path / "in" / "a.txt", "Title\n\nBody.")
    write(tmp_path / "in" / "manifest.jsonl", json.dumps({"path": "a.txt", "outlet": "one"}) + "\n")
    other = write(tmp_path / "meta" / "m.jsonl", json.dumps({"path": "../in/a.txt", "outlet": "two"}) + "\n")
    files = resolve_inputs([str(tmp_path / "in")], str(other))
    assert files[0].meta["outlet"] == "two"


def test_bad_manifest_line_names_the_line(tmp_path):
    write(tmp_path / "in" / "a.txt", "x")
    bad = write(tmp_path / "m.jsonl", '{"path": "a.txt"}\n{"outlet": "no path"}\n')
    with pytest.raises(InputError, match=r"m.jsonl:2"):
        resolve_inputs([str(tmp_path / "in")], str(bad))


@pytest.mark.parametrize("name,head,kind", [
    ("a.html", b"", "html"), ("a.HTM", b"", "html"), ("a.html.gz", b"", "html"), ("a.txt", b"", "text"),
    ("a.rss", b"", "feed"), ("a.atom", b"", "feed"), ("a.rdf", b"", "feed"), ("a.xml", b"", "feed"),
    ("a.jsonl.gz", b"", "jsonl"), ("noext", b'{"id": 1}', "jsonl"), ("noext", b"<?xml?><rss>", "feed"),
    ("noext", b"<!DOCTYPE html><html>", "html"), ("notes.md", b"# hi", "unknown"),
])
def test_kind_by_suffix_then_content(name, head, kind):
    assert sniff_kind(f"/x/{name}", head) == kind


def test_binary_and_text_detection():
    assert looks_binary(bytes(range(256)) * 4)
    assert not looks_binary("Plain text, with ünïcödé.\n".encode("utf-8"))
    assert not looks_binary("Text in UTF-16 with a BOM".encode("utf-16"))


def test_decoding_utf8_legacy_and_undecodable():
    assert decode_text("\ufeffBOM then text".encode("utf-8")) == "BOM then text"
    assert decode_text("Привет, как дела? Это тестовый текст на русском языке.".encode("cp1251")).startswith("Привет")
    with pytest.raises(Rejected) as why:
        decode_text(bytes(range(128, 256)) * 10)
    assert why.value.reason in {"undecodable", "binary"}


def test_jsonl_bad_lines_become_dead_letters_and_good_lines_survive(tmp_path):
    path = write(tmp_path / "r.jsonl", "\n".join([
        json.dumps({"id": "ok-1", "text": "A fine article."}),
        "{not json",
        json.dumps({"html": "<html><body><p>x</p></body></html>", "outlet": "example.org"}),
        json.dumps({"id": "empty"}),
    ]) + "\n")
    [input_file] = resolve_inputs([str(path)])
    items = list(documents_from_file(input_file, 1 << 20))
    docs = [i for i in items if isinstance(i, dict)]
    dead = [i for i in items if isinstance(i, tuple)]
    assert [d["source"] for d in docs] == ["ok-1", "r.jsonl:3"]
    assert [d["input_kind"] for d in docs] == ["jsonl", "jsonl"]
    assert docs[1]["meta"]["outlet"] == "example.org"
    assert [(d[1], d[2]) for d in dead] == [("r.jsonl:2", "bad_json"), ("empty", "no_content")]


def test_gzipped_jsonl_is_read_line_by_line(tmp_path):
    lines = [json.dumps({"id": f"a-{i}", "text": f"Article number {i} has some text."}) for i in range(3)]
    path = write(tmp_path / "r.jsonl.gz", gzip.compress(("\n".join(lines) + "\n").encode()))
    [input_file] = resolve_inputs([str(path)])
    docs = list(documents_from_file(input_file, 1 << 20))
    assert [d["source"] for d in docs] == ["a-0", "a-1", "a-2"]
    assert docs[2]["text"] == "Article number 2 has some text."


def test_gzipped_html_is_read_and_size_limit_applies_after_decompression(tmp_path):
    page = "<html><body><p>" + "news " * 1000 + "</p></body></html>"
    path = write(tmp_path / "p.html.gz", gzip.compress(page.encode()))
    [input_file] = resolve_inputs([str(path)])
    [doc] = documents_from_file(input_file, 1 << 20)
    assert doc["html"] == page and doc["source"] == "p.html.gz"
    with pytest.raises(Rejected, match="per-document limit"):
        list(documents_from_file(input_file, 1000))


def test_feed_entries_become_documents_with_entry_ids(tmp_path):
    feed = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
      <item><title>One</title><link>https://wire.example.org/1</link><guid>g-1</guid>
        <pubDate>Tue, 07 May 2024 08:00:00 GMT</pubDate><description>First story body.</description></item>
      <item><title>Two</title><link>https://wire.example.org/2</link><description>Second.</description></item>
    </channel></rss>"""
    path = write(tmp_path / "wire.xml", feed)
    [input_file] = resolve_inputs([str(path)])
    docs = list(documents_from_file(input_file, 1 << 20))
    assert [d["source"] for d in docs] == ["wire.xml#g-1", "wire.xml#https://wire.example.org/2"]
    assert docs[0]["meta"]["published"] == "2024-05-07T08:00:00+00:00"
    assert docs[0]["meta"]["site_name"] == "Wire"
