"""build_stream: the unbounded pipeline, poll → new entries → fetch → (the batch stages) → windowed write.

    ticks (PeriodicImpulse) → PollFeeds (per feed: conditional GET, trust, backoff)
      → NewEntries (per feed: each entry id once, journaled as taken)
      + entries a killed run had taken (StreamSession) + ticks
      → FetchPages (per feed: retries across polls and runs; robots, rate, size, address policy)
      → ExtractArticles → process_articles (shared with batch) → fixed windows → WriteArticles
      → the rows' sources noted as durable (transforms/ingest/intake.py)

With `--duration N` the ticks stop after N seconds; the local runner then drains every window and
flushes it, which is how a local run (or a cron job) ends. Without it the source never ends: run it on
a streaming runner (Dataflow, Flink), where the same graph writes each window when it closes.
Per-feed state persists under OUTPUT/_state/, so the next run continues where this one stopped.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import typing

import apache_beam as beam
from apache_beam.transforms import trigger, window
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from pipelines.batch import process_articles, recorders
from pipelines.options import Settings
from transforms.ingest import FetchPages, NewEntries, PollFeeds
from transforms.ingest.feedlist import Feed
from transforms.ingest.fetch import RetryPolicy
from transforms.ingest.intake import StreamLock, note_durable, settle
from transforms.ingest.state import STATE_DIR
from transforms.runtime import counter
from transforms.storage import join, matching
from transforms.text.identity import safe_partition_value
from transforms.text import ExtractArticles
from transforms.write import WriteArticles, WriteDeadLetters


def tick_interval(feeds: list[Feed], default_interval: float, retry_backoff: float | None = None) -> float:
    """How often the source fires: the shortest poll interval (or first retry wait); each feed is
    polled when due, each page tried again when due."""
    return max(0.5, min([feed.poll_interval or default_interval for feed in feeds] + [retry_backoff or float("inf")]))


class StreamSession:
    """What a stream run does around its pipeline: one local run per output (StreamLock); before it,
    the entries killed runs had taken and not written (`retaken`, taken again by this run); after it,
    this run's intake settled (entries still queued are kept for the next run, `carried`)."""

    def __init__(self, settings: Settings, run_tag: str):
        self.output, self.run_tag = settings.output, run_tag
        self.lock = None if settings.remote_runner else StreamLock(settings.output)
        self.rate_dir = os.path.join(tempfile.gettempdir(), f"newsbeam-rate-{safe_partition_value(run_tag)}")
        self.retaken: list[dict] = []
        self.carried = 0

    def __enter__(self) -> "StreamSession":
        if self.lock:   # local runs only: a streaming runner's checkpoints hold what is in flight
            self.lock.acquire()
            self.retaken = settle(self.output, self.run_tag)["pending"]
        return self

    def finish(self) -> "StreamSession":
        """After a run that ended: what it took and did not write waits for the next run."""
        if self.lock:
            self.carried = len(settle(self.output, f"{self.run_tag}-carried")["pending"])
        return self

    def __exit__(self, *exc):
        if self.lock:
            self.lock.release()
        shutil.rmtree(self.rate_dir, ignore_errors=True)


class WindowedWrite(beam.PTransform):
    """Fixed windows of event (poll) time, fired when the watermark passes the window end and again for
    each late arrival (discarding, so a late pane holds only the late rows)."""

    def __init__(self, seconds: float, lateness: float):
        super().__init__()
        self.seconds = seconds
        self.lateness = lateness

    def expand(self, pcoll):
        return pcoll | beam.WindowInto(
            window.FixedWindows(self.seconds),
            trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
            accumulation_mode=trigger.AccumulationMode.DISCARDING,
            allowed_lateness=self.lateness)


def client_settings(settings: Settings, rate_dir: str | None = None) -> dict:
    """HttpClient keyword arguments: a plain dict a DoFn carries to its workers and turns into a client
    in `setup`, so that every stage's client agrees; `rate_dir` shares one rate per host between the
    worker processes of a machine."""
    return {**settings.client_settings, "rate_dir": rate_dir}   # Settings.client_settings: run --sitemap's too


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.retry_backoff, settings.max_backoff, settings.fetch_max_tries, settings.fetch_max_age)


def waiting_feeds(output: str | None) -> set[str]:
    """Feed keys with pages waiting for a retry from an earlier run (a feed since dropped included)."""
    paths = matching(join(output, STATE_DIR, "retry", "*.json")) if output else []
    return {path.rsplit("/", 1)[1][:-len(".json")] for path in paths}


def build_stream(pipeline: beam.Pipeline, settings: Settings, feeds: list[Feed], run_tag: str,
                 start: float | None = None, session: StreamSession | None = None):
    """Add the streaming graph to `pipeline`; `feeds` come from transforms.ingest.feedlist.load_feeds."""
    output = settings.output
    start = start or time.time()
    stop = start + settings.duration if settings.duration else None
    client = client_settings(settings, session.rate_dir if session else None)
    interval = tick_interval(feeds, settings.poll_interval, settings.retry_backoff)
    windows = WindowedWrite(settings.window_seconds, settings.allowed_lateness)

    ticks = pipeline | "Ticks" >> PeriodicImpulse(start_timestamp=start, stop_timestamp=stop or MAX_TIMESTAMP,
                                                   fire_interval=interval)
    polled, poll_dead = ticks | "PollFeeds" >> PollFeeds(
        feeds, output, client, settings.poll_interval, settings.verify_every, settings.max_backoff)
    journal_tag = None if settings.remote_runner else run_tag    # the intake journal is for local runs
    entries = polled | "NewEntries" >> NewEntries(output, settings.seen_days * 86400, journal_tag)
    keys = sorted({feed.key for feed in feeds} | (waiting_feeds(output) if journal_tag else set()))
    messages = [entries | "ByFeed" >> beam.Map(lambda e: (e["feed_key"], {"entry": e})),
                ticks | "TickEveryFeed" >> beam.FlatMap(lambda t: [(k, {"tick": float(t)}) for k in keys])]
    if session and session.retaken:
        def retake(keyed):
            counter("stream.entries_retaken").inc()
            return TimestampedValue(keyed, start)

        messages.append(pipeline
                        | "Retaken" >> beam.Create([(e["feed_key"], {"entry": e}) for e in session.retaken])
                        | "AtStart" >> beam.Map(retake).with_output_types(typing.Tuple[str, dict]))
    raw, fetch_dead = (tuple(messages) | "Messages" >> beam.Flatten()
                       | "FetchPages" >> FetchPages(output, client, retry_policy(settings), journal_tag, interval, stop))
    # no corpus evidence on a stream (it never ends): every article is cleaned as a lone one
    clean = "none" if settings.clean == "none" else "rules"
    articles, extract_dead = raw | "Extract" >> ExtractArticles(settings.extract_timeout, clean)
    articles, stage_dead = process_articles(articles, settings)
    written, write_dead = (articles
                           | "ArticleWindows" >> windows
                           | "Write" >> WriteArticles(output, settings.files_per_partition,
                                                      windowed=True, run_tag=run_tag,
                                                      recorders=recorders(settings)))
    if output and journal_tag:
        _ = written | "NoteDurable" >> beam.Map(lambda f: note_durable(output, run_tag, f["sources"]))
    dead = [poll_dead, fetch_dead, extract_dead, *stage_dead]
    _ = ((tuple(dead) | "MergeDeadLetters" >> beam.Flatten() | "DeadLetterWindows" >> windows,
          write_dead)
         | "AllDeadLetters" >> beam.Flatten()
         | "WriteDeadLetters" >> WriteDeadLetters(output, windowed=True, run_tag=run_tag))
    return written
