"""A benchmark corpus of N news pages as gzipped JSON Lines shards (`id`, `url`, `outlet`, `published`, `html`).

Real pages from ../shared/data/pages_fundus when present, else generated pages. The real pages are
few (258), so most records are made distinct by shuffling the words inside every <p> of a page (the
language, the page structure and the boilerplate around the body stay real, which is what extraction
and language detection cost on), and a share are copies of an earlier record so that dedup has work:

    75%  original    a page with its paragraphs' words shuffled (the first use of a page: unchanged)
    10%  exact copy  the same HTML under another outlet and URL (wire syndication)
    10%  near copy   one paragraph dropped, a byline paragraph added, a few words changed
     5%  truncated   the first 40-70% of the paragraphs only

Deterministic for a given size and seed. Usage:
    python bench/corpus.py --size 1000 --out /tmp/corpus-1000 [--shards K] [--seed 7]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import re
import sys
import tempfile
import zlib
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/data beside the main checkout (/work/main), or two levels up from a worktree (/work/wt/NAME)
FUNDUS_CANDIDATES = [os.path.join(ROOT, *[".."] * up, "shared", "data", "pages_fundus") for up in (1, 2)]
PARAGRAPH_RE = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.S | re.I)
TAG_RE = re.compile(r"(<[^>]+>)")
MIN_PARAGRAPHS = 4
START = dt.datetime(2025, 3, 1, 6, 0, tzinfo=dt.timezone.utc)
DAYS = 7
SYNDICATORS = ["wire-mirror.example", "regional-daily.example", "aggregator.example", "newsdesk.example"]


# --------------------------------------------------------------------------- source pages


def fundus_dir(path: str | None = None) -> str | None:
    candidates = [path] if path else [os.environ["NEWSBEAM_FUNDUS"]] if os.environ.get("NEWSBEAM_FUNDUS") else FUNDUS_CANDIDATES
    return next((os.path.normpath(c) for c in candidates if os.path.isfile(os.path.join(c, "index.json"))), None)


def real_pages(folder: str) -> list[dict]:
    """[{html, url, outlet}] for the fundus pages with enough <p> paragraphs to vary."""
    with open(os.path.join(folder, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    pages = []
    for entry in index:
        path = os.path.join(folder, "test_data", entry["country"], entry["html_file"])
        try:
            with gzip.open(path, "rb") as f:
                html = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if len(PARAGRAPH_RE.findall(html)) < MIN_PARAGRAPHS:
            continue
        host = urlsplit(entry["url"]).hostname or entry["publisher"].lower()
        pages.append({"html": html, "url": entry["url"], "outlet": host.removeprefix("www.")})
    return pages


WORDS = ("the government said on monday that the new plan would raise spending on schools and hospitals "
         "while opposition leaders warned it could push inflation higher before the election next year "
         "officials in the capital met with union representatives to discuss wages pensions and working "
         "hours as the strike entered its third week and trains remained idle across the country").split()


def synthetic_pages(count: int = 40, seed: int = 1) -> list[dict]:
    """English-like pages with a real page's shape (navigation, article, footer) for when no data is present."""
    rng = random.Random(seed)
    pages = []
    for i in range(count):
        paragraphs = "".join(f"<p>{' '.join(rng.choices(WORDS, k=rng.randint(25, 60))).capitalize()}.</p>"
                             for _ in range(rng.randint(6, 14)))
        title = " ".join(rng.choices(WORDS, k=8)).capitalize()
        html = (f"<!doctype html><html><head><title>{title} | Synthetic News</title></head><body>"
                f"<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
                f"<article><h1>{title}</h1><p class='byline'>By Staff Reporter</p>{paragraphs}</article>"
                f"<footer><p>Copyright Synthetic News. All rights reserved.</p></footer></body></html>")
        pages.append({"html": html, "url": f"https://synthetic{i % 8}.example/news/{i}", "outlet": f"synthetic{i % 8}.example"})
    return pages


# --------------------------------------------------------------------------- variations


def _shuffle_words(html: str, rng: random.Random) -> str:
    """Every <p>'s words shuffled among themselves; tags inside the paragraph stay where they are."""
    def paragraph(match):
        parts = TAG_RE.split(match.group(2))
        texts = [i for i, part in enumerate(parts) if not part.startswith("<")]
        words = [w for i in texts for w in parts[i].split()]
        rng.shuffle(words)
        start = 0
        for i in texts:
            n = len(parts[i].split())
            parts[i] = (" " + " ".join(words[start:start + n]) + " ") if n else parts[i]
            start += n
        return match.group(1) + "".join(parts) + match.group(3)
    return PARAGRAPH_RE.sub(paragraph, html)


def _near_copy(html: str, rng: random.Random) -> str:
    """A syndicated copy as partners edit it: one paragraph dropped, a few words changed, a byline."""
    matches = list(PARAGRAPH_RE.finditer(html))
    drop = rng.randrange(1, len(matches)) if len(matches) > 2 else None
    out, last = [], 0
    for i, m in enumerate(matches):
        out.append(html[last:m.start()])
        body = m.group(2)
        if i == drop:
            body = ""
        elif rng.random() < 0.2:
            words = body.split(" ")
            if len(words) > 3:
                words[rng.randrange(len(words))] = rng.choice(("reportedly", "also", "now", "officially"))
            body = " ".join(words)
        out.append(m.group(1) + body + m.group(3))
        last = m.end()
    out.append(html[last:])
    text = "".join(out)
    if matches:
        at = text.rfind("</p>") + 4  # the agency line goes after the last paragraph
        text = text[:at] + "<p>Distributed by a partner news agency.</p>" + text[at:]
    return text


def _truncated(html: str, rng: random.Random) -> str:
    """Only the first 40-70% of the paragraphs (an excerpt republished with a 'read more' link)."""
    matches = list(PARAGRAPH_RE.finditer(html))
    keep = max(2, int(len(matches) * rng.uniform(0.4, 0.7)))
    if keep >= len(matches):
        return html
    out, last = [], 0
    for m in matches[keep:]:
        out.append(html[last:m.start()])
        last = m.end()
    out.append(html[last:])
    return "".join(out)


def records(size: int, pages: list[dict], seed: int = 7):
    """`size` records; copies point at an earlier original (their `copy_of` is for analysis only)."""
    rng = random.Random(seed)
    originals: list[dict] = []
    used = set()
    # each original's html waits compressed in a temporary file: 150,000 originals of ~300 KB
    # (200,000 records) would not fit in memory even compressed
    store = tempfile.TemporaryFile()
    for n in range(size):
        roll = rng.random()
        when = START + dt.timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        if originals and roll >= 0.75:
            base = rng.choice(originals)
            offset, length = base["html"]
            base = {**base, "html": zlib.decompress(os.pread(store.fileno(), length, offset)).decode("utf-8")}
            outlet = rng.choice(SYNDICATORS)
            kind = "exact" if roll < 0.85 else "near" if roll < 0.95 else "truncated"
            html = (base["html"] if kind == "exact" else
                    _near_copy(base["html"], rng) if kind == "near" else _truncated(base["html"], rng))
            when = max(when, dt.datetime.fromisoformat(base["published"]) + dt.timedelta(minutes=rng.randint(5, 600)))
            record = {"id": f"bench-{n:07d}", "url": f"https://{outlet}/story/{n}", "outlet": outlet,
                      "published": when.isoformat(), "html": html, "kind": kind, "copy_of": base["id"]}
        else:
            page_index = n % len(pages) if n < len(pages) else rng.randrange(len(pages))
            page = pages[page_index]
            fresh = page_index not in used
            used.add(page_index)
            html = page["html"] if fresh else _shuffle_words(page["html"], rng)
            record = {"id": f"bench-{n:07d}", "url": page["url"] if fresh else f"https://{page['outlet']}/article/{n}",
                      "outlet": page["outlet"], "published": when.isoformat(), "html": html,
                      "kind": "original", "copy_of": None}
            blob = zlib.compress(html.encode("utf-8"), 1)
            store.seek(0, os.SEEK_END)
            originals.append({**record, "html": (store.tell(), len(blob))})
            store.write(blob)
            store.flush()
        yield record
    store.close()


def write_corpus(size: int, out: str, shards: int | None = None, seed: int = 7, data: str | None = None) -> dict:
    """Write `size` records into `out/part-XXXX.jsonl.gz` (round-robin) and return a description."""
    folder = fundus_dir(data)
    pages = real_pages(folder) if folder else synthetic_pages()
    source = f"pages_fundus ({len(pages)} pages)" if folder else "synthetic pages (no ../shared/data)"
    shards = shards or max(4, size // 1000)
    os.makedirs(out, exist_ok=True)
    # gzip level 1: pages are ~300 KB of HTML each, 50,000 of them would be 16 GB uncompressed
    files = [gzip.open(os.path.join(out, f"part-{i:04d}.jsonl.gz"), "wt", encoding="utf-8", compresslevel=1)
             for i in range(shards)]
    kinds: dict[str, int] = {}
    try:
        for n, record in enumerate(records(size, pages, seed)):
            kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
            files[n % shards].write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        for f in files:
            f.close()
    return {"size": size, "shards": shards, "source": source, "kinds": kinds, "path": out}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shards", type=int, default=None, help="JSONL files (default max(4, size/1000))")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default=None, help="pages_fundus folder (default ../shared/data/pages_fundus)")
    args = parser.parse_args(argv)
    print(json.dumps(write_corpus(args.size, args.out, args.shards, args.seed, args.data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
