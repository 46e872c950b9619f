"""How the syndication (and stories) stages grow with the number of articles, without extraction.

Extraction dominates a full run, so dedup's growth is measured on its own: bench/corpus.py's
records' paragraph text (lxml, not trafilatura: cheap) becomes article rows, and for each size the stage runs
(a) as the pipeline does, LabelSyndication (+ ClusterStories) on the FnApiRunner, and (b) as the floor,
bench/floor.py's datasketch MinHash + MinHashLSH loop. Prints seconds, seconds per 1,000 articles,
and the growth factor per size step; linear growth keeps seconds per 1,000 flat.
Exits 0 with a message when this checkout has no transforms/dedup.py.

    python bench/dedup_scaling.py [--sizes 1000,5000,10000] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

PARAGRAPH_RE = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)
TAG_RE = re.compile(r"<[^>]+>")


def article_rows(pages: list[dict], size: int) -> list[dict]:
    """The first `size` corpus records (the generator's, in order: every copy follows its original)."""
    from bench.corpus import records
    from schemas.article import new_article
    from transforms.extract import content_hash
    rows = []
    for record in records(size, pages):
        text = "\n\n".join(" ".join(TAG_RE.sub(" ", p).split()) for p in PARAGRAPH_RE.findall(record["html"]))
        published = dt.datetime.fromisoformat(record["published"])
        rows.append(new_article(article_id=record["id"], source=record["id"], input_kind="jsonl", url=record["url"],
                                outlet=record["outlet"], title=None, published_at=published, fetched_at=published,
                                date_source="published", text=text, word_count=len(text.split()),
                                language="en", language_score=1.0, content_hash=content_hash(text)))
    return rows


def _load_rows(path: str):
    import pickle
    with open(path, "rb") as f:
        yield from pickle.load(f)


def pipeline_seconds(rows: list[dict], workdir: str, with_stories: bool) -> float:
    """LabelSyndication (+ ClusterStories) on the FnApiRunner. The rows come from pickle files, not
    beam.Create(rows), which would pickle every text into the pipeline graph and time that instead."""
    import pickle
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from transforms.dedup import LabelSyndication
    stories = None
    if with_stories:
        from transforms.stories import ClusterStories as stories
    paths = []
    for i in range(0, len(rows), 500):
        paths.append(os.path.join(workdir, f"dedup-rows-{i:07d}.pickle"))
        with open(paths[-1], "wb") as f:
            pickle.dump(rows[i:i + 500], f)
    start = time.perf_counter()
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        articles = pipeline | beam.Create(paths) | beam.FlatMap(_load_rows)
        labelled, _ = articles | "Syndication" >> LabelSyndication(None)
        if stories is not None:
            labelled, _ = labelled | "Stories" >> stories()
        _ = labelled | beam.Filter(lambda a: a["is_duplicate"]) | beam.combiners.Count.Globally()
    seconds = time.perf_counter() - start
    for path in paths:
        os.remove(path)
    return seconds


def floor_seconds(rows: list[dict]) -> tuple[float, int]:
    import transforms.dedup as dedup
    from bench.floor import stage_dedup
    docs = [{"id": r["article_id"], "text": r["text"]} for r in rows]
    start = time.perf_counter()
    stage_dedup(docs, dedup)
    return time.perf_counter() - start, sum(1 for d in docs if d.get("duplicate_of"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench"))
    args = parser.parse_args(argv)
    from bench.floor import optional
    if optional("transforms.dedup") is None:
        print("dedup_scaling: this checkout has no dedup stage (transforms/dedup.py); nothing to measure")
        return 0
    import logging
    logging.basicConfig(level=logging.ERROR)
    from bench.corpus import fundus_dir, real_pages, synthetic_pages
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    os.makedirs(args.workdir, exist_ok=True)
    pages = real_pages(fundus_dir()) if fundus_dir() else synthetic_pages()
    results = []
    has_stories = optional("transforms.stories") is not None
    for size in sizes:
        rows = article_rows(pages, size)
        floor, duplicates = floor_seconds(rows)
        syndication = pipeline_seconds(rows, args.workdir, False)
        both = pipeline_seconds(rows, args.workdir, True) if has_stories else None
        results.append((size, floor, syndication, both))
        print(f"{size:>7} articles: floor MinHash+LSH {floor:6.1f} s ({floor / size * 1000:5.2f} s/1000, "
              f"{duplicates} duplicates); pipeline LabelSyndication {syndication:6.1f} s "
              f"({syndication / size * 1000:5.2f} s/1000)"
              + (f"; + ClusterStories {both:6.1f} s ({both / size * 1000:5.2f} s/1000)" if both else ""), flush=True)
    for (a, fa, sa, ba), (b, fb, sb, bb) in zip(results, results[1:]):
        print(f"growth {a}→{b} ({b / a:g}× articles): floor {fb / fa:.2f}×, LabelSyndication {sb / sa:.2f}×"
              + (f", with ClusterStories {bb / ba:.2f}×" if ba else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
