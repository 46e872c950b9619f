"""Outlets, partition values and times."""
import datetime as dt

import pytest

from transforms.text.identity import outlet_for, parse_time, partition_date, registrable_domain, safe_partition_value


@pytest.mark.parametrize("url,domain", [
    ("https://www.express.co.uk/news/world/1", "express.co.uk"),
    ("https://lenta.ru/news/2024/03/01/x/", "lenta.ru"),
    ("http://news.bbc.co.uk/2/hi", "bbc.co.uk"),
    ("https://user.github.io/blog", "user.github.io"),   # a private suffix: each user is an outlet
    ("http://127.0.0.1:8000/feed.xml", "127.0.0.1"),
    ("not a url", None),
])
def test_registrable_domain_uses_the_public_suffix_list(url, domain):
    assert registrable_domain(url) == domain


@pytest.mark.parametrize("value", ["../../etc", "..", "/abs/path", "a/../../b", "x\\..\\y", "", None, "  .hidden"])
def test_partition_values_cannot_escape(value):
    safe = safe_partition_value(value)
    assert safe and "/" not in safe and "\\" not in safe and ".." not in safe and not safe.startswith(".")


def test_outlet_prefers_explicit_then_url_then_unknown():
    assert outlet_for("Lenta.ru", "https://www.express.co.uk/x") == "lenta.ru"
    assert outlet_for(None, "https://www.express.co.uk/x") == "express.co.uk"
    assert outlet_for(None, None) == "unknown"
    assert outlet_for("Лента.ру", None) == "xn--80ajrjz.xn--p1ag"


def test_times_are_utc():
    assert parse_time("2024-03-01T12:00:00+03:00") == dt.datetime(2024, 3, 1, 9, tzinfo=dt.timezone.utc)
    assert parse_time("Fri, 01 Mar 2024 09:00:00 GMT") == dt.datetime(2024, 3, 1, 9, tzinfo=dt.timezone.utc)
    assert parse_time("2024-03-01") == dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    assert parse_time("yesterday-ish") is None


def test_partition_date_falls_back_to_fetch_time():
    fetched = dt.datetime(2024, 6, 1, 23, 30, tzinfo=dt.timezone.utc)
    late_evening_in_new_york = dt.datetime(2024, 3, 1, 22, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert partition_date(late_evening_in_new_york, fetched) == ("2024-03-02", "published")
    assert partition_date(None, fetched) == ("2024-06-01", "fetched")
