"""What attributing quotes needs to know per language, beside the speech-verb and role lexicons:
pronouns, "according to" phrases, the marks of "as X said", verbs whose object is the statement,
names in quotation marks (Russian and French print «Солидарность» and « Le Monde » in the marks of
a quote) and direct speech set off by dashes.

Dashes:
    — Мы ничего не исключаем, — заявил Песков. — Решение за НАТО.
    — Nous n'excluons rien, a déclaré le ministre.

A line that opens with a dash is speech up to the dash that hands over to the author's words
(", —", "! —", "? —", "… —") or to the line's end; after the author's words, ". —" or ": —" opens
the speech again. Offsets are those of the speech itself, without dashes, so that quotes.py
attributes each part like a quotation: through the speech verb of its sentence.
"""
from __future__ import annotations

import re

PRONOUNS = {"en": {"he", "she", "him", "her"}, "fr": {"il", "elle", "-il", "-elle"}, "ru": {"он", "она"}}
# Verbs whose object, not a clause, is the statement ("criticised such plans", "warned of ...").
OBJECT_VERBS = {"criticise", "criticize", "warn", "deny", "call", "urge", "condemn", "reject", "praise",
                "welcome", "critique", "averti", "prévient", "dénonce", "dément",
                "призвать", "раскритиковать", "осудить", "отвергнуть", "предупредить"}
ROLE_SYNONYMS = {"head of state": "president", "head of government": "prime"}
ACCORDING = {"en": ("according", "to"), "fr": ("selon", None), "ru": ("словам|мнению", "по")}  # "по словам X"
AS_MARKS = ("as", "comme", "как")   # "As X said, …", "Comme l'a dit X, …", "Как заявил X, …"
# Lexicons written as lemmas (the Russian one: a verb has dozens of forms), matched by `lemma_`.
LEMMA_LEXICONS = ("ru",)
# Languages that put names and titles in the same marks as quotes («Единая Россия», « Le Figaro »).
NAMES_IN_GUILLEMETS = ("ru", "fr")
SHORT_NAME_WORDS = 4
# what a short quote's head is when the quote is a statement: «Это провокация», — сказал он.
STATEMENT_DEPS = ("ROOT", "parataxis", "ccomp", "conj")


def a_name(entity_of, span) -> bool:
    """A short verbless phrase or one entity in quotation marks is a name or a title («Солидарность»,
    «Голос Америки», « Le Monde »), not a statement."""
    words = [t for t in span if not (t.is_punct or t.is_space)]
    if not words:
        return True
    root = span.root
    if len(words) <= SHORT_NAME_WORDS and not any(t.pos_ in ("VERB", "AUX") for t in words) \
            and root.dep_ not in STATEMENT_DEPS:
        return True
    ent = entity_of(words[0])
    return ent is not None and ent["end"] >= span.end_char - 1


# French puts the speech verb and its subject after the statement: "…, ont indiqué les opérateurs."
INVERTED_LANGUAGES = ("fr",)
INVERTED_SUBJECT_DEPS = ("nsubj", "obj", "expl:subj", "dep", "appos")
VERB_GROUP_DEPS = ("aux", "aux:tense", "aux:pass", "expl:subj", "advmod", "nsubj")


def inverted_speech(verb):
    """(statement tokens, subject token) when `verb` follows its statement after a comma, the subject
    after it ("…, ont indiqué les opérateurs", "…, estime-t-elle"); else None."""
    doc, sent = verb.doc, verb.sent
    left = verb.i - 1
    while left >= sent.start and doc[left].dep_ in VERB_GROUP_DEPS and doc[left].head.i == verb.i:
        left -= 1
    if left < sent.start or doc[left].text != "," or left == 0:
        return None
    # the small parser often makes "…, ont indiqué X" a sentence of its own: the statement is the one before
    opening = sent.start if left > sent.start else doc[left - 1].sent.start
    statement = [t for t in doc[opening:left]]
    subject = next((t for t in verb.rights if t.dep_ in INVERTED_SUBJECT_DEPS and not t.is_punct
                    and t.text not in ("-t", "-t-")), None)
    return (statement, subject) if subject is not None else None


def has_finite_verb(tokens) -> bool:
    return any(t.pos_ in ("VERB", "AUX") and "Fin" in t.morph.get("VerbForm") for t in tokens)


DIALOGUE_LANGUAGES = ("ru", "fr")
DASHES = "—–"
LINE_RE = re.compile(r"^[ \t]*[—–][ \t]*(?P<rest>\S[^\n]*)$", re.M)
# a dash between speech and the author's words: after , ! ? … (and their closing quote marks)
HANDOVER_RE = re.compile(r"(?<=[,!?…])[ \t]*[—–][ \t]+")
# the author's words hand back to speech: ". — " or ": — "
RESUME_RE = re.compile(r"(?<=[.:])[ \t]+[—–][ \t]+")


def dialogue_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of dash-led speech, in text order."""
    spans = []
    for line in LINE_RE.finditer(text or ""):
        start, end = line.start("rest"), line.end("rest")
        pieces, position = [], start
        while position < end:
            handover = HANDOVER_RE.search(text, position, end)
            if handover is None:
                pieces.append((position, end))
                break
            pieces.append((position, handover.start()))
            resume = RESUME_RE.search(text, handover.end(), end)
            if resume is None:
                break
            position = resume.end()
        spans.extend(_trim(text, s, e) for s, e in pieces)
    return [(s, e) for s, e in spans if e > s and any(ch.isalnum() for ch in text[s:e])]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;" + DASHES):
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end
