"""Which candidate pairs of story nodes are edges (stories.py's module doc says what a node is and
why these rules): a pair's score by edge_score, and the same decisions for every pair of a batch of
buckets at once (scored_buckets), which is how ClusterStories scores its buckets.
"""
from __future__ import annotations

import numpy as np

from transforms.dedup.features import N_FEATURES, cosine

THRESHOLD = 0.2
# Shared items must weigh this much, an item counting log((1 + N) / (1 + df)) / log(1 + N) (about 1 for
# an item of one article of the N, 0 for one every article has): scale-free, unlike a sum of IDFs.
EVENT_WEIGHT = 1.75
EVENT_FREE = 0.35       # a pair this close in words needs no shared item (reports without names)
# Measured on the WMT21 pairs (eval/crosslingual.py): a document and its translation have median
# cross-lingual cosine 0.84; other documents of other languages a 99.9th percentile of 0.18.
CROSS_THRESHOLD = 0.5
WINDOW_DAYS = 3


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
    ends = np.searchsorted(group[rows], np.arange(len(batch) + 1))   # each bucket's slice of the pairs
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
    keys = np.repeat(group, np.diff(indptr)) * N_FEATURES + np.asarray(indices, dtype="int64")
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
