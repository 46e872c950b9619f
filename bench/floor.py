"""The floor: the library calls the pipeline makes, in a plain Python loop, stage by stage.

What newsbeam cannot beat on one core: the same trafilatura call (same arguments as
transforms/text/extractor.py, in-process, no time limit), langdetect on the same text prefix, and, when the
pipeline has those stages (detected by importing their modules), datasketch MinHash + LSH with the
dedup stage's parameters, scikit-learn's HashingVectorizer of the stories stage, spaCy `nlp.pipe` /
natasha with the entities stage's models, VADER on the parsed sentences for tone; then pyarrow writing the same schema with the same writer
settings, one file per date/outlet folder. Prints one JSON object: seconds per stage, total,
articles/s, and which stages were measured.

    python bench/floor.py --corpus DIR [--limit N] [--out DIR]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout first


def corpus_records(folder: str, limit: int | None = None):
    """The corpus records in the order the shards hold them."""
    n = 0
    for name in sorted(os.listdir(folder)):
        if not name.startswith("part-"):
            continue
        opener = gzip.open if name.endswith(".gz") else open
        with opener(os.path.join(folder, name), "rt", encoding="utf-8") as f:
            for line in f:
                if limit is not None and n >= limit:
                    return
                n += 1
                yield json.loads(line)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def optional(module: str):
    """A pipeline stage's module if this checkout has it (the floor measures only what `run` does).
    Only a file of this checkout counts: an editable install of another checkout (/work/main) would
    otherwise lend its modules to a checkout that lacks them."""
    import importlib
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    inside = os.path.realpath(getattr(found, "__file__", "") or "").startswith(os.path.realpath(ROOT) + os.sep)
    return found if inside else None


# --------------------------------------------------------------------------- stages


def stage_extract(records):
    """trafilatura.bare_extraction with the pipeline's arguments, on every page."""
    import trafilatura

    from transforms.text.extractor import DATE_PARAMS
    out = []
    for record in records:
        document = trafilatura.bare_extraction(record["html"], url=record.get("url"), with_metadata=True,
                                               include_comments=False, date_extraction_params=DATE_PARAMS)
        if document is None or not document.text:
            continue
        out.append({"id": record["id"], "url": record.get("url"), "outlet": record.get("outlet"),
                    "published": record.get("published"), "title": document.title, "text": document.text})
    return out


def stage_language(docs, prefix_chars: int):
    """langdetect (seeded) on the same sample the pipeline gives it: title, newline, text, cut to the prefix."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException
    DetectorFactory.seed = 0
    for doc in docs:
        sample = f"{doc['title'] or ''}\n{doc['text']}"[:prefix_chars]
        try:
            doc["language"] = detect_langs(sample)[0].lang.split("-")[0]
        except LangDetectException:
            doc["language"] = "und"


def stage_dedup(docs, dedup):
    """datasketch MinHash of each text's shingles, MinHashLSH with the stage's bands × rows, candidate
    pairs verified on the exact shingle sets: what LabelSyndication computes, without Beam."""
    from datasketch import MinHash, MinHashLSH
    lsh = MinHashLSH(num_perm=dedup.NUM_PERM, params=(dedup.BANDS, dedup.BAND_ROWS))
    shingles, pairs = {}, 0
    for doc in docs:
        s = dedup.shingle_set(doc["text"])
        shingles[doc["id"]] = s
        if len(s) < dedup.MIN_SHINGLES:
            continue
        m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.MINHASH_SEED, hashfunc=dedup._identity)
        m.update_batch(s.astype("uint64"))
        for other in lsh.query(m):
            pairs += 1
            if dedup.is_copy(s, shingles[other]):
                doc["duplicate_of"] = other
        lsh.insert(doc["id"], m)
    return pairs


def stage_stories(docs, stories):
    """The stories stage's features of each article: hashed terms of its language and its signature."""
    for d in docs:
        stories.node_features({"title": d["title"], "text": d["text"], "language": d.get("language"),
                               "entities": d.get("entities")})


def stage_entities(docs, entities, tone=None, max_chars=None):
    """spaCy nlp.pipe (and natasha for Russian) with the entities stage's models, per language.
    Returns ({language: articles parsed}, English sentences for tone): the tone stage reads the
    sentences of the same parse, as the tagging stage does."""
    models = entities.ner_models()
    counts, sentences = {}, []
    for language, model in models.items():
        texts = [d["text"][:max_chars] for d in docs if d["language"] == language]
        if not texts:
            continue
        if model == getattr(entities, "NATASHA", "natasha"):
            from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter
            embedding = NewsEmbedding()
            segmenter, morph, ner, vocab = Segmenter(), NewsMorphTagger(embedding), NewsNERTagger(embedding), MorphVocab()
            for text in texts:
                doc = Doc(text)
                doc.segment(segmenter)
                doc.tag_morph(morph)
                doc.tag_ner(ner)
                for span in doc.spans:
                    try:
                        span.normalize(vocab)
                    except Exception:  # noqa: BLE001
                        pass
        else:
            import spacy
            nlp = spacy.load(model, exclude=list(getattr(entities, "EXCLUDED_COMPONENTS", ())))
            keep_sentences = tone is not None and language in getattr(tone, "TONE_LANGUAGES", ("en",))
            limit = getattr(tone, "MAX_SENTENCES", None)
            for doc in nlp.pipe(texts, batch_size=32):
                _ = [(e.text, e.label_) for e in doc.ents]
                if keep_sentences:
                    sentences.append([s.text.strip() for s in doc.sents][:limit])
        counts[language] = len(texts)
    return counts, sentences


def stage_tone(sentences_per_doc):
    """VADER polarity of every sentence of each English article, averaged (the tone stage's call)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    analyzer = SentimentIntensityAnalyzer()
    for sentences in sentences_per_doc:
        scores = [analyzer.polarity_scores(sentence)["compound"] for sentence in sentences]
        _ = sum(scores) / len(scores) if scores else None


def stage_write(docs, out: str):
    """The article rows, one Parquet file per date/outlet folder, with the writer's settings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.article import ARTICLE_SCHEMA, DICTIONARY_COLUMNS, new_article
    from transforms.text.identity import parse_time
    partitions: dict[tuple, list] = {}
    for doc in docs:
        published = parse_time(doc["published"])
        row = new_article(article_id=doc["id"], source=doc["id"], input_kind="jsonl", url=doc["url"],
                          outlet=doc["outlet"], title=doc["title"], published_at=published, fetched_at=published,
                          date_source="published", text=doc["text"], word_count=len(doc["text"].split()),
                          language=doc["language"], language_score=1.0)
        partitions.setdefault((published.strftime("%Y-%m-%d"), doc["outlet"]), []).append(row)
    for (date, outlet), rows in partitions.items():
        folder = os.path.join(out, "articles", f"date={date}", f"outlet={outlet}")
        os.makedirs(folder, exist_ok=True)
        with pq.ParquetWriter(os.path.join(folder, "part-0000.parquet"), ARTICLE_SCHEMA, compression="zstd",
                              use_dictionary=DICTIONARY_COLUMNS, write_statistics=True, coerce_timestamps="us",
                              allow_truncated_timestamps=True) as writer:
            writer.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA))
    return len(partitions)


def run_floor(corpus: str, out: str, limit: int | None = None) -> dict:
    from pipelines.options import DEFAULTS
    seconds, measured, notes = {}, [], {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        seconds[name] = round(time.perf_counter() - start, 3)
        measured.append(name)
        return result

    start_all = time.perf_counter()
    docs = timed("read+extract", stage_extract, corpus_records(corpus, limit))
    timed("language", stage_language, docs, int(DEFAULTS["language_prefix_chars"]))
    dedup = optional("transforms.dedup.signatures")
    if dedup is not None:
        notes["dedup_candidates"] = timed("dedup", stage_dedup, docs, dedup)
    stories = optional("transforms.dedup.stories")
    if stories is not None:
        timed("stories", stage_stories, docs, stories)
    entities = optional("transforms.analysis.entities")
    tone = optional("transforms.analysis.tone")
    tag = optional("transforms.analysis.tag")
    if entities is not None:
        notes["entities_by_language"], sentences = timed(
            "entities", stage_entities, docs, entities, tone, getattr(tag, "MAX_TAG_CHARS", None))
        if tone is not None:
            timed("tone", stage_tone, sentences)
    notes["partitions"] = timed("write", stage_write, docs, out)
    total = time.perf_counter() - start_all
    absent = [name for name, mod in (("dedup", dedup), ("stories", stories), ("entities", entities),
                                                   ("tone", tone)) if mod is None]
    return {"articles": len(docs), "seconds": seconds,
            "total_seconds": round(total, 3), "articles_per_second": round(len(docs) / total, 2) if total else None,
            "stages_measured": measured, "stages_absent": absent, **notes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", default=None, help="where the Parquet goes (default: a temporary folder)")
    args = parser.parse_args(argv)
    import logging
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    if args.out:
        result = run_floor(args.corpus, args.out, args.limit)
    else:
        with tempfile.TemporaryDirectory(prefix="newsbeam-floor-") as out:
            result = run_floor(args.corpus, out, args.limit)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
