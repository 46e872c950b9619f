"""`newsbeam stream`: streaming semantics with TestStream, and the whole command against a loopback
server, twice in a row, with every entry written exactly once."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.testing.test_stream import TestStream as EventStream  # (pytest would collect `Test*`)
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from pipelines.streaming import WindowedWrite
from schemas.article import new_article
from tests.conftest import newsbeam, read_articles
from tests.loopback import FeedServer, growing_feed, running
from transforms.ingest.intake import settle
from transforms.ingest.poll import NewEntriesDoFn, load_state
from transforms.write import WriteArticles, partition_dir, write_parquet


def streaming_pipeline():
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)


def poll(feed, *ids):
    return feed, {"entries": [{"entry_id": i} for i in ids]}


def test_each_entry_once_per_feed_for_the_retention_period(tmp_path):
    stream = (EventStream()
              .add_elements([TimestampedValue(poll("feed-a", "a", "b"), 0)])
              .advance_watermark_to(5)
              .add_elements([TimestampedValue(poll("feed-a", "a", "c"), 10),
                             TimestampedValue(poll("feed-b", "a"), 10)])     # another feed: its own ids
              .advance_watermark_to(60)
              .add_elements([TimestampedValue(poll("feed-a", "a", "b", "c"), 60)])   # all seen
              .advance_watermark_to(200)
              .add_elements([TimestampedValue(poll("feed-a", "a", "d"), 200)])   # `a` expired (100 s)
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        ids = (p | stream
               | beam.ParDo(NewEntriesDoFn(str(tmp_path), retention=100))
               | beam.Map(lambda entry: entry["entry_id"]))
        assert_that(ids, equal_to(["a", "b", "c", "a", "a", "d"]))
    assert load_state(str(tmp_path), "seen", "feed-a") == {"a": 200.0, "d": 200.0}
    assert load_state(str(tmp_path), "seen", "feed-b") == {"a": 10.0}


def test_seen_ids_carry_over_to_the_next_run(tmp_path):
    with streaming_pipeline() as p:
        out = (p | EventStream().add_elements([TimestampedValue(poll("f", "x", "y"), 0)]).advance_watermark_to_infinity()
               | "first" >> beam.ParDo(NewEntriesDoFn(str(tmp_path), 1e6)) | beam.Map(lambda e: e["entry_id"]))
        assert_that(out, equal_to(["x", "y"]))
    with streaming_pipeline() as p:   # a later run: a fresh pipeline, state from OUTPUT/_state/
        out = (p | EventStream().add_elements([TimestampedValue(poll("f", "y", "z"), 50)]).advance_watermark_to_infinity()
               | "second" >> beam.ParDo(NewEntriesDoFn(str(tmp_path), 1e6)) | beam.Map(lambda e: e["entry_id"]))
        assert_that(out, equal_to(["z"]))


def article(n: int) -> dict:
    when = dt.datetime(2026, 11, 21, 10, tzinfo=dt.timezone.utc)
    return new_article(article_id=f"{n:032x}", source=f"http://x.example/{n}", input_kind="fetched",
                       outlet="x.example", title=f"Story {n}", published_at=when, fetched_at=when,
                       date_source="published", text=f"text of story {n}", language="en", language_score=1.0)


def test_fixed_windows_and_late_panes_write_separate_files(tmp_path):
    out = tmp_path / "out"
    stream = (EventStream()
              .add_elements([TimestampedValue(article(1), 10), TimestampedValue(article(2), 20),
                             TimestampedValue(article(3), 400)])
              .advance_watermark_to(700)                                 # windows [0,300) and [300,600) close
              .add_elements([TimestampedValue(article(4), 50)])         # late, within the allowed lateness
              .advance_watermark_to(800)
              .advance_watermark_to_infinity())
    with streaming_pipeline() as p:
        written, _ = (p | stream | WindowedWrite(300, lateness=3600)
                      | WriteArticles(str(out), windowed=True, run_tag="run1"))
        assert_that(written | beam.Map(lambda f: (Path(f["path"]).name.split("-")[1:3], f["rows"])),
                    equal_to([(["19700101T000000", "p0"], 2), (["19700101T000500", "p0"], 1),
                              (["19700101T000000", "p1"], 1)]))
    rows = read_articles(out)
    assert sorted(r["title"] for r in rows) == ["Story 1", "Story 2", "Story 3", "Story 4"]


def test_a_retried_pane_adds_no_rows(tmp_path):
    directory = partition_dir(str(tmp_path), "2026-11-21", "x.example")
    stem = "part-19700101T000000-p0-run1-0000"
    first = write_parquet(directory, 0, [article(1), article(2)], lambda *a: None, stem)
    again = write_parquet(directory, 0, [article(1), article(2)], lambda *a: None, stem)
    assert first[1] == 2 and again == (None, 0, 2)   # the retry finds both rows already written
    other_run = write_parquet(directory, 0, [article(2), article(3)], lambda *a: None, "part-x-p0-run2-0000")
    assert other_run[1:] == (1, 1)    # article 2 is already present in the partition: not written twice
    assert len(read_articles(tmp_path)) == 3


# --------------------------------------------------------------------------- the command, end to end

BAD = {"/private/page.html": "robots", "/slow.html": "timeout", "/error.html": "http_500",
       "/loop-a": "redirect_loop", "/big.html": "too_large"}
RATE = 5.0


@pytest.mark.slow
def test_stream_twice_writes_each_entry_once_politely(tmp_path):
    out = tmp_path / "out"
    with running(FeedServer()) as server:
        good = [server.url(f"/articles/{i}.html") for i in range(7)]
        bad = [server.url(path) for path in BAD]
        live = [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[3], bad[3], good[4], bad[4], good[5], good[6]]
        growing_feed(server, "/live.xml", live, start=3, every=2)
        growing_feed(server, "/honest.xml", [server.url(f"/articles/{i}.html") for i in range(20, 24)],
                     start=2, every=3)
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"""# the loopback newsroom
feeds:
  - url: {server.url('/live.xml')}
    outlet: Loopback News
  - url: {server.url('/honest.xml')}
    poll_interval: 2
  - {server.url('/broken.xml')}
  - {server.url('/malformed.xml')}
""")
        common = ["--feeds", feeds, "--output", out, "--poll-interval", 3, "--allow-hosts", "127.0.0.1",
                  "--per-host-rate", RATE, "--fetch-timeout", 1, "--fetch-retries", 1, "--max-document-mb", 1,
                  "--window-seconds", 10, "--fetch-max-tries", 1]     # a failing page is final at once
        first = newsbeam("stream", *common, "--duration", 30)
        after_first = set(server.served_links)
        second = newsbeam("stream", *common, "--duration", 10)
        log = server.requests()
        served = set(server.served_links)

    print(first.stdout, second.stdout)
    assert served > after_first                      # the second run saw new entries too
    rows = read_articles(out)
    sources = [r["source"] for r in rows]
    assert len(sources) == len(set(sources))        # exactly once across polls and runs
    # an entry polled in the last seconds of the second run may still be queued when it ends (on a
    # loaded machine): it is carried to the next run, journaled, never lost
    carried = settle(str(out))["pending"]
    carried_links = {(e.get("meta") or {}).get("url") for e in carried}
    assert len(carried) == json.loads(sorted(out.glob("_runs/*.json"))[-1].read_text())["carried_to_next_run"]
    pages = {r["source"] for r in rows if r["text_source"] == "page"}
    summaries = [r for r in rows if r["text_source"] == "feed_summary"]
    assert pages == {link for link in served if "/articles/" in link} - carried_links
    # a page not fetched for good: its dead letter below, and the feed's summary as the article
    assert len(summaries) == len([b for b in bad if b in served and b not in carried_links])
    assert all(r["source"].startswith(server.url("/live.xml#")) and r["input_kind"] == "feed_entry" for r in summaries)
    assert all(r["outlet"] == "loopback-news" for r in rows if "/articles/2" not in r["source"])

    dead = [json.loads(line) for f in sorted(out.glob("dead_letter/**/*.jsonl")) for line in f.read_text().splitlines()]
    fetch_dead = {d["message"].split(": ")[0]: d["reason"] for d in dead if d["stage"] == "fetch"}
    assert len([d for d in dead if d["stage"] == "fetch"]) == len(fetch_dead)        # once each
    expected_dead = {link: BAD["/" + link.split("/", 3)[3]] for link in served if link in bad}
    assert {k: v for k, v in fetch_dead.items() if k not in carried_links} == {
        k: v for k, v in expected_dead.items() if k not in carried_links}
    assert set(fetch_dead) <= set(expected_dead)
    poll_dead = {(d["input_ref"].rsplit("/", 1)[1], d["reason"]) for d in dead if d["stage"] == "poll"}
    assert poll_dead == {("broken.xml", "http_500"), ("malformed.xml", "not_a_feed")}

    assert not [r for r in log if r["path"].startswith("/private/")]                 # robots.txt obeyed
    assert all(r["user_agent"].startswith("newsbeam/") for r in log)
    gaps = [b["at"] - a["at"] for a, b in zip(log, log[1:])]
    # the client spaces sends by 1/RATE + 20 ms; the server stamps arrivals in handler threads (jitter)
    assert min(gaps) >= 1 / RATE - 0.03, min(gaps)
    assert any(r["if_none_match"] for r in log if r["path"] == "/honest.xml")        # conditional GETs

    summaries = [json.loads(p.read_text()) for p in sorted(out.glob("_runs/*.json"))]
    assert [s["balanced"] for s in summaries] == [True, True]
    assert sum(s["articles_written"] for s in summaries) == len(rows)
    assert sum(s["inputs"] + s["summary_fallbacks"] for s in summaries) == len(rows) + len(fetch_dead) + len(carried) + sum(
        s["dead_letters_by_stage"].get("extract", 0) + s["dead_letters_by_stage"].get("language", 0) for s in summaries)
    assert "COUNTS DO NOT BALANCE" not in first.stdout + second.stdout


def test_loopback_feed_refused_without_allow_hosts(tmp_path):
    out = tmp_path / "out"
    with running(FeedServer()) as server:
        growing_feed(server, "/live.xml", [server.url("/articles/1.html")], start=1)
        feeds = tmp_path / "feeds.txt"
        feeds.write_text(server.url("/live.xml") + "\n")
        result = newsbeam("stream", "--feeds", feeds, "--output", out, "--duration", 2, "--poll-interval", 5)
        assert server.requests() == []                       # not a single byte sent to a private address
    dead = [json.loads(line) for f in out.glob("dead_letter/stage=poll/*.jsonl") for line in f.read_text().splitlines()]
    assert [d["reason"] for d in dead] == ["refused_host"]
    assert "0 new entries" in result.stdout and "refused_host" in result.stdout


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_writes_every_entry_exactly_once(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    out = tmp_path / "out"
    with running(FeedServer()) as server:
        links = [server.url(f"/articles/{i}.html") for i in range(8)]
        growing_feed(server, "/live.xml", links, start=2, every=1)
        feeds = tmp_path / "feeds.txt"
        feeds.write_text(server.url("/live.xml") + "\n")
        common = ["--feeds", feeds, "--output", out, "--poll-interval", 1, "--allow-hosts", "127.0.0.1",
                  "--per-host-rate", 20, "--window-seconds", 2]
        script = Path(sys.executable).with_name("newsbeam")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        killed = subprocess.Popen([str(script), "stream", *map(str, common), "--duration", "60"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(server.requests("/live.xml")) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        killed.send_signal(signal.SIGKILL)            # mid-run: entries taken and fetched, nothing written
        killed.wait()
        taken = set(json.loads(next(out.glob("_state/seen/*.json")).read_text()))
        assert list(out.glob("_state/intake/*/*.json")) and not list(out.glob("articles/**/*.parquet"))
        rerun = newsbeam("stream", *common, "--duration", 6)     # the lock the killed run left is stale
        served = set(server.served_links)
    rows = read_articles(out)
    sources = [r["source"] for r in rows]
    assert taken and "taken again after a killed run" in rerun.stdout
    assert len(sources) == len(set(sources)) and set(sources) == served     # every entry, exactly once
    assert not list(out.glob("_state/intake/*/*.json")) and not (out / "_state" / "stream.lock").exists()
