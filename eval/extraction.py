"""Extraction quality on real news pages: newsbeam vs bare trafilatura.

    .venv/bin/python eval/extraction.py [--data ../shared/data/pages_fundus] [--limit N]

Data: pages_fundus (258 gzipped pages from 181 publishers, with the fundus project's expected title,
body paragraphs, publishing date and authors; MIT). For every page the whole `newsbeam run` command
runs over the pages (the URL from the data's index given in a manifest, as a crawler would know it),
and bare `trafilatura.bare_extraction(html, with_metadata=True)` runs on the same HTML.

Scores, per page then averaged:
- body: precision / recall / F1 of word 4-gram shingles of the extracted text against the expected
  summary + section headlines + paragraphs (case-folded, punctuation ignored);
- title: exact match after white-space folding;
- date: same UTC calendar day as the expected publishing date (pages with one), and same minute,
  over all dated pages and over the pages whose expected value has a time of day (not 00:00:00);
- authors: set F1 (pages with expected authors).
Skips (exit 0) when the data folder is absent.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the main checkout (/work/main), or two levels up from a worktree (/work/wt/NAME)
DEFAULT_DATA = next((p for p in (ROOT.parent / "shared" / "data" / "pages_fundus",
                                 ROOT.parent.parent / "shared" / "data" / "pages_fundus") if p.exists()),
                    ROOT.parent / "shared" / "data" / "pages_fundus")
WORD_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = WORD_RE.findall((text or "").casefold())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def prf(found: set, expected: set) -> tuple[float, float, float]:
    if not found and not expected:
        return 1.0, 1.0, 1.0
    overlap = len(found & expected)
    p = overlap / len(found) if found else 0.0
    r = overlap / len(expected) if expected else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fold(text: str | None) -> str:
    return " ".join((text or "").split())


def expected_body(truth: dict) -> str:
    body = truth.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


def load_cases(data: Path, limit: int | None):
    index = json.loads((data / "index.json").read_text())
    cases = []
    for entry in index:
        folder = data / "test_data" / entry["country"]
        truth = json.loads((folder / f"{entry['publisher']}.json").read_text()).get(entry["parser_version"])
        html_path = folder / entry["html_file"]
        if truth and html_path.exists():
            cases.append({**entry, "truth": truth, "html_path": html_path})
    return cases[:limit] if limit else cases


def run_newsbeam(cases, workdir: Path) -> tuple[dict[str, dict], float]:
    """Copy the pages into one folder with a manifest, run the real command, read rows back."""
    pages = workdir / "pages"
    pages.mkdir()
    with open(pages / "manifest.jsonl", "w") as manifest:
        for i, case in enumerate(cases):
            name = f"{i:04d}_{case['html_file']}"
            shutil.copy(case["html_path"], pages / name)
            manifest.write(json.dumps({"path": name, "url": case["url"]}) + "\n")
            case["source"] = name
    out = workdir / "out"
    newsbeam = Path(sys.executable).with_name("newsbeam")
    started = time.perf_counter()
    subprocess.run([str(newsbeam), "run", "--input", str(pages), "--output", str(out)], check=True,
                   cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    import duckdb
    rel = duckdb.sql(f"SELECT source, title, text, published_at, authors FROM "
                     f"read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)")
    rows = {r[0]: dict(zip(rel.columns, r)) for r in rel.fetchall()}
    return rows, seconds


def run_bare(cases) -> tuple[dict[str, dict], float]:
    import trafilatura
    rows, started = {}, time.perf_counter()
    for case in cases:
        html = gzip.decompress(case["html_path"].read_bytes())
        doc = trafilatura.bare_extraction(html, url=case["url"], with_metadata=True)
        data = doc.as_dict() if doc is not None else {}
        rows[case["source"]] = {"title": data.get("title"), "text": data.get("text"),
                                "published_at": data.get("date"),
                                "authors": [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]}
    return rows, time.perf_counter() - started


def utc(value):
    from transforms.text.identity import parse_time
    return parse_time(value)


def score(cases, rows: dict[str, dict]) -> dict:
    totals = {"p": 0.0, "r": 0.0, "f": 0.0, "title": 0, "day": 0, "minute": 0, "dated": 0, "timed": 0, "timed_minute": 0,
              "authors_f": 0.0, "with_authors": 0, "missing": 0}
    for case in cases:
        truth, row = case["truth"], rows.get(case["source"])
        if row is None:
            totals["missing"] += 1
            row = {}
        p, r, f = prf(shingles(row.get("text")), shingles(expected_body(truth)))
        totals["p"] += p
        totals["r"] += r
        totals["f"] += f
        totals["title"] += fold(row.get("title")) == fold(truth.get("title"))
        want = utc(truth.get("publishing_date"))
        if want is not None:
            totals["dated"] += 1
            timed = str(truth["publishing_date"])[11:19] != "00:00:00"
            totals["timed"] += timed
            have = utc(row.get("published_at"))
            if have is not None:
                totals["day"] += have.date() == want.date()
                same_minute = abs((have - want).total_seconds()) < 60
                totals["minute"] += same_minute
                totals["timed_minute"] += same_minute and timed
        want_authors = {fold(a).casefold() for a in truth.get("authors") or []}
        if want_authors:
            totals["with_authors"] += 1
            have_authors = {fold(a).casefold() for a in row.get("authors") or []}
            totals["authors_f"] += prf(have_authors, want_authors)[2]
    n = len(cases)
    return {
        "body_precision": totals["p"] / n, "body_recall": totals["r"] / n, "body_f1": totals["f"] / n,
        "title_accuracy": totals["title"] / n,
        "date_day_accuracy": totals["day"] / max(totals["dated"], 1),
        "date_minute_accuracy": totals["minute"] / max(totals["dated"], 1),
        "minute_of_timed_pages": totals["timed_minute"] / max(totals["timed"], 1),
        "authors_f1": totals["authors_f"] / max(totals["with_authors"], 1),
        "pages_without_row": totals["missing"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not (args.data / "index.json").exists():
        print(f"skipped: no evaluation data at {args.data}")
        return 0
    sys.path.insert(0, str(ROOT))
    cases = load_cases(args.data, args.limit)
    with tempfile.TemporaryDirectory(prefix="newsbeam-eval-") as tmp:
        ours, our_seconds = run_newsbeam(cases, Path(tmp))
    bare, bare_seconds = run_bare(cases)
    mine, theirs = score(cases, ours), score(cases, bare)
    print(f"pages_fundus: {len(cases)} pages, {len({c['publisher'] for c in cases})} publishers")
    print(f"{'metric':<24}{'newsbeam':>12}{'bare trafilatura':>18}")
    for key in mine:
        fmt = (lambda v: f"{v:.3f}") if isinstance(mine[key], float) else str
        print(f"{key:<24}{fmt(mine[key]):>12}{fmt(theirs[key]):>18}")
    print(f"{'seconds (whole run)':<24}{our_seconds:>12.1f}{bare_seconds:>18.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
