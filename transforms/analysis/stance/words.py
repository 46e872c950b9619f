"""Words and sentences for the stance rules: a light stemmer, a tokenizer that keeps clause-breaking
punctuation, and sentence spans for texts without a parse."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[.,;:!?()\[\]\"“”«»—–]")
PUNCT_BREAKS = set(".,;:!?()[]\"“”«»—–")
IRREGULAR = {"said": "say", "says": "say", "told": "tell", "took": "take", "taken": "take",
             "wrote": "write", "written": "write", "thought": "think", "men": "man", "women": "woman",
             "children": "child", "countries": "country", "denies": "deny", "denied": "deny",
             "us": "us", "news": "news", "isis": "isis", "was": "be", "were": "be", "is": "be",
             "are": "be", "been": "be", "has": "have", "had": "have", "does": "do", "did": "do",
             "cannot": "cannot", "nothing": "nothing", "this": "this", "his": "his", "its": "its"}


def stem(word: str) -> str:
    """A light stemmer: enough to match "ruled/ruling/rules" and "criticised/criticized"."""
    w = word.lower().replace("’", "'")
    if w.endswith("n't"):
        return "not"
    if w.endswith("'s"):
        w = w[:-2]
    if w in IRREGULAR:
        return IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    w = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", w)
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":   # "stopped" -> "stop"
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


# Snowball's stemmers for the other languages the lexicons are written in (snowballstemmer, BSD-3)
SNOWBALL = {"fr": "french", "ru": "russian"}
# French elision: "l'envoi" is "envoi", "n'enverra" is "enverra" (the negation's "pas" stays a word)
ELISION_RE = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)", re.I)


@lru_cache(maxsize=None)
def stemmer(language: str = "en"):
    """The stem function of a language: the light English one, Snowball's for French and Russian."""
    if language not in SNOWBALL:
        return stem
    import snowballstemmer
    snowball = snowballstemmer.stemmer(SNOWBALL[language])

    @lru_cache(maxsize=200_000)
    def stem_word(word: str) -> str:
        w = word.lower().replace("ё", "е")
        if language == "fr":
            w = ELISION_RE.sub("", w.replace("’", "'"))
        return snowball.stemWord(w) if w.isalpha() else w
    return stem_word


@dataclass
class Token:
    text: str
    stem: str
    start: int
    end: int
    punct: bool


def tokenize(text: str, stem_word=None) -> list[Token]:
    """Words and clause-breaking punctuation, each word with its stem (English unless `stem_word`)."""
    stem_word = stem_word or stem
    out = []
    for m in TOKEN_RE.finditer(text):
        word = m.group()
        punct = word in PUNCT_BREAKS
        out.append(Token(word, word if punct else stem_word(word), m.start(), m.end(), punct))
    return out


SENTENCE_RE = re.compile(r"[^\n.!?]*(?:[.!?]+[\"”’»)]*|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence spans when there is no parse: end at . ! ? (and closing quotes) or a newline."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?]+[\"”’»)]*(?=\s+[\"“‘«(]?[A-Z0-9])|\n+", text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return _trimmed_spans(text, spans)


def line_spans(text: str) -> list[tuple[int, int]]:
    return _trimmed_spans(text, ((m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)))


def _trimmed_spans(text: str, spans) -> list[tuple[int, int]]:
    """The spans without their leading and trailing white space; empty ones dropped."""
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
