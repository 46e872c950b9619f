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


def _spread(joined):
    """One propagation round at one node: its label to every neighbour and to itself."""
    node, group = joined
    labels = list(group["label"])
    if not labels:
        return
    label = labels[0]
    yield node, label
    for other in group["adjacent"]:
        yield other, label


class ConnectedComponents(beam.PTransform):
    """edges (ref_a, ref_b) → (id, label ref) for every node on an edge, by `rounds` of min-label
    propagation; a last round counts the nodes whose label still changed (`<namespace>.unconverged`)."""

    def __init__(self, rounds: int = LABEL_ROUNDS, namespace: str = "dedup"):
        super().__init__()
        self.rounds, self.namespace = rounds, namespace

    def expand(self, edges):
        adjacent = edges | "Adjacency" >> beam.FlatMap(lambda e: [(e[0][1], e[1][1]), (e[1][1], e[0][1])])
        labels = (edges
                  | "OwnLabels" >> beam.FlatMap(lambda e: [(e[0][1], e[0]), (e[1][1], e[1])])
                  | "FirstLabel" >> beam.CombinePerKey(min))
        for i in range(self.rounds):
            labels = ({"adjacent": adjacent, "label": labels}
                      | f"Meet{i}" >> beam.CoGroupByKey()
                      | f"Spread{i}" >> beam.FlatMap(_spread)
                      | f"Min{i}" >> beam.CombinePerKey(min))
        unconverged = counter(f"{self.namespace}.unconverged")

        def check(joined):
            node, group = joined
            label = list(group["label"])[0]
            best = min([label, *group["neighbour"]])
            if best != label:
                unconverged.inc()
            yield node, best

        neighbour_labels = ({"adjacent": adjacent, "label": labels}
                            | "MeetCheck" >> beam.CoGroupByKey()
                            | "SpreadCheck" >> beam.FlatMap(
                                lambda j: [(o, list(j[1]["label"])[0]) for o in j[1]["adjacent"]]))
        return ({"label": labels, "neighbour": neighbour_labels}
                | "JoinCheck" >> beam.CoGroupByKey()
                | "Check" >> beam.FlatMap(check))
