"""Tone: a document-level sentiment score from VADER (vaderSentiment ships its lexicon), English only.

VADER is built for sentences: over a whole article its compound score saturates at ±1. The score is
therefore the mean compound score of the article's sentences (from the spaCy parse when there is one,
else of its lines), in [-1, 1]; null for other languages and for texts without a sentence.
"""
from __future__ import annotations

import re

TONE_LANGUAGES = ("en",)
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
    scores = [analyzer.polarity_scores(sentence)["compound"] for sentence in sentences]
    return round(sum(scores) / len(scores), 4)
