"""When a page says it was published, with the time of day and offset: the page's own metadata first.

trafilatura's date (htmldate) is often the day alone on pages whose metadata give the minute and the
offset (on pages_fundus 63 of 258 pages got the right day at midnight), and sometimes the day of a
modification or of a related item. The sources, in the order that the figures of
`eval/extraction.py` on pages_fundus chose:

1. JSON-LD `datePublished` of the page's article object (@type NewsArticle, Article, BlogPosting,
   ReportageNewsArticle, ...; inside @graph and nesting too): the field is named for what it means;
2. `<meta>` publication fields: `article:published_time` and its spellings (`og:`, `:published:time`),
   itemprop `datePublished`, `pubdate`, `sailthru.date`, `parsely-pub-date`, ...;
3. `<time datetime>` marked as the publication (itemprop `datePublished`, `pubdate`);
4. what trafilatura found, as a last resort (`found` by the caller).

The most trusted value is taken; when it gives the day alone (a midnight "00:00:00" is a day in
disguise), a less trusted value with a time of day on that same day is taken instead. A value
without an offset takes the offset of another source naming the same wall-clock
time, else it is taken as UTC. `precision` says which: `minute` or `day`.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import warnings

MINUTE, DAY = "minute", "day"
ARTICLE_TYPE = re.compile(r"(Article|Posting|Report)$")
META_NAMES = ("article:published_time", "article:published:time", "og:article:published_time",
              "og:published_time", "http://ogp.me/ns/article#published_time", "datepublished",
              "cxenseparse:recs:publishtime", "cxenseparse:publishtime", "sailthru.date", "parsely-pub-date",
              "pubdate", "publishdate", "publish-date", "published", "published_at", "publisheddate",
              "publication_date", "content:publishdate", "prism.publicationdate", "dc.date.created", "dcterms.created", "date.available", "date")
# zone names dateutil does not know; ambiguous ones (IST, CST of China) are left out
ZONES = {name: hours * 3600 for name, hours in {
    "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1, "BST": 1, "MSK": 3, "EST": -5, "EDT": -4,
    "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11}.items()}
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|UTC|GMT)\s*$", re.I)


def _walk(value):
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def _is_article(obj: dict) -> bool:
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and ARTICLE_TYPE.search(k) for k in kinds)


def json_ld_dates(tree) -> list[str]:
    """`datePublished` of every article object in the page's JSON-LD, in document order."""
    found = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "", strict=False)
        except ValueError:
            continue
        found.extend(o["datePublished"] for o in _walk(data)
                     if _is_article(o) and isinstance(o.get("datePublished"), str))
    return found


def meta_dates(tree) -> list[str]:
    """Publication fields of <meta>, in the order of META_NAMES."""
    by_name: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name in META_NAMES and content:
            by_name.setdefault(name, content)
    return [by_name[n] for n in META_NAMES if n in by_name]


def time_dates(tree) -> list[str]:
    """<time datetime> elements marked as the publication."""
    return [t.get("datetime").strip() for t in tree.iter("time")
            if t.get("datetime") and ((t.get("itemprop") or "").lower() == "datepublished" or t.get("pubdate") is not None)]


def page_dates(tree) -> list[str]:
    """Every publication value the page's metadata give, most trusted first."""
    return json_ld_dates(tree) + meta_dates(tree) + time_dates(tree)


def _parse(value: str) -> dt.datetime | None:
    from dateutil import parser
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # an unknown zone name ("CEST") leaves the time naive
            return parser.parse(value, tzinfos=ZONES)
    except (ValueError, OverflowError, TypeError):
        return None


def has_time_of_day(value: str, moment: dt.datetime) -> bool:
    return bool(TIME_OF_DAY.search(OFFSET.sub("", value))) and (moment.hour, moment.minute, moment.second) != (0, 0, 0)


def choose(values: list[str], found: str | None = None) -> tuple[dt.datetime | None, str | None]:
    """(UTC time, precision) of the best of `values` (most trusted first), then `found`."""
    parsed = [(v, m) for v in [*values, *([found] if found else [])] if (m := _parse(v)) is not None]
    if not parsed:
        return None, None
    first_value, first = parsed[0]
    timed = [(v, m) for v, m in parsed if has_time_of_day(v, m)]
    if not has_time_of_day(first_value, first):  # a time of day only if it is on the day the best source says
        timed = [(v, m) for v, m in timed if m.date() == first.date()]
    if not timed:
        return dt.datetime(first.year, first.month, first.day, tzinfo=dt.timezone.utc), DAY
    value, moment = timed[0]
    if moment.tzinfo is None:   # the same wall-clock time with an offset elsewhere on the page
        zoned = [m for _, m in timed if m.tzinfo is not None and m.replace(tzinfo=None) == moment]
        moment = zoned[0] if zoned else moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc), MINUTE
    except (ValueError, OverflowError):
        return None, None


def precision_of(value) -> str | None:
    """`minute` or `day` for a given publication value (a manifest's or a feed's), None without one."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return MINUTE if (value.hour, value.minute, value.second) != (0, 0, 0) else DAY
    if isinstance(value, dt.date):
        return DAY
    moment = _parse(str(value))
    return None if moment is None else (MINUTE if has_time_of_day(str(value), moment) else DAY)
