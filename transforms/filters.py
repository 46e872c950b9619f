"""Filters that save work: `--outlets`, `--since`, `--until`, `--languages`.

Each applies as early as what it needs is known, so that refused articles cost as little as possible:

- before anything is read or fetched, on what an archive record or a sitemap entry says of itself:
  the URL (outlets), the fetch time (a page fetched before --since cannot have been published after
  it) and a listed publication time (--since, --until);
- after extraction, on the article's outlet and its publication time (else its fetch time), for
  inputs that said nothing of them before;
- after language detection, before tagging, on the language.

A refused article is counted by reason (`filtered.<reason>`) and enters the run's balance as
filtered: inputs = written + already present + dead letters + filtered. It is never a dead letter.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from urllib.parse import urlsplit

import apache_beam as beam

from transforms.runtime import counter
from transforms.stage import StageDoFn, apply_stage
from transforms.text.identity import parse_time, registrable_domain, safe_partition_value


def _split(value) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return tuple(item.strip().lower() for item in items if item and item.strip())


def parse_bound(value, end_of_day: bool = False) -> dt.datetime | None:
    """A UTC time from `2024-05-01` or an ISO 8601 time; a bare date as --until means its whole day."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"not a date or time: {text!r} (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)")
    if end_of_day and len(text) == 10:
        moment += dt.timedelta(days=1)
    return moment


@dataclass(frozen=True)
class Filters:
    outlets: tuple[str, ...] = ()     # registrable domains / outlet slugs, or host globs (`*.bbc.co.uk`)
    since: dt.datetime | None = None  # kept: at or after
    until: dt.datetime | None = None  # kept: before (a bare date: to the end of that day)
    languages: tuple[str, ...] = ()   # ISO 639-1 codes; `und` keeps undecided ones

    @classmethod
    def parse(cls, outlets=None, since=None, until=None, languages=None) -> "Filters":
        """ValueError with a one-line reason for a value that cannot be used."""
        filters = cls(_split(outlets), parse_bound(since), parse_bound(until, end_of_day=True), _split(languages))
        if filters.since and filters.until and filters.since >= filters.until:
            raise ValueError(f"--since {since} is not before --until {until}")
        return filters

    def __bool__(self) -> bool:
        return bool(self.outlets or self.since or self.until or self.languages)

    # ---- the tests: True or the reason to refuse, else False / None

    def outlet_refused(self, url: str | None = None, outlet: str | None = None) -> bool:
        if not self.outlets:
            return False
        host = (urlsplit(url).hostname or "").lower() if url and "://" in url else ""
        names = {n for n in (registrable_domain(url) if host else None, outlet and safe_partition_value(outlet)) if n}
        for wanted in self.outlets:
            if any(c in wanted for c in "*?["):
                if host and fnmatch.fnmatchcase(host, wanted):
                    return False
            elif wanted in names or host == wanted:
                return False
        return True

    def time_refused(self, moment: dt.datetime | None) -> str | None:
        if moment is None:
            return None
        if self.since and moment < self.since:
            return "since"
        if self.until and moment >= self.until:
            return "until"
        return None

    def before_reading(self, url: str | None, fetched_at: dt.datetime | None = None,
                       published: dt.datetime | None = None) -> str | None:
        """What an archive record or sitemap entry says of itself. A fetch time bounds only --since:
        a page fetched after --until may still have been published before it."""
        if self.outlet_refused(url):
            return "outlet"
        if published is not None:
            return self.time_refused(published)
        if fetched_at is not None and self.since and fetched_at < self.since:
            return "since"
        return None

    def entry_refused(self, entry: dict) -> str | None:
        """A feed or sitemap entry, before its page is fetched: its link and listed publication time."""
        meta = entry.get("meta") or {}
        return self.before_reading(meta.get("url"), published=parse_time(meta.get("published")))

    def article_refused(self, article: dict) -> str | None:
        if self.outlet_refused(article.get("url"), article.get("outlet")):
            return "outlet"
        return self.time_refused(article.get("published_at") or article.get("fetched_at"))

    def language_refused(self, article: dict) -> str | None:
        if self.languages and (article.get("language") or "und").lower() not in self.languages:
            return "language"
        return None


def count_filtered(reason: str) -> None:
    counter(f"filtered.{reason}").inc()


class FilterDoFn(StageDoFn):
    stage = "filter"

    def __init__(self, filters: Filters, test: str):
        super().__init__()
        self.filters = filters
        self.test = test  # the Filters method: entry_refused | article_refused | language_refused

    def process_element(self, article):
        reason = getattr(self.filters, self.test)(article)
        if reason:
            count_filtered(reason)
            return []
        return [article]


class FilterArticles(beam.PTransform):
    """articles → (the articles `filters` keep; dead letters). `test`: `entry_refused` (feed and
    sitemap entries before fetching), `article_refused` (outlet and time, after extraction) or
    `language_refused` (after language detection)."""

    def __init__(self, filters: Filters, test: str = "article_refused"):
        super().__init__()
        self.filters = filters
        self.test = test

    def expand(self, articles):
        return apply_stage(articles, "Filter", FilterDoFn(self.filters, self.test))
