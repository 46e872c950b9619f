"""Boilerplate rules for text copies of web pages: what trafilatura never sees because the page was
already flattened to text before it reached us.

A paragraph is removed only on evidence that it is boilerplate, and every removal keeps its kind,
its text and that evidence, so that a reader can audit it in the `removed` column. The evidence of
a rule is in the paragraph itself: a caption credit ("Photo: X / Reuters"), a name glued to a job
title by a lost line break ("LandsbergisHead of the ..."), a footer phrase ("Source link"). The
evidence of a corpus (a line repeated across an outlet's articles, the title of another article)
is in `corpus.py`. A shape is never evidence on its own: headings, list items, table rows, quotes
and sentences without a full stop are kept.

One exception, for a page copy that has no siblings in the run (`lone`): once the text has proved
itself a flattened page by a caption credit or a glued pull quote, a line shaped like a headline
(8-25 words, capitalised, no closing punctuation, not a list item, table row or quote) is taken for
a link to a related article. Corpus evidence replaces that guess wherever the outlet has siblings.
"""
from __future__ import annotations

import re

from transforms.text.titles import clean_title  # noqa: F401 - re-exported: the title rules live there
from transforms.text.words import UNSPACED_RE

# "Emmanuel Macron Photo: Ludovic Marin / Reuters", "(Photo by X/Getty Images)", "Image: AFP"
CAPTION_RE = re.compile(
    r"(\b(photo|photograph|picture|image|pictured|credit|foto|bild|illustration|video|фото)s?\s*:)"
    r"|(\((photo|image|picture|foto)s?\s+(by|von)\b)|(©\s*\w)"
    r"|(\b(getty images|reuters|afp|ap photo|epa|shutterstock|pa images|pa wire|dpa|ria novosti|tass"
    r"|alamy|imago)\s*\)?\s*$)",
    re.IGNORECASE)
FOOTER_RE = re.compile(
    r"^(source link|source|read more|read more:.*|read also:.*|also read:.*|continue reading.*"
    r"|click here to .*|share this article|share this:?|follow us on .*|sign up .*newsletter.*"
    r"|(share (on|via) (facebook|twitter|x|whatsapp|linkedin|email|e-mail)\s*)+|download (the|our) .*\bapp"
    r"|related articles?|related stories|related:.*|advertisement|subscribe( to| now| for)?\b.*|more:.*"
    r"|lesen sie auch:?.*|mehr zum thema:?.*|lire aussi:?.*|à lire aussi:?.*|leer más:?.*|lee también:?.*"
    r"|читайте также:?.*|all rights reserved\.?|(copyright|©) .*all rights reserved\.?"
    r"|this (article|story) (was|first) (originally )?(published|appeared) (on|in|by) .*)\s*$",
    re.IGNORECASE)
MAX_FOOTER_WORDS = 30
# A name glued to a job title by a lost line break: "Gabrielius LandsbergisHead of the ..."
GLUED_NAME_RE = re.compile(
    r"[a-z][A-Z][a-z]+(\s+[A-Z][a-z]+){0,3}\s+(of|at|for)\b"
    r"|[a-z]{2}(Head|Chief|Minister|President|Director|Spokes\w+|Secretary|CEO|Founder|Professor|Chair\w*"
    r"|Leader|Editor|Analyst|Ambassador|Governor|Mayor|Senator|Deputy|Member|Economist|Commissioner"
    r"|Advis[eo]r|Partner|Manager|Coach|Captain)\b")
# Closing brackets and quotes may follow the final stop; a bare ")" does not end a sentence.
SENTENCE_END_RE = re.compile(r"[.!?…:;\"”»’'。！？．؟۔।॥።][)\]”’\"»」』）]*\s*$")
MAX_CAPTION_WORDS = 30

# What a line shaped like a headline must not be (these are kept whatever the page around them).
LIST_ITEM_RE = re.compile(r"^([-•*▪●◦‣–—]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
NUMBER_RE = re.compile(r"^[-+(]?[\d.,:%/]*\d[\d.,:%/)]*$")
QUOTE_RE = re.compile(r"[\"“”„«»‹›「」]|(^|\s)[‘']")
HEADLINE_WORDS = (8, 25)   # the fundus pages' titles: 72% have at least 8 words, their headings 29%
FURNITURE = ("caption", "pull_quote")
MAX_LONE_HEADLINES = 2     # more are the article's own section headings


def removal(kind: str, text: str, evidence: str) -> dict:
    """One entry of the `removed` column."""
    return {"kind": kind, "text": text, "evidence": evidence}


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; a text with none is split on single newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    if len(blocks) <= 1:
        blocks = [line.strip() for line in text.split("\n") if line.strip()]
    return [" ".join(b.split()) for b in blocks]


def paragraph_rule(paragraph: str) -> tuple[str, str] | None:
    """(kind, evidence) when a rule proves this paragraph boilerplate by itself, else None."""
    words = paragraph.split()
    if len(words) <= MAX_FOOTER_WORDS and FOOTER_RE.match(paragraph):
        return "footer", "rule: footer phrase"
    if SENTENCE_END_RE.search(paragraph):
        return None
    if len(words) <= MAX_CAPTION_WORDS and CAPTION_RE.search(paragraph):
        return "caption", "rule: caption credit"
    if GLUED_NAME_RE.search(paragraph):
        return "pull_quote", "rule: name glued to a job title"
    return None


def classify_paragraph(paragraph: str) -> str | None:
    """The kind of boilerplate this paragraph is by a rule of its own, or None when it is kept."""
    found = paragraph_rule(paragraph)
    return found[0] if found else None


def is_table_row(paragraph: str) -> bool:
    """Cells split by tabs or pipes, or a row where numbers are a third of the tokens or more."""
    tokens = paragraph.split()
    numbers = sum(1 for t in tokens if NUMBER_RE.match(t))
    return "\t" in paragraph or paragraph.count("|") >= 2 or (bool(tokens) and numbers * 3 >= len(tokens))


def headline_shaped(paragraph: str) -> bool:
    """A capitalised line of 8-25 words without closing punctuation that is neither a list item,
    a table row, a quote nor in a script that may end a sentence without a stop."""
    low, high = HEADLINE_WORDS
    return (low <= len(paragraph.split()) <= high and paragraph[:1].isupper()
            and not SENTENCE_END_RE.search(paragraph) and not LIST_ITEM_RE.match(paragraph)
            and not is_table_row(paragraph) and not QUOTE_RE.search(paragraph)
            and not UNSPACED_RE.search(paragraph))


def lone_page_headlines(paragraphs: list[str], furniture: list[str]) -> list[int]:
    """Indexes of the related-article headlines of a lone page copy: none unless `furniture` (kinds
    the rules removed from it) proves it a flattened page; never its first paragraph."""
    if not any(kind in FURNITURE for kind in furniture):
        return []
    found = [i for i, p in enumerate(paragraphs) if i > 0 and headline_shaped(p)]
    return found if len(found) <= MAX_LONE_HEADLINES else []


def lone_evidence(furniture: list[str]) -> str:
    found = ", ".join(sorted({k.replace("_", " ") for k in furniture if k in FURNITURE}))
    return f"rule: headline-shaped line in a lone page copy ({found} found)"


def clean_body(text: str, lone: bool = True) -> tuple[list[str], list[dict]]:
    """(kept paragraphs, removals with evidence). The first paragraph is never taken for a related
    headline: in a text article it is the lead. `lone`: no corpus evidence will follow."""
    kept, removed = [], []
    for paragraph in split_paragraphs(text):
        found = paragraph_rule(paragraph)
        if found:
            removed.append(removal(found[0], paragraph, found[1]))
        else:
            kept.append(paragraph)
    if lone:
        kept, more = drop_lone_headlines(kept, [r["kind"] for r in removed])
        removed += more
    return kept, removed


def drop_lone_headlines(paragraphs: list[str], furniture: list[str]) -> tuple[list[str], list[dict]]:
    drop = set(lone_page_headlines(paragraphs, furniture))
    removed = [removal("related", paragraphs[i], lone_evidence(furniture)) for i in sorted(drop)]
    return [p for i, p in enumerate(paragraphs) if i not in drop], removed


def clean_text(text: str) -> tuple[str, list[dict]]:
    """A lone text copy: (clean body, what was removed as {kind, text})."""
    kept, removed = clean_body(text)
    return "\n\n".join(kept), [{"kind": r["kind"], "text": r["text"]} for r in removed]


def split_title(text: str) -> tuple[str, str]:
    """A `.txt` article: the first non-empty line is the title, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[i + 1:])
    return "", ""

