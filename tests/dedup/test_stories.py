"""Story clusters: the plain functions and the ClusterStories transform."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import numpy as np
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from conftest import SEEDS
from schemas.article import new_article
from transforms.dedup.stories import (
    N_FEATURES,
    THRESHOLD,
    ClusterStories,
    block_keys,
    cosine,
    same_story,
    term_counts,
    tfidf,
)
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


def vector(title_text, n_docs=0, df=None):
    indices, counts = term_counts(*title_text)
    return tfidf(indices, counts, df if df is not None else np.zeros(N_FEATURES, dtype=np.int32), n_docs)


def test_the_two_seed_reports_are_one_story_and_football_is_not():
    lenta, express, football = vector(LENTA), vector(EXPRESS), vector(FOOTBALL)
    assert cosine(lenta, express) >= THRESHOLD
    assert cosine(lenta, football) < THRESHOLD / 2 and cosine(express, football) < THRESHOLD / 2


def test_same_story_needs_the_time_window():
    lenta, express = vector(LENTA), vector(EXPRESS)
    assert same_story({"day": 10, "vector": lenta}, {"day": 12, "vector": express}, window=3)
    assert not same_story({"day": 10, "vector": lenta}, {"day": 20, "vector": express}, window=3)


def test_nodes_within_the_window_share_a_block_key():
    lenta, express = vector(LENTA), vector(EXPRESS)
    for day_a, day_b in ((9, 9), (9, 11), (11, 12)):
        assert set(block_keys(lenta, day_a, 3)) & set(block_keys(express, day_b, 3)), (day_a, day_b)


def row(aid, title_text, hours=0, cluster=None):
    title, text = title_text
    article = new_article(article_id=aid, source=aid, title=title, text=text,
                          published_at=T0 + dt.timedelta(hours=hours), fetched_at=T0)
    if cluster:
        article.update(cluster_id=cluster, is_duplicate=True, duplicate_of=cluster)
    return article


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


def test_similar_pairs_agrees_with_same_story_pair_by_pair():
    from transforms.dedup.stories import similar_pairs
    members = [{"day": d, "vector": vector(tt)} for d, tt in ((1, LENTA), (2, EXPRESS), (1, FOOTBALL), (30, EXPRESS))]
    expected = [(i, j) for i in range(4) for j in range(i + 1, 4) if same_story(members[i], members[j])]
    assert similar_pairs(members) == expected == [(0, 1)]


def test_star_edges_keep_the_components_of_a_bucket():
    from transforms.dedup.stories import star_edges
    assert star_edges(5, [(0, 3), (2, 3), (1, 4)]) == [(0, 2), (0, 3), (1, 4)]
    assert star_edges(3, []) == []
