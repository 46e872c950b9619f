"""Where tagging's parse spends its time: CPU seconds of each spaCy component over English fundus texts.

    python bench/spacy_components.py [--texts 75]

The texts are bench/corpus.py's fundus pages as dedup_scaling.py reads them (paragraph text), English
ones only (en_core_web_sm's language). Each component of the English pipeline runs over all texts in
turn (`pipe`, batches of 32), so its CPU time is its own; then NER alone, without the components
before it, and how many of the full pipeline's entities it finds too (NER has its own embedding in
the small models, but respects the sentence starts the parser sets). Exits 0 with a message when the
fundus pages are absent.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=75)
    args = parser.parse_args(argv)
    from bench.corpus import fundus_dir, real_pages
    if not fundus_dir():
        print("spacy_components: no fundus pages (../shared/data/pages_fundus); nothing to measure")
        return 0
    import spacy

    from bench.dedup_scaling import article_rows
    from transforms.analysis.entities import DEFAULT_NER_MODELS
    pages = real_pages(fundus_dir())
    texts = [r["text"] for r in article_rows(pages, len(pages)) if r["text"].count(" the ") > 5][:args.texts]
    print(f"{len(texts)} English texts, {sum(map(len, texts)) // max(1, len(texts))} characters on average")
    nlp = spacy.load(DEFAULT_NER_MODELS["en"])
    docs = [nlp.make_doc(t) for t in texts]
    total = 0.0
    for name, component in nlp.pipeline:
        started = time.process_time()
        docs = list(component.pipe(docs, batch_size=32))
        seconds = time.process_time() - started
        total += seconds
        print(f"  {name:<16} {seconds:7.2f} s CPU")
    print(f"  {'all':<16} {total:7.2f} s CPU")
    started = time.process_time()
    with nlp.select_pipes(enable=["ner"]):
        alone = list(nlp.pipe(texts, batch_size=32))
    seconds = time.process_time() - started
    full = {(i, e.start_char, e.end_char, e.label_) for i, d in enumerate(docs) for e in d.ents}
    only = {(i, e.start_char, e.end_char, e.label_) for i, d in enumerate(alone) for e in d.ents}
    print(f"  ner alone        {seconds:7.2f} s CPU ({seconds / total:.0%} of all); entities: full pipeline "
          f"{len(full)}, ner alone {len(only)}, the same {len(full & only)} ({len(full & only) / max(1, len(full)):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
