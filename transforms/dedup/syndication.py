"""LabelSyndication: syndication groups (exact and near copies) that label every copy, never drop one.

Each article gets `cluster_id` (the group's canonical article_id), `is_duplicate` (true for every
member but the canonical) and `duplicate_of` (the canonical's article_id; null on the canonical).
The canonical is the earliest `published_at` (ties and missing dates: smallest `article_id`), so the
answer is the same on every run and runner. Two articles are an edge of the graph whose connected
components are the groups when they share an exact key, or share a band and pass verification
(signatures.py).

Scale-out shape (no step holds all articles): fingerprints per element → (band key, node) →
GroupByKey → pairs within a bucket (a bucket over BUCKET_CAP members is counted and only linked to its
PIVOTS earliest members, never expanded into all pairs) → distinct pairs → verified by two joins with
the shingle sets → connected components (components.py). The labels are joined back to the rows
with CoGroupByKey.

Across runs (`state_dir`, e.g. OUTPUT/_state/dedup): the writer keeps the fingerprint of every row
in the signature index (index.py), filed by day. The run's nodes, grouped by block of BLOCK_DAYS
days, are each matched against the days of the index around their own (MatchEarlierDoFn): a match is
one more edge, to the entry's label, which ranks before any new article. So a copy of an article
written earlier points at the existing canonical, a rerun of the same input finds its own entries
and reproduces the same labels, and no entry of the index enters a shuffle.

The live form, one article at a time against state, is incremental.py.
"""
from __future__ import annotations

import apache_beam as beam

from schemas.dead_letter import DEAD
from transforms.dedup.components import LABEL_ROUNDS, ConnectedComponents
from transforms.dedup.index import EarlierCopies, day_of, days_around
from transforms.dedup.signatures import as_shingles, fingerprint, is_copy, is_exact_key, node_ref
from transforms.packed import pack, unpack
from transforms.runtime import counter
from transforms.stage import StageDoFn

BUCKET_CAP = 64
PIVOTS = 2
WINDOW_DAYS = 7
BLOCK_DAYS = 7          # the run's nodes meet the index a week at a time (each week loads its days ± window)
NODE = "node"           # tagged output of the fingerprint stage


def bucket_pairs(key: str, refs, cap: int = BUCKET_CAP, pivots: int = PIVOTS):
    """(pairs, over_cap) for one bucket. Exact-key buckets link every member to the earliest (a star:
    linear, no verification needed). Band buckets give all pairs up to `cap` members; a larger one
    (boilerplate shared by thousands of pages) only pairs each member with the `pivots` earliest."""
    refs = sorted(set(refs))
    if len(refs) < 2:
        return [], False
    if is_exact_key(key):
        return [(refs[0], r) for r in refs[1:]], False
    if len(refs) <= cap:
        return [(a, b) for i, a in enumerate(refs) for b in refs[i + 1:]], False
    heads = refs[:pivots]
    return [(h, r) for i, h in enumerate(heads) for r in refs[i + 1:]], True


def apply_labels(article: dict, label) -> dict:
    """Set cluster_id / is_duplicate / duplicate_of from the component's label (rank, id, canonical)."""
    canonical = label[2] if label else article["article_id"]
    article["cluster_id"] = canonical
    article["is_duplicate"] = canonical != article["article_id"]
    article["duplicate_of"] = canonical if article["is_duplicate"] else None
    return article


class FingerprintDoFn(StageDoFn):
    """article → (article_id, packed article) on the main output and its node on NODE."""

    stage = "dedup"

    def process_element(self, article):
        node = fingerprint(article)
        article["content_hash"] = node["keys"][0][2:]
        yield article["article_id"], pack(article)  # it waits at JoinLabels for the whole dedup
        yield beam.pvalue.TaggedOutput(NODE, node)


class BucketPairsDoFn(beam.DoFn):
    def __init__(self, cap: int, pivots: int):
        super().__init__()
        self.cap, self.pivots = cap, pivots
        self._over_cap = counter("dedup.bucket_over_cap")

    def process(self, keyed):
        key, refs = keyed
        pairs, over = bucket_pairs(key, refs, self.cap, self.pivots)
        if over:
            self._over_cap.inc()
        exact = is_exact_key(key)
        for a, b in pairs:
            yield beam.pvalue.TaggedOutput("exact", (a, b)) if exact else (a, b)


def _attach_first(joined):
    """(id_a, {pairs, shingles}) → (id_b, (pair, shingles_a)) for each pair of which id_a is first."""
    _, group = joined
    shingles = list(group["shingles"])
    if not shingles:
        return
    for pair in group["pairs"]:
        yield pair[1][1], (pair, shingles[0])


class VerifyPairsDoFn(beam.DoFn):
    def __init__(self):
        super().__init__()
        self._verified = counter("dedup.pairs_verified")
        self._rejected = counter("dedup.pairs_rejected")

    def process(self, joined):
        _, group = joined
        shingles = list(group["shingles"])
        if not shingles:
            return
        b = as_shingles(shingles[0])
        for pair, blob_a in group["pairs"]:
            if is_copy(as_shingles(blob_a), b):
                self._verified.inc()
                yield pair
            else:
                self._rejected.inc()


class MatchEarlierDoFn(beam.DoFn):
    """(block, nodes) → an edge (node, entry label) for each node that is a copy of an entry of the
    signature index, loading only the days within the window of the block's nodes."""

    def __init__(self, state_dir: str, window_days: float, cap: int):
        super().__init__()
        self.state_dir, self.window_days, self.cap = state_dir, window_days, cap
        self._loaded = counter("dedup.index_read")
        self._matched = counter("dedup.earlier_copies")

    def process(self, keyed):
        _, nodes = keyed
        nodes = list(nodes)
        copies = EarlierCopies(self.state_dir, self.window_days, self.cap, PIVOTS)
        copies.load(days_around({day_of(n["seen"]) for n in nodes}, self.window_days))
        self._loaded.inc(copies.loaded)
        for node in nodes:
            label = copies.best(node)
            if label is not None:
                self._matched.inc()
                yield node_ref(node), label


def _label_row(joined):
    _, group = joined
    labels = list(group["label"])
    for packed in group["article"]:
        yield apply_labels(unpack(packed), labels[0] if labels else None)


class LabelSyndication(beam.PTransform):
    """articles → (articles with cluster_id, is_duplicate, duplicate_of; dead letters).

    `state_dir` (optional, e.g. OUTPUT/_state/dedup): match against the signature index of the rows
    already written (the writer keeps it: index.signature_recorder), so that copies are labelled
    across runs (see the module docstring)."""

    def __init__(self, state_dir: str | None = None, window_days: float = WINDOW_DAYS,
                 bucket_cap: int = BUCKET_CAP, rounds: int = LABEL_ROUNDS):
        super().__init__()
        self.state_dir, self.window_days = state_dir, window_days
        self.bucket_cap, self.rounds = bucket_cap, rounds

    def expand(self, articles):
        results = articles | "Fingerprint" >> beam.ParDo(FingerprintDoFn()).with_outputs(NODE, DEAD, main="rows")
        rows, nodes, dead = results.rows, results[NODE], results[DEAD]

        buckets = (nodes
                   | "ByKey" >> beam.FlatMap(lambda n: [(k, node_ref(n)) for k in n["keys"]])
                   | "Bucket" >> beam.GroupByKey()
                   | "Pairs" >> beam.ParDo(BucketPairsDoFn(self.bucket_cap, PIVOTS)).with_outputs("exact", main="candidates"))
        shingles = nodes | "ShinglesById" >> beam.Map(lambda n: (n["id"], n["shingles"]))
        verified = ({"pairs": buckets.candidates | "DistinctPairs" >> beam.Distinct()
                              | "ByFirst" >> beam.Map(lambda p: (p[0][1], p)),
                     "shingles": shingles}
                    | "JoinFirst" >> beam.CoGroupByKey()
                    | "AttachFirst" >> beam.FlatMap(_attach_first))
        verified = ({"pairs": verified, "shingles": shingles}
                    | "JoinSecond" >> beam.CoGroupByKey()
                    | "Verify" >> beam.ParDo(VerifyPairsDoFn()))
        edges = [buckets.exact, verified]
        if self.state_dir:
            edges.append(nodes
                         | "ByBlock" >> beam.Map(lambda n: (day_of(n["seen"]) // BLOCK_DAYS, n))
                         | "GroupBlocks" >> beam.GroupByKey()
                         | "MatchEarlier" >> beam.ParDo(MatchEarlierDoFn(self.state_dir, self.window_days, self.bucket_cap)))
        labels = tuple(edges) | "Edges" >> beam.Flatten() | "Components" >> ConnectedComponents(self.rounds)

        labelled = ({"article": rows, "label": labels}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "Label" >> beam.FlatMap(_label_row))
        duplicates = counter("dedup.duplicates")
        labelled = labelled | "CountDuplicates" >> beam.Map(lambda a: (duplicates.inc() if a["is_duplicate"] else None) or a)
        return labelled, dead
