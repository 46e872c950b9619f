"""One story across languages: news documents and their professional translations (WMT21).

    .venv/bin/python eval/crosslingual.py [--data ../shared/data] [--seed 7]

The set is ../shared/data/parallel_news_wmt21: 107 Russian news originals with their English
translation, 74 French originals with German, 61 German with French (the TED-talk test suites in the
ru-en file are not news and are left out): 484 documents, 242 translation pairs. All documents are
published at random times within one day, so every pair is inside the story window, and each gets the
language and entities the pipeline's own code gives it (eval/tagged.py), then goes through
LabelSyndication + ClusterStories on FnApiRunner.

Figures: pair recall (a document and its translation share `story_id`), translation pairs that share
`cluster_id` (must be 0: translations are not copies), and false links: pairs of documents that share
`story_id` but are neither translations of each other nor judged one story in
eval/crosslingual_stories.txt (the documents of the same weeks are mostly other stories, but some
report one event: 26 July's Navy Day parade has ten). Split by same / different language. Beside it
the plain baseline: Jaccard of the sets of transliterated capitalised words and numbers ≥ t, pair by
pair and grouped into components the way story_id groups are, at several t.

Also the French and English rail-strike reports of docs/corpus/ (the pipeline's own stages from the
files: read, extract, language, tag, dedup, stories).

Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from collections import Counter
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.stories import default_data  # noqa: E402

FILES = ("newstest2021.ru-en.all.xml", "newstest2021.fr-de.all.xml", "newstest2021.de-fr.all.xml")
DAY = dt.datetime(2020, 7, 27, tzinfo=dt.timezone.utc)
JUDGED = Path(__file__).with_name("crosslingual_stories.txt")


def _document(element) -> tuple[str, str]:
    """(title, text) of a <src> or <ref>: the first segment is the headline, paragraphs keep breaks."""
    paragraphs = [" ".join((seg.text or "").strip() for seg in p.iter("seg")) for p in element.iter("p")]
    paragraphs = [p for p in paragraphs if p]
    segments = [(seg.text or "").strip() for seg in element.iter("seg")]
    title = segments[0] if segments else ""
    first = paragraphs[0][len(title):].strip() if paragraphs else ""
    body = [first] + paragraphs[1:] if first else paragraphs[1:]
    return title, "\n\n".join(body)


def load_pairs(data: Path, seed: int = 7) -> tuple[list[dict], list[tuple[str, str]]]:
    """(articles, translation pairs of article ids)."""
    rng = random.Random(seed)
    articles, pairs = [], []
    for name in FILES:
        for doc in ET.parse(data / "parallel_news_wmt21" / name).getroot().iter("doc"):
            if doc.get("testsuite"):
                continue
            src = doc.find("src")
            ref = next((r for r in doc.findall("ref") if r.get("translator") == "A"), doc.find("ref"))
            ids = []
            for element in (src, ref):
                title, text = _document(element)
                aid = f"{doc.get('id')}:{element.get('lang')}"
                when = DAY + dt.timedelta(minutes=rng.randrange(24 * 60))
                articles.append({"article_id": aid, "title": title, "text": text, "url": None,
                                 "published_at": when, "fetched_at": when, "source_language": element.get("lang")})
                ids.append(aid)
            pairs.append(tuple(sorted(ids)))
    return articles, pairs


CAPITALISED = re.compile(r"\b[^\W\d_][\w'’-]*|\d+(?:[.,]\d+)*", re.UNICODE)


def baseline_items(article) -> set[str]:
    """Transliterated capitalised words and numbers of title and text, lower-cased."""
    from transforms.text.translit import to_latin
    text = f"{article['title']}\n{article['text']}"
    return {(to_latin(w) or "").lower() for w in CAPITALISED.findall(text) if w[0].isupper() or w[0].isdigit()}


def baseline_links(articles, threshold: float) -> set[tuple[str, str]]:
    items = {a["article_id"]: baseline_items(a) for a in articles}
    links = set()
    for a, b in combinations(sorted(items), 2):
        union = len(items[a] | items[b])
        if union and len(items[a] & items[b]) / union >= threshold:
            links.add((a, b))
    return links


def story_pairs(labels: dict, index: int = 1) -> set[tuple[str, str]]:
    groups: dict = {}
    for aid, value in labels.items():
        groups.setdefault(value[index], []).append(aid)
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(members, 2)}


def grouped(articles, links) -> set[tuple[str, str]]:
    """Pairs of the connected components of `links` (what sharing a story_id would mean)."""
    from eval.dedup import UnionFind
    uf = UnionFind()
    for a, b in links:
        uf.union(a, b)
    return story_pairs({a["article_id"]: (None, uf.find(a["article_id"])) for a in articles})


def judged_stories(path: Path = JUDGED) -> set[tuple[str, str]]:
    """Pairs of documents (ids without language) that eval/crosslingual_stories.txt puts in one story."""
    pairs = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pairs.update(tuple(sorted(p)) for p in combinations(line.split(), 2))
    return pairs


def report(name: str, linked: set, pairs: list, languages: dict, judged: set, copies: set | None = None) -> None:
    true = set(pairs)
    found = len(linked & true)
    by_set = {}
    for pair in true:
        found_in, total = by_set.get(_subset(pair), (0, 0))
        by_set[_subset(pair)] = (found_in + (pair in linked), total + 1)
    false = linked - true
    unjudged = {(a, b) for a, b in false if tuple(sorted((_doc(a), _doc(b)))) not in judged and _doc(a) != _doc(b)}
    cross = sum(1 for a, b in unjudged if languages[a] != languages[b])
    print(f"{name}\n  pair recall {found / len(true):.3f} ({found}/{len(true)}: "
          + ", ".join(f"{k} {f / n:.3f}" for k, (f, n) in sorted(by_set.items())) + f"); other pairs linked {len(false)}, "
          f"of which one story by eval/crosslingual_stories.txt {len(false) - len(unjudged)}; "
          f"false links {len(unjudged)} ({len(unjudged) - cross} same language, {cross} across)"
          + (f"; translation pairs sharing cluster_id {len(copies & true)}" if copies is not None else ""))


def _subset(pair) -> str:
    """Which file a translation pair comes from, by its two languages and the original's."""
    langs = sorted(aid.rsplit(":", 1)[1] for aid in pair)
    return "ru-en" if langs == ["en", "ru"] else "fr/de"


def _doc(article_id: str) -> str:
    return article_id.rsplit(":", 1)[0]


def rail_strike() -> None:
    """The docs/corpus run through the command: languages, clusters and stories of each report."""
    import subprocess
    import tempfile

    import duckdb
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--input", str(ROOT / "docs" / "corpus"),
                        "--output", tmp, "--progress", "off"], check=True, capture_output=True, cwd=ROOT)
        rows = duckdb.sql(f"SELECT source, language, cluster_id, story_id FROM read_parquet('{tmp}/articles/**/*.parquet', "
                          "hive_partitioning = true) ORDER BY source").fetchall()
    print("\ndocs/corpus (newsbeam run): source, language, cluster, story")
    names = {}
    for source, language, cluster, story in rows:
        label = lambda v: names.setdefault(v, f"#{len(names) + 1}")
        print(f"  {source:<28} {language}  cluster {label(cluster):<4} story {label(story)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default="0.08,0.1,0.12,0.15,0.2")
    parser.add_argument("--cross-thresholds", default="",
                        help="also run ClusterStories at these cross-lingual thresholds (how the default was chosen)")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "parallel_news_wmt21" / FILES[0]).exists():
        print(f"eval/crosslingual.py: no evaluation data under {data}; skipped")
        return 0
    from eval.dedup import run_newsbeam
    from eval.tagged import tag_articles
    articles, pairs = load_pairs(data, args.seed)
    tag_articles(articles)
    languages = {a["article_id"]: a["language"] for a in articles}
    judged = judged_stories()
    print(f"set: {len(articles)} documents, {len(pairs)} translation pairs, {len(judged)} other pairs of documents "
          "judged one story; detected languages " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(languages.values()).items())))
    rows = [{k: v for k, v in a.items() if k != "source_language"} for a in articles]
    labels = run_newsbeam(rows)
    report("newsbeam LabelSyndication+ClusterStories (story_id)", story_pairs(labels), pairs, languages, judged,
           story_pairs(labels, 0))
    for t in (float(x) for x in args.cross_thresholds.split(",") if x):
        swept = run_newsbeam(rows, cross_threshold=t)
        report(f"newsbeam, cross_threshold {t}", story_pairs(swept), pairs, languages, judged, story_pairs(swept, 0))
    for t in (float(x) for x in args.baseline.split(",") if x):
        links = baseline_links(articles, t)
        report(f"baseline: Jaccard of transliterated capitalised words and numbers >= {t}, pair by pair",
               links, pairs, languages, judged)
        report(f"baseline >= {t}, grouped (connected components, as story_id groups)",
               grouped(articles, links), pairs, languages, judged)
    rail_strike()
    return 0


if __name__ == "__main__":
    sys.exit(main())
