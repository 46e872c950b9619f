"""The feeds file: plain list, YAML and OPML, and one-line errors that name the line."""
from __future__ import annotations

import pytest

from tests.conftest import newsbeam
from transforms.ingest.feedlist import FeedsError, parse_feeds


def test_plain_list_with_comments():
    feeds = parse_feeds(b"# news\nhttps://a.example/rss\n\n  http://b.example/feed.xml#frag  # inline comment\n", "f.txt")
    assert [f.url for f in feeds] == ["https://a.example/rss", "http://b.example/feed.xml#frag"]
    assert feeds[0].fetch_pages == "auto" and feeds[0].poll_interval is None
    assert feeds[0].key != feeds[1].key and "/" not in feeds[0].key


def test_yaml_with_per_feed_settings():
    text = b"""feeds:
  - https://a.example/rss
  - url: https://b.example/atom
    outlet: B News
    poll_interval: 60
    fetch_pages: false
"""
    a, b = parse_feeds(text, "feeds.yaml")
    assert a.url == "https://a.example/rss" and a.outlet is None
    assert (b.outlet, b.poll_interval, b.fetch_pages) == ("b-news", 60.0, "never")


def test_opml_import():
    opml = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>subs</title></head><body>
  <outline text="World">
    <outline text="A" type="rss" xmlUrl="https://a.example/rss"/>
    <outline text="B" type="rss" xmlUrl="https://b.example/rss" pollInterval="120" fetchPages="true"/>
  </outline>
</body></opml>"""
    a, b = parse_feeds(opml, "subs.opml")
    assert (a.url, b.url, b.poll_interval, b.fetch_pages) == ("https://a.example/rss", "https://b.example/rss", 120.0, "always")


@pytest.mark.parametrize("data, where", [
    (b"https://ok.example/rss\nnot a url\n", "f.txt:2"),
    (b"feeds:\n  - url: https://ok.example/rss\n  - url: ftp://x.example/\n", "f.yaml:3"),
    (b"feeds:\n  - url: https://ok.example/rss\n    poll_interval: soon\n", "f.yaml:2"),
    (b"feeds:\n  - url: https://ok.example/rss\n    colour: red\n", "f.yaml:2"),
    (b"<?xml version='1.0'?>\n<opml><body>\n<outline xmlUrl='javascript:alert(1)'/>\n</body></opml>", "f.opml:3"),
    (b"<?xml version='1.0'?>\n<opml><body>\n<outline xmlUrl='https://a.example/'>\n</body></opml>", "f.opml:4"),
])
def test_bad_entries_name_their_line(data, where):
    name = where.split(":")[0]
    with pytest.raises(FeedsError) as info:
        parse_feeds(data, name)
    assert str(info.value).startswith(where + ":"), str(info.value)


def test_duplicates_and_empty_files_refused():
    with pytest.raises(FeedsError, match="twice"):
        parse_feeds(b"https://a.example/rss\nhttps://a.example/rss\n", "f.txt")
    with pytest.raises(FeedsError, match="no feeds"):
        parse_feeds(b"# nothing yet\n", "f.txt")


def test_command_exits_2_with_one_line(tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://ok.example/rss\nnot-a-url\n")
    result = newsbeam("stream", "--feeds", feeds, "--output", tmp_path / "out", "--duration", 1, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and f"{feeds}:2: not an http(s) URL" in result.stderr
    missing = newsbeam("stream", "--output", tmp_path / "out", check=False)
    assert missing.returncode == 2 and "--feeds is required" in missing.stderr
