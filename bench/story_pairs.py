"""CPU of the story Pairs step on the rows a run wrote, without Beam: rows → story nodes → buckets →
scored pairs, as ClusterStories makes them (one process, one shard: all buckets in key order).

    python bench/story_pairs.py OUTPUT [--code ROOT] [--pairs FILE] [--profile]

OUTPUT is a `newsbeam run --output` folder; `--code ROOT` runs another checkout's stories module
(e.g. a `git archive` of main) on the same rows; `--pairs FILE` writes the pairs found, sorted, so
that two checkouts can be compared with `cmp`; `--profile` prints cProfile's top functions.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--code", default=os.path.dirname(HERE))
    parser.add_argument("--pairs")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.code))
    import duckdb
    import numpy as np

    from transforms.dedup import stories
    from transforms.dedup.features import DocFreq
    from transforms.packed import INLINE, pack, unpack
    try:
        from transforms.dedup import story_edges as edges
    except ImportError:   # checkouts before the pair scoring had its own module
        edges = None

    rows = duckdb.sql(f"select * from read_parquet('{args.output}/articles/**/*.parquet', hive_partitioning=false)"
                      " where not is_duplicate").arrow().read_all().to_pylist()
    by_cluster = collections.defaultdict(list)
    for row in rows:
        by_cluster[row["cluster_id"]].append(row)
    start = time.process_time()
    candidates = {c: min((stories.story_candidate(r) for r in group), key=lambda v: v[:2])
                  for c, group in by_cluster.items()}
    print(f"story features: {len(candidates)} nodes, {time.process_time() - start:.2f} s CPU")
    combine = DocFreq()
    df = combine.create_accumulator()
    for candidate in candidates.values():
        df = combine.add_input(df, candidate[3])
    buckets = collections.defaultdict(list)
    for c, (when, article_id, day, feats) in candidates.items():
        # the stage's own node (ref, day, vectors) from its representative, as StoryNodeDoFn emits it
        node = stories._vector_node((c, (f"{stories.NEW}|{when}", article_id, day, pack(feats), c)), df, INLINE)
        for _, (bucket, packed) in stories.bucket_records(node, stories.WINDOW_DAYS):
            buckets[bucket].append(packed)
    over = np.unique(np.array([b for b, members in buckets.items() if len(members) > stories.BUCKET_CAP],
                              dtype=np.uint64))
    print(f"buckets: {len(buckets)}, {sum(len(m) >= 2 for m in buckets.values())} of two or more, {len(over)} over the cap")

    def pairs() -> list:
        within = ((b, sorted((unpack(p) for p in buckets[b]), key=lambda n: n["ref"])) for b in sorted(buckets)
                  if 2 <= len(buckets[b]) <= stories.BUCKET_CAP)
        found = []
        if edges is not None:
            scored = edges.scored_buckets(within, over=over)
        elif hasattr(stories, "scored_buckets"):   # 622e422
            scored = stories.scored_buckets(within, over=over)
        else:   # checkouts before 622e422: a product per bucket
            scored = ((b, m, stories.scored_pairs(m, owned=stories.decided_here(m, b, over))) for b, m in within)
        for _, members, bucket_pairs in scored:
            found.extend((members[i]["ref"], members[j]["ref"], round(s, 6)) for i, j, s in bucket_pairs)
        return found

    start = time.process_time()
    found = pairs()
    print(f"pairs: {len(found)}, {time.process_time() - start:.2f} s CPU")
    if args.pairs:
        with open(args.pairs, "w") as f:
            f.writelines(f"{a}\t{b}\t{s}\n" for a, b, s in sorted(found))
    if args.profile:
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.runcall(pairs)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
