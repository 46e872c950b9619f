"""The labels LabelSyndication + ClusterStories give, as lines `article_id cluster_id story_id`, sorted:
what a change that should keep labels identical is checked with (diff two outputs).

    python bench/dedup_labels.py --rows DIR OUT [--code ROOT]    # dedup_scaling.py's row pickles in DIR
    python bench/dedup_labels.py --eval-set OUT [--code ROOT]    # eval/dedup.py's set (its defaults)
    [--chunk-bytes N]: Records' spill chunks of N bytes, so that small sets exercise them too
    [--ahead]: rows carry fingerprints and story features made beforehand (transforms/dedup/ahead.py)

`--code ROOT`: run the stages of another checkout (e.g. a `git archive` of main) on the same rows.
"""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--rows")
    source.add_argument("--eval-set", action="store_true")
    parser.add_argument("out")
    parser.add_argument("--code", default=os.path.dirname(HERE))
    parser.add_argument("--chunk-bytes", type=int, help="Records' spill chunks this small (where the code has them), "
                        "so that a small set's shards are many chunks too")
    parser.add_argument("--ahead", action="store_true", help="make fingerprints and story features ahead, "
                        "as `newsbeam run` does where it tags")
    args = parser.parse_args(argv)
    code = os.path.abspath(args.code)
    sys.path.insert(0, code)
    if args.chunk_bytes:
        import transforms.packed
        if hasattr(transforms.packed, "CHUNK_BYTES"):
            transforms.packed.CHUNK_BYTES = args.chunk_bytes
    if args.eval_set:
        from pathlib import Path

        from eval.dedup import build_set, run_newsbeam
        data = next((c for c in (Path(code).parent / "shared" / "data", Path("/work/shared/data")) if c.exists()), None)
        if data is None:
            print("dedup_labels: no evaluation data; skipped")
            return 0
        articles, _ = build_set(data, 10_000, 7)
        labels = run_newsbeam(articles, ahead=args.ahead)
    else:
        labels = _rows_labels(args.rows, args.ahead)
    with open(args.out, "w") as f:
        for article_id in sorted(labels):
            f.write(f"{article_id} {labels[article_id][0]} {labels[article_id][1]}\n")
    print(f"{len(labels)} labels from {code} to {args.out}")
    return 0


def _rows_labels(folder: str, ahead: bool = False) -> dict:
    import glob
    import json
    import pickle
    import tempfile

    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.dedup.stories import ClusterStories
    from transforms.dedup.syndication import LabelSyndication
    from transforms.spill import Spill, spill_folder

    def load(path):
        with open(path, "rb") as f:
            rows = pickle.load(f)
        if ahead:
            from transforms.dedup.ahead import make_ahead
            rows = [make_ahead(row) for row in rows]
        yield from rows

    paths = sorted(glob.glob(os.path.join(folder, "*.pickle")))
    with spill_folder() as spill, tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(runner=FnApiRunner()) as p:
            rows = p | beam.Create(paths) | beam.FlatMap(load)
            labelled, _ = rows | LabelSyndication(None, spill=Spill(spill))
            storied, _ = labelled | ClusterStories(spill=Spill(spill))
            _ = (storied | beam.Map(lambda a: json.dumps([a["article_id"], a["cluster_id"], a["story_id"]]))
                 | beam.io.WriteToText(os.path.join(tmp, "labels")))
        out = [json.loads(line) for path in glob.glob(os.path.join(tmp, "labels*")) for line in open(path)]
    return {aid: (cluster, story) for aid, cluster, story in out}


if __name__ == "__main__":
    sys.exit(main())
