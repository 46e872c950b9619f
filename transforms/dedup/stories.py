"""ClusterStories: `story_id` for different texts that report the same event, in one language or several.

Nodes. A syndication group (rows sharing `cluster_id`, from LabelSyndication) is one node, represented
by its earliest row. Each node has, from features.py and signature.py:
  - a term vector: words of its language (stop words out), title counted twice, sublinear tf × IDF of
    that language's documents in the run, its TOP_TERMS heaviest terms, L2-normalised;
  - its signature items (names, countries, numbers, dates in one alphabet) and, from them, a
    cross-lingual vector: the items that the run has in more than one language (only those can be
    shared across languages), sublinear tf × IDF over all the run's documents, SIGNATURE_TERMS
    heaviest, L2-normalised.
Document frequencies (per language for terms, over all documents for items) are counted in one
fixed-size array combined over the run (DocFreq): bounded memory whatever the number of articles.

Edges (story_edges.py). Two nodes published within WINDOW_DAYS of each other are candidates when they share a bucket
(salient term or cross-lingual item, time block; a bucket over BUCKET_CAP members is counted in
`stories.bucket_over_cap` and skipped: its nodes still meet through rarer keys). A candidate pair is
an edge when
  - same language: term cosine ≥ THRESHOLD and the two share at least EVENT_ITEMS signature items
    (a name, a place, a number or a date: a check that they report one event, not only one topic);
  - different languages: cross-lingual cosine ≥ CROSS_THRESHOLD.
Then each node keeps only its NEAREST best edges to nodes of its own language (an edge stays when
either end keeps it) and its CROSS_NEAREST best to each other language (an edge stays when both ends
keep it), and stories are the connected components of what is kept. The nearest-neighbour
step is what keeps apart stories that share a topic: a report of the Kim Jong Un name ban resembles
the reports of his disappearance (cosine 0.3: same man, same country, same words) but resembles the
other name-ban reports more, so it links to them and the single-linkage chain between the two
stories is never made.

Why these values, by eval/stories.py (FNC-1 "related" groups as stories, six new stories a day, see
its docstring) and eval/crosslingual.py (WMT21 documents and their professional translations); the
figures are in the README's stories section. THRESHOLD 0.2 and NEAREST 2 are the best F1 of a
grid over 0.12–0.30 × 2, 3, 5, 8 nearest (0.18–0.22 × 2–3 all score within 0.01 of it); without the
nearest step precision at 0.2 is 0.93. EVENT_ITEMS 1 costs 0.001 recall there and keeps apart
same-language reports that share only common words (in a language with too few articles in the run
for IDF, tf alone weighs its common words). CROSS_THRESHOLD: see the constant.

The story_id of a row is its story's earliest node's cluster_id (cluster_id itself when it is alone).
Story ids never change cluster_id: translations are one story, never one syndication group. Joining
labels back groups rows by cluster_id: a syndication group's rows meet on one worker, which is bounded
by the size of one group, not by the number of articles.

Across runs (`earlier`, story_index.EarlierStories): the canonical rows already written within the
window of the run's days come back as nodes that rank before every new one (EARLIER) and carry the
story_id they were given, so a later report joins an earlier story's id; edges between two earlier
nodes are dropped, and a group written before keeps its story (rows are never rewritten).
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import numpy as np

from transforms.carried import take
from transforms.dedup import features, signature
from transforms.dedup.components import ConnectedComponents
from transforms.dedup.features import DocFreq
from transforms.dedup.nearest import CROSS_NEAREST, NEAREST, VOTE, NearestDoFn, NearestEnds
from transforms.dedup.signatures import hash64
from transforms.dedup.story_edges import CROSS_THRESHOLD, THRESHOLD, WINDOW_DAYS, scored_buckets
from transforms.packed import INLINE, Records, groups, pack, unpack
from transforms.runtime import counter
from transforms.spill import Spill
from transforms.stage import StageDoFn

TOP_TERMS = 60
SIGNATURE_TERMS = 40
BLOCK_TERMS = 12
BLOCK_ITEMS = 8
BUCKET_CAP = 200
BUCKET_SHARDS = 64      # bucket records are gathered per shard of the bucket hash (Records)
NODE = "node"
NODE_VERSION = 2        # of story_candidate's contents: bump it when they change (the story index keeps them)
EARLIER, NEW = "0", "1"  # rank prefixes: nodes of rows already written come first


def day_number(moment: dt.datetime | None) -> int:
    return moment.toordinal() if moment else 0


# what node_features() reads of an article (transforms/carried.py: made ahead, it is reused while these are unchanged)
FEATURE_FIELDS = ("language", "title", "text", "entities")
FEATURES_AHEAD = "_story_features_ahead"


def node_features(article: dict) -> tuple:
    """(language, term indices, term counts, item indices, item-in-language indices, item counts):
    what crosses the shuffle for one article, no text."""
    language = features.language_of(article)
    terms, counts = features.hashed(features.word_counts(article.get("title"), article.get("text"), language), language)
    items = signature.signature(article).most_common(signature.MAX_ITEMS)
    keys = [key for key, _ in items]
    return (language, terms, counts,
            np.array([features.feature(f"sig:{k}") for k in keys], dtype=np.int32),
            np.array([features.feature(f"sig:{language}:{k}") for k in keys], dtype=np.int32),
            np.array([n for _, n in items], dtype=np.float32))


def node_vectors(feats: tuple, df) -> dict:
    """The node's term vector, signature item set and cross-lingual vector (see the module doc)."""
    language, terms, counts, items, in_language, item_counts = feats
    by_language, doc_freq = df
    n_all = sum(by_language.values())
    vector = features.weighted(terms, counts, doc_freq, by_language.get(language, 0), TOP_TERMS)
    shared = doc_freq[items] > doc_freq[in_language] if len(items) else np.zeros(0, dtype=bool)
    cross = features.weighted(items[shared], item_counts[shared], doc_freq, n_all, SIGNATURE_TERMS)
    return {"lang": language, "vector": vector, "items": specificity(items, doc_freq, n_all), "cross": cross}


# A canonical row's packed story_candidate, made once by the stories stage for the writer's story
# index (its signature is the costly part); not a column: the Parquet schema leaves it out.
PACKED_NODE = "_packed_story_node"


def story_candidate(article: dict, feats: tuple | None = None) -> tuple:
    """What the clustering compares of one row: (time, article_id, day, node_features)."""
    feats = node_features(article) if feats is None else feats
    published = article.get("published_at") or article.get("fetched_at")
    when = published.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") if published else "9999"
    return when, article["article_id"], day_number(published), feats


def specificity(items: np.ndarray, doc_freq: np.ndarray, n_docs: int) -> dict[int, float]:
    """item → how rare it is in the run, 0..1 (1 below MIN_DOCS_FOR_IDF documents: nothing to compare)."""
    if n_docs < features.MIN_DOCS_FOR_IDF:
        return {int(i): 1.0 for i in items}
    scale = np.log(1 + n_docs)
    return {int(i): float(np.log((1 + n_docs) / (1 + doc_freq[i])) / scale) for i in items}


def block_keys(node: dict, window: int = WINDOW_DAYS) -> list[tuple]:
    """(kind, feature, block) keys: blocks are `window` days long and a node joins its block and the
    next, so any two nodes at most `window` days apart share a block."""
    block = node["day"] // max(1, window)
    keys = []
    for kind, vector, top in (("t", node["vector"], BLOCK_TERMS), ("s", node["cross"], BLOCK_ITEMS)):
        salient = sorted(vector, key=lambda t: (-vector[t], t))[:top]
        keys.extend((kind, t, b) for t in salient for b in (block, block + 1))
    return keys


class StoryNodeDoFn(StageDoFn):
    """article → (cluster_id, packed article), and on NODE (cluster_id, representative candidate
    (rank, id, day, packed features, story))."""

    stage = "stories"

    def __init__(self, spill: Spill = INLINE):
        super().__init__()
        self.spill = spill

    def setup(self):
        signature.countries(), signature.months()

    def process_element(self, article):
        candidate = story_candidate(article, take(article, FEATURES_AHEAD, FEATURE_FIELDS, node_features))
        when, article_id, day, feats = candidate
        if not article.get("is_duplicate"):   # the story index keeps it for the row (story_index.story_entry)
            article[PACKED_NODE] = pack(candidate)
        yield article["cluster_id"], pack(article, self.spill)   # it waits at JoinLabels for the whole stage
        yield beam.pvalue.TaggedOutput(NODE, (article["cluster_id"], (f"{NEW}|{when}", article_id, day,
                                                                      pack(feats, self.spill), article["cluster_id"])))


def _vector_node(keyed, df, spill: Spill):
    cluster_id, (when, _, day, feats, story) = keyed
    return {"ref": (f"{when}|{cluster_id}", cluster_id, story), "day": day, **node_vectors(unpack(feats, spill), df)}


def _packed_features(keyed, spill: Spill):
    """An earlier candidate (story_index.EarlierStories) with its features packed like the run's own."""
    cluster_id, (when, article_id, day, feats, story) = keyed
    return cluster_id, (when, article_id, day, pack(feats, spill), story)


def _is_new_edge(edge) -> bool:
    """An edge with at least one node of this run (two earlier stories stay as their rows say)."""
    return not (edge[0][0].startswith(f"{EARLIER}|") and edge[1][0].startswith(f"{EARLIER}|"))


def bucket_records(node: dict, window: int, spill: Spill = INLINE):
    """(shard, (bucket, packed node)) for each of the node's buckets (block_keys, hashed): the node
    is packed once, with its buckets, so on a spill disk each further bucket costs a 16-byte handle."""
    buckets = sorted({hash64(f"{kind}:{feature}:{block}") for kind, feature, block in block_keys(node, window)})
    packed = pack({**node, "buckets": buckets}, spill)
    for bucket in buckets:
        yield bucket % BUCKET_SHARDS, (bucket, packed)


def over_cap_buckets(keyed, cap: int, spill: Spill = INLINE):
    """The buckets of a shard's Records with more than `cap` nodes (skipped: see the module doc)."""
    over = counter("stories.bucket_over_cap")
    for bucket, _ in groups(keyed[1], cap + 1, spill):
        over.inc()
        yield bucket


class StoryPairsDoFn(beam.DoFn):
    """A shard's Records of buckets → every edge among each bucket's nodes, at both ends: ((ref,
    language), (other's language, score, other ref)). Two nodes share up to 40 buckets; the pair is
    decided in the first of them (by hash) that is within the cap, so each edge is made once."""

    def __init__(self, threshold: float, cross_threshold: float, window: int, cap: int, spill: Spill = INLINE):
        super().__init__()
        self.threshold, self.cross_threshold, self.window, self.cap = threshold, cross_threshold, window, cap
        self.spill = spill
        self._over = (None, np.zeros(0, dtype=np.uint64))

    def process(self, keyed, over_cap):
        if self._over[0] is not over_cap:
            self._over = (over_cap, np.unique(np.asarray(over_cap, dtype=np.uint64)))
        _, records = keyed
        within = ((bucket, sorted((unpack(node, self.spill) for node in nodes), key=lambda n: n["ref"]))
                  for bucket, nodes in groups(records, 2, self.spill) if len(nodes) <= self.cap)
        for _, members, pairs in scored_buckets(within, self.threshold, self.cross_threshold, self.window,
                                                self._over[1]):
            for i, j, score in pairs:
                a, b = members[i], members[j]
                yield (a["ref"], a["lang"]), (b["lang"], round(score, 6), b["ref"])
                yield (b["ref"], b["lang"]), (a["lang"], round(score, 6), a["ref"])


def _set_story(joined, spill: Spill):
    """A group's rows take their component's story, unless the group was written before: then the
    story its rows already carry."""
    cluster_id, group = joined
    own = list(group["own"])
    labels = own if own and own[0][0].startswith(f"{EARLIER}|") else list(group["label"]) or own
    story = labels[0][2] if labels else cluster_id
    for packed in group["article"]:
        article = unpack(packed, spill)
        article["story_id"] = story
        yield article


class ClusterStories(beam.PTransform):
    """articles (with cluster_id) → (articles with story_id; dead letters). `spill` (a local run's,
    transforms/spill.py) keeps the articles, features and bucket members on disk while they wait."""

    def __init__(self, threshold: float = THRESHOLD, window_days: int = WINDOW_DAYS, bucket_cap: int = BUCKET_CAP,
                 rounds: int = 8, cross_threshold: float = CROSS_THRESHOLD, nearest: int = NEAREST,
                 cross_nearest: int = CROSS_NEAREST, earlier: beam.PTransform | None = None,
                 spill: Spill = INLINE):
        super().__init__()
        self.spill = spill
        self.threshold, self.window, self.cap, self.rounds = threshold, int(window_days), bucket_cap, rounds
        self.cross_threshold, self.nearest, self.cross_nearest = cross_threshold, int(nearest), int(cross_nearest)
        self.earlier = earlier

    def expand(self, articles):
        from schemas.dead_letter import DEAD
        spill = self.spill
        results = articles | "Terms" >> beam.ParDo(StoryNodeDoFn(spill)).with_outputs(NODE, DEAD, main="articles")
        candidates = results[NODE]
        if self.earlier is not None:
            earlier = candidates | "Earlier" >> self.earlier | "PackEarlier" >> beam.Map(_packed_features, spill)
            candidates = (candidates, earlier) | "WithEarlier" >> beam.Flatten()
        representatives = candidates | "Representative" >> beam.CombinePerKey(lambda c: min(c, key=lambda v: v[:2]))
        doc_freq = (representatives
                    | "Features" >> beam.Map(lambda kv, s: unpack(kv[1][3], s), spill)
                    | "DocFreq" >> beam.CombineGlobally(DocFreq()))
        nodes = representatives | "Vectors" >> beam.Map(_vector_node, beam.pvalue.AsSingleton(doc_freq), spill)
        buckets = (nodes
                   | "BucketRecords" >> beam.FlatMap(bucket_records, self.window, spill)
                   | "Buckets" >> beam.CombinePerKey(Records(spill)))
        over_cap = buckets | "OverCap" >> beam.FlatMap(over_cap_buckets, self.cap, spill)
        edges = (buckets
                 | "Pairs" >> beam.ParDo(StoryPairsDoFn(self.threshold, self.cross_threshold, self.window, self.cap,
                                                        spill), beam.pvalue.AsList(over_cap))
                 | "ByNode" >> beam.CombinePerKey(NearestEnds(max(self.nearest, self.cross_nearest)))
                 | "Nearest" >> beam.ParDo(NearestDoFn(self.nearest, self.cross_nearest)).with_outputs(VOTE, main="star"))
        mutual = (edges[VOTE]
                  | "CountVotes" >> beam.combiners.Count.PerElement()
                  | "BothEnds" >> beam.FlatMap(lambda kv: [kv[0]] if kv[1] >= 2 else []))
        labels = ((edges.star, mutual) | "AllEdges" >> beam.Flatten()
                  | "NewEdges" >> beam.Filter(_is_new_edge) | "DistinctEdges" >> beam.Distinct()
                  | "Components" >> ConnectedComponents(self.rounds, namespace="stories"))
        own = nodes | "OwnRef" >> beam.Map(lambda n: (n["ref"][1], n["ref"]))
        labelled = ({"article": results.articles, "label": labels, "own": own}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "SetStory" >> beam.FlatMap(_set_story, spill))
        return labelled, results[DEAD]
