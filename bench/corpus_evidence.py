"""What corpus evidence costs: `newsbeam run --clean corpus` against `--clean rules` on text copies.

    python bench/corpus_evidence.py [--sizes 1000,3000] [--workdir DIR]

The corpus: JSON Lines records with `text` (page copies, so that every article goes through the
evidence stage), made from the fundus bodies with eval/cleaning.py's injected furniture; copy k > 0
of a body has the words of each of its own paragraphs shuffled, so texts and titles differ while
the outlet's furniture repeats. Outlets by country, as in the eval. Tagging is off
(`--ner_models en=none,fr=none,ru=none`) so that the difference is the stage's own. Wall time, CPU
time and the peak resident memory of the process tree, as bench/pipeline.py measures them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench.pipeline import _env, run_measured  # noqa: E402
from eval.cleaning import NO_NER, assign_outlets, fundus_articles, inject  # noqa: E402
from eval.datasets import default_data_dir  # noqa: E402


def write_corpus(size: int, path: str, seed: int = 5) -> None:
    articles = fundus_articles(Path(default_data_dir()) / "pages_fundus")
    assign_outlets(articles, "country")
    inject(articles)
    rng = random.Random(seed)
    own = {id(a): {text for _, text in a["planted"]} for a in articles}
    with open(path, "w") as f:
        for i in range(size):
            a = articles[i % len(articles)]
            copy = i // len(articles)
            shuffle = (lambda p: " ".join(rng.sample(p.split(), len(p.split())))) if copy else (lambda p: p)
            paragraphs = [p if p in own[id(a)] else shuffle(p) for p in a["injected_paragraphs"]]
            f.write(json.dumps({"id": f"a{i}", "outlet": a["outlet"], "title": shuffle(a["injected_title"]),
                                "text": "\n\n".join(paragraphs), "published": "2024-05-01"}) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,3000")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench-evidence"))
    args = parser.parse_args(argv)
    if not (Path(default_data_dir()) / "pages_fundus" / "index.json").exists():
        print("skipped: no ../shared/data/pages_fundus")
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    print(f"{'size':>6} {'clean':<7}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}")
    for size in map(int, args.sizes.split(",")):
        folder = os.path.join(args.workdir, f"copies-{size}")
        os.makedirs(folder, exist_ok=True)
        write_corpus(size, os.path.join(folder, "copies.jsonl"))
        for clean in ("rules", "corpus"):
            out = os.path.join(args.workdir, f"out-{clean}-{size}")
            shutil.rmtree(out, ignore_errors=True)
            command = [sys.executable, "-m", "pipelines.cli", "run", "--input", folder, "--output", out,
                       "--clean", clean, "--ner_models", NO_NER, "--progress", "off"]
            measured = run_measured(command, os.path.join(args.workdir, f"{clean}-{size}.log"), _env())
            shutil.rmtree(out, ignore_errors=True)
            print(f"{size:>6} {clean:<7}{measured['seconds']:>9.1f}{measured['cpu_seconds']:>8.1f}"
                  f"{measured['peak_rss_mb']:>9.0f}" + ("" if measured["status"] == 0 else "  FAILED"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
