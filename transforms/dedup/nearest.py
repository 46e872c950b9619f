"""The nearest-neighbour step of ClusterStories (stories.py): each node keeps its best edges.

A node keeps its NEAREST best edges to nodes of its own language and votes for its CROSS_NEAREST best
in each other language (see `nearest`). Its edge ends are combined where they are made (NearestEnds:
the best few per language), so no step holds every edge of a node that resembles hundreds of others.
"""
from __future__ import annotations

import bisect

import apache_beam as beam

NEAREST = 3             # best edges a node keeps to nodes of its own language
CROSS_NEAREST = 1       # ... and to nodes of each other language: one bridge is enough
VOTE = "vote"


def nearest(node_ref, language: str, neighbours, same: int = NEAREST,
            cross: int = CROSS_NEAREST) -> tuple[list[tuple], list[tuple]]:
    """(star edges, cross-language votes) of one node. `neighbours`: (language, score, ref) of every
    edge at the node. It keeps its `same` best in its own `language`, as a star from the smallest ref
    among it and them (the same components as the edges, in fewer propagation rounds); and votes for
    its `cross` best in each other language: such an edge stays only when both ends vote for it,
    since cross-lingual scores rest on a few names and numbers and a report that is the second
    choice of the other side is mostly one on another event with the same people (a digest, a
    commentary)."""
    best: dict = {}
    for other, score, ref in neighbours:
        best.setdefault(other, []).append((-score, ref))
    kept, votes = {node_ref}, []
    for other, ranked in best.items():
        chosen = [ref for _, ref in sorted(ranked)[:same if other == language else cross]]
        if other == language:
            kept.update(chosen)
        else:
            votes.extend(tuple(sorted((node_ref, ref))) for ref in chosen)
    members = sorted(kept)
    return [(members[0], other) for other in members[1:]], votes


class NearestEnds(beam.CombineFn):
    """A node's edge ends (other's language, score, other ref) → the `keep` best of each language
    (by score, then ref, as `nearest` ranks them): what `nearest` needs when `keep` ≥ its `same` and
    `cross`, held per node instead of every end."""

    def __init__(self, keep: int):
        super().__init__()
        self.keep = keep

    def create_accumulator(self):
        return {}

    def add_input(self, acc, end):
        # kept sorted and never over `keep`: on the local runner up to 100,000 of these wait in the
        # combiner's table at once (bench/RESULTS.md), so each holds only what it will give
        other, score, ref = end
        ranked = acc.setdefault(other, [])
        bisect.insort(ranked, (-score, ref))
        if len(ranked) > self.keep:
            ranked.pop()
        return acc

    def merge_accumulators(self, accs):
        merged = {}
        for acc in accs:
            for other, ranked in acc.items():
                merged.setdefault(other, []).extend(ranked)
        return {other: sorted(ranked)[:self.keep] for other, ranked in merged.items()}

    def extract_output(self, acc):
        return [(other, -negative, ref) for other, ranked in acc.items() for negative, ref in sorted(ranked)[:self.keep]]


class NearestDoFn(beam.DoFn):
    """(node ref, language), its best ends → its star edges, and on VOTE its cross-language votes."""

    def __init__(self, same: int, cross: int):
        super().__init__()
        self.same, self.cross = same, cross

    def process(self, keyed):
        (ref, language), neighbours = keyed
        star, votes = nearest(ref, language, neighbours, self.same, self.cross)
        yield from star
        for vote in votes:
            yield beam.pvalue.TaggedOutput(VOTE, vote)
