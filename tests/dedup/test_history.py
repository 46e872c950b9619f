"""Syndication across runs that arrive in any order: the signature index keyed by day keeps all
history, a run reads only the days around its own, and copies are labelled as in one run."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import pickle
import random

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from conftest import SEEDS, read_articles
from schemas.article import new_article
from transforms.dedup.index import (SIGNATURE_KEYS, EarlierCopies, day_of, days_around, entry_hashes, entry_of,
                                    key_hashes, read_day, signature_recorder)
from transforms.dedup.signatures import fingerprint
from transforms.dedup.stories import ClusterStories
from transforms.dedup.story_index import EarlierStories, story_recorder
from transforms.dedup.syndication import BUCKET_CAP, PIVOTS, LabelSyndication
from transforms.spill import Spill, spill_folder
from transforms.storage import join
from transforms.text.clean import split_title
from transforms.text.identity import content_hash
from transforms.write import WriteArticles

VOCABULARY = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "ne", "su", "ta", "ve", "zo") for b in
              ("ran", "tel", "mos", "dik", "pul", "ger", "fos", "bin") for c in ("a", "e", "i", "o", "u", "an", "is")]
START = dt.datetime(2025, 1, 3, 9, tzinfo=dt.timezone.utc)


def text(seed: int, words: int = 160) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)) + "."


def row(name: str, body: str, published: dt.datetime, outlet: str) -> dict:
    aid = hashlib.sha256(name.encode()).hexdigest()[:32]
    return new_article(article_id=aid, source=name, input_kind="text", outlet=outlet, title=name, text=body,
                       published_at=published, fetched_at=published, date_source="published",
                       content_hash=content_hash(body), language="en", language_score=1.0)


def wire_copy(original: dict, n: int, minutes: float) -> dict:
    """A trimmed copy with a byline, published `minutes` after the original."""
    words = original["text"].split()
    body = f"By Staff Writer, Wire {n}\n\n" + " ".join(words[:int(len(words) * 0.7)])
    return row(f"copy-{n}-of-{original['source']}", body, original["published_at"] + dt.timedelta(minutes=minutes),
               f"outlet{n}.example")


def originals(first: int, count: int, start: dt.datetime, every_days: float) -> list[dict]:
    return [row(f"original-{i}", text(i), start + dt.timedelta(days=every_days * (i - first)), "wire.example")
            for i in range(first, first + count)]


def copies_of(rows: list[dict]) -> list[dict]:
    delays = (10, 90, 60 * 20, 60 * 47)   # 10 min to 47 h later
    return [wire_copy(o, k, delays[(i + k) % len(delays)]) for i, o in enumerate(rows) for k in (1, 2)]


def run(output, rows, stories: bool = False):
    """One run of the dedup stage (and stories) and the writer into `output`, with the indexes."""
    state_dir, story_dir = join(str(output), "_state", "dedup"), join(str(output), "_state", "stories")
    with beam.Pipeline(runner=FnApiRunner()) as p:
        labelled, _ = p | beam.Create(rows) | LabelSyndication(state_dir)
        if stories:
            labelled, _ = labelled | ClusterStories(earlier=EarlierStories(story_dir, 3, reach_days=7))
        _ = labelled | WriteArticles(str(output), recorders=(signature_recorder(state_dir), story_recorder(story_dir)))


def one_run_labels(originals: list[dict], copies: list[dict]) -> dict[str, tuple]:
    """What one run over everything gives: each original its own canonical, each copy its original's."""
    ids = {o["source"]: o["article_id"] for o in originals}
    return {**{s: (i, False, None) for s, i in ids.items()},
            **{c["source"]: (ids[c["source"].split("-of-")[1]], True, ids[c["source"].split("-of-")[1]]) for c in copies}}


def labels(output) -> dict[str, tuple]:
    return {r["source"]: (r["cluster_id"], r["is_duplicate"], r["duplicate_of"]) for r in read_articles(output)}


def test_copies_of_originals_spread_over_a_year_are_labelled_in_a_later_run(tmp_path):
    """The issue's backfill: originals of a whole year in run 1, their copies in run 2 (1.6% before)."""
    year = originals(0, 26, START, every_days=14)
    copies = copies_of(year)
    run(tmp_path, year)
    run(tmp_path, copies)
    assert labels(tmp_path) == one_run_labels(year, copies)


def test_backfills_in_reverse_time_order_label_as_one_run_and_keep_earlier_rows(tmp_path):
    june = originals(0, 6, dt.datetime(2025, 6, 10, 8, tzinfo=dt.timezone.utc), every_days=2)
    march = originals(10, 6, dt.datetime(2025, 3, 3, 8, tzinfo=dt.timezone.utc), every_days=2)
    late_june, late_march = copies_of(june), copies_of(march)
    out = tmp_path / "backfills"
    run(out, june + late_june[:4])
    first = read_articles(out)
    run(out, march + late_march[:4])            # March after June
    run(out, late_june[4:] + late_march[4:])    # the rest of both, in one later run
    assert labels(out) == one_run_labels(june + march, late_june + late_march)
    assert [r for r in read_articles(out) if r["source"] in {f["source"] for f in first}] == first


def test_a_run_with_a_gap_of_months_reads_only_the_days_around_its_own(tmp_path):
    january = originals(0, 3, START, every_days=1)
    october = originals(20, 3, dt.datetime(2025, 10, 6, 8, tzinfo=dt.timezone.utc), every_days=1)
    run(tmp_path, january + october)
    state_dir = join(str(tmp_path), "_state", "dedup")
    later = copies_of(october)
    copies = EarlierCopies(state_dir, 7, BUCKET_CAP, PIVOTS)
    needed = days_around({day_of(r["published_at"]) for r in later}, 7)
    copies.load(needed)
    assert copies.loaded == 3 and set(copies.days) == set(needed)   # January is never read
    for copy in later:
        label = copies.best(fingerprint(copy))
        original = next(o for o in october if o["source"] == copy["source"].split("-of-")[1])
        assert label == (f"0|{fingerprint(original)['rank'].split('|')[1]}|{original['article_id']}",
                         original["article_id"], original["article_id"])
    assert copies.best(fingerprint(row("unrelated", text(99), october[0]["published_at"], "x.example"))) is None


def test_an_entry_keeps_what_matching_needs_and_nothing_of_the_text(tmp_path):
    original = originals(0, 1, START, 1)[0]
    entry = entry_of({**original, "cluster_id": "c" * 32})
    assert entry["canonical"] == "c" * 32 and entry["rank_time"].startswith("2025-01-03T09:00")
    assert len(entry["bands"]) == 85 * 8 and "text" not in entry
    # a day's key hashes come straight from the stored digests; a node's from its key strings: the same
    assert list(entry_hashes(entry)) == list(key_hashes(fingerprint({**original, "cluster_id": "c" * 32})["keys"]))
    signature_recorder(str(tmp_path)).write([entry], "2025-01-03", "wire.example", "part-x.parquet")
    (back,), _ = read_day(str(tmp_path), day_of(START))
    assert back["shingles"] == entry["shingles"] and list(back["exact_keys"]) == entry["exact_keys"]


@pytest.mark.parametrize("spilled", [False, True], ids=["inline", "spill folder"])
def test_the_writer_takes_the_keys_the_syndication_stage_found_and_makes_the_same_entry(tmp_path, spilled):
    """LabelSyndication leaves each row's exact keys and band digests on it (and, with a spill folder,
    the handle of its shingle set there); the writer's entry from them equals the entry it computes
    from the row alone (so an index written either way matches)."""
    rows = originals(0, 3, START, 2)
    rows += copies_of(rows[:1]) + [row("short", "Too short to band.", START, "x.example")]
    (tmp_path / "kept").mkdir()

    def keep(labelled: dict) -> None:
        (tmp_path / "kept" / labelled["article_id"]).write_bytes(pickle.dumps(labelled))

    with spill_folder(str(tmp_path)) if spilled else contextlib.nullcontext(None) as folder:
        spill = Spill(folder)
        with beam.Pipeline(runner=FnApiRunner()) as p:
            labelled, _ = p | beam.Create(rows) | LabelSyndication(spill=spill)
            _ = labelled | beam.Map(keep)
        kept = [pickle.loads(path.read_bytes()) for path in (tmp_path / "kept").iterdir()]
        assert len(kept) == len(rows) and sum(r["is_duplicate"] for r in kept) == 2
        for carried in kept:
            assert carried[SIGNATURE_KEYS][0]   # at least the content hash
            assert len(carried[SIGNATURE_KEYS]) == (3 if spilled else 2)
            alone = {k: v for k, v in carried.items() if k != SIGNATURE_KEYS}
            assert entry_of(carried, spill) == entry_of(alone)


EXPRESS = split_title((SEEDS / "004_580c8be870bf90a2.txt").read_text(encoding="utf-8"))
LENTA = split_title((SEEDS / "000_2d844df8e1464b56.txt").read_text(encoding="utf-8"))
MARCH = dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone.utc)


def report(name: str, title_text: tuple[str, str], hours: float, outlet: str) -> dict:
    return {**row(name, title_text[1], MARCH + dt.timedelta(hours=hours), outlet), "title": title_text[0]}


def test_a_later_report_joins_the_earlier_story_and_earlier_rows_keep_their_ids(tmp_path):
    run(tmp_path, [report("express", EXPRESS, 0, "express.co.uk"),
                   row("ferry", text(5), MARCH, "local.example")], stories=True)
    first = {r["source"]: r for r in read_articles(tmp_path)}
    story = first["express"]["story_id"]
    later = [report("lenta", LENTA, 30, "lenta.ru"),                                 # another report, a day later
             wire_copy(row("express", EXPRESS[1], MARCH, "express.co.uk"), 1, 90),  # a copy of the earlier row
             row("harbour", text(6), MARCH + dt.timedelta(hours=30), "local.example")]
    run(tmp_path, later, stories=True)
    rows = {r["source"]: r for r in read_articles(tmp_path)}
    assert rows["lenta"]["story_id"] == story
    assert rows["copy-1-of-express"]["story_id"] == story and rows["copy-1-of-express"]["cluster_id"] == first["express"]["article_id"]
    assert rows["harbour"]["story_id"] == rows["harbour"]["article_id"]              # unrelated: its own story
    assert {k: rows[k] for k in first} == first                                      # never rewritten
    # a copy of the Lenta.ru report 5 days later (past the story window, within the dedup window)
    run(tmp_path, [wire_copy(row("lenta", LENTA[1], MARCH + dt.timedelta(hours=30), "lenta.ru"), 2, 60 * 24 * 5)],
        stories=True)
    late = {r["source"]: r for r in read_articles(tmp_path)}["copy-2-of-lenta"]
    assert (late["cluster_id"], late["story_id"]) == (rows["lenta"]["article_id"], story)


def test_a_report_bridging_two_earlier_stories_leaves_each_group_its_story(tmp_path):
    """A new report like two stories already written joins one; a new copy of the other keeps the
    story its group's rows carry (rows are never rewritten, so the two stay apart)."""
    first_words, second_words = text(11).split(), text(12).split()
    harbour = row("harbour", "Kallas Tallinn " + " ".join(first_words), MARCH, "a.example")
    bridge_story = row("bridge", "Macron Lyon " + " ".join(second_words), MARCH + dt.timedelta(hours=2), "b.example")
    run(tmp_path, [harbour, bridge_story], stories=True)
    first = {r["source"]: r for r in read_articles(tmp_path)}
    assert first["harbour"]["story_id"] != first["bridge"]["story_id"]
    both = row("both", "Kallas Tallinn Macron Lyon " + " ".join(first_words[:80] + second_words[:80]),
               MARCH + dt.timedelta(hours=5), "c.example")
    run(tmp_path, [both, wire_copy(bridge_story, 1, 300)], stories=True)
    rows = {r["source"]: r for r in read_articles(tmp_path)}
    copy = rows["copy-1-of-bridge"]
    assert copy["cluster_id"] == first["bridge"]["article_id"] and copy["story_id"] == first["bridge"]["story_id"]
    assert rows["both"]["story_id"] in {first["harbour"]["story_id"], first["bridge"]["story_id"]}
    assert {k: rows[k] for k in first} == first
