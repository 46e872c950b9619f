"""Story features of one article's words: terms per language, hashed, weighted by the run's IDF.

A term is a word of letters (two or more) that is not a stop word of the article's language (spaCy's
per-language lists, which need no model); it is counted as `language:word`, so each language's words
get their own document frequency: German function words that survive the list are common among
German articles however few of them a run has, and never meet an English word. Features are hashed
(murmurhash3 into N_FEATURES slots), so nothing holds a vocabulary and the run's document
frequencies fit in one fixed-size array (DocFreq) whatever the number of articles; the
weights themselves are learnt from the run.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import apache_beam as beam
import numpy as np
# With the module (the graph builder's import, at start-up), not on the first feature: that was 0.7 s
# of the single-core tail after the last input.
from sklearn.utils import murmurhash3_32

N_FEATURES = 1 << 20
TOKEN_RE = re.compile(r"(?u)\b[^\W\d_]{2,}\b")
MIN_DOCS_FOR_IDF = 20   # fewer documents of a language say nothing about how common its words are


# Codes the language detector gives where spaCy's list is under another (Norwegian is Bokmål's "nb").
SPACY_LANGUAGE = {"und": "en", "no": "nb", "zh-cn": "zh", "zh-tw": "zh"}


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of `language` (English for an undecided one; none for a language spaCy lacks)."""
    from spacy.util import get_lang_class
    try:
        return frozenset(w.lower() for w in get_lang_class(SPACY_LANGUAGE.get(language, language)).Defaults.stop_words)
    except (ImportError, KeyError):
        return frozenset()


def feature(key: str) -> int:
    return murmurhash3_32(key, positive=True) % N_FEATURES


def language_of(article: dict) -> str:
    return (article.get("language") or "und").lower()


def word_counts(title: str | None, text: str | None, language: str) -> Counter:
    """Terms of the title (counted twice: headlines name the event) and the text."""
    stops = stop_words(language)
    words = TOKEN_RE.findall(f"{title or ''}\n{title or ''}\n{text or ''}".lower())
    return Counter(w for w in words if w not in stops)


def hashed(counts: dict[str, float], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """(feature indices, counts), colliding keys summed."""
    merged: dict[int, float] = {}
    for key, count in counts.items():
        index = feature(f"{prefix}:{key}")
        merged[index] = merged.get(index, 0.0) + count
    return np.fromiter(merged, dtype=np.int32, count=len(merged)), np.fromiter(merged.values(), dtype=np.float32,
                                                                                  count=len(merged))


def idf(indices: np.ndarray, doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """Smooth IDF; all ones below MIN_DOCS_FOR_IDF documents (in a two-document run IDF would push down
    exactly the terms the two reports share)."""
    if n_docs < MIN_DOCS_FOR_IDF:
        return np.ones(len(indices))
    return np.log((1 + n_docs) / (1 + doc_freq[indices])) + 1.0


def weighted(indices, counts, doc_freq: np.ndarray, n_docs: int, top: int, boost=None) -> dict[int, float]:
    """The `top` heaviest of sublinear tf × idf (× boost), L2-normalised."""
    if not len(indices):
        return {}
    weights = (1.0 + np.log(np.maximum(counts, 1.0))) * idf(indices, doc_freq, n_docs)
    if boost is not None:
        weights = weights * boost
    order = np.argsort(-weights, kind="stable")[:top]
    kept = weights[order]
    norm = float(np.sqrt((kept ** 2).sum())) or 1.0
    return {int(indices[i]): float(w) / norm for i, w in zip(order, kept)}


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def count_document(acc, feats, sign: int = 1):
    """(documents per language, document counts) with one node's features added (sign -1: taken out)."""
    by_language, df = acc
    language, terms, _, items, in_language, _ = feats
    by_language[language] = by_language.get(language, 0) + sign
    for indices in (terms, items, in_language):
        df[np.unique(indices)] += sign
    return by_language, df


class DocFreq(beam.CombineFn):
    """(documents per language, per-feature document counts) over the run: a fixed-size array,
    whatever the input. Inputs are stories.node_features tuples."""

    def create_accumulator(self):
        return {}, np.zeros(N_FEATURES, dtype=np.int32)

    def add_input(self, acc, feats):
        return count_document(acc, feats)

    def merge_accumulators(self, accs):
        accs = list(accs)
        by_language, df = accs[0]
        for other_languages, other in accs[1:]:
            for language, n in other_languages.items():
                by_language[language] = by_language.get(language, 0) + n
            df = df + other
        return by_language, df

    def extract_output(self, acc):
        return acc
