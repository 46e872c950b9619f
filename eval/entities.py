"""Entity quality: newsbeam's tagger beside the bare model, on the same texts.

    python eval/entities.py [--data ../shared/data] [--limit N] [--fac loc|drop]

English: CoNLL-2003 `eng.testa`, one document per -DOCSTART-, a sentence a line; entity-level exact-span
P/R/F1 per type (PER, ORG, LOC, MISC) and micro over PER/ORG/LOC. The bare model is
en_core_web_sm as shipped, PERSON→PER, ORG→ORG, GPE/LOC→LOC, its other name labels→MISC.
Russian: FactRuEval-2016 dev set (LocOrg counted as LOC; an object spans its mentions); overlap
P/R/F1 (a prediction is right when it overlaps a gold entity of its type, a gold entity is found
when a prediction of its type overlaps it). The bare model is natasha's NER as shipped.
Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.datasets import conll_documents, default_data_dir  # noqa: E402
from transforms.analysis import entities as ner  # noqa: E402
from transforms.analysis.names import demonyms  # noqa: E402

TYPES = ("PER", "ORG", "LOC", "MISC")
HEADLINE = ("PER", "ORG", "LOC")
OURS = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}
BARE_SPACY = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "NORP": "MISC", "EVENT": "MISC",
              "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC"}




def _conll_type(ent: dict) -> str:
    """CoNLL annotates a nationality adjective as MISC ("Estonian Prime Minister"); newsbeam makes it
    the holder's country (LOC, canonical "Estonia"), so such an entity is scored as the MISC it spans."""
    if ent["label"] == "LOC" and ent["canonical"] != ent["text"] and ent["text"].casefold() in demonyms():
        return "MISC"
    return OURS[ent["label"]]


# ---------------------------------------------------------------------------------------------- data

def factrueval_documents(folder: str):
    """[(text, [(start, end, type)])]: each Person/Org/Location/LocOrg object, spanning its mentions."""
    kinds = {"Person": "PER", "Org": "ORG", "Location": "LOC", "LocOrg": "LOC"}
    docs = []
    for spans_path in sorted(glob.glob(os.path.join(folder, "*.spans"))):
        base = spans_path[:-len(".spans")]
        with open(base + ".txt", encoding="utf-8", newline="") as f:
            text = f.read()
        spans = {}
        with open(spans_path, encoding="utf-8") as f:
            for line in f:
                fields = line.split("#")[0].split()
                if len(fields) >= 4:
                    spans[fields[0]] = (int(fields[2]), int(fields[2]) + int(fields[3]))
        gold = []
        with open(base + ".objects", encoding="utf-8") as f:
            for line in f:
                fields = line.split("#")[0].split()
                if len(fields) >= 3 and fields[1] in kinds:
                    members = [spans[s] for s in fields[2:] if s in spans]
                    if members:
                        gold.append((min(s for s, _ in members), max(e for _, e in members), kinds[fields[1]]))
        docs.append((text, gold))
    return docs


# ---------------------------------------------------------------------------------------------- scoring

def score(golds, preds, overlap: bool):
    """{type: (p, r, f1, n_gold, n_pred)} plus 'micro' over HEADLINE types."""
    tp_p, tp_r, n_p, n_g = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    for gold, pred in zip(golds, preds):
        for kind in TYPES:
            g = [(s, e) for s, e, k in gold if k == kind]
            p = [(s, e) for s, e, k in pred if k == kind]
            n_g[kind] += len(g)
            n_p[kind] += len(p)
            if overlap:
                tp_p[kind] += sum(any(s < ge and gs < e for gs, ge in g) for s, e in p)
                tp_r[kind] += sum(any(s < ge and gs < e for s, e in p) for gs, ge in g)
            else:
                hits = len(set(g) & set(p))
                tp_p[kind] += hits
                tp_r[kind] += hits
    result = {}
    for kind in (*TYPES, "micro"):
        kinds = HEADLINE if kind == "micro" else (kind,)
        tpp, tpr = sum(tp_p[k] for k in kinds), sum(tp_r[k] for k in kinds)
        npred, ngold = sum(n_p[k] for k in kinds), sum(n_g[k] for k in kinds)
        p = tpp / npred if npred else 0.0
        r = tpr / ngold if ngold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        result[kind] = (p, r, f, ngold, npred)
    return result


def print_table(title, rows):
    print(f"\n{title}")
    print(f"  {'system':<34}{'type':<6}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}")
    for name, result in rows:
        for kind, (p, r, f, ng, npred) in result.items():
            if ng or npred:
                label = "PER+ORG+LOC" if kind == "micro" else kind
                print(f"  {name:<34}{label:<6}{p:7.3f}{r:7.3f}{f:7.3f}{ng:7d}{npred:7d}")


# ---------------------------------------------------------------------------------------------- runs

def eval_conll(path: str, limit: int | None, fac: str):
    import spacy
    docs = conll_documents(path)[:limit]
    texts = [text for text, _ in docs]
    golds = [gold for _, gold in docs]
    model = ner.DEFAULT_NER_MODELS["en"]

    started = time.perf_counter()
    bare = spacy.load(model)
    bare_preds = [[(e.start_char, e.end_char, BARE_SPACY[e.label_]) for e in doc.ents if e.label_ in BARE_SPACY]
                  for doc in bare.pipe(texts, batch_size=32)]
    bare_s = time.perf_counter() - started

    if fac == "drop":
        ner.LABELS.pop("FAC", None)
    rows, times = [(f"bare {model}", score(golds, bare_preds, overlap=False))], [f"bare {bare_s:.1f}s"]
    for parse in ("needed", "full"):   # the pipeline's default, then the whole text parsed
        started = time.perf_counter()
        tagger = ner.load_tagger(model, parse)
        ours = [[(e["start"], e["end"], _conll_type(e)) for e in tagger.entities(doc)]
                for doc in tagger.pipe(texts, batch_size=32)]
        times.append(f"parse={parse} {time.perf_counter() - started:.1f}s")
        rows.append((f"newsbeam entities, parse={parse}", score(golds, ours, overlap=False)))
    print_table(f"CoNLL-2003 eng.testa, {len(docs)} documents, exact span ({', '.join(times)})", rows)


def eval_factrueval(folder: str, limit: int | None):
    docs = factrueval_documents(folder)[:limit]
    texts = [text for text, _ in docs]
    golds = [gold for _, gold in docs]
    tagger = ner.load_tagger(ner.NATASHA)
    from natasha import Doc
    bare_preds = []
    for text in texts:
        doc = Doc(text)
        doc.segment(tagger.segmenter)
        doc.tag_ner(tagger.ner_tagger)
        bare_preds.append([(s.start, s.stop, s.type) for s in doc.spans])
    ours = [[(e["start"], e["end"], OURS[e["label"]]) for e in tagger.entities(doc)]
            for doc in tagger.pipe(texts)]
    print_table(f"FactRuEval-2016 dev, {len(docs)} documents, overlap (LocOrg as LOC)",
                [("bare natasha 1.6.0", score(golds, bare_preds, overlap=True)),
                 ("newsbeam entities", score(golds, ours, overlap=True))])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=default_data_dir(),
                        help="folder of the evaluation data (default: $NEWSBEAM_DATA, else ../shared/data)")
    parser.add_argument("--limit", type=int, default=None, help="documents per set (default: all)")
    parser.add_argument("--fac", choices=("loc", "drop"), default="loc", help="map spaCy FAC to LOC or drop it")
    args = parser.parse_args(argv)
    conll = os.path.join(args.data, "ner_conll2003_en", "eng.testa")
    factru = os.path.join(args.data, "ner_ru_factrueval", "devset")
    ran = False
    if os.path.exists(conll):
        eval_conll(conll, args.limit, args.fac)
        ran = True
    else:
        print(f"skipped CoNLL-2003: {conll} is absent")
    if os.path.isdir(factru):
        eval_factrueval(factru, args.limit)
        ran = True
    else:
        print(f"skipped FactRuEval: {factru} is absent")
    if not ran:
        print("no evaluation data found; nothing to do")
    return 0


if __name__ == "__main__":
    sys.exit(main())
