"""build_stream: the unbounded pipeline, poll → new entries → fetch → (the batch stages) → windowed write.

    ticks (PeriodicImpulse) → PollFeeds (per feed: conditional GET, trust, backoff)
      → NewEntries (per feed: each entry id once) → FetchPages (robots, rate, size, address policy)
      → ExtractArticles → process_articles (shared with batch) → fixed windows → WriteArticles

With `--duration N` the ticks stop after N seconds; the local runner then drains every window and
flushes it, which is how a local run (or a cron job) ends. Without it the source never ends: run it on
a streaming runner (Dataflow, Flink), where the same graph writes each window when it closes.
Per-feed state persists under OUTPUT/_state/, so the next run continues where this one stopped.
"""
from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.transforms import trigger, window
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from pipelines.batch import process_articles, recorders
from pipelines.options import Settings
from transforms.ingest import FetchPages, NewEntries, PollFeeds
from transforms.ingest.feedlist import Feed
from transforms.text import ExtractArticles
from transforms.write import WriteArticles, WriteDeadLetters


def tick_interval(feeds: list[Feed], default_interval: float) -> float:
    """How often the source fires: the shortest poll interval; each feed is polled when due."""
    return max(0.5, min(feed.poll_interval or default_interval for feed in feeds))


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


def client_settings(settings: Settings) -> dict:
    """HttpClient keyword arguments: a plain dict a DoFn carries to its workers and turns into a client
    in `setup`, so that every stage's client agrees."""
    return {"contact_url": settings.contact_url, "timeout": settings.fetch_timeout,
            "per_host_rate": settings.per_host_rate, "max_bytes": settings.max_document_bytes,
            "allow_hosts": list(settings.allow_hosts), "retries": settings.fetch_retries}


def build_stream(pipeline: beam.Pipeline, settings: Settings, feeds: list[Feed], run_tag: str,
                 start: float | None = None):
    """Add the streaming graph to `pipeline`; `feeds` come from transforms.ingest.feedlist.load_feeds."""
    output = settings.output
    start = start or time.time()
    stop = start + settings.duration if settings.duration else MAX_TIMESTAMP
    client = client_settings(settings)
    windows = WindowedWrite(settings.window_seconds, settings.allowed_lateness)

    ticks = pipeline | "Ticks" >> PeriodicImpulse(start_timestamp=start, stop_timestamp=stop,
                                                   fire_interval=tick_interval(feeds, settings.poll_interval))
    polled, poll_dead = ticks | "PollFeeds" >> PollFeeds(
        feeds, output, client, settings.poll_interval, settings.verify_every, settings.max_backoff)
    entries = polled | "NewEntries" >> NewEntries(output, settings.seen_days * 86400)
    raw, fetch_dead = entries | "FetchPages" >> FetchPages(client)
    articles, extract_dead = raw | "Extract" >> ExtractArticles(settings.extract_timeout)
    articles, stage_dead = process_articles(articles, settings)
    written, write_dead = (articles
                           | "ArticleWindows" >> windows
                           | "Write" >> WriteArticles(output, settings.files_per_partition,
                                                      windowed=True, run_tag=run_tag,
                                                      recorders=recorders(settings)))
    dead = [poll_dead, fetch_dead, extract_dead, *stage_dead]
    _ = ((tuple(dead) | "MergeDeadLetters" >> beam.Flatten() | "DeadLetterWindows" >> windows,
          write_dead)
         | "AllDeadLetters" >> beam.Flatten()
         | "WriteDeadLetters" >> WriteDeadLetters(output, windowed=True, run_tag=run_tag))
    return written
