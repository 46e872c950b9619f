"""Tone: a document-level sentiment score in [-1, 1], English and French.

English: VADER (vaderSentiment ships its lexicon). VADER is built for sentences: over a whole
article its compound score saturates at ±1, so the score is the mean compound score of the
article's sentences (from the parse when there is one, else of its lines). French: the same mean of
per-sentence compound scores, VADER's arithmetic over Pattern's French lexicon (tone_fr.py).
Null for texts without a sentence and for every other language, Russian included: no Russian
sentiment lexicon ships in an installable package under a licence that allows shipping it
(dostoevsky downloads its model at run time; RuSentiLex and LinisCrowd are for research use only).
"""
from __future__ import annotations

import re

TONE_LANGUAGES = ("en", "fr")
MAX_SENTENCES = 400       # a long text's tone is decided well before this; keeps the cost bounded
LINE_RE = re.compile(r"[^\n]+")


def load_analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def sentences_of(text: str, doc=None) -> list[str]:
    if doc is not None and hasattr(doc, "sents") and doc.has_annotation("SENT_START"):
        return [s.text.strip() for s in doc.sents if any(ch.isalpha() for ch in s.text)]
    return [m.group().strip() for m in LINE_RE.finditer(text or "") if any(ch.isalpha() for ch in m.group())]


def document_tone(analyzer, text: str, language: str, doc=None) -> float | None:
    if language not in TONE_LANGUAGES or analyzer is None:
        return None
    sentences = sentences_of(text, doc)[:MAX_SENTENCES]
    if not sentences:
        return None
    if language == "fr":
        from transforms.analysis.tone_fr import sentence_compound
        scores = [sentence_compound(sentence) for sentence in sentences]
    else:
        scores = [analyzer.polarity_scores(sentence)["compound"] for sentence in sentences]
    return round(sum(scores) / len(scores), 4)
