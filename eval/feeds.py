"""Feed parsing on real and conformance feeds: what `newsbeam` makes of them, and where the line between
a teaser and a full article lies.

    .venv/bin/python eval/feeds.py [--data ../shared/data] [--snapshot FILE] [--compare FILE]

- feeds_conformance (187 feeds of feedparser's own suite, every encoding, ill-formed documents): each
  file's expectation (a Python expression over the parse result, as feedparser's harness evaluates it)
  against what `transforms.ingest.feeds.parse_feed` returns, with the simulated HTTP headers; crashes
  counted apart. `--snapshot` saves the entries newsbeam takes from each feed (id, HTML, metadata),
  `--compare` reports every feed whose entries differ from a saved snapshot: how a change is measured.
- feeds_real (17 captured feeds with their expected parse): items, titles and links found, and the
  words of each entry's fullest HTML, split by whether the feed carries content (`content:encoded`,
  Atom `content`) or only a summary, with the expected text's own length beside it: the figures the
  full-article threshold (transforms/ingest/fetch.FULL_TEXT_WORDS) is chosen from.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def default_data() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def headers_of(item: dict) -> dict:
    pairs = (line.split(":", 1) for line in item.get("headers") or [])
    return {name.strip().lower(): value.strip() for name, value in pairs}


def conformance(folder: Path) -> dict:
    import feedparser

    from transforms.ingest.feeds import entries_from_feed, parse_feed
    from transforms.stage import Rejected

    index = json.loads((folder / "index.json").read_text())
    passed, failed, skipped, crashed, snapshot = [], [], [], [], {}
    for item in index:
        data = (folder / item["file"]).read_bytes()
        headers = headers_of(item)
        try:
            try:
                result = parse_feed(data, item["file"], headers)
            except Rejected:
                result = feedparser.parse(data, response_headers=headers)   # what the suite expects of it
            try:
                entries = [[i, html, meta] for i, html, meta in entries_from_feed(data, item["file"], headers)]
            except Rejected as why:
                entries = f"rejected: {why.reason}"
        except Exception as error:  # noqa: BLE001 - a crash is a finding, not the end of the eval
            crashed.append(f"{item['file']}: {type(error).__name__}: {error}")
            continue
        snapshot[item["file"]] = entries
        try:
            if item.get("skipunless"):
                eval(item["skipunless"])  # noqa: S307 - the suite's own guard (an optional module)
        except Exception:  # noqa: BLE001 - parsed and snapshotted, but its expectation needs that module
            skipped.append(item["file"])
            continue
        if "expect" not in item:
            passed.append(item["file"])          # no expectation: parsing without a crash is the test
            continue
        env = dict(result)
        try:
            ok = bool(eval(item["expect"], {"feedparser": feedparser, **globals()}, env))  # noqa: S307
        except Exception:  # noqa: BLE001 - an expectation over a key the parse lacks
            ok = False
        (passed if ok else failed).append(item["file"])
    return {"total": len(index), "passed": passed, "failed": failed, "skipped": skipped, "crashed": crashed,
            "snapshot": snapshot}


def words(html: str) -> int:
    from transforms.text.extract import html_to_text
    return len(html_to_text(html or "").split())


def real_feeds(folder: Path) -> list[dict]:
    from transforms.ingest.feeds import entry_html, parse_feed
    from transforms.ingest.feeds import looks_truncated

    rows = []
    for path in sorted((folder / "input").iterdir()):
        raw = (folder / "expected_output" / f"{path.stem}.json").read_bytes()
        try:
            expected = json.loads(raw.decode("utf-8"))["feed"]
        except UnicodeDecodeError:   # one expectation file was saved in ISO-8859-1
            expected = json.loads(raw.decode("latin-1"))["feed"]
        parsed = parse_feed(path.read_bytes(), path.name)
        items = expected.get("items", [])
        has_content = [bool(e.get("content")) for e in parsed.entries]
        lengths = [words(entry_html(e)) for e in parsed.entries]
        truncated = [looks_truncated(entry_html(e)) for e in parsed.entries]
        expected_lengths = [words(i.get("content:encoded") or i.get("content") or "") for i in items]
        rows.append({
            "feed": path.name, "items": len(parsed.entries), "expected": len(items),
            "titles": sum(a.get("title", "").strip() == (b.get("title") or "").strip()
                          for a, b in zip(parsed.entries, items)),
            "links": sum((a.get("link") or "") == (b.get("link") or "") for a, b in zip(parsed.entries, items)),
            "with_content": sum(has_content), "words": lengths, "truncated": truncated, "expected_words": expected_lengths,
            "content_words": [n for n, c in zip(lengths, has_content) if c],
            "summary_words": [n for n, c in zip(lengths, has_content) if not c]})
    return rows


# Which feeds carry whole articles, judged by reading them (the figures below test a rule against this):
# full posts in content:encoded / Atom content / a long description, against teasers cut short
# ("Continue reading...", "[...]"), listings and link posts. atom-customfields holds a video's whole
# show notes: nothing fuller is behind its link. The Reddit feeds are left out: a self-post's text is the
# whole post and a link post has none, whatever the rule.
FULL_FEEDS = {"content-encoded.rss", "feedburner.atom", "customfields.rss", "many-links.rss", "atom-customfields.atom"}
UNJUDGED = {"reddit.rss", "reddit-atom.rss", "reddit-home.rss"}


def sweep(rows: list[dict], thresholds=(40, 50, 60, 70, 80, 100, 120, 150, 200)) -> list[str]:
    """Precision / recall of "taken from the feed" against FULL_FEEDS, by threshold, with and without
    the truncation-marker rule."""
    lines = [f"  ({sum(r['items'] for r in rows if r['feed'] not in UNJUDGED)} entries; not judged: "
             f"{', '.join(sorted(UNJUDGED))})"]
    for marker in (False, True):
        for threshold in thresholds:
            tp = fp = fn = 0
            for r in (r for r in rows if r["feed"] not in UNJUDGED):
                full = r["feed"] in FULL_FEEDS
                for n, cut in zip(r["words"], r["truncated"]):
                    taken = n >= threshold and not (marker and cut)
                    tp += taken and full
                    fp += taken and not full
                    fn += full and not taken
            lines.append(f"  {threshold:>4} words{' + not truncated' if marker else '':17}: precision "
                         f"{tp / max(tp + fp, 1):.3f} recall {tp / max(tp + fn, 1):.3f} "
                         f"(teasers taken as articles {fp}, articles fetched anyway {fn})")
    return lines


def describe(values: list[int]) -> str:
    if not values:
        return "-"
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"n={len(values)} min {min(values)} q1 {q[0]:.0f} median {q[1]:.0f} q3 {q[2]:.0f} max {max(values)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--snapshot", type=Path, help="save the entries taken from each conformance feed")
    parser.add_argument("--compare", type=Path, help="report the feeds whose entries differ from a snapshot")
    args = parser.parse_args()
    if not (args.data / "feeds_conformance").is_dir():
        print(f"skipped: no feeds data under {args.data}")
        return 0

    found = conformance(args.data / "feeds_conformance")
    print(f"conformance: {len(found['passed'])} of {found['total'] - len(found['skipped'])} as expected "
          f"({len(found['skipped'])} skipped: an optional module absent), {len(found['crashed'])} crashed")
    for line in found["crashed"]:
        print("  crashed:", line)
    print("  not as expected:", ", ".join(Path(f).name for f in found["failed"]) or "none")
    snapshot = json.loads(json.dumps(found["snapshot"], default=str))
    if args.snapshot:
        args.snapshot.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = sorted(f for f in set(before) | set(snapshot) if before.get(f) != snapshot.get(f))
        print(f"  entries changed from {args.compare.name}: {len(changed)} of {len(snapshot)} feeds")
        for name in changed:
            print(f"    {name}: before {json.dumps(before.get(name), ensure_ascii=False)[:300]}")
            print(f"    {' ' * len(name)}  now    {json.dumps(snapshot.get(name), ensure_ascii=False)[:300]}")

    from transforms.ingest.feeds import entry_html, parse_feed
    from transforms.ingest.feeds import FULL_TEXT_WORDS, is_full_article
    rows = real_feeds(args.data / "feeds_real")
    print(f"\nreal feeds: {sum(r['items'] for r in rows)} items of {sum(r['expected'] for r in rows)} expected, "
          f"titles {sum(r['titles'] for r in rows)}, links {sum(r['links'] for r in rows)}")
    print(f"{'feed':22} {'items':>5} {'content':>7}  words of each entry's fullest HTML")
    for r in rows:
        print(f"{r['feed']:22} {r['items']:>5} {r['with_content']:>7}  {describe(r['words'])}")
    content = [n for r in rows for n in r["content_words"]]
    summary = [n for r in rows for n in r["summary_words"]]
    print(f"entries with content: {describe(content)}")
    print(f"entries with a summary only: {describe(summary)}")
    histogram = Counter(min(n // 50 * 50, 1000) for r in rows for n in r["words"])
    print("words (bins of 50, 1000 = 1000+):", dict(sorted(histogram.items())))
    print("full article (the feeds in FULL_FEEDS) vs teaser, by rule:")
    print("\n".join(sweep(rows)))
    full = [(r["feed"], sum(is_full_article(entry_html(e)) for e in
                            parse_feed((args.data / "feeds_real" / "input" / r["feed"]).read_bytes()).entries))
            for r in rows]
    print(f"newsbeam's rule ({FULL_TEXT_WORDS} words, not truncated): {sum(n for _, n in full)} entries of {sum(r['items'] for r in rows)} taken from the "
          f"feed without a fetch: {', '.join(f'{f} {n}' for f, n in full if n)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
