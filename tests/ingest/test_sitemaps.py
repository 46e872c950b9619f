"""News sitemaps: parsing (news:, gzip, text lists, refusals), and fetching through the polite client
from a loopback server (an index and its children, robots.txt, --since bounding the walk)."""
from __future__ import annotations

import gzip

import pytest

from tests.loopback import FeedServer, news_sitemap, running, serve_sitemaps
from transforms.filters import Filters
from transforms.ingest.feedlist import Feed, parse_feeds
from transforms.ingest.http import HttpClient
from transforms.ingest.sitemaps import ListPagesDoFn, document_entries, looks_like_sitemap, parse_sitemap
from transforms.stage import Rejected


def test_a_news_sitemap_gives_loc_publication_time_title_and_language():
    body = news_sitemap([("https://www.example.com/a", "2024-05-02T08:00:00+02:00", "A headline")])
    [page] = parse_sitemap(body).pages
    assert page == {"loc": "https://www.example.com/a", "published": "2024-05-02T08:00:00+02:00",
                    "title": "A headline", "language": "en", "publication": "Loopback News"}
    plain = (b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://x.example/1</loc>"
             b"<lastmod>2024-01-02</lastmod></url></urlset>")
    assert parse_sitemap(gzip.compress(plain)).pages[0]["published"] == "2024-01-02"
    assert looks_like_sitemap(gzip.compress(plain)) and looks_like_sitemap(body)


def test_an_index_lists_its_sitemaps_with_lastmod_and_a_text_list_is_a_sitemap():
    index = (b"<sitemapindex><sitemap><loc>https://x.example/s1.xml</loc><lastmod>2024-05-01</lastmod></sitemap>"
             b"<sitemap><loc>https://x.example/s2.xml</loc></sitemap></sitemapindex>")
    children = parse_sitemap(index).children
    assert [(loc, str(when)[:10] if when else None) for loc, when in children] == [
        ("https://x.example/s1.xml", "2024-05-01"), ("https://x.example/s2.xml", None)]
    assert [p["loc"] for p in parse_sitemap(b"https://x.example/1\nhttps://x.example/2\n").pages] == [
        "https://x.example/1", "https://x.example/2"]


@pytest.mark.parametrize("body", [b"<rss><channel></channel></rss>", b"hello world", b"\x1f\x8bnot gzip"])
def test_what_is_no_sitemap_is_refused_with_a_reason(body):
    with pytest.raises(Rejected) as refused:
        parse_sitemap(body)
    assert refused.value.reason in ("not_a_sitemap", "bad_gzip")


def test_entities_are_not_expanded():
    bomb = (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;'>]>"
            b"<urlset><url><loc>https://x.example/&b;</loc></url></urlset>")
    pages = parse_sitemap(bomb).pages
    assert all("aaaa" not in p["loc"] for p in pages)


def test_a_feeds_file_entry_may_be_a_sitemap():
    yaml_feeds = parse_feeds(b"feeds:\n  - url: https://x.example/news.xml\n    type: sitemap\n  - https://x.example/rss\n",
                             "feeds.yaml")
    assert [f.kind for f in yaml_feeds] == ["sitemap", "feed"]
    opml = parse_feeds(b"<opml><body><outline type='sitemap' xmlUrl='https://x.example/s.xml'/></body></opml>", "f.opml")
    assert opml[0].kind == "sitemap"


def test_listing_walks_the_index_through_the_polite_client_and_since_skips_old_sitemaps():
    with running(FeedServer()) as server:
        urls = serve_sitemaps(server)
        dofn = ListPagesDoFn({"allow_hosts": ["127.0.0.1"], "per_host_rate": 100},
                             Filters.parse(since="2024-05-01"))
        dofn.setup()
        try:
            entries = list(dofn.process_element(urls["/sitemap_index.xml"]))
        finally:
            dofn.teardown()
        paths = [r["path"] for r in server.requests()]
    assert [e["meta"]["url"].split("/", 3)[3] for e in entries] == [
        "articles/fresh-1", "articles/fresh-2", "private/secret", "articles/fresh-3"]
    assert entries[0]["meta"]["title"] == "Fresh one" and entries[0]["fetch_pages"] == "always"
    assert entries[1]["meta"]["published"] == "2024-05-03T09:30:00+02:00"
    assert "/archive-2019.xml" not in paths          # its lastmod is before --since
    assert paths[0] == "/robots.txt" and all(r["user_agent"].startswith("newsbeam/") for r in server.requests())


def test_a_polled_document_is_read_as_a_sitemap_when_it_is_one():
    with running(FeedServer()) as server:
        urls = serve_sitemaps(server)
        client = HttpClient(allow_hosts=["127.0.0.1"], per_host_rate=100)
        try:
            detected = document_entries(Feed(urls["/news-1.xml"]), client.get(urls["/news-1.xml"]), client)
            index = document_entries(Feed(urls["/sitemap_index.xml"], kind="sitemap"),
                                     client.get(urls["/sitemap_index.xml"]), client)
        finally:
            client.close()
    assert [e["source"] for e in detected] == [e["meta"]["url"] for e in detected]
    assert len(detected) == 3 and len(index) == 6
