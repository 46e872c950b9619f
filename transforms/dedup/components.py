"""Connected components by iterative min-label propagation, for syndication groups and stories alike.

Every node starts with its own label (rank, id, canonical) and takes the smallest label among its
neighbours each round. A fixed number of rounds (LABEL_ROUNDS) is run, which converges for
components of diameter ≤ 8 (syndication groups are stars around the wire original, diameter 2); a
final check counts nodes that were still changing (`<namespace>.unconverged`) so a too-small
setting shows in the run summary. No step holds the whole graph.
"""
from __future__ import annotations

import apache_beam as beam

from transforms.runtime import counter

LABEL_ROUNDS = 8


def propagate_once(adjacency: dict, labels: dict) -> dict:
    """One round of min-label propagation (what one Beam round computes, as a plain function)."""
    new = dict(labels)
    for node, neighbours in adjacency.items():
        for other in neighbours:
            if labels[other] < new[node]:
                new[node] = labels[other]
    return new


def components(edges, rounds: int = LABEL_ROUNDS) -> dict:
    """id → label ref of the component's smallest node, by the same propagation the pipeline runs."""
    adjacency: dict = {}
    labels: dict = {}
    for a, b in edges:
        adjacency.setdefault(a[1], []).append(b[1])
        adjacency.setdefault(b[1], []).append(a[1])
        labels[a[1]], labels[b[1]] = a, b
    for _ in range(rounds):
        new = propagate_once(adjacency, labels)
        if new == labels:
            break
        labels = new
    return labels


class _Smallest(beam.CombineFn):
    """(label, neighbours or None) values → [smallest label, the node's own neighbours]: one round of
    propagation at one node. Combined where the messages are made, so a round holds one small
    accumulator per node instead of every message."""

    def create_accumulator(self):
        return [None, None]

    def add_input(self, acc, value):
        label, neighbours = value
        if acc[0] is None or label < acc[0]:
            acc[0] = label
        if neighbours is not None:
            acc[1] = neighbours
        return acc

    def merge_accumulators(self, accs):
        merged = self.create_accumulator()
        for label, neighbours in accs:
            if label is not None:
                self.add_input(merged, (label, neighbours))
            elif neighbours is not None:
                merged[1] = neighbours
        return merged

    def extract_output(self, acc):
        return acc[0], acc[1] or ()


def _initial(keyed):
    """(id, [(own ref, neighbour id)]) → (id, (own ref, neighbour ids))."""
    node, ends = keyed
    ends = list(ends)
    return node, (min(own for own, _ in ends), tuple(sorted({other for _, other in ends})))


def _messages(state):
    """A node's label to itself (with its neighbours, which it keeps) and to every neighbour."""
    node, (label, neighbours) = state
    yield node, (label, neighbours)
    for other in neighbours:
        yield other, (label, None)


class ConnectedComponents(beam.PTransform):
    """edges (ref_a, ref_b) → (id, label ref) for every node on an edge, by `rounds` of min-label
    propagation; a last round counts the nodes whose label still changed (`<namespace>.unconverged`).

    Each node's state (label, neighbour ids) travels from round to round, so one round's messages are
    all a round holds: the adjacency is not kept beside every round."""

    def __init__(self, rounds: int = LABEL_ROUNDS, namespace: str = "dedup"):
        super().__init__()
        self.rounds, self.namespace = rounds, namespace

    def expand(self, edges):
        states = (edges
                  | "Ends" >> beam.FlatMap(lambda e: [(e[0][1], (e[0], e[1][1])), (e[1][1], (e[1], e[0][1]))])
                  | "Adjacency" >> beam.GroupByKey()
                  | "Initial" >> beam.Map(_initial))
        for i in range(self.rounds):
            states = (states
                      | f"Spread{i}" >> beam.FlatMap(_messages)
                      | f"Min{i}" >> beam.CombinePerKey(_Smallest()))
        unconverged = counter(f"{self.namespace}.unconverged")

        def check(state):
            node, (label, neighbours) = state
            yield node, (label, True)
            for other in neighbours:
                yield other, (label, False)

        def final(keyed):
            node, labels = keyed
            labels = list(labels)
            own = next(label for label, is_own in labels if is_own)
            best = min(label for label, _ in labels)
            if best != own:
                unconverged.inc()
            return node, best

        return (states
                | "SpreadCheck" >> beam.FlatMap(check)
                | "MeetCheck" >> beam.GroupByKey()
                | "Check" >> beam.Map(final))
