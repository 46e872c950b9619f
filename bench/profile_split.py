"""Where a run's CPU goes, per process: a `py-spy record --subprocesses --format raw` file's samples
grouped by the first category (below, in order) that a sample's stack matches.

    py-spy record --subprocesses --format raw -r 50 -o RAW -- .venv/bin/newsbeam run --input DIR --output OUT --progress off
    python bench/profile_split.py RAW [--rate 50]

Seconds are samples / rate. py-spy counts a thread waiting for a core as active, so on a busy
machine the total can pass wall time × cores; the shares are what to read. spaCy's Cython
components show as the Python frame that calls them (partial.py `_run`), so those leaves count as spaCy.
"""
import argparse
import collections
import re
CATS = [
    # spacy.load and what it imports (the French tokenizer exceptions' regex), natasha's models,
    # and check_models' import of spaCy
    ("model load", re.compile(r"spacy/__init__.py.*\bload\b|load_model|tokenizer_exceptions|natasha.*__init__|"
                              r"NewsNERTagger|MorphVocab|NewsEmbedding|check_models \(")),
    ("trafilatura", re.compile(r"trafilatura/")),
    ("lxml/html parse", re.compile(r"lxml/|html5|htmldate/")),
    ("spaCy NER/parse", re.compile(r"spacy/language.py|spacy/pipeline|thinc/|_run \(transforms/analysis/partial.py:\d+\)$|PartialParser._batch.<locals>.<listcomp> \(transforms/analysis/partial.py:\d+\)$")),
    ("natasha", re.compile(r"natasha/|slovnet/|navec/")),
    ("langdetect", re.compile(r"langdetect/")),
    ("our tagging rules", re.compile(r"transforms/analysis/")),
    ("dedup/stories", re.compile(r"transforms/dedup/")),
    ("corpus/title evidence", re.compile(r"transforms/text/corpus|transforms/text/titles|transforms/text/clean")),
    ("writing", re.compile(r"transforms/write|pyarrow/")),
    ("reading inputs", re.compile(r"transforms/ingest/")),
    ("pack/spill", re.compile(r"transforms/packed|transforms/spill")),
    ("extraction hand-off", re.compile(r"transforms/text/extractor|multiprocessing/connection")),
    ("progress/memory", re.compile(r"pipelines/progress|pipelines/memory")),
    ("beam", re.compile(r"apache_beam/")),
    ("imports", re.compile(r"<frozen importlib")),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw")
    parser.add_argument("--rate", type=float, default=50)
    args = parser.parse_args(argv)
    per = split(args.raw)
    for proc, counts in per.items():
        print(f"{proc}: {sum(counts.values()) / args.rate:.1f} s sampled")
        for cat, n in counts.most_common(12):
            print(f"   {n / args.rate:7.1f}  {cat}")
    return 0


def split(path: str) -> dict:
    per = collections.defaultdict(collections.Counter)
    for line in open(path):
        stack, n = line.rstrip().rsplit(" ", 1)
        parts = stack.split(";")
        procs = [i for i, p in enumerate(parts) if p.startswith("process ")]
        proc = parts[procs[-1]][:14] if len(procs) > 1 else "worker"
        rest = ";".join(parts[procs[-1] + 1:])
        # first category (in CATS order) matching anywhere: model loads before the libraries they run
        cat = next((name for name, rx in CATS if rx.search(rest)), "other")
        per[proc][cat] += int(n)
    return per


if __name__ == "__main__":
    raise SystemExit(main())
