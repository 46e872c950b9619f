"""Story clusters: the plain functions and the ClusterStories transform."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from conftest import SEEDS
from schemas.article import new_article
from transforms.dedup.ahead import make_ahead
from transforms.dedup.features import cosine
from transforms.dedup.stories import (
    THRESHOLD,
    ClusterStories,
    FEATURES_AHEAD,
    DocFreq,
    StoryPairsDoFn,
    block_keys,
    bucket_records,
    node_features,
    node_vectors,
    over_cap_buckets,
)
from transforms.dedup import story_edges
from transforms.dedup.story_edges import edge_score, scored_buckets, scored_pairs
from transforms.dedup.nearest import NearestEnds, nearest
from transforms.packed import Records, groups, unpack
from transforms.text.clean import split_title

LENTA = split_title((SEEDS / "000_2d844df8e1464b56.txt").read_text(encoding="utf-8"))
EXPRESS = split_title((SEEDS / "004_580c8be870bf90a2.txt").read_text(encoding="utf-8"))
FOOTBALL = ("Arsenal beat Chelsea in the London derby",
            "Arsenal won the London derby against Chelsea on Saturday evening at the Emirates Stadium. "
            "Bukayo Saka scored twice in the first half and Martin Odegaard added a third after the break, "
            "while Chelsea's late goal from Cole Palmer came too late to change the result.\n\n"
            "The win keeps Arsenal two points clear at the top of the Premier League table. Manager Mikel "
            "Arteta praised the defence and said the squad would rest players before the Champions League "
            "match in Porto on Wednesday. Chelsea remain in tenth place after their third defeat in four games.")
T0 = dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone.utc)


def nodes(*title_texts, language="en", days=None):
    """Story nodes of the texts, with document frequencies counted over these texts alone."""
    articles = [{"title": t, "text": x, "language": language} for t, x in title_texts]
    feats = [node_features(a) for a in articles]
    combine = DocFreq()
    acc = combine.create_accumulator()
    for f in feats:
        acc = combine.add_input(acc, f)
    return [{"ref": (str(i), str(i), str(i)), "day": (days or [1] * len(feats))[i], **node_vectors(f, acc)}
            for i, f in enumerate(feats)]


def test_the_two_seed_reports_are_one_story_and_football_is_not():
    lenta, express, football = nodes(LENTA, EXPRESS, FOOTBALL)
    assert cosine(lenta["vector"], express["vector"]) >= THRESHOLD
    assert edge_score(lenta, express) is not None
    assert cosine(lenta["vector"], football["vector"]) < THRESHOLD / 2
    assert edge_score(lenta, football) is None and edge_score(express, football) is None


def test_an_edge_needs_the_time_window():
    lenta, express = nodes(LENTA, EXPRESS, days=[10, 12])
    assert edge_score(lenta, express, window=3) is not None
    assert edge_score(lenta, {**express, "day": 20}, window=3) is None


def test_nodes_within_the_window_share_a_block_key():
    lenta, express = nodes(LENTA, EXPRESS)
    for day_a, day_b in ((9, 9), (9, 11), (11, 12)):
        assert set(block_keys({**lenta, "day": day_a}, 3)) & set(block_keys({**express, "day": day_b}, 3)), (day_a, day_b)


def test_words_are_counted_per_language():
    english, german = node_features({"title": "", "text": "Berlin", "language": "en"}), \
        node_features({"title": "", "text": "Berlin", "language": "de"})
    assert set(english[1]).isdisjoint(german[1]), "one word in two languages is two terms"
    assert set(english[3]) == set(german[3]), "but one signature item"
    german_stop = node_features({"title": "", "text": "und der die das nicht", "language": "de"})
    assert len(german_stop[1]) == 0, "German function words are stop words of German"


def test_scored_pairs_agree_with_edge_score_pair_by_pair():
    members = nodes(LENTA, EXPRESS, FOOTBALL, EXPRESS, days=[1, 2, 1, 30])
    expected = [(i, j) for i in range(4) for j in range(i + 1, 4) if edge_score(members[i], members[j]) is not None]
    assert [(i, j) for i, j, _ in scored_pairs(members)] == expected == [(0, 1)]


def test_each_edge_is_made_once_in_the_first_shared_bucket_within_the_cap():
    """Reports of one event share most of their buckets; every edge end comes out once, and the
    edges are those of scoring every bucket within the cap and keeping distinct pairs."""
    members = nodes(LENTA, EXPRESS, LENTA, EXPRESS, FOOTBALL, (EXPRESS[0], LENTA[1]))
    shards = {}
    for node in members:
        for shard, record in bucket_records(node, 3):
            combine = Records()
            shards[shard] = combine.add_input(shards.get(shard) or combine.create_accumulator(), record)
    for cap in (200, 4):
        over = [b for keyed in shards.items() for b in over_cap_buckets(keyed, cap)]
        expected = set()
        for records in shards.values():
            for _, packed in groups(records, min_size=2):
                if len(packed) <= cap:
                    bucket = sorted((unpack(p) for p in packed), key=lambda n: n["ref"])
                    expected |= {(bucket[i]["ref"], bucket[j]["ref"]) for i, j, _ in scored_pairs(bucket)}
        dofn = StoryPairsDoFn(THRESHOLD, 0.5, 3, cap)
        ends = [(a[0], b[2]) for keyed in shards.items() for a, b in dofn.process(keyed, over)]
        assert len(ends) == len(set(ends)) == 2 * len(expected), cap
        assert {tuple(sorted(end)) for end in ends} == expected
        assert (cap == 4) == bool(over) and expected, cap


def test_buckets_scored_together_give_each_bucket_its_own_pairs_and_owner(monkeypatch):
    """Many buckets in one block-diagonal product score each pair as its bucket alone does (the
    same floats), whatever the batch bounds; with the over-cap buckets given, a pair comes out only
    in the first bucket both nodes share that is not over the cap."""
    members = nodes(LENTA, EXPRESS, LENTA, EXPRESS, FOOTBALL, (EXPRESS[0], LENTA[1]), days=[1, 1, 2, 2, 1, 9])
    for m in members:
        m["buckets"] = sorted({bucket for _, (bucket, _) in bucket_records(m, 3)})
    buckets = sorted({b for m in members for b in m["buckets"]})
    within = [(b, [m for m in members if b in m["buckets"]]) for b in buckets]
    within = [(b, ms) for b, ms in within if len(ms) >= 2]
    alone = {b: scored_pairs(ms) for b, ms in within}
    assert sum(map(len, alone.values())), "the reports of one event make edges"
    together = {b: pairs for b, _, pairs in scored_buckets(within)}
    monkeypatch.setattr(story_edges, "BATCH_MEMBERS", 3)
    small_batches = {b: pairs for b, _, pairs in scored_buckets(within)}
    assert together == small_batches == alone
    over = np.array(buckets[::5], dtype=np.uint64)
    owned = {b: pairs for b, _, pairs in scored_buckets(within, over=over)}
    for b, ms in within:
        if b in over.tolist():
            continue                  # the stage never scores a bucket over the cap
        expected = []
        for i, j, score in alone[b]:
            shared = set(ms[i]["buckets"]) & set(ms[j]["buckets"]) - set(over.tolist())
            if min(shared) == b:
                expected.append((i, j, score))
        assert owned[b] == expected, b


def test_a_node_keeps_its_nearest_of_its_language_as_a_star_and_votes_for_its_best_of_each_other():
    neighbours = [("en", 0.9, "b"), ("en", 0.5, "c"), ("en", 0.4, "d"), ("en", 0.3, "e"), ("fr", 0.8, "f"),
                  ("fr", 0.7, "g"), ("ru", 0.6, "h")]
    star, votes = nearest("z", "en", neighbours, same=3, cross=1)
    assert star == [("b", "c"), ("b", "d"), ("b", "z")]
    assert sorted(votes) == [("f", "z"), ("h", "z")]
    assert nearest("a", "en", [], same=3) == ([], [])


def test_a_node_keeps_its_best_ends_of_each_language_where_they_are_made():
    """Combined in any split, the ends NearestEnds keeps give `nearest` the same answer as all ends."""
    import random
    rng = random.Random(3)
    ends = [(rng.choice("efr"), round(rng.choice([0.3, 0.5, 0.7, rng.random()]), 6), f"n{rng.randrange(60):02d}")
            for _ in range(200)]
    combine = NearestEnds(3)
    parts = []
    for start in range(0, len(ends), 37):
        acc = combine.create_accumulator()
        for end in ends[start:start + 37]:
            acc = combine.add_input(acc, end)
        parts.append(acc)
    kept = combine.extract_output(combine.merge_accumulators(parts))
    assert len(kept) == 9 and nearest("z", "e", kept, 3, 1) == nearest("z", "e", ends, 3, 1)


def row(aid, title_text, hours=0, cluster=None, language="en", entities=None):
    title, text = title_text
    article = new_article(article_id=aid, source=aid, title=title, text=text, language=language,
                          entities=entities or [], published_at=T0 + dt.timedelta(hours=hours), fetched_at=T0)
    if cluster:
        article.update(cluster_id=cluster, is_duplicate=True, duplicate_of=cluster)
    return article


def run_stories(rows) -> dict:
    """article_id → (cluster_id, story_id) from ClusterStories on FnApiRunner."""
    import json
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(runner=FnApiRunner()) as p:
            labelled, _ = p | beam.Create(rows, reshuffle=False) | ClusterStories()
            _ = (labelled | beam.Map(lambda a: json.dumps([a["article_id"], a["cluster_id"], a["story_id"]]))
                 | beam.io.WriteToText(f"{tmp}/labels"))
        lines = [json.loads(line) for path in Path(tmp).glob("labels*") for line in path.open()]
    return {aid: (cluster, story) for aid, cluster, story in lines}


@pytest.mark.parametrize("ahead", ["fresh", "stale"])
def test_story_features_made_ahead_are_taken_only_while_the_title_and_text_are_theirs(ahead):
    """Features made ahead (transforms/dedup/ahead.py) give the same stories; stale ones (made from
    the football report, as if title evidence had changed the title since) are made again."""
    rows = [row("lenta", LENTA, 0), row("express", EXPRESS, 5), row("express-copy", EXPRESS, 6, cluster="express"),
            row("football", FOOTBALL, 1)]
    if ahead == "fresh":
        rows = [make_ahead(r) for r in rows]
    else:
        rows = [{**make_ahead({**r, "title": FOOTBALL[0], "text": FOOTBALL[1]}), "title": r["title"], "text": r["text"]}
                for r in rows]
    assert all(FEATURES_AHEAD in r for r in rows)
    assert run_stories(rows) == {"lenta": ("lenta", "lenta"), "express": ("express", "lenta"),
                                 "express-copy": ("express", "lenta"), "football": ("football", "football")}


def test_cluster_stories_joins_reports_and_their_copies_and_nothing_else():
    rows = [row("lenta", LENTA, 0), row("express", EXPRESS, 5), row("express-copy", EXPRESS, 6, cluster="express"),
            row("football", FOOTBALL, 1)]
    with beam.Pipeline(runner=FnApiRunner()) as p:
        labelled, dead = p | beam.Create(rows) | ClusterStories()
        assert_that(labelled | beam.Map(lambda a: (a["article_id"], a["cluster_id"], a["story_id"])),
                    equal_to([("lenta", "lenta", "lenta"), ("express", "express", "lenta"),
                              ("express-copy", "express", "lenta"), ("football", "football", "football")]),
                    label="stories")
        assert_that(dead, equal_to([]), label="no dead letters")

