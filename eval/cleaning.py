"""Text fidelity of cleaning: every word of a clean article kept, proven boilerplate removed.

    .venv/bin/python eval/cleaning.py [--data ../shared/data] [--outlets country|publisher] [--skip-language]

Built the way a user's corpus looks, from real text written by others:
- pages_fundus expected bodies (summary, section headings, paragraphs) of the 254 pages with a title
  and at least 4 paragraphs, as `.txt` (title line, blank line, paragraphs), with a manifest giving
  each its outlet: the pages of one country are one outlet (`--outlets country`, 1 to 86 articles
  an outlet), or each publisher is its own (`--outlets publisher`, mostly lone articles).
  * clean: the bodies as they are; nothing may be removed.
  * injected: the same bodies with what page copies carry, each outlet in its own style, by a
    seeded generator: captions with a credit, related headlines (titles of other articles of the
    outlet), pull quotes glued to a name and job title, footers (common phrases, and two lines of
    the outlet's own), title suffixes (the outlet's name after a separator, or a tail of its own).
- CoNLL-2003 eng.testa documents given as JSON Lines (a sentence a line, as the data has them):
  entity exact-span P/R/F1 over PER/ORG/LOC of the whole command (offsets mapped back to the
  document) beside bare en_core_web_sm on the full documents, and the share of gold mentions in
  lines cleaning removed.
- langid_sentences: language accuracy per language of detect_language beside bare seeded langdetect.

Every figure is beside the do-nothing anchor, the same command with `--clean none` (retention 1,
recall 0). Skips (exit 0) when the data is absent.
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.datasets import conll_documents, default_data_dir  # noqa: E402

WORD_RE = re.compile(r"\w+", re.UNICODE)
NO_NER = "en=none,fr=none,ru=none"
SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " • ")
OUTLET_NAMES = ("The Daily Courier", "Morning Herald", "Rundschau Online", "Le Quotidien", "El Diario del Sur",
                "Northern Echo Times", "Tageblatt Nord", "Il Corriere Locale", "Evening Dispatch", "Nordic Wire")
TAILS = (" – Breaking News", " | Latest Headlines", " :: Top Stories", " - Live and Local")
AGENCIES = ("Reuters", "AFP", "AP Photo", "Getty Images", "EPA", "dpa", "PA Images", "Shutterstock", "imago")
PEOPLE = ("Ludovic Marin", "Anna Kowalska", "John Smith", "Maria Rossi", "Kenji Sato", "Amara Okafor")
CAPTIONS = ("{who} Photo: {by} / {agency}", "{who} (Image: {agency})", "{who} Photograph: {by}/{agency}",
            "{who} Foto: {agency}", "{who} (Photo by {by}/{agency})", "{who} Picture: {agency}")
JOBS = ("Head of the", "Minister for", "Director at", "Professor of", "Chief Executive of", "Spokeswoman for",
        "Leader of", "Senior Fellow at", "Mayor of", "Secretary-General of", "Founder of", "Analyst at")
PHRASE_FOOTERS = ("Source link", "Read more", "Sign up for our newsletter", "Follow us on Twitter", "Advertisement",
                  "Share this article", "© 2024 {name}. All rights reserved.")
OWN_FOOTERS = ("{name} is an independent news site. Send us your tips.", "Download the {name} app",
               "Share on Facebook Share on X Share via email", "Comments are closed.",
               "Got a story? Contact the {name} newsdesk", "{name}: news you can trust since 1923")


# ---------------------------------------------------------------------------------------------- corpus

def fundus_articles(data: Path) -> list[dict]:
    index = json.loads((data / "index.json").read_text())
    articles = []
    for entry in index:
        truth = json.loads((data / "test_data" / entry["country"] / f"{entry['publisher']}.json").read_text())
        truth = truth.get(entry["parser_version"]) or {}
        body = truth.get("body") or {}
        parts = list(body.get("summary") or [])
        for section in body.get("sections") or []:
            parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
        parts = [" ".join(p.split()) for p in parts if p.strip()]
        title = " ".join((truth.get("title") or "").split())
        if title and len(parts) >= 4:
            articles.append({"country": entry["country"], "publisher": entry["publisher"], "title": title,
                             "paragraphs": parts})
    return articles


def assign_outlets(articles: list[dict], by: str) -> None:
    groups = sorted({a[by if by == "publisher" else "country"] for a in articles})
    for a in articles:
        group = groups.index(a["publisher" if by == "publisher" else "country"])
        name = f"{OUTLET_NAMES[group % len(OUTLET_NAMES)]}" + (f" {group // len(OUTLET_NAMES) + 1}"
                                                                if group >= len(OUTLET_NAMES) else "")
        a["outlet_name"] = name
        a["outlet"] = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def inject(articles: list[dict], seed: int = 13) -> None:
    """Each article gets `injected_paragraphs`, `injected_title` and `planted` [(kind, text)]."""
    rng = random.Random(seed)
    by_outlet = collections.defaultdict(list)
    for a in articles:
        by_outlet[a["outlet"]].append(a)
    style = {}
    for outlet, members in sorted(by_outlet.items()):
        name = members[0]["outlet_name"]
        own = [t.format(name=name) for t in rng.sample(OWN_FOOTERS, 2)]
        tail = rng.choice([rng.choice(SEPARATORS) + name, rng.choice(TAILS)])
        style[outlet] = (own, tail)
    for a in articles:
        paragraphs, planted = list(a["paragraphs"]), []
        own, tail = style[a["outlet"]]
        others = [o["title"] for o in by_outlet[a["outlet"]] if o is not a]

        def insert(kind, text, at=None):
            text = " ".join(text.split())
            at = rng.randint(1, len(paragraphs)) if at is None else at
            paragraphs.insert(at, text)
            planted.append((kind, text))

        if rng.random() < 0.5:
            who = " ".join(a["title"].split()[:rng.randint(2, 5)])
            insert("caption", rng.choice(CAPTIONS).format(who=who, by=rng.choice(PEOPLE), agency=rng.choice(AGENCIES)))
        for title in rng.sample(others, min(len(others), rng.randint(0, 2))):
            insert("related", title)
        sentences = [s for p in a["paragraphs"] for s in re.split(r"(?<=[.!?])\s+", p) if 8 <= len(s.split()) <= 30]
        if sentences and rng.random() < 0.4:
            quote = rng.choice(sentences).rstrip(".!?")
            insert("pull_quote", f"{quote} {rng.choice(PEOPLE)}{rng.choice(JOBS)} {rng.choice(OUTLET_NAMES)}")
        if rng.random() < 0.6:
            phrase = rng.choice(PHRASE_FOOTERS).format(name=a["outlet_name"])
            insert("footer", phrase, len(paragraphs))
        for line in own:
            if rng.random() < 0.7:
                insert("footer", line, len(paragraphs))
        a["injected_title"] = a["title"]
        if rng.random() < 0.6:
            a["injected_title"] = a["title"] + tail
            planted.append(("title_suffix", tail))
        a["injected_paragraphs"], a["planted"] = paragraphs, planted


def write_corpus(articles, folder: Path, injected: bool) -> None:
    folder.mkdir(parents=True)
    with open(folder / "manifest.jsonl", "w") as manifest:
        for i, a in enumerate(articles):
            name = f"{i:04d}.txt"
            title = a["injected_title"] if injected else a["title"]
            paragraphs = a["injected_paragraphs"] if injected else a["paragraphs"]
            (folder / name).write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
            manifest.write(json.dumps({"path": name, "outlet": a["outlet"], "published": "2024-05-01"}) + "\n")
            a["source"] = name


def run(inputs: Path, out: Path, clean: str, ner: str | None = NO_NER) -> dict[str, dict]:
    """The real command over `inputs` (without spaCy unless `ner` is None), rows read back by source."""
    newsbeam = Path(sys.executable).with_name("newsbeam")
    subprocess.run([str(newsbeam), "run", "--input", str(inputs), "--output", str(out), "--clean", clean,
                    "--progress", "off", *(["--ner_models", ner] if ner else [])],
                   check=True, cwd=ROOT, capture_output=True, text=True)
    import duckdb
    rel = duckdb.sql(f"SELECT source, title, text, removed, entities FROM "
                     f"read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)")
    return {r[0]: dict(zip(rel.columns, r)) for r in rel.fetchall()}


# ---------------------------------------------------------------------------------------------- scores

def words(text: str) -> collections.Counter:
    return collections.Counter(WORD_RE.findall((text or "").casefold()))


def retention(articles, rows) -> tuple[float, float, int]:
    """(share of body words kept, share of articles whose body or title changed, titles changed)."""
    kept = total = touched = titles = 0
    for a in articles:
        row = rows.get(a["source"]) or {"text": "", "title": ""}
        want = words("\n".join(a["paragraphs"]))
        kept += sum((want & words(row["text"])).values())
        total += sum(want.values())
        body_changed = " ".join(row["text"].split()) != " ".join(" ".join(a["paragraphs"]).split())
        title_changed = (row["title"] or "") != a["title"]
        touched += body_changed or title_changed
        titles += title_changed
    return kept / total, touched / len(articles), titles


def recall(articles, rows) -> dict[str, tuple[int, int]]:
    """{kind: (removed, planted)}: a planted paragraph is removed when no paragraph of the output
    text equals it; a planted suffix when the output title does not end with it."""
    found = collections.defaultdict(lambda: [0, 0])
    for a in articles:
        row = rows.get(a["source"]) or {"text": "", "title": ""}
        paragraphs = {p.strip() for p in row["text"].split("\n\n")}
        for kind, text in a["planted"]:
            found[kind][1] += 1
            if kind == "title_suffix":
                found[kind][0] += not (row["title"] or "").endswith(text.strip())
            else:
                found[kind][0] += text not in paragraphs
    return {k: tuple(v) for k, v in sorted(found.items())}


def eval_fundus(data: Path, outlets: str) -> None:
    articles = fundus_articles(data)
    assign_outlets(articles, outlets)
    inject(articles)
    sizes = collections.Counter(a["outlet"] for a in articles)
    print(f"pages_fundus: {len(articles)} articles, {len(sizes)} outlets by {outlets} "
          f"({sum(1 for n in sizes.values() if n < 3)} with fewer than 3 articles)")
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsbeam-cleaning-") as tmp:
        for injected in (False, True):
            folder = Path(tmp) / ("injected" if injected else "clean")
            write_corpus(articles, folder, injected)
            for clean in ("none", "rules", "corpus"):
                results[injected, clean] = run(folder, Path(tmp) / f"out-{injected}-{clean}", clean)
    modes = ("none", "rules", "corpus")
    print(f"\n{'':34}" + "".join(f"{'--clean ' + m:>18}" for m in modes))
    for label, injected, index in (("clean: word retention", False, 0), ("clean: articles touched", False, 1),
                                   ("clean: titles changed", False, 2), ("injected: body word retention", True, 0)):
        cells = [retention(articles, results[injected, m])[index] for m in modes]
        print(f"{label:<34}" + "".join(f"{v:>18.4f}" if isinstance(v, float) else f"{v:>18d}" for v in cells))
    false = [sum(1 for a in articles for r in (results[True, m].get(a["source"]) or {}).get("removed") or []
                 if r["text"].strip() not in {t.strip() for _, t in a["planted"]}) for m in modes]
    print(f"{'injected: removals not planted':<34}" + "".join(f"{v:>18d}" for v in false))
    per_mode = {m: recall(articles, results[True, m]) for m in modes}
    for kind in per_mode["corpus"]:
        cells = [per_mode[m][kind] for m in modes]
        print(f"{'injected: recall ' + kind:<34}" + "".join(f"{f'{r / n:.3f} ({r}/{n})':>18}" for r, n in cells))
    kinds = collections.Counter((r["kind"], r["evidence"].split(" of ")[0] if r["evidence"].startswith("repeated") else
                                 r["evidence"].split(" article ")[0]) for row in results[True, "corpus"].values()
                                for r in row["removed"] or [])
    print("\nremovals on the injected set (--clean corpus), by kind and evidence:")
    for (kind, evidence), n in kinds.most_common():
        print(f"  {n:5d}  {kind:<13}{evidence}")


# ---------------------------------------------------------------------------------------------- entities

def eval_conll(path: str) -> None:
    import spacy

    from eval.entities import BARE_SPACY, OURS, score
    from transforms.analysis.entities import DEFAULT_NER_MODELS
    docs = conll_documents(path)
    with tempfile.TemporaryDirectory(prefix="newsbeam-cleaning-conll-") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        with open(folder / "testa.jsonl", "w") as f:
            for i, (text, _) in enumerate(docs):
                f.write(json.dumps({"id": f"doc-{i:04d}", "text": text, "language": "en"}) + "\n")
        rows = {clean: run(folder, Path(tmp) / clean, clean, ner=None) for clean in ("none", "corpus")}
    golds = [gold for _, gold in docs]
    bare = spacy.load(DEFAULT_NER_MODELS["en"])
    bare_preds = [[(e.start_char, e.end_char, BARE_SPACY[e.label_]) for e in d.ents if e.label_ in BARE_SPACY]
                  for d in bare.pipe([t for t, _ in docs], batch_size=32)]
    table = [("bare " + DEFAULT_NER_MODELS["en"], score(golds, bare_preds, overlap=False))]
    for clean in ("none", "corpus"):
        preds, lost = [], 0
        for i, (text, gold) in enumerate(docs):
            row = rows[clean].get(f"doc-{i:04d}")
            mapping = offsets_back(text, row["text"]) if row else []
            preds.append([(mapping[e["start"]], mapping[e["end"] - 1] + 1, OURS[e["label"]]) for e in (row or {}).get(
                "entities") or [] if mapping and mapping[e["start"]] >= 0 and mapping[e["end"] - 1] >= 0])
            kept = set(mapping)
            lost += sum(1 for s, e, k in gold if k in ("PER", "ORG", "LOC") and s not in kept)
        table.append((f"newsbeam --clean {clean}", score(golds, preds, overlap=False)))
        total = sum(1 for g in golds for s, e, k in g if k in ("PER", "ORG", "LOC"))
        print(f"CoNLL eng.testa, --clean {clean}: {lost}/{total} gold PER/ORG/LOC mentions in removed lines "
              f"({lost / total:.1%}); {len(rows[clean])}/{len(docs)} documents written")
    print(f"\nCoNLL-2003 eng.testa, {len(docs)} documents as JSON Lines, exact span")
    print(f"  {'system':<34}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}")
    for name, result in table:
        p, r, f, ng, npred = result["micro"]
        print(f"  {name:<34}{p:7.3f}{r:7.3f}{f:7.3f}{ng:7d}{npred:7d}")


def offsets_back(original: str, cleaned: str) -> list[int]:
    """For each character of `cleaned`, its offset in `original` (-1 for the paragraph breaks):
    cleaning keeps whole lines, in order, with their spaces folded."""
    mapping, cursor = [], 0
    for n, paragraph in enumerate(cleaned.split("\n\n")):
        if n:
            mapping += [-1, -1]
        at = original.find(paragraph, cursor)
        if at < 0:
            mapping += [-1] * len(paragraph)
            continue
        mapping += list(range(at, at + len(paragraph)))
        cursor = at + len(paragraph)
    return mapping


# ---------------------------------------------------------------------------------------------- language

def eval_language(folder: str) -> None:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    from transforms.text.language import detect_language, iso639_1
    DetectorFactory.seed = 0

    def bare(sentence):
        try:
            return iso639_1(detect_langs(sentence)[0].lang)
        except LangDetectException:
            return "und"

    same = lambda got, code: got == code or {got, code} == {"no", "nb"}  # noqa: E731 - langdetect says no
    print("\nlangid_sentences: accuracy per language, newsbeam detect_language vs bare langdetect (seed 0)")
    worse, rows = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        code = os.path.basename(path)[:-4]
        if code.upper() == "LICENSE":
            continue
        lines = [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
        found = [detect_language(s)[0] for s in lines]
        ours = sum(same(f, code) for f in found) / len(lines)
        theirs = sum(same(bare(s), code) for s in lines) / len(lines)
        und = found.count("und")
        rows.append((code, len(lines), ours, theirs, und))
        if ours < theirs:
            worse.append(code)
    print("  " + "  ".join(f"{c} {o:.3f}/{t:.3f}" + (f" und {u}" if u else "") for c, n, o, t, u in rows))
    print(f"  mean {sum(r[2] for r in rows) / len(rows):.4f} vs {sum(r[3] for r in rows) / len(rows):.4f}; "
          f"languages where newsbeam is below bare langdetect: {worse or 'none'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=default_data_dir())
    parser.add_argument("--outlets", choices=("country", "publisher"), default="country")
    parser.add_argument("--skip-language", action="store_true")
    parser.add_argument("--skip-entities", action="store_true")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "pages_fundus" / "index.json").exists():
        print(f"skipped: no evaluation data at {data}")
        return 0
    eval_fundus(data / "pages_fundus", args.outlets)
    conll = data / "ner_conll2003_en" / "eng.testa"
    if conll.exists() and not args.skip_entities:
        eval_conll(str(conll))
    if (data / "langid_sentences").is_dir() and not args.skip_language:
        eval_language(str(data / "langid_sentences"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
