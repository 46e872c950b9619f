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

import json
import time

import apache_beam as beam
from apache_beam.transforms import trigger, window
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from pipelines.batch import process_articles
from pipelines.options import NewsbeamOptions, setting
from transforms.extract import ExtractArticles
from transforms.feedlist import Feed
from transforms.feeds import STATE_DIR, NewEntries, PollFeeds
from transforms.fetch import FetchPages, client_settings
from transforms.write import WriteArticles, WriteDeadLetters

# Entry-level stages: an entry that reached them is written or dead there. `poll` failures concern a
# feed, not an entry, and are reported apart.
ENTRY_STAGES_EXCLUDED = ("poll",)


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


def build_stream(pipeline: beam.Pipeline, options: NewsbeamOptions, feeds: list[Feed], run_tag: str,
                 start: float | None = None):
    """Add the streaming graph to `pipeline`; `feeds` come from transforms.feedlist.load_feeds."""
    output = options.output
    default_interval = float(setting(options, "poll_interval"))
    start = start or time.time()
    duration = setting(options, "duration")
    stop = start + float(duration) if duration else MAX_TIMESTAMP
    settings = client_settings(options)
    windows = WindowedWrite(float(setting(options, "window_seconds")), float(setting(options, "allowed_lateness")))

    ticks = pipeline | "Ticks" >> PeriodicImpulse(start_timestamp=start, stop_timestamp=stop,
                                                   fire_interval=tick_interval(feeds, default_interval))
    polled, poll_dead = ticks | "PollFeeds" >> PollFeeds(
        feeds, output, settings, default_interval, int(setting(options, "verify_every")),
        float(setting(options, "max_backoff")))
    entries = polled | "NewEntries" >> NewEntries(output, float(setting(options, "seen_days")) * 86400)
    raw, fetch_dead = entries | "FetchPages" >> FetchPages(settings)
    articles, extract_dead = raw | "Extract" >> ExtractArticles(setting(options, "extract_timeout"))
    articles, stage_dead = process_articles(articles, options)
    written, write_dead = (articles
                           | "ArticleWindows" >> windows
                           | "Write" >> WriteArticles(output, setting(options, "files_per_partition"),
                                                      windowed=True, run_tag=run_tag))
    dead = [poll_dead, fetch_dead, extract_dead, *stage_dead]
    _ = ((tuple(dead) | "MergeDeadLetters" >> beam.Flatten() | "DeadLetterWindows" >> windows,
          write_dead)
         | "AllDeadLetters" >> beam.Flatten()
         | "WriteDeadLetters" >> WriteDeadLetters(output, windowed=True, run_tag=run_tag))
    return written


# --------------------------------------------------------------------------- the run summary


def feed_states(output: str) -> list[dict]:
    """Every feed's saved polling record (validators, trust, failures) under OUTPUT/_state/feeds/."""
    from apache_beam.io.filesystems import FileSystems
    from transforms.write import join
    try:
        matches = FileSystems.match([join(output, STATE_DIR, "feeds", "*.json")])[0].metadata_list
    except Exception:  # noqa: BLE001 - nothing polled yet
        return []
    records = []
    for m in matches:
        with FileSystems.open(m.path) as f:
            records.append(json.loads(f.read().decode("utf-8")))
    return records


def stream_counters(result) -> dict[str, int]:
    """summary.counters(result), in a thread with a deep stack. The FnApiRunner merges each bundle's
    metrics into a lazily chained generator, one level per bundle, and an unbounded source runs many
    small bundles: a 30 s local run already nests past Python's default recursion limit."""
    import sys
    import threading
    from pipelines.summary import counters
    box: dict = {}

    def query():
        try:
            box["values"] = counters(result)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller
            box["error"] = error

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(512 << 20)
    try:
        worker = threading.Thread(target=query, name="stream-counters")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["values"]


def stream_summary(values: dict[str, int], feeds: list[Feed], **kwargs) -> dict:
    """`run`'s summary, balanced over entries: new entries = written + already present + dead letters
    of entry stages. Failed polls are dead letters too, but of a feed, so they are listed apart."""
    from pipelines.summary import build_summary
    summary = build_summary(values, command="stream", **kwargs)
    entries = values.get("stream.entries", 0)
    entry_dead = sum(n for stage, n in summary["dead_letters_by_stage"].items() if stage not in ENTRY_STAGES_EXCLUDED)
    states = {s.get("url"): s for s in feed_states(summary["output"])}
    failing = [{"url": f.url, "failures": states[f.url]["failures"], "last_error": states[f.url]["last_error"]}
               for f in feeds if states.get(f.url, {}).get("failures")]
    summary.update(
        files=len(feeds), inputs=entries, feeds=len(feeds),
        polls=values.get("poll.requests", 0), not_modified=values.get("poll.not_modified", 0),
        failed_polls=values.get("poll.failed", 0), validators_lied=values.get("poll.validators_lied", 0),
        entries_repeated=values.get("stream.entries_repeated", 0), entry_dead_letters=entry_dead,
        failing_feeds=failing, untrusted_feeds=[u for u, s in states.items() if not s.get("trusted", True)],
        balanced=entries == summary["articles_written"] + summary["already_present"] + entry_dead)
    return summary


def format_stream_summary(summary: dict) -> str:
    lines = [
        f"newsbeam stream {summary['run_id']}: {summary['polls']} polls of {summary['feeds']} feeds"
        f" ({summary['not_modified']} not modified, {summary['failed_polls']} failed)"
        f" → {summary['inputs']} new entries → {summary['articles_written']} articles written"
        + (f", {summary['already_present']} already present" if summary["already_present"] else "")
        + f", {summary['entry_dead_letters']} dead letters in {summary['seconds']:.1f} s"
        + ("" if summary["balanced"] else "  (COUNTS DO NOT BALANCE)"),
    ]
    if summary["dead_letters_by_stage"]:
        by_stage = ", ".join(f"{stage} {n}" for stage, n in summary["dead_letters_by_stage"].items())
        by_reason = ", ".join(f"{reason} {n}" for reason, n in summary["dead_letters_by_reason"].items())
        lines.append(f"  dead letters by stage: {by_stage}  (reasons: {by_reason})")
    for feed in summary["failing_feeds"]:
        lines.append(f"  failing feed: {feed['url']} ({feed['failures']} failures in a row, last: {feed['last_error']})")
    for url in summary["untrusted_feeds"]:
        lines.append(f"  validators not trusted (a 304 hid new entries): {url}")
    return "\n".join(lines)
