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

Edges. Two nodes published within WINDOW_DAYS of each other are candidates when they share a bucket
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

from transforms.dedup import features, signature
from transforms.dedup.components import ConnectedComponents
from transforms.dedup.features import DocFreq, cosine
from transforms.dedup.nearest import CROSS_NEAREST, NEAREST, VOTE, NearestDoFn, NearestEnds
from transforms.dedup.signatures import hash64
from transforms.packed import INLINE, Records, groups, pack, unpack
from transforms.runtime import counter
from transforms.spill import Spill
from transforms.stage import StageDoFn

TOP_TERMS = 60
SIGNATURE_TERMS = 40
BLOCK_TERMS = 12
BLOCK_ITEMS = 8
THRESHOLD = 0.2
# Shared items must weigh this much, an item counting log((1 + N) / (1 + df)) / log(1 + N) (about 1 for
# an item of one article of the N, 0 for one every article has): scale-free, unlike a sum of IDFs.
EVENT_WEIGHT = 1.75
EVENT_FREE = 0.35       # a pair this close in words needs no shared item (reports without names)
# Measured on the WMT21 pairs (eval/crosslingual.py): a document and its translation have median
# cross-lingual cosine 0.84; other documents of other languages a 99.9th percentile of 0.18.
CROSS_THRESHOLD = 0.5
WINDOW_DAYS = 3
BUCKET_CAP = 200
BUCKET_SHARDS = 64      # bucket records are gathered per shard of the bucket hash (Records)
NODE = "node"
NODE_VERSION = 2        # of story_candidate's contents: bump it when they change (the story index keeps them)
EARLIER, NEW = "0", "1"  # rank prefixes: nodes of rows already written come first


def day_number(moment: dt.datetime | None) -> int:
    return moment.toordinal() if moment else 0


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


def story_candidate(article: dict) -> tuple:
    """What the clustering compares of one row: (time, article_id, day, node_features)."""
    published = article.get("published_at") or article.get("fetched_at")
    when = published.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") if published else "9999"
    return when, article["article_id"], day_number(published), node_features(article)


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


def is_edge(a: dict, b: dict, threshold: float = THRESHOLD, cross_threshold: float = CROSS_THRESHOLD,
            window: int = WINDOW_DAYS) -> bool:
    return edge_score(a, b, threshold, cross_threshold, window) is not None


def edge_score(a: dict, b: dict, threshold: float = THRESHOLD, cross_threshold: float = CROSS_THRESHOLD,
               window: int = WINDOW_DAYS) -> float | None:
    """The pair's score when it is an edge (see the module doc), else None."""
    if abs(a["day"] - b["day"]) > window:
        return None
    if a["lang"] == b["lang"]:
        score = cosine(a["vector"], b["vector"])
        return score if score >= threshold and _one_event(a, b, score) else None
    score = cosine(a["cross"], b["cross"])
    return score if score >= cross_threshold else None


def _one_event(a: dict, b: dict, score: float) -> bool:
    """The same-language check that two reports share names, places, numbers or dates specific enough."""
    if score >= EVENT_FREE:
        return True
    small, large = sorted((a["items"], b["items"]), key=len)
    return sum(w for i, w in small.items() if i in large) >= EVENT_WEIGHT


def scored_pairs(members: list[dict], threshold: float = THRESHOLD, cross_threshold: float = CROSS_THRESHOLD,
                 window: int = WINDOW_DAYS) -> list[tuple[int, int, float]]:
    """(i, j, score), i < j in (i, j) order, of the members of one bucket that are edges (the same
    decisions as edge_score, pair by pair)."""
    return next(scored_buckets([(None, members)], threshold, cross_threshold, window))[2]


# A batch of buckets is scored in one sparse product: a product per bucket cost ~0.3 ms of scipy's
# checks, more than the arithmetic of most buckets (two or three members). Bounded so that the
# batch's unpacked members and its product stay small whatever the shard.
BATCH_MEMBERS = 4096
BATCH_PAIRS = 1 << 17


def scored_buckets(buckets, threshold: float = THRESHOLD, cross_threshold: float = CROSS_THRESHOLD,
                   window: int = WINDOW_DAYS, over: np.ndarray | None = None):
    """(bucket, members, pairs) for each (bucket, members) of `buckets`, in their order: the pairs
    (i, j, score) of scored_pairs. With `over` (the buckets over the cap), only the pairs the bucket
    decides: a pair is decided in the first bucket (by hash) that both nodes share and that is not
    over the cap, so here unless they share an earlier one."""
    batch, members, pairs = [], 0, 0
    for bucket, nodes in buckets:
        batch.append((bucket, nodes))
        members, pairs = members + len(nodes), pairs + len(nodes) * (len(nodes) - 1) // 2
        if members >= BATCH_MEMBERS or pairs >= BATCH_PAIRS:
            yield from _score_batch(batch, threshold, cross_threshold, window, over)
            batch, members, pairs = [], 0, 0
    if batch:
        yield from _score_batch(batch, threshold, cross_threshold, window, over)


def _score_batch(batch, threshold, cross_threshold, window, over):
    """scored_buckets of one batch: its buckets' members as the rows of one block-diagonal matrix
    (a bucket's features are its own columns), so that each pair's cosine is the same sum, in the
    same order, as in a product of its bucket alone."""
    sizes = np.array([len(nodes) for _, nodes in batch], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    members = [m for _, nodes in batch for m in nodes]
    group = np.repeat(np.arange(len(batch)), sizes)
    languages = np.unique([m["lang"] for m in members], return_inverse=True)[1].reshape(-1)
    days = np.array([m["day"] for m in members], dtype=np.int64)
    found = []
    for field, same_language, floor in (("vector", True, threshold), ("cross", False, cross_threshold)):
        rows, cols, scores = _cosines(members, field, group)
        keep = ((languages[rows] == languages[cols]) == same_language) & (scores >= floor - 1e-9)
        keep &= np.abs(days[rows] - days[cols]) <= window
        found.append((rows[keep], cols[keep], scores[keep], same_language))
    rows = np.concatenate([f[0] for f in found])
    cols = np.concatenate([f[1] for f in found])
    scores = np.concatenate([f[2] for f in found])
    check = np.concatenate([np.full(len(f[0]), f[3]) for f in found]) & (scores < EVENT_FREE)
    keep = np.ones(len(rows), dtype=bool)
    if over is not None and len(rows):
        keep = _decided_here(members, group, [bucket for bucket, _ in batch], over, rows, cols)
    for k in np.flatnonzero(keep & check):     # the few same-language pairs close enough only with names
        keep[k] = _one_event(members[rows[k]], members[cols[k]], float(scores[k]))
    rows, cols, scores = rows[keep], cols[keep], scores[keep]
    order = np.lexsort((cols, rows))            # rows of one bucket are contiguous: bucket order, then (i, j)
    rows, cols, scores = rows[order], cols[order], scores[order]
    ends = np.searchsorted(group[rows], np.arange(len(batch) + 1)) if len(rows) else np.zeros(len(batch) + 1, int)
    for g, (bucket, nodes) in enumerate(batch):
        base, part = offsets[g], slice(ends[g], ends[g + 1])
        yield bucket, nodes, [(int(i - base), int(j - base), float(c))
                              for i, j, c in zip(rows[part], cols[part], scores[part])]


def _cosines(members: list[dict], field: str, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, cosines) of the pairs i < j of one group whose `field` vectors share a feature."""
    from scipy.sparse import csr_matrix
    indptr, indices, data = [0], [], []
    for m in members:
        indices.extend(m[field])
        data.extend(m[field].values())
        indptr.append(len(indices))
    # a column per (group, feature) used, in the hashed order (so the same sums, in the same order):
    # groups never meet, and the product's transpose would otherwise allocate a row per hashed
    # feature (2^20)
    keys = np.repeat(group, np.diff(indptr)) * features.N_FEATURES + np.asarray(indices, dtype="int64")
    used, columns = np.unique(keys, return_inverse=True)
    matrix = csr_matrix((data, columns.reshape(-1), indptr), shape=(len(members), max(1, len(used))))
    product = (matrix @ matrix.T).tocoo()
    upper = product.row < product.col
    return product.row[upper].astype(np.int64), product.col[upper].astype(np.int64), product.data[upper]


NO_BUCKET = np.iinfo(np.uint64).max


def _decided_here(members: list[dict], group: np.ndarray, buckets: list[int], over: np.ndarray,
                  rows: np.ndarray, cols: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """For pairs (rows[k], cols[k]) of one group each: True where no bucket before the group's own
    (and within the cap) is one both members are in."""
    width = max(len(m["buckets"]) for m in members)
    table = np.full((len(members), width), NO_BUCKET, dtype=np.uint64)
    for r, m in enumerate(members):
        table[r, :len(m["buckets"])] = m["buckets"]
    own = np.asarray(buckets, dtype=np.uint64)[group]
    earlier = (table < own[:, None]) & ~np.isin(table, over)
    left = np.where(earlier, table, NO_BUCKET)          # two different fillers never equal each other
    right = np.where(earlier, table, NO_BUCKET - np.uint64(1))
    decided = np.empty(len(rows), dtype=bool)
    for start in range(0, len(rows), chunk):
        a, b = left[rows[start:start + chunk]], right[cols[start:start + chunk]]
        decided[start:start + chunk] = ~(a[:, :, None] == b[:, None, :]).any(axis=(1, 2))
    return decided


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
        candidate = story_candidate(article)
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
