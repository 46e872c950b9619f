"""Copies found across runs that arrive in any order: the backfill of issue 14, through the command.

    .venv/bin/python eval/backfill.py [--data ../shared/data] [--originals 600] [--checkout PATH]

Originals: real news texts (the FNC-1 training bodies, evaluation only) published over one year;
copies: each original carried by two other outlets 10 minutes to 48 hours later, trimmed to 60-100%
of its words with a byline. Three ways into one output folder each, with the real `newsbeam run`:
`one run` (everything at once), `originals, then copies` (the issue's backfill), and the originals of
the second half-year, then those of the first, then all copies (runs in reverse time order).
Scored: the share of copies labelled `duplicate_of` their original, and rows of earlier runs that
changed. `--checkout` runs another checkout's code (e.g. main) with this Python, for a before/after.
Skips (exit 0) when the data is absent.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")
             if (p / "stance_fnc1_train").exists()), ROOT.parent / "shared" / "data")
START = dt.datetime(2025, 1, 1, 6, tzinfo=dt.timezone.utc)


def records(data: Path, n: int, seed: int = 3) -> tuple[list[dict], list[dict]]:
    with open(data / "stance_fnc1_train" / "train_bodies.csv", encoding="utf-8") as f:
        bodies = [r["articleBody"] for r in csv.DictReader(f) if len(r["articleBody"].split()) >= 120]
    rng = random.Random(seed)
    picked = rng.sample(bodies, n)
    originals, copies = [], []
    for i, body in enumerate(picked):
        when = START + dt.timedelta(days=365 * i / n, minutes=rng.randrange(0, 600))
        originals.append({"id": f"original-{i}", "outlet": "wire.example", "published": when.isoformat(),
                          "title": f"Report {i}", "text": body})
        for k in (1, 2):
            words = body.split()
            kept = " ".join(words[:int(len(words) * rng.uniform(0.6, 1.0))])
            later = when + dt.timedelta(minutes=rng.uniform(10, 48 * 60))
            copies.append({"id": f"copy-{k}-of-{i}", "outlet": f"outlet{k}.example", "published": later.isoformat(),
                           "title": f"Report {i}", "text": f"By Staff Writer\n\n{kept}", "of": f"original-{i}"})
    return originals, copies


def run(checkout: Path, inputs: list[dict], folder: Path, out: Path) -> None:
    folder.mkdir(parents=True)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as f:
        for record in inputs:
            f.write(json.dumps({k: v for k, v in record.items() if k != "of"}) + "\n")
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--input", str(folder), "--output", str(out),
                    "--ner-models", "en=none,fr=none,ru=none", "--progress", "off"],
                   check=True, cwd=checkout, env=env, capture_output=True, text=True)


def rows(out: Path) -> dict[str, dict]:
    import duckdb
    rel = duckdb.sql(f"SELECT source, article_id, cluster_id, is_duplicate, duplicate_of, story_id FROM "
                     f"read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)")
    return {r[0]: dict(zip(rel.columns, r)) for r in rel.fetchall()}


def score(found: dict[str, dict], copies: list[dict]) -> float:
    labelled = sum(1 for c in copies if found[c["id"]]["duplicate_of"] == found[c["of"]]["article_id"])
    return labelled / len(copies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--originals", type=int, default=600)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args = parser.parse_args()
    if not (args.data / "stance_fnc1_train").exists():
        print(f"skipped: no evaluation data at {args.data}")
        return 0
    originals, copies = records(args.data, args.originals)
    half = len(originals) // 2
    orders = {"one run": [originals + copies],
              "originals, then copies": [originals, copies],
              "2nd half-year, then 1st half-year, then copies": [originals[half:], originals[:half], copies]}
    print(f"backfill: {len(originals)} originals over 365 days, {len(copies)} copies 10 min-48 h later "
          f"(60-100% of the words), code of {args.checkout}")
    with tempfile.TemporaryDirectory(prefix="newsbeam-backfill-") as tmp:
        for name, runs in orders.items():
            out = Path(tmp) / name.replace(" ", "_").replace(",", "")
            before: dict[str, dict] = {}
            changed = 0
            for i, inputs in enumerate(runs):
                run(args.checkout, inputs, out.parent / f"{out.name}-in{i}", out)
                now = rows(out)
                changed += sum(1 for s, r in before.items() if now.get(s) != r)
                before = now
            found = rows(out)
            print(f"  {name:<48} copies labelled {score(found, copies):.3f}   rows {len(found)}   "
                  f"earlier rows changed {changed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
