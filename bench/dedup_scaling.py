"""How the syndication (and stories) stages grow with the number of articles, without extraction.

Extraction dominates a full run, so dedup's growth is measured on its own: bench/corpus.py's
records' paragraph text (lxml, not trafilatura: cheap) becomes article rows, and for each size the stage runs
(a) as the pipeline does, LabelSyndication (+ ClusterStories) on the FnApiRunner, and (b) as the floor,
bench/floor.py's datasketch MinHash + MinHashLSH loop. Prints seconds, seconds per 1,000 articles,
and the growth factor per size step; linear growth keeps seconds per 1,000 flat.
Exits 0 with a message when this checkout has no transforms/dedup/syndication.py.

    python bench/dedup_scaling.py [--sizes 1000,5000,10000] [--workdir DIR] [--memory [--combined]]

With --memory it prints peak resident memory instead: each size runs in a fresh process, and the
growth line says what one more article costs (the local runner holds every shuffle in memory).
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
    return list(iter_rows(pages, size))


def paragraphs_only(pages: list[dict]) -> list[dict]:
    """The pages with their HTML cut down to its <p> elements: the rows are the same (the corpus's
    variations read, shuffle, drop and add only <p> elements, drawing the same random numbers),
    but each record no longer shuffles, compresses and scans ~300 KB of a page's markup."""
    from bench.corpus import PARAGRAPH_RE as ELEMENT_RE
    return [{**page, "html": "".join(m.group(0) for m in ELEMENT_RE.finditer(page["html"]))} for page in pages]


def iter_rows(pages: list[dict], size: int):
    """article_rows one at a time (200,000 rows do not fit in memory)."""
    from bench.corpus import records
    from schemas.article import new_article
    from transforms.text.identity import content_hash
    for record in records(size, paragraphs_only(pages)):
        text = "\n\n".join(" ".join(TAG_RE.sub(" ", p).split()) for p in PARAGRAPH_RE.findall(record["html"]))
        published = dt.datetime.fromisoformat(record["published"])
        yield new_article(article_id=record["id"], source=record["id"], input_kind="jsonl", url=record["url"],
                          outlet=record["outlet"], title=None, published_at=published, fetched_at=published,
                          date_source="published", text=text, word_count=len(text.split()),
                          language="en", language_score=1.0, content_hash=content_hash(text))


def _load_rows(path: str):
    import pickle
    with open(path, "rb") as f:
        yield from pickle.load(f)


def write_row_pickles(rows, folder: str) -> list[str]:
    """The rows (a list or an iterator) as pickles of 500, which the stage reads: beam.Create(rows)
    would pickle every text into the pipeline graph and time that instead."""
    import itertools
    import pickle
    os.makedirs(folder, exist_ok=True)
    paths, rows = [], iter(rows)
    while chunk := list(itertools.islice(rows, 500)):
        paths.append(os.path.join(folder, f"dedup-rows-{len(paths) * 500:07d}.pickle"))
        with open(paths[-1], "wb") as f:
            pickle.dump(chunk, f)
    return paths


def run_stages(paths: list[str], with_stories: bool, spill: bool = True) -> float:
    """LabelSyndication (+ ClusterStories) on the FnApiRunner over the pickled rows, with a spill
    folder as `newsbeam run` gives them (or without: `spill=False`); seconds taken."""
    import contextlib

    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.dedup.syndication import LabelSyndication
    from transforms.spill import Spill, spill_folder
    start = time.perf_counter()
    with (spill_folder() if spill else contextlib.nullcontext()) as folder:
        with beam.Pipeline(runner=FnApiRunner()) as pipeline:
            articles = pipeline | beam.Create(paths) | beam.FlatMap(_load_rows)
            labelled, _ = articles | "Syndication" >> LabelSyndication(None, spill=Spill(folder))
            if with_stories:
                from transforms.dedup.stories import ClusterStories
                labelled, _ = labelled | "Stories" >> ClusterStories(spill=Spill(folder))
            _ = labelled | beam.Filter(lambda a: a["is_duplicate"]) | beam.combiners.Count.Globally()
    return time.perf_counter() - start


def pipeline_seconds(rows: list[dict], workdir: str, with_stories: bool) -> float:
    paths = write_row_pickles(rows, workdir)
    seconds = run_stages(paths, with_stories)
    for path in paths:
        os.remove(path)
    return seconds


def floor_seconds(rows: list[dict]) -> tuple[float, int]:
    import transforms.dedup.signatures as dedup
    from bench.floor import stage_dedup
    docs = [{"id": r["article_id"], "text": r["text"]} for r in rows]
    start = time.perf_counter()
    stage_dedup(docs, dedup)
    return time.perf_counter() - start, sum(1 for d in docs if d.get("duplicate_of"))


def stage_memory(paths: list[str], workdir: str, with_stories: bool) -> dict:
    """Peak resident memory of LabelSyndication (+ ClusterStories) on the FnApiRunner, run in a fresh
    process over the pickled rows in `paths`: {"seconds", "imports_mb" (before the pipeline), "peak_mb"}."""
    import json
    import subprocess
    folder = os.path.dirname(paths[0])
    command = [sys.executable, os.path.abspath(__file__), "--stage-only", folder] + (["--stories"] if with_stories else [])
    if STAGE_LOG:
        command += ["--stage-log", STAGE_LOG]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def _high_water_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


STAGE_LOG = None   # --stage-log: the children append a line per fused stage (bench/shuffle_profile.log_stages)


def _stage_only(folder: str, with_stories: bool, stage_log: str | None = None) -> int:
    """The child of stage_memory: run the stages over the pickles in `folder`, print the figures."""
    import json
    if stage_log:
        from bench.shuffle_profile import log_stages
        log_stages(stage_log)

    import apache_beam  # noqa: F401 - imported before the baseline is read, like the stages' modules

    import transforms.dedup.syndication  # noqa: F401
    imports_mb = _high_water_mb()
    paths = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".pickle"))
    seconds = run_stages(paths, with_stories)
    print(json.dumps({"seconds": round(seconds, 1), "imports_mb": round(imports_mb), "peak_mb": round(_high_water_mb())}))
    return 0


def memory_table(pages, sizes, workdir, has_stories, combined_only: bool = False) -> None:
    """Peak memory of the stages by size, and what each further article costs."""
    results = []
    for size in sizes:
        folder = os.path.join(workdir, f"memory-rows-{size}")
        paths = write_row_pickles(iter_rows(pages, size), folder)
        figures = {} if combined_only and has_stories else {"syndication": stage_memory(paths, workdir, False)}
        if has_stories:
            figures["+ stories"] = stage_memory(paths, workdir, True)
        for path in paths:
            os.remove(path)
        os.rmdir(folder)
        results.append((size, figures))
        print(f"{size:>7} articles: " + "; ".join(f"{name} peak {f['peak_mb']} MB ({f['peak_mb'] - f['imports_mb']} MB "
                                                   f"above imports, {f['seconds']} s)" for name, f in figures.items()), flush=True)
    for (a, fa), (b, fb) in zip(results, results[1:]):
        print(f"growth {a}→{b}: " + "; ".join(
            f"{name} {((fb[name]['peak_mb'] - fb[name]['imports_mb']) - (fa[name]['peak_mb'] - fa[name]['imports_mb'])) * 1024 / (b - a):.0f} KB "
            f"per further article, peak {fb[name]['peak_mb'] / fa[name]['peak_mb']:.2f}×" for name in fa))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench"))
    parser.add_argument("--memory", action="store_true",
                        help="peak resident memory of the stages by size (each run in a fresh process) instead of time")
    parser.add_argument("--combined", action="store_true",
                        help="with --memory: only the run of both stages (syndication + stories), not syndication alone")
    parser.add_argument("--stage-log", help="with --memory: append each fused stage's start, end and memory to this file")
    parser.add_argument("--stage-only", help=argparse.SUPPRESS)
    parser.add_argument("--stories", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage_only:
        return _stage_only(args.stage_only, args.stories, args.stage_log)
    global STAGE_LOG
    STAGE_LOG = args.stage_log and os.path.abspath(args.stage_log)
    from bench.floor import optional
    if optional("transforms.dedup.syndication") is None:
        print("dedup_scaling: this checkout has no dedup stage (transforms/dedup/syndication.py); nothing to measure")
        return 0
    import logging
    logging.basicConfig(level=logging.ERROR)
    from bench.corpus import fundus_dir, real_pages, synthetic_pages
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    os.makedirs(args.workdir, exist_ok=True)
    pages = real_pages(fundus_dir()) if fundus_dir() else synthetic_pages()
    results = []
    has_stories = optional("transforms.dedup.stories") is not None
    if args.memory:
        memory_table(pages, sizes, args.workdir, has_stories, args.combined)
        return 0
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
