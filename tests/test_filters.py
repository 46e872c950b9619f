"""--outlets, --since, --until, --languages as plain functions, and the summary's balance with them."""
from __future__ import annotations

import datetime as dt

import pytest

from pipelines.summary import build_summary, format_summary
from transforms.filters import Filters

UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_outlets_are_registrable_domains_hosts_or_globs():
    filters = Filters.parse(outlets="bbc.co.uk, *.reuters.com ,lenta.ru")
    assert not filters.outlet_refused("https://www.bbc.co.uk/news/1")
    assert not filters.outlet_refused("https://feeds.reuters.com/x")
    assert filters.outlet_refused("https://reuters.com/x")          # the glob wants a subdomain
    assert filters.outlet_refused("https://www.bbc.com/news/1")
    assert not filters.outlet_refused(None, outlet="lenta.ru")       # a manifest's outlet
    assert filters.outlet_refused(None)                              # no URL, no outlet: not one of them
    assert not Filters().outlet_refused("https://anything.example/")


def test_since_and_until_bound_publication_time_a_bare_until_date_includes_its_day():
    filters = Filters.parse(since="2024-05-01", until="2024-05-31")
    assert filters.time_refused(at("2024-04-30T23:59:59")) == "since"
    assert filters.time_refused(at("2024-05-01T00:00:00")) is None
    assert filters.time_refused(at("2024-05-31T23:00:00")) is None
    assert filters.time_refused(at("2024-06-01T00:00:00")) == "until"
    assert Filters.parse(until="2024-05-31T12:00:00Z").time_refused(at("2024-05-31T13:00:00")) == "until"


def test_before_reading_a_fetch_time_bounds_only_since():
    filters = Filters.parse(since="2024-05-01", until="2024-05-02")
    assert filters.before_reading("https://x.example/", fetched_at=at("2024-04-20T00:00:00")) == "since"
    # fetched after --until, but it may have been published before: extraction decides
    assert filters.before_reading("https://x.example/", fetched_at=at("2024-06-01T00:00:00")) is None
    assert filters.before_reading("https://x.example/", published=at("2024-06-01T00:00:00")) == "until"


def test_articles_use_publication_else_fetch_time_and_languages_keep_listed_codes():
    filters = Filters.parse(since="2024-05-01", languages="en,und")
    undated = {"url": "https://x.example/", "published_at": None, "fetched_at": at("2024-04-01T00:00:00")}
    assert filters.article_refused(undated) == "since"
    assert filters.article_refused({**undated, "published_at": at("2024-05-02T00:00:00")}) is None
    assert filters.language_refused({"language": "fr"}) == "language"
    assert filters.language_refused({"language": "und"}) is None


@pytest.mark.parametrize("kwargs,message", [({"since": "yesterday"}, "not a date or time"),
                                            ({"since": "2024-06-01", "until": "2024-05-01"}, "is not before")])
def test_bad_values_are_one_line_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Filters.parse(**kwargs)


def test_filtered_records_balance_the_summary_and_skipped_ones_are_apart():
    values = {"read.out": 5, "read.filtered": 3, "read.files": 1, "dead.read": 1, "dead.read.truncated": 1,
              "filtered.outlet": 3, "filtered.language": 1, "articles_written": 4, "archive.skipped.revisit": 2}
    now = dt.datetime.now(UTC)
    summary = build_summary(values, run_id="r", started=now, finished=now, output="out")
    assert summary["inputs"] == 9 and summary["filtered"] == 4 and summary["balanced"]
    assert summary["skipped_records"] == {"revisit": 2}
    text = format_summary(summary)
    assert "9 inputs from 1 files → 4 articles written, 4 filtered, 1 dead letters" in text
    assert "filtered: language 1, outlet 3" in text and "archive records that are no pages: revisit 2" in text
