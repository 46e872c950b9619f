"""Size and read cost of OUTPUT/_state/ at N indexed articles (default 100,000).

    .venv/bin/python bench/state_index.py [--size 100000] [--data ../shared/data] [--dir /tmp/newsbeam-state]
        [--reuse [--stories-again]]

Builds the three indexes (ids, dedup, stories) the way the writer keeps them, for N articles made
from the FNC-1 training bodies (real news text, evaluation only: the words inside each paragraph
shuffled so that every article is distinct; one in five a trimmed copy of an earlier one, a few
hours later, under another outlet), spread evenly over 365 days and 20 outlets and written by one
run a week (52 runs: each run's claims go through ids.resolve, each outlet-day is one article
file). Then measures what a new run reads: a run of one day (300 articles) and of one week (2,000)
in the middle of the year, against reading the whole history (what a run would read if the index
were not keyed by day). Figures: bench/RESULTS.md. Skips when the data is absent.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import random
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_CANDIDATES = [ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"]
START = dt.datetime(2025, 1, 1, 6, tzinfo=dt.timezone.utc)
OUTLETS = [f"outlet{i:02d}.example" for i in range(20)]


def bodies(data: Path) -> list[str]:
    with open(data / "stance_fnc1_train" / "train_bodies.csv", encoding="utf-8") as f:
        return [r["articleBody"] for r in csv.DictReader(f) if len(r["articleBody"].split()) >= 80]


def articles(texts: list[str], n: int, seed: int = 7, name: str = "bench"):
    """n rows in publication order: (row, day index)."""
    from schemas.article import new_article
    from transforms.text.identity import content_hash
    rng = random.Random(seed)
    made = []
    for i in range(n):
        day = i * 365 // n
        when = START + dt.timedelta(days=day, seconds=rng.randrange(0, 12 * 3600))
        if made and rng.random() < 0.2:
            original = made[rng.randrange(max(0, len(made) - 200), len(made))]
            words = original["text"].split()
            text = "By Wire Staff\n\n" + " ".join(words[:int(len(words) * rng.uniform(0.5, 0.9))])
            when = original["published_at"] + dt.timedelta(hours=rng.uniform(0.2, 30))
            cluster = original["cluster_id"]
        else:
            paragraphs = texts[i % len(texts)].split("\n")
            text = "\n".join(" ".join(rng.sample(p.split(), len(p.split()))) for p in paragraphs if p.strip())
            cluster = None
        aid = hashlib.sha256(f"{name}-{i}".encode()).hexdigest()[:32]
        row = new_article(article_id=aid, source=f"{name}-{i}", input_kind="jsonl", outlet=rng.choice(OUTLETS),
                          title=" ".join(text.split()[:8]), text=text, published_at=when, fetched_at=when,
                          date_source="published", content_hash=content_hash(text), cluster_id=cluster or aid)
        row["is_duplicate"] = row["cluster_id"] != aid
        made.append(row)
    return made


def new_run(indexed, texts, first_day: dt.datetime, n: int, seed: int = 11) -> list[dict]:
    """A later run of n articles over the 7 days from `first_day`: a fifth of them trimmed copies of
    indexed articles of those days, the rest new texts."""
    rng = random.Random(seed)
    fresh = articles(texts[::-1], n, seed, name="later")
    days = [r for r in indexed if first_day <= r["published_at"] < first_day + dt.timedelta(days=7)]
    out = []
    for i, row in enumerate(fresh):
        when = first_day + dt.timedelta(days=i % 7, seconds=rng.randrange(0, 20 * 3600))
        if rng.random() < 0.2:
            original = rng.choice(days)
            words = original["text"].split()
            row = {**row, "text": " ".join(words[:int(len(words) * 0.7)]), "cluster_id": row["article_id"],
                   "is_duplicate": False, "copy_of": original["article_id"]}
            when = original["published_at"] + dt.timedelta(hours=rng.uniform(0.2, 20))
        out.append({**row, "published_at": when, "fetched_at": when})
    return out


def build(output: str, rows, only_stories: bool = False) -> float:
    """Write the indexes run by run (a week each), as WriteArticles and its recorders do
    (`only_stories`: the story index alone, the others kept)."""
    from transforms import ids
    from transforms.dedup.index import signature_recorder
    from transforms.dedup.story_index import story_recorder
    from transforms.write import partition_of
    recorders = signature_recorder(f"{output}/_state/dedup"), story_recorder(f"{output}/_state/stories")
    recorders = recorders[1:] if only_stories else recorders
    started = time.perf_counter()
    by_week: dict[int, list] = {}
    for row in rows:
        by_week.setdefault((row["published_at"] - START).days // 7, []).append(row)
    for week, batch in sorted(by_week.items()):
        shards: dict[str, list] = {}
        files: dict[tuple, list] = {}
        for row in batch:
            date, outlet = partition_of(row)
            shards.setdefault(ids.shard_of(row["article_id"]), []).append((row["article_id"], date, outlet, None))
            files.setdefault((date, outlet), []).append(row)
        for shard, requests in shards.items() if not only_stories else ():
            ids.resolve(output, shard, requests, f"week-{week:02d}")
        for (date, outlet), group in files.items():
            for recorder in recorders:
                recorder.write([e for e in map(recorder.entry, group) if e is not None], date, outlet, "")
    return time.perf_counter() - started


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*.parquet")]
    return len(files), sum(p.stat().st_size for p in files)


def read_cost(output: str, new_rows, label: str, every_day: bool = False) -> dict:
    """What a run of `new_rows` reads: the signature index days around its days (`every_day`: all of
    them, as an index not keyed by day must) and matching its nodes, the story index days, the
    claims of its ids."""
    from transforms import ids
    from transforms.dedup.index import EarlierCopies, day_of, days_around
    from transforms.dedup.signatures import fingerprint
    from transforms.dedup.story_index import read_story_day
    from transforms.dedup.syndication import BUCKET_CAP, PIVOTS
    days = {day_of(r["published_at"]) for r in new_rows}
    signature_days = days_around(days, 7)
    if every_day:
        signature_days = sorted(int(dt.date.fromisoformat(p.name[4:]).toordinal())
                                for p in (Path(output) / "_state" / "dedup").iterdir())
        copies_window = 400
    else:
        copies_window = 7
    tracemalloc.start()
    started = time.perf_counter()
    copies = EarlierCopies(f"{output}/_state/dedup", copies_window, BUCKET_CAP, PIVOTS)
    copies.load(signature_days)
    loaded_at = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    labels = {r["article_id"]: copies.best(fingerprint(r)) for r in new_rows}
    matched = sum(label is not None for label in labels.values())
    right = sum(1 for r in new_rows if r.get("copy_of") and labels[r["article_id"]] is not None)
    matched_at = time.perf_counter()
    stories = sum(len(read_story_day(f"{output}/_state/stories", d)[0]) for d in days_around(days, 3))
    stories_at = time.perf_counter()
    wanted: dict[str, list] = {}
    for r in new_rows:
        wanted.setdefault(ids.shard_of(r["article_id"]), []).append(r["article_id"])
    found = sum(len(ids.read_claims(output, shard, w)[0]) for shard, w in wanted.items())
    claims_at = time.perf_counter()
    return {"run": label, "articles": len(new_rows), "signature_days": len(signature_days),
            "signatures_read": copies.loaded, "signature_s": round(loaded_at - started, 2),
            "signature_peak_mb": round(peak / 1e6, 1), "match_s": round(matched_at - loaded_at, 2),
            "copies_in_run": sum(1 for r in new_rows if r.get("copy_of")), "copies_found": right,
            "other_matches": matched - right, "story_entries_read": stories, "story_s": round(stories_at - matched_at, 2),
            "id_shards_read": len(wanted), "ids_found": found, "ids_s": round(claims_at - stories_at, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--dir", default="/tmp/newsbeam-state")
    parser.add_argument("--reuse", action="store_true", help="measure the reads of an index built before")
    parser.add_argument("--stories-again", action="store_true",
                        help="with --reuse: write the story index again (its node changed), keep ids and dedup")
    args = parser.parse_args()
    data = args.data or next((d for d in DATA_CANDIDATES if (d / "stance_fnc1_train").exists()), None)
    if data is None or not (data / "stance_fnc1_train").exists():
        print("skipped: no ../shared/data/stance_fnc1_train")
        return 0
    output = Path(args.dir)
    rows = articles(bodies(data), args.size)
    if not args.reuse:
        shutil.rmtree(output, ignore_errors=True)
        seconds = build(str(output), rows)
        print(f"{args.size} articles indexed over 365 days by 52 weekly runs in {seconds:.0f} s")
    elif args.stories_again:
        shutil.rmtree(output / "_state" / "stories", ignore_errors=True)
        seconds = build(str(output), rows, only_stories=True)
        print(f"story index of {args.size} articles written again by 52 weekly runs in {seconds:.0f} s")
    for name in ("ids", "dedup", "stories"):
        files, size = folder_size(output / "_state" / name)
        print(f"  {name:<8} {size / 1e6:8.1f} MB in {files:6d} files   {size / args.size:7.0f} bytes per article")
    middle = START + dt.timedelta(days=182)
    week = new_run(rows, bodies(data), middle, 2_000)
    day = [r for r in week if r["published_at"].date() == middle.date()]
    runs = [read_cost(str(output), day, "one day"), read_cost(str(output), week, "one week"),
            read_cost(str(output), day, "one day, whole history read (an index not keyed by day)", every_day=True)]
    for cost in runs:
        print("  " + ", ".join(f"{k} {v}" for k, v in cost.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
