"""Syndication and story quality on real article texts: copies with realistic edits, hard negatives.

    /work/main/.venv/bin/python eval/dedup.py [--data ../shared/data] [--articles 10000] [--seed 7]

Base texts are real articles nobody here wrote: the FNC-1 training bodies (evaluation only) and the
fundus test pages' expected bodies. Base texts that are themselves near copies of each other are
dropped (one of each pair), so the ground truth is clean. Each base gets copies with the edits wire
copies show: truncation (to 40-60% and to ≥60% of the words), an added byline and/or footer, a new
headline, light rewording, a dropped or reordered paragraph. Bases of one story that share a quarter
of the shorter text (FNC bodies that reprint part of a wire story) keep only one: they are neither
clean copies nor clean negatives. Hard negatives come free: FNC bodies that
are related to one headline are different articles about the same story (same story_id, never the
same cluster_id). Figures are pairwise precision / recall / F1; copy recall is split by the fraction of
the original the copy kept. The same set goes through newsbeam's LabelSyndication + ClusterStories
(the Beam transforms, FnApiRunner) and through plain datasketch MinHashLSH (128 permutations, word
5-grams, threshold 0.5). Time and peak memory are scaled to 10,000 articles.

Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import random
import re
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BYLINES = ["By {name}, Associated Press", "By {name} | Reuters", "{name}, Staff Writer", "By {name} for AFP",
           "From our correspondent {name}"]
NAMES = ["Maria Lopez", "John Carter", "Aisha Khan", "Peter Novak", "Li Wei", "Sarah O'Neil"]
FOOTERS = ["Copyright 2024 The Associated Press. All rights reserved. This material may not be published, "
           "broadcast, rewritten or redistributed.",
           "Follow us on Twitter and Facebook for the latest news. Sign up to our daily newsletter.",
           "This article originally appeared on the wire and has been edited for length and style.",
           "Additional reporting by agencies. Contact our newsroom with tips at news@example.org."]
SWAPS = {"said": "stated", "says": "states", "told": "informed", "however": "but", "also": "additionally",
         "about": "around", "because": "as", "people": "individuals", "big": "large", "show": "indicate",
         "government": "authorities", "officials": "authorities", "according": "as reported", "after": "following"}


# --------------------------------------------------------------------------- data


def fnc_bodies(data: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """body id → text, and headline → related body ids (one story each)."""
    folder = data / "stance_fnc1_train"
    with open(folder / "train_bodies.csv", encoding="utf-8") as f:
        bodies = {f"fnc{r['Body ID']}": r["articleBody"] for r in csv.DictReader(f)}
    related: dict[str, set[str]] = {}
    with open(folder / "train_stances.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["Stance"] != "unrelated":
                related.setdefault(r["Headline"], set()).add(f"fnc{r['Body ID']}")
    return bodies, related


def fundus_bodies(data: Path) -> dict[str, tuple[str, str]]:
    out = {}
    for path in sorted((data / "pages_fundus" / "test_data").glob("*/*.json")):
        try:
            for version, page in json.loads(path.read_text(encoding="utf-8")).items():
                body = page.get("body") or {}
                paragraphs = list(body.get("summary") or [])
                for section in body.get("sections") or []:
                    paragraphs.extend(section.get("paragraphs") or [])
                text = "\n\n".join(p.strip() for p in paragraphs if p.strip())
                if text:
                    out[f"fundus:{path.parent.name}/{path.stem}/{version}"] = (page.get("title") or "", text)
        except (ValueError, AttributeError):
            continue
    return out


class UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def drop_near_copies(texts: dict[str, str]) -> dict[str, str]:
    """Keep one of every group of base texts that are already copies of each other (FNC holds some)."""
    from datasketch import MinHash, MinHashLSH

    from transforms.dedup.signatures import shingle_set, similarity
    lsh = MinHashLSH(threshold=0.2, num_perm=64)
    sets = {}
    for key, text in texts.items():
        sets[key] = shingle_set(text)
        m = MinHash(num_perm=64)
        m.update_batch([int(x).to_bytes(4, "little") for x in sets[key]])
        for other in lsh.query(m):
            j, c = similarity(sets[key], sets[other])
            if j >= 0.15 or c >= 0.3:
                break
        else:
            lsh.insert(key, m)
            continue
        del sets[key]
    return {k: texts[k] for k in sets}


def drop_overlapping_in_story(texts: dict[str, str], story_of) -> dict[str, str]:
    """Within one story, keep one of two bases that share a quarter of the shorter text (FNC bodies
    that reprint a wire story in part): they are neither clean copies nor clean negatives."""
    from transforms.dedup.signatures import shingle_set, similarity
    by_story: dict = {}
    for key in sorted(texts):
        by_story.setdefault(story_of(key), []).append(key)
    kept = {}
    for keys in by_story.values():
        chosen = []
        for key in keys:
            sk = shingle_set(texts[key])
            if all(max(similarity(sk, other)[0] / 0.1, similarity(sk, other)[1] / 0.25) < 1 for _, other in chosen):
                chosen.append((key, sk))
        kept.update({k: texts[k] for k, _ in chosen})
    return kept


def dealt_headlines(bases: list[str], related: dict[str, set[str]], story_of) -> dict[str, str]:
    """Base → a headline of its story, each of the story's headlines used once before any repeats
    (a base only gets a headline it is related to while one is left)."""
    headlines: dict = {}
    for headline, ids in sorted(related.items()):
        for i in ids:
            headlines.setdefault(story_of(i), {}).setdefault(headline, set()).add(i)
    used: dict = {}
    out = {}
    for base in bases:
        story = story_of(base)
        if story not in headlines:
            continue
        counts = used.setdefault(story, {h: 0 for h in headlines[story]})
        out[base] = min(counts, key=lambda h: (counts[h], base not in headlines[story][h], h))
        counts[out[base]] += 1
    return out


def paragraphs_of(text: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    return paras


def truncate(paras: list[str], fraction: float) -> list[str]:
    """The first `fraction` of the words, cut at a sentence end where there is one."""
    words = sum(len(p.split()) for p in paras)
    budget = max(1, round(words * fraction))
    out = []
    for p in paras:
        n = len(p.split())
        if n <= budget:
            out.append(p)
            budget -= n
            continue
        if budget > 0:
            out.append(" ".join(p.split()[:budget]))
        break
    return out


def reword(paras: list[str], rng: random.Random, rate: float = 0.04) -> list[str]:
    out = []
    for p in paras:
        words = p.split()
        for i, w in enumerate(words):
            lw = w.lower().strip(".,")
            if lw in SWAPS and rng.random() < 0.7:
                words[i] = SWAPS[lw]
            elif rng.random() < rate:
                words[i] = "" if rng.random() < 0.5 else w.upper() if rng.random() < 0.5 else w + ","
        out.append(" ".join(w for w in words if w))
    return out


def make_copy(title: str, text: str, kind: str, rng: random.Random) -> tuple[str, str, float]:
    """(title, text, kept fraction of the original's words) for one edit kind."""
    paras = paragraphs_of(text)
    total = sum(len(p.split()) for p in paras)
    if kind == "trim_short":
        paras = truncate(paras, rng.uniform(0.40, 0.60))
    elif kind == "trim_long":
        paras = truncate(paras, rng.uniform(0.62, 0.92))
    elif kind == "drop_para" and len(paras) > 3:
        paras.pop(rng.randrange(1, len(paras)))
    elif kind == "reorder" and len(paras) > 2:
        i = rng.randrange(0, len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    elif kind == "reword":
        paras = reword(paras, rng)
    kept = min(1.0, sum(len(p.split()) for p in paras) / max(1, total))
    if rng.random() < 0.7:
        paras.insert(0, rng.choice(BYLINES).format(name=rng.choice(NAMES)))
    if rng.random() < 0.7:
        paras.append(rng.choice(FOOTERS))
    if rng.random() < 0.3:
        paras = reword(paras, rng, rate=0.01)
    new_title = title if rng.random() < 0.5 else f"{rng.choice(['Breaking', 'Report', 'Update', 'World'])}: " + title
    return new_title, "\n\n".join(paras), kept


KINDS = ["trim_short", "trim_long", "drop_para", "reorder", "reword", "exact"]


def build_set(data: Path, target: int, seed: int, span_days: int = 60, story_days: int = 1,
              own_headlines: bool = False):
    """(articles, truth) — each article: id, title, text, published_at, url; truth: id → (base, story, kept).

    Stories start on a day within `span_days`; each base text of a story is published within
    `story_days` of its start (drawn from a second generator, so the default set stays the same).
    An FNC body's title is the first headline it is related to, which gives most bodies of a story
    the same headline; `own_headlines` deals the story's headlines out over its bodies instead, the
    way different outlets title one story differently."""
    rng = random.Random(seed)
    spread = random.Random(seed + 1)
    bodies, related = fnc_bodies(data)
    stories = UnionFind()
    for ids in related.values():
        ids = sorted(ids)
        for other in ids[1:]:
            stories.union(ids[0], other)
    headline_of = {}
    for headline, ids in related.items():
        for i in ids:
            headline_of.setdefault(i, headline)
    texts = {k: v for k, v in bodies.items() if len(v.split()) >= 80}
    fundus = {k: t for k, (_, t) in fundus_bodies(data).items() if len(t.split()) >= 80}
    titles = {k: tt for k, (tt, _) in fundus_bodies(data).items()}
    texts.update(fundus)
    texts = drop_overlapping_in_story(drop_near_copies(texts), stories.find)
    bases = sorted(texts)
    if own_headlines:
        headline_of = dealt_headlines(bases, related, stories.find)
    copies_per_base = max(1, round(target / len(bases)) - 1)
    story_day = {}
    articles, truth = [], {}
    start = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    for base in bases:
        story = stories.find(base)
        day = story_day.setdefault(story, rng.randrange(0, span_days))
        day += spread.randrange(0, story_days) if story_days > 1 else 0
        title = titles.get(base) or headline_of.get(base) or " ".join(texts[base].split()[:10])
        when = start + dt.timedelta(days=day, hours=rng.randrange(0, 24), minutes=rng.randrange(60))
        variants = [("original", title, texts[base], 1.0)]
        for n in range(copies_per_base):
            kind = KINDS[rng.randrange(len(KINDS))]
            if kind == "exact":
                variants.append((kind, title, texts[base], 1.0))
            else:
                variants.append((kind, *make_copy(title, texts[base], kind, rng)))
        for n, (kind, t, body, kept) in enumerate(variants):
            aid = f"{base}#{n}"
            articles.append({"article_id": aid, "title": t, "text": body, "url": None,
                             "published_at": when + dt.timedelta(hours=2 * n + rng.random()),
                             "fetched_at": when + dt.timedelta(days=1)})
            truth[aid] = (base, story, kept, kind)
    return articles, truth


# --------------------------------------------------------------------------- systems


def run_newsbeam(articles, ahead: bool = False, **story_options):
    """article_id → (cluster_id, story_id) from LabelSyndication + ClusterStories(**story_options).
    `ahead`: the rows carry their fingerprints and story features made beforehand, as `newsbeam run`
    makes them where it tags (transforms/dedup/ahead.py); the labels must not change."""
    import tempfile

    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from schemas.article import new_article
    from transforms.dedup.stories import ClusterStories
    from transforms.dedup.syndication import LabelSyndication
    from transforms.spill import Spill
    from transforms.text.identity import content_hash
    rows = [new_article(**a, content_hash=content_hash(a["text"])) for a in articles]
    if ahead:
        from transforms.dedup.ahead import make_ahead
        rows = [make_ahead(row) for row in rows]
    with tempfile.TemporaryDirectory() as tmp:
        spill = Spill(f"{tmp}/spill")  # as `newsbeam run` on the local runner keeps what waits at shuffles
        Path(spill.folder).mkdir()
        with beam.Pipeline(runner=FnApiRunner()) as p:
            labelled, _ = p | beam.Create(rows, reshuffle=False) | LabelSyndication(spill=spill)
            storied, _ = labelled | ClusterStories(**story_options, spill=spill)
            _ = (storied
                 | beam.Map(lambda a: json.dumps([a["article_id"], a["cluster_id"], a["story_id"]]))
                 | beam.io.WriteToText(f"{tmp}/labels"))
        out = [json.loads(line) for path in Path(tmp).glob("labels*") for line in path.open()]
    return {aid: (cluster, story) for aid, cluster, story in out}


def run_plain_lsh(articles):
    from datasketch import MinHash, MinHashLSH
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    hashes = {}
    for a in articles:
        tokens = re.findall(r"\w+", a["text"].lower())
        grams = {" ".join(tokens[i:i + 5]).encode("utf-8") for i in range(max(1, len(tokens) - 4))}
        m = MinHash(num_perm=128)
        m.update_batch(list(grams))
        hashes[a["article_id"]] = m
        lsh.insert(a["article_id"], m)
    uf = UnionFind()
    for aid, m in hashes.items():
        for other in lsh.query(m):
            uf.union(aid, other)
    return {aid: (uf.find(aid), None) for aid in hashes}


def _child(system, articles, queue):
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    labels = system(articles)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((labels, seconds, peak, start_rss))


def measure(system, articles):
    """(labels, seconds, peak resident MiB, MiB above the process's start) in a child process."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(system, articles, queue))
    child.start()
    labels, seconds, peak, start = queue.get()
    child.join()
    return labels, seconds, peak / 1024, (peak - start) / 1024


# --------------------------------------------------------------------------- scoring


def pairs_by(labels: dict, index: int) -> set[tuple[str, str]]:
    groups: dict = {}
    for aid, value in labels.items():
        if value[index] is not None:
            groups.setdefault(value[index], []).append(aid)
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(members, 2)}


def prf(predicted: set, true: set) -> tuple[float, float, float]:
    tp = len(predicted & true)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(true) if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(labels: dict, truth: dict) -> dict:
    by_base: dict = {}
    by_story: dict = {}
    for aid, (base, story, _, _) in truth.items():
        by_base.setdefault(base, []).append(aid)
        by_story.setdefault(story, []).append(aid)
    true_copy = {tuple(sorted(p)) for m in by_base.values() for p in combinations(m, 2)}
    true_story = {tuple(sorted(p)) for m in by_story.values() for p in combinations(m, 2)}
    predicted_copy = pairs_by(labels, 0)
    result = {"copies": prf(predicted_copy, true_copy)}
    for name, low, high in (("kept>=60%", 0.6, 1.01), ("kept 40-60%", 0.4, 0.6)):
        subset = {p for p in true_copy if low <= min(truth[p[0]][2], truth[p[1]][2]) < high}
        result[name] = (len(subset & predicted_copy) / len(subset) if subset else 1.0, len(subset))
    result["false merges, same story"] = sum(
        1 for a, b in predicted_copy - true_copy if truth[a][1] == truth[b][1])
    result["false merges, other story"] = sum(
        1 for a, b in predicted_copy - true_copy if truth[a][1] != truth[b][1])
    if any(v[1] is not None for v in labels.values()):
        result["stories"] = prf(pairs_by(labels, 1), true_story)
        result["stories (different texts only)"] = prf(
            {p for p in pairs_by(labels, 1) if truth[p[0]][0] != truth[p[1]][0]},
            {p for p in true_story if truth[p[0]][0] != truth[p[1]][0]})
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(next((c for c in (ROOT.parent / "shared" / "data",
                                                                 ROOT.parent.parent / "shared" / "data")
                                                    if c.exists()), ROOT.parent / "shared" / "data")))
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "stance_fnc1_train" / "train_bodies.csv").exists():
        print(f"eval/dedup.py: no evaluation data under {data}; skipped")
        return 0
    articles, truth = build_set(data, args.articles, args.seed)
    bases = len({t[0] for t in truth.values()})
    stories = len({t[1] for t in truth.values()})
    print(f"set: {len(articles)} articles from {bases} base texts in {stories} stories (seed {args.seed})")
    per = 10_000 / len(articles)
    for name, system in (("newsbeam LabelSyndication+ClusterStories", run_newsbeam),
                         ("datasketch MinHashLSH 128 perm, 5-grams, t=0.5", run_plain_lsh)):
        labels, seconds, peak, grown = measure(system, articles)
        s = score(labels, truth)
        print(f"\n{name}")
        print("  copies   P {:.4f}  R {:.4f}  F1 {:.4f}".format(*s["copies"]))
        for key in ("kept>=60%", "kept 40-60%"):
            print(f"  recall {key:<12} {s[key][0]:.4f}  ({s[key][1]} pairs)")
        print(f"  false copy merges: {s['false merges, same story']} within a story, "
              f"{s['false merges, other story']} across stories")
        if "stories" in s:
            print("  stories  P {:.4f}  R {:.4f}  F1 {:.4f}".format(*s["stories"]))
            print("  stories, pairs of different texts only  P {:.4f}  R {:.4f}  F1 {:.4f}".format(
                *s["stories (different texts only)"]))
        print(f"  time {seconds * per:.1f} s per 10,000 articles; peak RSS {peak:.0f} MiB "
              f"(+{grown:.0f} MiB over the process start)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
