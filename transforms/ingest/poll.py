"""PollFeeds and NewEntries: the live side of feeds, two stateful steps keyed by feed.

PollFeeds asks each feed for its document when it is due, with a conditional GET while the feed's
validators (ETag, Last-Modified, each trusted on its own) are trusted, and backs off exponentially
after failures (never sooner than a Retry-After). NewEntries lets each entry id through once and
forgets ids after a retention period. Both keep their per-feed record in Beam state and, so that a
later run continues where this one stopped, in `OUTPUT/_state/{feeds,seen}/<feed key>.json` (written
atomically, through Beam FileSystems). An entry let through is first journaled as taken by this run
(intake.py): until the output holds it, a killed run's successor takes it again.
"""
from __future__ import annotations

import hashlib
import time as _time

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from schemas.dead_letter import DEAD, dead_letter
from transforms.ingest.http import FetchError, UsesHttpClient
from transforms.ingest.sitemaps import document_entries
from transforms.ingest.intake import journal
from transforms.ingest.state import STATE_DIR, load_state, save_state  # noqa: F401 - STATE_DIR for summary.py
from transforms.runtime import counter
from transforms.stage import Rejected

POLL_SLACK = 0.8        # a feed is due again after 80% of its interval: ticks jitter, polls must not skip


VALIDATORS = {"etag": "If-None-Match", "last_modified": "If-Modified-Since"}
RETRUST_AFTER = 86400.0  # a validator caught lying is tried again after a day, then 2, 4, ... (up to 30)


def new_feed_state(url: str) -> dict:
    return {"url": url, "etag": None, "last_modified": None, "trusted": True, "distrusted": {},
            "polls_since_verify": 0, "lies": 0, "last_hash": None, "failures": 0, "next_poll_at": 0.0,
            "last_error": None, "polls": 0}


def trusted_validators(record: dict, now: float) -> list[str]:
    """The validators the feed has that are trusted now: never caught lying, or caught long enough ago
    to be given another chance (each judged on its own: a lying ETag does not condemn Last-Modified)."""
    distrusted = record.get("distrusted") or {}
    if not record.get("trusted", True) and not distrusted:   # a record from before per-validator trust
        distrusted = {name: {"at": now, "lies": 1} for name in VALIDATORS}
    names = []
    for name in VALIDATORS:
        if not record.get(name):
            continue
        lie = distrusted.get(name)
        if lie and now < lie["at"] + RETRUST_AFTER * min(2 ** (lie["lies"] - 1), 30):
            continue
        names.append(name)
    return names


def conditional_headers(record: dict, verify_every: int, now: float | None = None) -> tuple[dict, bool]:
    """(request headers, is this a verification fetch). Only trusted validators are sent, and every
    `verify_every`-th poll fetches in full to check that the 304s were true."""
    names = trusted_validators(record, _time.time() if now is None else now)
    if not names:
        return {}, False
    if record.get("polls_since_verify", 0) + 1 >= max(1, verify_every):
        return {}, True
    return {VALIDATORS[name]: record[name] for name in names}, False


def after_not_modified(record: dict, now: float, interval: float) -> dict:
    record.update(polls_since_verify=record.get("polls_since_verify", 0) + 1, failures=0, last_error=None,
                  next_poll_at=now + interval * POLL_SLACK, polls=record.get("polls", 0) + 1)
    return record


def after_full_fetch(record: dict, etag, last_modified, body_hash: str, verifying: bool, now: float,
                     interval: float) -> list[str]:
    """Update the record after a 200; returns the validators caught lying: new content under the value
    the validator had when it would have been answered with a 304 (judged on verification fetches).
    A lying validator is distrusted on its own, and sent again once its time is up."""
    changed = record.get("last_hash") not in (None, body_hash)
    values = {"etag": etag or None, "last_modified": last_modified or None}
    liars = [name for name, value in values.items() if changed and value and value == record.get(name)]
    distrusted = dict(record.get("distrusted") or {})
    for name in liars:
        if verifying:     # caught: distrusted (again), for longer each time
            distrusted[name] = {"at": now, "lies": distrusted.get(name, {}).get("lies", 0) + 1}
        elif name in distrusted:    # still lying while not asked: its second chance starts later
            distrusted[name] = {**distrusted[name], "at": now}
    if liars and verifying:
        record["lies"] = record.get("lies", 0) + 1
    record.update(etag=values["etag"], last_modified=values["last_modified"], last_hash=body_hash,
                  polls_since_verify=0, failures=0, last_error=None, next_poll_at=now + interval * POLL_SLACK,
                  polls=record.get("polls", 0) + 1, distrusted=distrusted,
                  trusted=not any(name in distrusted for name, value in values.items() if value))
    return liars if verifying else []


def after_failure(record: dict, reason: str, now: float, interval: float, max_backoff: float,
                  retry_after: float | None = None) -> dict:
    """Exponential backoff, and never sooner than the server's Retry-After."""
    failures = record.get("failures", 0) + 1
    record.update(failures=failures, last_error=reason, polls=record.get("polls", 0) + 1,
                  next_poll_at=now + max(min(interval * (2 ** failures), max_backoff), retry_after or 0.0))
    return record


class PollFeedDoFn(UsesHttpClient, beam.DoFn):
    """(feed key, Feed) on every tick → (feed key, {"entries": [...]}) when the feed had a document;
    failures → dead letters of stage `poll` (the feed's URL, the reason) and a longer pause."""

    FEED_STATE = ReadModifyWriteStateSpec("feed", PickleCoder())

    def __init__(self, output: str | None, client_settings: dict, default_interval: float,
                 verify_every: int = 10, max_backoff: float = 21600.0):
        super().__init__()
        self.output = output
        self.client_settings = client_settings
        self.default_interval = default_interval
        self.verify_every = verify_every
        self.max_backoff = max_backoff

    def process(self, keyed, state=beam.DoFn.StateParam(FEED_STATE)):
        key, feed = keyed
        record = state.read() or load_state(self.output, "feeds", key) or new_feed_state(feed.url)
        now = _time.time()
        interval = feed.poll_interval or self.default_interval
        if now < record.get("next_poll_at", 0.0):
            if record.get("failures"):
                counter("poll.backing_off").inc()
            state.write(record)
            return
        headers, verifying = conditional_headers(record, self.verify_every, now)
        counter("poll.requests").inc()
        try:
            response = self.client.get(feed.url, headers)
            entries = [] if response.status == 304 else document_entries(feed, response, self.client)
        except (FetchError, Rejected) as error:
            after_failure(record, error.reason, now, interval, self.max_backoff, getattr(error, "retry_after", None))
            counter("poll.failed").inc()
            if record["failures"] == 3:  # reported once per streak: this feed keeps failing
                counter("feeds.failing").inc()
            counter("dead.poll").inc()
            counter(f"dead.poll.{error.reason}").inc()
            save_state(self.output, "feeds", key, record)
            state.write(record)
            yield beam.pvalue.TaggedOutput(DEAD, dead_letter(
                feed.url, "poll", error.reason, f"{error} (failure {record['failures']} in a row)",
                excerpt=getattr(error, "excerpt", None)))
            return
        if response.status == 304:
            counter("poll.not_modified").inc()
            after_not_modified(record, now, interval)
        else:
            counter("poll.fetched").inc()
            body_hash = hashlib.sha256(response.body).hexdigest()[:32]
            if after_full_fetch(record, response.headers.get("etag"), response.headers.get("last-modified"),
                                body_hash, verifying, now, interval):
                counter("poll.validators_lied").inc()
            if verifying:
                counter("poll.verified").inc()
        save_state(self.output, "feeds", key, record)
        state.write(record)
        if entries:
            counter("poll.entries").inc(len(entries))
            yield key, {"entries": entries}


class PollFeeds(beam.PTransform):
    """ticks → ((feed key, poll result) for every due feed; dead letters of failed polls)."""

    def __init__(self, feeds, output, client_settings, default_interval, verify_every=10, max_backoff=21600.0):
        super().__init__()
        self.feeds = list(feeds)
        self.dofn = PollFeedDoFn(output, client_settings, default_interval, verify_every, max_backoff)

    def expand(self, ticks):
        feeds = self.feeds
        results = (ticks
                   | "EveryFeed" >> beam.FlatMap(lambda _tick: [(feed.key, feed) for feed in feeds])
                   | "Poll" >> beam.ParDo(self.dofn).with_outputs(DEAD, main="polled"))
        return results.polled, results[DEAD]


class NewEntriesDoFn(beam.DoFn):
    """(feed key, {"entries": [...]}) → every entry whose id this feed has not shown within
    `retention` seconds of event (poll) time. Expired ids are dropped on the feed's next poll, which
    bounds the state by what a feed shows in `retention`. (No event-time timer: the local FnApiRunner
    fires them at the end of every bundle of an unbounded source, long before their time, and an id
    forgotten early would be let through twice.)"""

    SEEN = ReadModifyWriteStateSpec("seen", PickleCoder())

    def __init__(self, output: str | None, retention: float, run_tag: str = "run"):
        super().__init__()
        self.output = output
        self.retention = float(retention)
        self.run_tag = run_tag

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam, seen_state=beam.DoFn.StateParam(SEEN)):
        key, poll = keyed
        seen = seen_state.read()
        if seen is None:
            seen = load_state(self.output, "seen", key) or {}
        now = float(timestamp.micros) / 1e6
        kept = {i: t for i, t in seen.items() if t + self.retention > now}
        if len(kept) != len(seen):
            counter("stream.ids_forgotten").inc(len(seen) - len(kept))
        fresh = []
        for entry in poll["entries"]:
            if entry["entry_id"] in kept:
                counter("stream.entries_repeated").inc()
                continue
            kept[entry["entry_id"]] = now
            fresh.append(entry)
        journal(self.output, self.run_tag, key, fresh)   # taken: pending until the output holds them
        if fresh or len(kept) != len(seen):
            save_state(self.output, "seen", key, kept)
        seen_state.write(kept)
        for entry in fresh:
            counter("stream.entries").inc()
            yield entry


class NewEntries(beam.PTransform):
    """(feed key, poll result) → entries seen for the first time (within `retention` seconds)."""

    def __init__(self, output: str | None, retention: float, run_tag: str = "run"):
        super().__init__()
        self.dofn = NewEntriesDoFn(output, retention, run_tag)

    def expand(self, polled):
        return polled | "FirstSighting" >> beam.ParDo(self.dofn)
