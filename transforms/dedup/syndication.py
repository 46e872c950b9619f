"""LabelSyndication: syndication groups (exact and near copies) that label every copy, never drop one.

Each article gets `cluster_id` (the group's canonical article_id), `is_duplicate` (true for every
member but the canonical) and `duplicate_of` (the canonical's article_id; null on the canonical).
The canonical is the earliest `published_at` (ties and missing dates: smallest `article_id`), so the
answer is the same on every run and runner. Two articles are an edge of the graph whose connected
components are the groups when they share an exact key, or share a band and pass verification
(signatures.py).

Scale-out shape (no step holds all articles): fingerprints per element → (band key, node) →
GroupByKey → pairs within a bucket (a bucket over BUCKET_CAP members is counted and only linked to its
PIVOTS earliest members, never expanded into all pairs) → distinct pairs (a near copy shares up to
all 85 bands, so a pair comes out of each: the repeats wait as Records, sharded by first node, and
each shard is made distinct in numpy) → verified by two joins with
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

import struct

import apache_beam as beam

from schemas.dead_letter import DEAD
from transforms.carried import take
from transforms.dedup.components import LABEL_ROUNDS, ConnectedComponents
from transforms.dedup.index import SIGNATURE_KEYS, EarlierCopies, day_of, days_around, signature_keys
from transforms.dedup.signatures import (FINGERPRINT_AHEAD, FINGERPRINT_FIELDS, as_shingles, bucket_of, fingerprint,
                                         is_copy, is_exact_key, is_exact_shard, node_number, node_ref, rank_order)
from transforms.packed import INLINE, Records, distinct, groups, pack, unpack
from transforms.runtime import counter
from transforms.spill import Spill
from transforms.stage import StageDoFn

BUCKET_CAP = 64
PIVOTS = 2
WINDOW_DAYS = 7
BLOCK_DAYS = 7          # the run's nodes meet the index a week at a time (each week loads its days ± window)
NODE = "node"           # tagged output of the fingerprint stage
PAIR_SHARDS = 64        # candidate pairs are made distinct a shard (of first nodes) at a time


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
    """article → (article_id, packed article) on the main output and (article_id, packed node) on NODE."""

    stage = "dedup"

    def __init__(self, spill: Spill = INLINE):
        super().__init__()
        self.spill = spill

    def process_element(self, article):
        node = take(article, FINGERPRINT_AHEAD, FINGERPRINT_FIELDS, fingerprint)
        article["content_hash"] = node["keys"][0][2:]
        node["shingles"] = self.spill.put(node["shingles"])
        # for the writer's index entry (index.entry_of); the shingles' handle where they are on disk
        carried = () if self.spill.inline else (node["shingles"],)
        article[SIGNATURE_KEYS] = (*signature_keys(node), *carried)
        yield article["article_id"], pack(article, self.spill)  # it waits at JoinLabels for the whole dedup
        yield beam.pvalue.TaggedOutput(NODE, (node["id"], pack(node, self.spill)))


def bucket_records(keyed, spill: Spill = INLINE):
    """(shard, (bucket, member)) for each bucket key of a node, member = (rank order, node number)
    packed: what Records gathers."""
    _, packed = keyed
    node = unpack(packed, spill)
    member = _MEMBER.pack(*rank_order(node["rank"]), node_number(node["id"]))
    for key in dict.fromkeys(node["keys"]):
        shard, bucket = bucket_of(key)
        yield shard, (bucket, member)


_MEMBER = struct.Struct("<QQQ")   # rank time, id order, node number: sorts as the refs do
_PAIR = struct.Struct("<QB")       # number_b, exact: a candidate pair's payload, keyed by number_a


class BucketPairsDoFn(beam.DoFn):
    """One shard's Records → candidate pairs of each bucket (bucket_pairs), as pair records
    (pair shard, (number_a, number_b + exact)) for `distinct_pairs`."""

    def __init__(self, cap: int, pivots: int, spill: Spill = INLINE):
        super().__init__()
        self.cap, self.pivots, self.spill = cap, pivots, spill
        self._over_cap = counter("dedup.bucket_over_cap")

    def process(self, keyed):
        shard, records = keyed
        exact = is_exact_shard(shard)
        kind = "h:" if exact else "b:"
        for _, members in groups(records, 2, self.spill):
            pairs, over = bucket_pairs(kind, [_MEMBER.unpack(m) for m in members], self.cap, self.pivots)
            if over:
                self._over_cap.inc()
            for a, b in pairs:
                yield a[2] % PAIR_SHARDS, (a[2], _PAIR.pack(b[2], exact))


def distinct_pairs(keyed, spill: Spill = INLINE):
    """A pair shard's Records → each distinct candidate pair (number_a, number_b, exact) once."""
    _, records = keyed
    for a, payload in distinct(records, _PAIR.size, spill):
        b, exact = _PAIR.unpack(payload)
        yield a, b, bool(exact)


def _table_entry(keyed, spill: Spill):
    """(node number, what a pair needs of the node: its ref and shingle set, packed)."""
    _, packed = keyed
    node = unpack(packed, spill)
    return node_number(node["id"]), pack((node_ref(node), node["shingles"]), spill)


def _attach_first(joined):
    """(number_a, {pairs, node}) → (number_b, (exact, node_a)) for each pair of which a is first."""
    _, group = joined
    nodes = list(group["node"])
    if not nodes:
        return
    for _, b, exact in group["pairs"]:
        yield b, (exact, nodes[0])


class VerifyPairsDoFn(beam.DoFn):
    def __init__(self, spill: Spill = INLINE):
        super().__init__()
        self.spill = spill
        self._verified = counter("dedup.pairs_verified")
        self._rejected = counter("dedup.pairs_rejected")

    def process(self, joined):
        _, group = joined
        nodes = list(group["node"])
        if not nodes:
            return
        ref_b, shingles_b = unpack(nodes[0], self.spill)
        b = None
        for exact, node_a in group["pairs"]:
            ref_a, shingles_a = unpack(node_a, self.spill)
            if exact:
                yield ref_a, ref_b
                continue
            b = as_shingles(self.spill.get(shingles_b)) if b is None else b
            if is_copy(as_shingles(self.spill.get(shingles_a)), b):
                self._verified.inc()
                yield ref_a, ref_b
            else:
                self._rejected.inc()


def _by_block(keyed, spill: Spill):
    """(block, (day, packed node)): the day travels beside the node, so a block's days are known
    without unpacking its nodes."""
    _, packed = keyed
    day = day_of(unpack(packed, spill)["seen"])
    return day // BLOCK_DAYS, (day, packed)


class MatchEarlierDoFn(beam.DoFn):
    """(block, [(day, packed node)]) → an edge (node, entry label) for each node that is a copy of an
    entry of the signature index, loading only the days within the window of the block's nodes."""

    def __init__(self, state_dir: str, window_days: float, cap: int, spill: Spill = INLINE):
        super().__init__()
        self.state_dir, self.window_days, self.cap, self.spill = state_dir, window_days, cap, spill
        self._loaded = counter("dedup.index_read")
        self._matched = counter("dedup.earlier_copies")

    def process(self, keyed):
        _, members = keyed
        members = list(members)
        copies = EarlierCopies(self.state_dir, self.window_days, self.cap, PIVOTS)
        copies.load(days_around({day for day, _ in members}, self.window_days))
        self._loaded.inc(copies.loaded)
        for _, packed in members:
            node = unpack(packed, self.spill)
            node["shingles"] = self.spill.get(node["shingles"])
            label = copies.best(node)
            if label is not None:
                self._matched.inc()
                yield node_ref(node), label


def _label_row(joined, spill: Spill):
    _, group = joined
    labels = list(group["label"])
    for packed in group["article"]:
        yield apply_labels(unpack(packed, spill), labels[0] if labels else None)


class LabelSyndication(beam.PTransform):
    """articles → (articles with cluster_id, is_duplicate, duplicate_of; dead letters).

    `state_dir` (optional, e.g. OUTPUT/_state/dedup): match against the signature index of the rows
    already written (the writer keeps it: index.signature_recorder), so that copies are labelled
    across runs (see the module docstring)."""

    def __init__(self, state_dir: str | None = None, window_days: float = WINDOW_DAYS,
                 bucket_cap: int = BUCKET_CAP, rounds: int = LABEL_ROUNDS, spill: Spill = INLINE):
        super().__init__()
        self.state_dir, self.window_days = state_dir, window_days
        self.bucket_cap, self.rounds, self.spill = bucket_cap, rounds, spill

    def expand(self, articles):
        spill = self.spill
        results = articles | "Fingerprint" >> beam.ParDo(FingerprintDoFn(spill)).with_outputs(NODE, DEAD, main="rows")
        rows, nodes, dead = results.rows, results[NODE], results[DEAD]

        candidates = (nodes
                      | "BucketRecords" >> beam.FlatMap(bucket_records, spill)
                      | "Buckets" >> beam.CombinePerKey(Records(spill))
                      | "Pairs" >> beam.ParDo(BucketPairsDoFn(self.bucket_cap, PIVOTS, spill))
                      | "PairShards" >> beam.CombinePerKey(Records(spill))
                      | "DistinctPairs" >> beam.FlatMap(distinct_pairs, spill))
        table = nodes | "ByNumber" >> beam.Map(_table_entry, spill)
        verified = ({"pairs": candidates | "ByFirst" >> beam.Map(lambda p: (p[0], p)), "node": table}
                    | "JoinFirst" >> beam.CoGroupByKey()
                    | "AttachFirst" >> beam.FlatMap(_attach_first))
        edges = [{"pairs": verified, "node": table}
                 | "JoinSecond" >> beam.CoGroupByKey()
                 | "Verify" >> beam.ParDo(VerifyPairsDoFn(spill))]
        if self.state_dir:
            edges.append(nodes
                         | "ByBlock" >> beam.Map(_by_block, spill)
                         | "GroupBlocks" >> beam.GroupByKey()
                         | "MatchEarlier" >> beam.ParDo(MatchEarlierDoFn(self.state_dir, self.window_days,
                                                                         self.bucket_cap, spill)))
        labels = tuple(edges) | "Edges" >> beam.Flatten() | "Components" >> ConnectedComponents(self.rounds)

        labelled = ({"article": rows, "label": labels}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "Label" >> beam.FlatMap(_label_row, spill))
        duplicates = counter("dedup.duplicates")
        labelled = labelled | "CountDuplicates" >> beam.Map(lambda a: (duplicates.inc() if a["is_duplicate"] else None) or a)
        return labelled, dead
