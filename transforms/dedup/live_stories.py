"""IncrementalStories: the live form of ClusterStories, so that a stream's story_id means a story.

One article at a time: its node (stories.story_candidate: term vector, signature items, cross-lingual
vector) meets, in state held per bucket (salient term or item, block of days: stories.block_keys), the
nodes of this run that share the bucket, and takes the smallest label among those it has an edge with
(story_edges.is_edge: the same scoring as a batch run, without the nearest-neighbour step); a
first step also gives it the label of the story it joins among the rows already written (the story
index, story_index.py, per-worker cache of days listed again every REFRESH_SECONDS): the cluster's
own entry when its canonical was written earlier, else the best match there. Labels are (rank, id,
story): rows already written rank first, so a live report joins an earlier story's id.

IDF comes from the document counts of the story index days the worker holds (a run's own articles
are not all known when one is decided), tf alone below features.MIN_DOCS_FOR_IDF documents. As with
IncrementalSyndication, a node takes the labels of the members it matches directly: a story that a
later article bridges keeps two ids in this run's rows (the story index then joins them for later
runs).
"""
from __future__ import annotations

import math
import time
import typing

import apache_beam as beam
import numpy as np

from schemas.dead_letter import DEAD
from transforms.dedup.incremental import DecideLabelDoFn, MatchInBucketDoFn
from transforms.dedup.index import REFRESH_SECONDS, days_around
from transforms.dedup import signature
from transforms.dedup.features import N_FEATURES, count_document
from transforms.dedup.stories import BUCKET_CAP, EARLIER, NEW, block_keys, node_vectors, story_candidate
from transforms.dedup.story_edges import CROSS_THRESHOLD, THRESHOLD, WINDOW_DAYS, is_edge
from transforms.dedup.story_index import read_story_day
from transforms.stage import StageDoFn

KEYED = typing.Tuple[str, typing.Any]


def salient_terms(node: dict) -> list[tuple]:
    """The (kind, feature) keys a node is bucketed under (stories.block_keys without the blocks)."""
    return sorted({(kind, t) for kind, t, _ in block_keys({**node, "day": 0}, 1)})


def apply_story(article: dict, label) -> dict:
    article["story_id"] = label[2] if label else article["cluster_id"]
    return article


class StoryCache:
    """Days of the story index on one worker: each entry's label and vector, by salient term and
    by cluster, and the document counts they give."""

    def __init__(self, story_dir: str, window_days: float, reach_days: float, keep_days: int):
        self.story_dir, self.window_days, self.reach_days, self.keep_days = story_dir, window_days, reach_days, keep_days
        self.days: dict[int, dict] = {}
        self.df = ({}, np.zeros(N_FEATURES, dtype=np.int32))   # as features.DocFreq: per language, per feature

    def vectors(self, feats) -> dict:
        return node_vectors(feats, self.df)

    def load(self, day: int) -> None:
        now = time.monotonic()
        for other in days_around([day], self.reach_days):
            held = self.days.get(other)
            if held is not None and now - held["listed_at"] <= REFRESH_SECONDS:
                continue
            entries, _ = read_story_day(self.story_dir, other)
            if held is not None:                       # listed again: counts of the old entries out
                for node in held["nodes"]:
                    count_document(self.df, node["feats"], -1)
            nodes = []
            for cluster_id, story_id, (when, _, node_day, feats) in entries:
                count_document(self.df, feats)
                nodes.append({"label": (f"{EARLIER}|{when}|{cluster_id}", cluster_id, story_id), "day": node_day,
                              "feats": feats, "cluster": cluster_id})
            by_term, clusters = {}, {}
            for node in nodes:
                node.update(self.vectors(node["feats"]))
                clusters.setdefault(node["cluster"], node["label"])
                for term in salient_terms(node):
                    by_term.setdefault(term, []).append(node)
            self.days[other] = {"nodes": nodes, "by_term": by_term, "clusters": clusters, "listed_at": now}
        if len(self.days) > self.keep_days:
            for old in sorted(self.days)[:len(self.days) - self.keep_days]:
                for node in self.days.pop(old)["nodes"]:
                    count_document(self.df, node["feats"], -1)

    def best(self, node: dict, threshold: float, cross_threshold: float) -> tuple | None:
        """The label of the earlier story the node joins: its cluster's own, else the smallest label
        of an entry sharing a salient term that it is one story with."""
        for held in self.days.values():
            if node["cluster"] in held["clusters"]:
                return held["clusters"][node["cluster"]]
        found = None
        for held in self.days.values():
            for term in salient_terms(node):
                for entry in held["by_term"].get(term, ()):
                    if (found is None or entry["label"] < found) and is_edge(
                            node, entry, threshold, cross_threshold, math.ceil(self.window_days)):
                        found = entry["label"]
        return found


class StoryTermsDoFn(StageDoFn):
    """article → (bucket key, (node, article on the first bucket only, else None)) per bucket."""

    stage = "stories"

    def __init__(self, story_dir: str | None, threshold: float, window_days: int, reach_days: float,
                 cross_threshold: float = CROSS_THRESHOLD):
        super().__init__()
        self.story_dir, self.threshold, self.window, self.reach = story_dir, threshold, window_days, reach_days
        self.cross_threshold = cross_threshold
        self._cache = None

    def setup(self):
        signature.countries(), signature.months()
        if self.story_dir:
            self._cache = StoryCache(self.story_dir, self.window, self.reach, keep_days=3 * (2 * math.ceil(self.reach) + 1))

    def process_element(self, article):
        when, article_id, day, feats = story_candidate(article)
        cluster = article["cluster_id"]
        if self._cache is not None:
            self._cache.load(day)
            vectors = self._cache.vectors(feats)
        else:
            vectors = node_vectors(feats, ({}, np.zeros(N_FEATURES, dtype=np.int32)))
        node = {"id": article_id, "cluster": cluster, "day": day, **vectors,
                "label": (f"{NEW}|{when}|{cluster}", cluster, cluster)}
        earlier = self._cache.best(node, self.threshold, self.cross_threshold) if self._cache is not None else None
        if earlier is not None:
            node["label"] = min(node["label"], earlier)
        node["keys"] = [f"{k}{t}:{b}" for k, t, b in block_keys(node, self.window)] or [f"none:{article_id}"]
        for i, key in enumerate(node["keys"]):
            yield key, (node, article if i == 0 else None)


class MatchStoryBucketDoFn(MatchInBucketDoFn):
    """Keyed by (term, block): the recent nodes of the bucket with the label each took."""

    MEMBERS = MatchInBucketDoFn.MEMBERS

    def __init__(self, threshold: float, window_days: int, cap: int, cross_threshold: float = CROSS_THRESHOLD):
        super().__init__(window_days, cap, namespace="stories")
        self.threshold, self.window_whole_days, self.cross_threshold = threshold, window_days, cross_threshold

    def decide(self, key, node, current):
        if len(current) >= self.cap:   # a term every article of the days has: skipped (rarer terms meet)
            return node["label"], False
        best = node["label"]
        for member in current:
            if member["label"] < best and is_edge(node, member, self.threshold, self.cross_threshold,
                                                  self.window_whole_days):
                best = member["label"]
        return best, True

    def member(self, node):
        return {k: node[k] for k in ("day", "lang", "vector", "items", "cross")}


class DecideStoryDoFn(DecideLabelDoFn):
    PARTS = DecideLabelDoFn.PARTS
    apply = staticmethod(apply_story)


class IncrementalStories(beam.PTransform):
    """articles (with cluster_id) → (articles with story_id; dead letters), one at a time.

    `story_dir` (OUTPUT/_state/stories) gives the stories of rows already written; `reach_days`
    (the dedup window) how far back a copy's canonical may lie. Apply it in the global window, like
    IncrementalSyndication."""

    def __init__(self, story_dir: str | None = None, threshold: float = THRESHOLD, window_days: int = WINDOW_DAYS,
                 bucket_cap: int = BUCKET_CAP, reach_days: float = 7, cross_threshold: float = CROSS_THRESHOLD):
        super().__init__()
        self.story_dir, self.threshold, self.window = story_dir, threshold, int(window_days)
        self.cap, self.reach, self.cross_threshold = bucket_cap, max(reach_days, window_days), cross_threshold

    def expand(self, articles):
        buckets, dead = articles | "StoryTerms" >> beam.ParDo(StoryTermsDoFn(
            self.story_dir, self.threshold, self.window, self.reach, self.cross_threshold)).with_output_types(KEYED).with_outputs(DEAD, main="buckets")
        stories = (buckets
                   | "MatchStoryBucket" >> beam.ParDo(MatchStoryBucketDoFn(self.threshold, self.window, self.cap, self.cross_threshold))
                   .with_input_types(KEYED).with_output_types(KEYED)
                   | "DecideStory" >> beam.ParDo(DecideStoryDoFn()).with_input_types(KEYED))
        return stories, dead
