"""Partial parse beside the full one: the same tags for less spaCy time?

    python eval/parse.py [--data ../shared/data] [--limit N]

Real news text, English, French and Russian: the pages_fundus bodies (expected article text of 254
pages from fundus' test set, the English and French ones by langdetect), and the WMT21 news test
documents (English references of ru-en, French originals of fr-de, Russian originals of ru-en; natasha
parses Russian, and only its syntax is partial). Each text is tagged twice with the
pipeline's own SpacyTagger, `parse="full"` and `parse="needed"` (transforms/analysis/partial.py), and
compared: CPU seconds of the parse, share of tokens parsed, entities (text, label, canonical at the
same offsets: needed against full as P/R), quotes (speaker, span and kind; and the span alone), tone
(mean absolute difference, on [-1, 1]). Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.datasets import default_data_dir  # noqa: E402


def fundus_texts(data: Path) -> dict[str, list[str]]:
    from eval.cleaning import fundus_articles
    from transforms.text.language import detect_language
    by_language: dict[str, list[str]] = {}
    if not (data / "pages_fundus" / "index.json").exists():
        return by_language
    for article in fundus_articles(data / "pages_fundus"):
        text = "\n\n".join(article["paragraphs"])
        language, _ = detect_language(text)
        by_language.setdefault(language, []).append(text)
    return by_language


def wmt_texts(data: Path, file: str, side: str) -> list[str]:
    path = data / "parallel_news_wmt21" / file
    if not path.exists():
        return []
    from eval.tone import documents
    return documents(path, side)


def compare(name: str, language: str, texts: list[str]) -> None:
    from transforms.analysis.entities import DEFAULT_NER_MODELS, load_tagger
    from transforms.analysis.quotes import extract_quotes
    from transforms.analysis.tone import document_tone, load_analyzer
    analyzer = load_analyzer()
    results = {}
    for mode in ("full", "needed"):
        tagger = load_tagger(DEFAULT_NER_MODELS[language], mode)
        started = time.process_time()
        docs = list(tagger.pipe(texts, batch_size=32))
        seconds = time.process_time() - started
        rows = []
        for text, doc in zip(texts, docs):
            entities = tagger.entities(doc)
            quotes = extract_quotes(doc, entities, language)
            rows.append(({(e["start"], e["end"], e["label"], e["canonical"]) for e in entities},
                         {(q["start"], q["end"], q["speaker"], q["direct"]) for q in quotes},
                         {(q["start"], q["end"]) for q in quotes},
                         document_tone(analyzer, text, language, doc)))
        partial = getattr(tagger, "partial", None)
        share = f"{partial.parsed_tokens / max(1, partial.tokens):.2f}" if partial else "-"
        results[mode] = (seconds, share, rows)
    (full_s, _, full), (needed_s, share, needed) = results["full"], results["needed"]

    def agreement(k: int) -> str:
        same = sum(len(f[k] & n[k]) for f, n in zip(full, needed))
        total_full, total_needed = sum(len(f[k]) for f in full), sum(len(n[k]) for n in needed)
        return (f"{total_full:6d} {total_needed:6d}  P {same / max(1, total_needed):.3f} "
                f"R {same / max(1, total_full):.3f}")

    tones = [abs(f[3] - n[3]) for f, n in zip(full, needed) if f[3] is not None and n[3] is not None]
    tone = f"{sum(tones) / len(tones):.4f}" if tones else "  -  "
    print(f"{name} ({len(texts)} texts)")
    print(f"  parse CPU s: full {full_s:.1f}, needed {needed_s:.1f} ({full_s / max(needed_s, 1e-9):.2f}x less); "
          f"tokens parsed {share}")
    print(f"  entities     full/needed {agreement(0)}")
    print(f"  quotes       full/needed {agreement(1)}")
    print(f"  quote spans  full/needed {agreement(2)}")
    print(f"  tone mean |difference| {tone}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=default_data_dir())
    parser.add_argument("--limit", type=int, default=None, help="texts per set (default: all)")
    args = parser.parse_args(argv)
    data = Path(args.data)
    sets = []
    fundus = fundus_texts(data)
    for language in ("en", "fr"):
        if fundus.get(language):
            sets.append((f"pages_fundus bodies, {language}", language, fundus[language]))
    for name, file, side, language in (("WMT21 ru-en references", "newstest2021.ru-en.all.xml", "ref", "en"),
                                       ("WMT21 fr-de originals", "newstest2021.fr-de.all.xml", "src", "fr"),
                                       ("WMT21 ru-en originals", "newstest2021.ru-en.all.xml", "src", "ru")):
        texts = wmt_texts(data, file, side)
        if texts:
            sets.append((name, language, texts))
    if not sets:
        print(f"no evaluation data under {data}: skipped")
        return 0
    for name, language, texts in sets:
        compare(name, language, texts[:args.limit])
    return 0


if __name__ == "__main__":
    sys.exit(main())
