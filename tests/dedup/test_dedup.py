"""Syndication groups: the plain functions, the batch transform, the incremental form and the command."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from conftest import SEEDS, newsbeam, read_articles
from schemas.article import new_article
from transforms.dedup.ahead import make_ahead
from transforms.dedup.components import components
from transforms.dedup.incremental import IncrementalSyndication
from transforms.dedup.signatures import FINGERPRINT_AHEAD, is_copy, shingle_set, similarity, url_key
from transforms.dedup.syndication import BUCKET_CAP, LabelSyndication, bucket_pairs
from transforms.text.clean import split_title
from transforms.text.identity import content_hash

EXPRESS = split_title((SEEDS / "004_580c8be870bf90a2.txt").read_text(encoding="utf-8"))[1]
LENTA = split_title((SEEDS / "000_2d844df8e1464b56.txt").read_text(encoding="utf-8"))[1]
T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone.utc)


def first_words(text: str, fraction: float) -> str:
    words = text.split()
    return " ".join(words[:int(len(words) * fraction)])


def with_byline_and_footer(text: str) -> str:
    return f"By Maria Lopez, Associated Press\n\n{text}\n\nCopyright 2024 The Associated Press. All rights reserved."


def reworded(text: str) -> str:
    return text.replace(" said ", " stated ").replace("however", "but").replace("Ukraine", "Ukraine,", 2)


def article(aid: str, text: str, hours: float = 0, url: str | None = None) -> dict:
    return new_article(article_id=aid, source=aid, text=text, url=url, content_hash=content_hash(text),
                       published_at=T0 + dt.timedelta(hours=hours), fetched_at=T0 + dt.timedelta(days=2))


# --------------------------------------------------------------------------- plain functions


def test_url_key_folds_tracking_scheme_www_slash_and_amp():
    plain = url_key("https://www.express.co.uk/news/world/1874/nato-troops")
    assert plain == "express.co.uk/news/world/1874/nato-troops"
    for variant in ("http://express.co.uk/news/world/1874/nato-troops/",
                    "https://www.express.co.uk/news/world/1874/nato-troops?utm_source=twitter&fbclid=x#top",
                    "https://www.express.co.uk/news/world/1874/nato-troops/amp",
                    "https://amp.express.co.uk/news/world/1874/nato-troops?amp"):
        assert url_key(variant) == plain, variant
    assert url_key("https://www.express.co.uk/news/world/1875/other") != plain
    assert url_key(None) is None and url_key("not a url") is None


def test_near_copy_with_byline_footer_and_rewording_is_a_copy():
    assert is_copy(shingle_set(EXPRESS), shingle_set(with_byline_and_footer(reworded(EXPRESS))))


def test_trimmed_copy_joins_by_containment_not_jaccard():
    original, trimmed = shingle_set(EXPRESS), shingle_set(with_byline_and_footer(first_words(EXPRESS, 0.45)))
    jaccard, containment = similarity(original, trimmed)
    assert jaccard < 0.5 < containment
    assert is_copy(original, trimmed)


def test_other_report_of_the_same_story_is_not_a_copy():
    assert not is_copy(shingle_set(EXPRESS), shingle_set(LENTA))
    assert not is_copy(shingle_set(EXPRESS), shingle_set(first_words(LENTA, 0.5)))


def test_bucket_pairs_all_pairs_under_cap_pivots_over_cap():
    refs = [(f"1|t|{i:04d}", f"{i:04d}", f"{i:04d}") for i in range(5)]
    pairs, over = bucket_pairs("b1:x", refs)
    assert len(pairs) == 10 and not over
    star, _ = bucket_pairs("h:abc", refs)
    assert star == [(refs[0], r) for r in refs[1:]]
    many = [(f"1|t|{i:05d}", f"{i:05d}", f"{i:05d}") for i in range(BUCKET_CAP * 10)]
    pairs, over = bucket_pairs("b1:x", many)
    assert over and len(pairs) < 2 * len(many)
    assert all(a in many[:2] for a, _ in pairs)


def test_components_take_the_earliest_label_across_a_chain():
    a, b, c, d = (("1|2024-03-01|a", "a", "a"), ("1|2024-03-02|b", "b", "b"),
                  ("1|2024-02-28|c", "c", "c"), ("1|2024-03-05|d", "d", "d"))
    labels = components([(a, b), (b, d), (d, c)])
    assert {k: v[1] for k, v in labels.items()} == {"a": "c", "b": "c", "c": "c", "d": "c"}


# --------------------------------------------------------------------------- batch and incremental forms


def syndication_set():
    """Two groups and a loner, in arrival (= publication) order, and the expected labels."""
    rows = [
        article("a-original", EXPRESS, 0, "https://www.express.co.uk/news/world/1874/nato-troops"),
        article("b-exact", EXPRESS, 1),
        article("c-near", with_byline_and_footer(reworded(EXPRESS)), 2),
        article("d-trimmed", with_byline_and_footer(first_words(EXPRESS, 0.5)), 3),
        article("e-other-report", LENTA, 4),
        article("f-same-url", "An updated version of the page with entirely different words in it now.", 5,
                "http://express.co.uk/news/world/1874/nato-troops/?utm_source=rss"),
    ]
    expected = [("a-original", "a-original", False, None), ("b-exact", "a-original", True, "a-original"),
                ("c-near", "a-original", True, "a-original"), ("d-trimmed", "a-original", True, "a-original"),
                ("e-other-report", "e-other-report", False, None), ("f-same-url", "a-original", True, "a-original")]
    return rows, expected


def labels_of(a):
    return a["article_id"], a["cluster_id"], a["is_duplicate"], a["duplicate_of"]


@pytest.fixture(params=["inline", "spill"])
def spill(request, tmp_path):
    """What waits at the shuffles: in the shuffle itself (remote runners), or in a spill folder
    (the local runner of `newsbeam run`); the labels must not depend on it."""
    from transforms.spill import Spill
    if request.param == "inline":
        return Spill(None)
    (tmp_path / "spill").mkdir()
    return Spill(str(tmp_path / "spill"))


def spilled_bytes(spill) -> int:
    return sum(p.stat().st_size for p in Path(spill.folder).iterdir()) if spill.folder else 0


def test_batch_form_labels_exact_near_trimmed_and_url_copies(spill):
    rows, expected = syndication_set()
    with beam.Pipeline(runner=FnApiRunner()) as p:
        labelled, dead = p | beam.Create(list(reversed(rows))) | LabelSyndication(spill=spill)
        assert_that(labelled | beam.Map(labels_of), equal_to(expected), label="labels")
        assert_that(dead, equal_to([]), label="no dead letters")
    if spill.folder:  # the bodies and shingle sets went to disk, not through the shuffles
        assert spilled_bytes(spill) > sum(len(r["text"]) for r in rows) / 4


@pytest.mark.parametrize("ahead", ["fresh", "stale"])
def test_batch_form_takes_fingerprints_made_ahead_only_while_the_text_is_theirs(ahead):
    """MakeAhead's fingerprints (transforms/dedup/ahead.py) give the same labels; stale ones (made
    from another text, here all from one report) are made again, or every row would be one group."""
    rows, expected = syndication_set()
    if ahead == "fresh":
        rows = [make_ahead(r) for r in rows]
    else:
        rows = [{**make_ahead({**r, "text": LENTA, "content_hash": content_hash(LENTA)}),
                 "text": r["text"], "content_hash": r["content_hash"]} for r in rows]
    assert all(FINGERPRINT_AHEAD in r for r in rows)
    with beam.Pipeline(runner=FnApiRunner()) as p:
        labelled, dead = p | beam.Create(rows) | LabelSyndication()
        assert_that(labelled | beam.Map(labels_of), equal_to(expected), label="labels")
        assert_that(labelled | beam.Filter(lambda a: FINGERPRINT_AHEAD in a), equal_to([]), label="taken out")
        assert_that(dead, equal_to([]), label="no dead letters")


def test_canonical_tie_is_smallest_article_id(spill):
    rows = [article("zz", EXPRESS, 0), article("aa", EXPRESS, 0)]
    with beam.Pipeline(runner=FnApiRunner()) as p:
        labelled, _ = p | beam.Create(rows) | LabelSyndication(spill=spill)
        assert_that(labelled | beam.Map(labels_of), equal_to([("aa", "aa", False, None), ("zz", "aa", True, "aa")]))


def test_over_cap_buckets_pair_with_their_earliest_members(spill):
    """Six bylined copies of one text share most bands; over a cap of 4 a band's members pair only
    with its PIVOTS earliest, which still puts all six in one group under the earliest."""
    names = ["Maria Lopez", "John Carter", "Aisha Khan", "Peter Novak", "Li Wei", "Sarah Kim"]
    rows = [article(f"{i:032x}", f"By {name}\n\n{EXPRESS}\n\nReporting by {name}.", hours=6 - i)
            for i, name in enumerate(names)]
    earliest = rows[-1]["article_id"]
    p = beam.Pipeline(runner=FnApiRunner())
    labelled, _ = p | beam.Create(rows) | LabelSyndication(bucket_cap=4, spill=spill)
    assert_that(labelled | beam.Map(lambda a: a["cluster_id"]), equal_to([earliest] * 6))
    result = p.run()
    result.wait_until_finish()
    over = result.metrics().query(MetricsFilter().with_name("dedup.bucket_over_cap"))["counters"]
    assert sum(c.committed for c in over) > 0


@pytest.mark.parametrize("expiry_timers", [True, False], ids=["expiry-timers", "prune-on-touch"])
def test_incremental_form_labels_the_same_groups_as_batch(expiry_timers):
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    rows, expected = syndication_set()
    stream = TestStream()
    for row in rows:
        moment = row["published_at"].timestamp()
        stream = stream.advance_watermark_to(moment).add_elements([TimestampedValue(row, moment)])
    stream = stream.advance_watermark_to_infinity()
    options = PipelineOptions(runner="BundleBasedDirectRunner")
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as p:
        labelled, _ = p | stream | IncrementalSyndication(window_days=7, expiry_timers=expiry_timers)
        assert_that(labelled | beam.Map(labels_of), equal_to(expected))


@pytest.mark.parametrize("expiry_timers", [True, False], ids=["expiry-timers", "prune-on-touch"])
def test_incremental_state_expires_after_the_window(expiry_timers):
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    early, late = article("a", EXPRESS, 0), article("b", EXPRESS, 24 * 10)  # ten days later
    stream = TestStream()
    for row in (early, late):
        moment = row["published_at"].timestamp()
        stream = stream.advance_watermark_to(moment).add_elements([TimestampedValue(row, moment)])
    options = PipelineOptions(runner="BundleBasedDirectRunner")
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as p:
        labelled, _ = p | stream.advance_watermark_to_infinity() | IncrementalSyndication(
            window_days=7, expiry_timers=expiry_timers)
        assert_that(labelled | beam.Map(labels_of), equal_to([("a", "a", False, None), ("b", "b", False, None)]))


# --------------------------------------------------------------------------- the command


@pytest.mark.slow
def test_seeds_end_to_end_two_clusters_one_story(seeds_output):
    rows = read_articles(seeds_output)
    assert len(rows) == 2
    assert len({r["cluster_id"] for r in rows}) == 2
    assert len({r["story_id"] for r in rows}) == 1
    assert not any(r["is_duplicate"] for r in rows) and all(r["duplicate_of"] is None for r in rows)
    assert {r["cluster_id"] for r in rows} == {r["article_id"] for r in rows}


def write_input(folder, name, title, text, outlet, published, url):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    with open(folder / "manifest.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"path": f"{name}.txt", "outlet": outlet, "published": published, "url": url}) + "\n")


@pytest.mark.slow
def test_later_run_labels_copies_of_articles_already_written(tmp_path):
    out = tmp_path / "out"
    write_input(tmp_path / "day1", "original", "NATO still considering sending troops", EXPRESS,
                "express.co.uk", "2024-03-01T08:00:00Z", "https://www.express.co.uk/news/world/1874")
    write_input(tmp_path / "day2", "copy", "Kallas: do not rule out troops",
                with_byline_and_footer(first_words(EXPRESS, 0.55)), "wire.example", "2024-03-02T09:00:00Z",
                "https://wire.example/kallas-troops")
    write_input(tmp_path / "day2", "other", "Landsbergis on red lines", LENTA, "lenta.ru",
                "2024-03-02T10:00:00Z", "https://lenta.ru/news/2024/03/02/troops")
    newsbeam("run", "--input", tmp_path / "day1", "--output", out)
    (original,) = read_articles(out)
    assert list((out / "_state" / "dedup").glob("day=2024-03-01/*.parquet"))

    newsbeam("run", "--input", tmp_path / "day2", "--output", out)
    rows = {r["outlet"]: r for r in read_articles(out)}
    assert len(rows) == 3
    assert rows["wire.example"]["duplicate_of"] == original["article_id"]
    assert rows["wire.example"]["cluster_id"] == original["article_id"] and rows["wire.example"]["is_duplicate"]
    assert rows["express.co.uk"] == original                      # rows already written are untouched
    assert not rows["lenta.ru"]["is_duplicate"]

    newsbeam("run", "--input", tmp_path / "day2", "--output", out)  # the same input again: idempotent
    again = {r["outlet"]: r for r in read_articles(out)}
    keep = ("article_id", "cluster_id", "is_duplicate", "duplicate_of", "story_id")
    assert {k: [again[k][c] for c in keep] for k in again} == {k: [rows[k][c] for c in keep] for k in rows}


def test_process_articles_on_live_input_uses_the_incremental_form():
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    from pipelines.batch import process_articles
    from pipelines.options import NewsbeamOptions, Settings

    rows, expected = syndication_set()
    stream = TestStream()
    for row in rows:
        moment = row["published_at"].timestamp()
        stream = stream.advance_watermark_to(moment).add_elements([TimestampedValue(row, moment)])
    options = PipelineOptions(runner="BundleBasedDirectRunner")
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as p:
        live = p | stream.advance_watermark_to_infinity()
        assert not live.is_bounded
        labelled, _ = process_articles(live, Settings.resolve(NewsbeamOptions([])))
        # one story: the copies, and the other report (Lenta.ru) of the same event
        assert_that(labelled | beam.Map(lambda a: (*labels_of(a), a["story_id"])),
                    equal_to([(*e, "a-original") for e in expected]))

