"""Publication time with its time of day and offset, from the page's own metadata."""
from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from transforms.text.extract import build_article
from transforms.text.extractor import trafilatura_extract
from transforms.text.identity import publication_time
from transforms.text.published import DAY, MINUTE, choose, page_dates, precision_of

BODY = "<p>" + "The council met to discuss the new tram line for the northern districts and its costs. " * 12 + "</p>"
UTC = dt.timezone.utc


def page(head: str = "", body: str = "") -> str:
    return f"<html><head><title>Tram plan</title>{head}</head><body><article><h1>Tram plan</h1>{body}{BODY}</article></body></html>"


def published(html: str):
    raw = {"source": "p.html", "input_kind": "html", "html": html, "meta": {}, "digest": "d",
           "fetched_at": dt.datetime(2026, 12, 1, tzinfo=UTC)}
    row = build_article(raw, trafilatura_extract)
    return row["published_at"], row["published_precision"]


@pytest.mark.parametrize("html", [
    page(body='<time datetime="2025-05-20T23:45:00+02:00">20 May 2025</time>'),
    page('<meta property="article:published_time" content="2025-05-20T21:45:00Z">'),
    page('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"},'
         '{"@type": ["NewsArticle"], "datePublished": "2025-05-20T23:45:00+02:00"}]}</script>'),
], ids=["time-element", "og-utc", "json-ld-graph"])
def test_the_time_of_day_and_offset_are_kept(html):
    assert published(html) == (dt.datetime(2025, 5, 20, 21, 45, tzinfo=UTC), MINUTE)


def test_json_ld_of_the_article_beats_a_modified_time_and_an_image():
    html = page('<meta property="article:modified_time" content="2025-10-25T15:26:09+02:00">'
                '<script type="application/ld+json">[{"@type": "ImageObject", "datePublished": "2025-10-20T08:00:00Z"},'
                '{"@type": "NewsArticle", "datePublished": "2025-10-25T12:10:35+02:00"}]</script>')
    assert published(html) == (dt.datetime(2025, 10, 25, 10, 10, 35, tzinfo=UTC), MINUTE)


def test_a_day_alone_is_day_precision_and_a_time_on_that_day_refines_it():
    assert choose(["2024-04-22"]) == (dt.datetime(2024, 4, 22, tzinfo=UTC), DAY)
    assert choose(["2024-11-29T00:00:00+01:00"]) == (dt.datetime(2024, 11, 29, tzinfo=UTC), DAY)  # midnight: a day
    assert choose(["2024-04-22", "2024-04-22T06:00+02:00"]) == (dt.datetime(2024, 4, 22, 4, tzinfo=UTC), MINUTE)
    assert choose(["2024-04-26", "2024-04-01T19:30:04+02:00"])[1] == DAY    # another day's time is not taken


def test_a_wall_clock_time_takes_the_offset_named_elsewhere_on_the_page():
    assert choose(["2023-04-28T18:41:00", "2023-04-28T18:41:00+02:00"])[0] == dt.datetime(2023, 4, 28, 16, 41, tzinfo=UTC)
    assert choose(["Fri Apr 28 19:20:36 CEST 2023"])[0] == dt.datetime(2023, 4, 28, 17, 20, 36, tzinfo=UTC)
    assert choose(["2023-04-28T18:41:00"])[0] == dt.datetime(2023, 4, 28, 18, 41, tzinfo=UTC)  # none: UTC


def test_page_dates_reads_json_ld_meta_and_marked_time_elements_in_that_order():
    tree = lxml.html.fromstring(page(
        '<meta name="sailthru.date" content="2024-01-02 10:00"><meta property="article:published_time" '
        'content="2024-01-02T09:00:00Z"><script type="application/ld+json">{"@type": "BlogPosting", '
        '"datePublished": "2024-01-02T08:00:00Z"}</script>',
        '<time itemprop="datePublished" datetime="2024-01-02T07:00Z">x</time><time datetime="2020-01-01">y</time>'))
    assert page_dates(tree) == ["2024-01-02T08:00:00Z", "2024-01-02T09:00:00Z", "2024-01-02 10:00", "2024-01-02T07:00Z"]


def test_a_value_given_with_the_input_wins_and_says_its_precision():
    assert publication_time("2024-03-01", ["2024-03-02T10:00:00Z"]) == (dt.datetime(2024, 3, 1, tzinfo=UTC), DAY)
    assert publication_time("2024-03-01T08:30:00+01:00") == (dt.datetime(2024, 3, 1, 7, 30, tzinfo=UTC), MINUTE)
    assert publication_time(None, [], None) == (None, None)
    assert precision_of(dt.datetime(2024, 3, 1, 12, tzinfo=UTC)) == MINUTE and precision_of(dt.date(2024, 3, 1)) == DAY
