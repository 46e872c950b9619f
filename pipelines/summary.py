"""The run summary: built from the stages' Beam counters, printed and saved as `_runs/<run id>.json`.

The counts must balance: every input read (a file, a feed entry, a JSON Lines record, an archive's
HTML response, a page a sitemap lists) ends as an article written, an article already present from an
earlier run, a dead letter, or filtered out (--outlets, --since, --until, --languages; by reason).
Archive records that are no pages (revisit, request, metadata, non-HTML, non-200, ...) are not inputs:
they are counted apart, by kind. A stream's summary balances over feed entries and adds what happened
to the feeds.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets

from apache_beam.metrics.metric import MetricsFilter

from pipelines.memory import format_bytes
from transforms.ingest.feedlist import Feed
from transforms.ingest.poll import STATE_DIR
from transforms.runtime import NAMESPACE
from transforms.storage import join, matching, read_json, write_atomically

# Entry-level stages: an entry that reached them is written or dead there. `poll` failures concern a
# feed, not an entry, and are reported apart.
ENTRY_STAGES_EXCLUDED = ("poll",)


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def counters(result) -> dict[str, int] | None:
    """Committed counter values of the newsbeam namespace, by name (attempted where a runner commits
    none); None when the runner reports no metrics at all, so the summary says so instead of zeros."""
    try:
        metrics = result.metrics()
    except NotImplementedError:
        metrics = None
    if metrics is None:
        return None
    values: dict[str, int] = {}
    for c in metrics.query(MetricsFilter().with_namespace(NAMESPACE))["counters"]:
        value = c.committed if c.committed is not None else c.attempted
        values[c.key.metric.name] = values.get(c.key.metric.name, 0) + int(value or 0)
    return values


def build_summary(values: dict[str, int], *, run_id: str, started: dt.datetime, finished: dt.datetime,
                  output: str, command: str = "run") -> dict:
    unavailable = values is None
    values = values or {}
    dead = {name.split(".", 1)[1]: n for name, n in values.items() if name.startswith("dead.") and name.count(".") == 1}
    reasons = {name.split(".", 1)[1]: n for name, n in values.items() if name.startswith("dead.") and name.count(".") == 2}
    # a sitemap that could not be read is an input, as a feed file that is not a feed is
    inputs = (values.get("read.out", 0) + dead.get("read", 0) + values.get("read.filtered", 0)
              + values.get("sitemap.entries", 0) + dead.get("sitemap", 0))
    written = values.get("articles_written", 0)
    present = values.get("write.already_present", 0)
    dead_total = sum(dead.values())
    filtered = _by_suffix(values, "filtered.")
    return {
        "run_id": run_id,
        "command": command,
        "output": output,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 2),
        "files": values.get("read.files", 0),
        "inputs": inputs,
        "articles_written": written,
        "already_present": present,
        "dead_letters": dead_total,
        "dead_letters_by_stage": dict(sorted(dead.items())),
        "dead_letters_by_reason": dict(sorted(reasons.items())),
        "filtered": sum(filtered.values()),
        "filtered_by_reason": filtered,
        "skipped_records": _by_suffix(values, "archive.skipped."),
        "balanced": None if unavailable else inputs == written + present + dead_total + sum(filtered.values()),
        "counters_available": not unavailable,
        "counters": dict(sorted(values.items())),
    }


def _by_suffix(values: dict[str, int], prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: n for name, n in sorted(values.items()) if name.startswith(prefix) and n}


def ensure_dead_letter_folder(output: str) -> None:
    """A run without dead letters still leaves `dead_letter/` with an empty `_none.jsonl`, so that a query
    over `dead_letter/**/*.jsonl` (the README's) answers "none" instead of failing for want of a file."""
    if not matching(join(output, "dead_letter", "**")):
        write_atomically(join(output, "dead_letter", "_none.jsonl"), b"")


def save_summary(summary: dict, output: str) -> str:
    return write_atomically(join(output, "_runs", f"{summary['run_id']}.json"),
                            json.dumps(summary, indent=2).encode("utf-8"))


def format_summary(summary: dict) -> str:
    lines = [
        f"newsbeam {summary['command']} {summary['run_id']}: {summary['inputs']} inputs from {summary['files']} files"
        f" → {summary['articles_written']} articles written"
        + (f", {summary['already_present']} already present" if summary["already_present"] else "")
        + (f", {summary['filtered']} filtered" if summary.get("filtered") else "")
        + f", {summary['dead_letters']} dead letters in {summary['seconds']:.1f} s"
        + ("  (this runner reported no counters: counts unknown, see the output folder)"
           if summary.get("counters_available") is False
           else "" if summary["balanced"] else "  (COUNTS DO NOT BALANCE)"),
    ]
    return "\n".join(lines + _filtered_lines(summary) + _dead_letter_lines(summary) + _memory_lines(summary))


def _memory_lines(summary: dict) -> list[str]:
    """The peak resident memory of the run's processes (the command and every worker and child)."""
    if summary.get("peak_memory_mb") is None:
        return []
    return [f"  peak memory {format_bytes(summary['peak_memory_mb'] * (1 << 20))} (all processes of the run)"]


def _filtered_lines(summary: dict) -> list[str]:
    lines = []
    for key, title in (("filtered_by_reason", "filtered"), ("skipped_records", "archive records that are no pages")):
        if summary.get(key):
            lines.append(f"  {title}: " + ", ".join(f"{k} {n}" for k, n in summary[key].items()))
    return lines


def _dead_letter_lines(summary: dict) -> list[str]:
    if not summary["dead_letters_by_stage"]:
        return []
    by_stage = ", ".join(f"{stage} {n}" for stage, n in summary["dead_letters_by_stage"].items())
    by_reason = ", ".join(f"{reason} {n}" for reason, n in summary["dead_letters_by_reason"].items())
    return [f"  dead letters by stage: {by_stage}  (reasons: {by_reason})"]


# --------------------------------------------------------------------------- newsbeam stream


def feed_states(output: str) -> list[dict]:
    """Every feed's saved polling record (validators, trust, failures) under OUTPUT/_state/feeds/."""
    return [read_json(path) for path in matching(join(output, STATE_DIR, "feeds", "*.json"))]


def stream_counters(result) -> dict[str, int]:
    """summary.counters(result), in a thread with a deep stack. The FnApiRunner merges each bundle's
    metrics into a lazily chained generator, one level per bundle, and an unbounded source runs many
    small bundles: a 30 s local run already nests past Python's default recursion limit."""
    import sys
    import threading
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


def stream_summary(values: dict[str, int], feeds: list[Feed], carried: int = 0, **kwargs) -> dict:
    """`run`'s summary, balanced over entries: entries taken (new, taken again after a killed run, or
    waiting for a retry from an earlier run) = written + already present + dead letters of entry
    stages + waiting for a retry + carried to the next run − summaries written after a failed fetch
    (those entries have a dead letter and a row). Failed polls are dead letters too, but of a feed,
    so they are listed apart."""
    summary = build_summary(values, command="stream", **kwargs)
    new = values.get("stream.entries", 0)
    retaken, carried_over = values.get("stream.entries_retaken", 0), values.get("fetch.carried_over", 0)
    waiting, fallbacks = values.get("fetch.waiting", 0), values.get("fetch.summary_fallback", 0)
    entries = new + retaken + carried_over
    entry_dead = sum(n for stage, n in summary["dead_letters_by_stage"].items() if stage not in ENTRY_STAGES_EXCLUDED)
    states = {s.get("url"): s for s in feed_states(summary["output"])}
    failing = [{"url": f.url, "failures": states[f.url]["failures"], "last_error": states[f.url]["last_error"]}
               for f in feeds if states.get(f.url, {}).get("failures")]
    summary.update(
        files=len(feeds), inputs=entries, new_entries=new, entries_retaken=retaken, retries_carried_over=carried_over,
        waiting_for_retry=waiting, carried_to_next_run=carried, summary_fallbacks=fallbacks, feeds=len(feeds),
        polls=values.get("poll.requests", 0), not_modified=values.get("poll.not_modified", 0),
        failed_polls=values.get("poll.failed", 0), validators_lied=values.get("poll.validators_lied", 0),
        entries_repeated=values.get("stream.entries_repeated", 0), entry_dead_letters=entry_dead,
        failing_feeds=failing, untrusted_feeds=[u for u, s in states.items() if not s.get("trusted", True)],
        balanced=entries == (summary["articles_written"] + summary["already_present"] + entry_dead + waiting
                             + carried - fallbacks))
    return summary


def format_stream_summary(summary: dict) -> str:
    lines = [
        f"newsbeam stream {summary['run_id']}: {summary['polls']} polls of {summary['feeds']} feeds"
        f" ({summary['not_modified']} not modified, {summary['failed_polls']} failed)"
        f" → {summary['new_entries']} new entries"
        + (f" (+ {summary['entries_retaken']} taken again after a killed run)" if summary["entries_retaken"] else "")
        + (f" (+ {summary['retries_carried_over']} retries from earlier runs)" if summary["retries_carried_over"] else "")
        + f" → {summary['articles_written']} articles written"
        + (f", {summary['already_present']} already present" if summary["already_present"] else "")
        + f", {summary['entry_dead_letters']} dead letters"
        + (f", {summary['waiting_for_retry']} waiting for a retry" if summary["waiting_for_retry"] else "")
        + (f", {summary['carried_to_next_run']} carried to the next run" if summary["carried_to_next_run"] else "")
        + f" in {summary['seconds']:.1f} s"
        + ("" if summary["balanced"] else "  (COUNTS DO NOT BALANCE)"),
    ]
    if summary["summary_fallbacks"]:
        lines.append(f"  {summary['summary_fallbacks']} pages not fetched for good were written from the feed's summary"
                     " (text_source feed_summary; their dead letters say why)")
    lines.extend(_dead_letter_lines(summary) + _memory_lines(summary))
    for feed in summary["failing_feeds"]:
        lines.append(f"  failing feed: {feed['url']} ({feed['failures']} failures in a row, last: {feed['last_error']})")
    for url in summary["untrusted_feeds"]:
        lines.append(f"  validators not trusted (a 304 hid new entries): {url}")
    return "\n".join(lines)
