"""Boilerplate rules for text copies of web pages: what trafilatura never sees because the page was
already flattened to text before it reached us.

Each rule looks at one paragraph (or the title) and says what kind of boilerplate it is, if any. The
cleaner keeps every removal as (kind, text) so that a reader can audit it in the `removed` column.
Rules are deliberately conservative: a paragraph that ends like a sentence is kept.
"""
from __future__ import annotations

import re

# "Emmanuel Macron Photo: Ludovic Marin / Reuters", "(Photo by X/Getty Images)", "Image: AFP"
CAPTION_RE = re.compile(
    r"(\b(photo|photograph|picture|image|pictured|credit|foto|illustration|video)s?\s*:)"
    r"|(\((photo|image|picture)s?\s+by\b)"
    r"|(\b(getty images|reuters|afp|ap photo|epa|shutterstock|pa images|ria novosti|tass)\s*\)?\s*$)",
    re.IGNORECASE)
FOOTER_RE = re.compile(
    r"^(source link|source|read more|read more:.*|continue reading|click here to .*|share this article"
    r"|follow us on .*|sign up .*newsletter.*|related articles?|advertisement|subscribe.*|more:.*)\s*$",
    re.IGNORECASE)
# A name glued to a job title by a lost line break: "Gabrielius LandsbergisHead of the ..."
GLUED_NAME_RE = re.compile(r"[a-z][A-Z][a-z]+\s+(of|at|for)\b")
# Closing brackets and quotes may follow the final stop; a bare ")" does not end a sentence.
SENTENCE_END_RE = re.compile(r"[.!?…:;\"”»’'][)\]”’\"»]*\s*$")
DATE_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
TITLE_SEPARATORS = (" | ", " — ", " – ", " - ", " :: ", " • ")
MAX_HEADLINE_WORDS = 25


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; a text with none is split on single newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    if len(blocks) <= 1:
        blocks = [line.strip() for line in text.split("\n") if line.strip()]
    return [" ".join(b.split()) for b in blocks]


def classify_paragraph(paragraph: str) -> str | None:
    """The kind of boilerplate this paragraph is, or None when it is article text."""
    words = paragraph.split()
    if FOOTER_RE.match(paragraph):
        return "footer"
    ends_like_sentence = bool(SENTENCE_END_RE.search(paragraph))
    if not ends_like_sentence and len(words) <= 30 and CAPTION_RE.search(paragraph):
        return "caption"
    if not ends_like_sentence and GLUED_NAME_RE.search(paragraph):
        return "pull_quote"
    if not ends_like_sentence and 3 <= len(words) <= MAX_HEADLINE_WORDS:
        # A line with no closing punctuation in the middle of the body is a headline of a related
        # article (or a section heading): navigation, not reporting.
        return "related"
    return None


def clean_title(title: str, site_name: str | None = None, outlet: str | None = None) -> tuple[str, list[dict]]:
    """Strip site and section suffixes: "Story | World | News" → "Story"; "Story - BBC News" → "Story"."""
    title = " ".join((title or "").split())
    removed = []
    if " | " in title:
        head, _, tail = title.partition(" | ")
        if len(head.split()) >= 3:
            return head.strip(), [{"kind": "title_suffix", "text": " | " + tail}]
    names = {n.lower() for n in (site_name, outlet) if n}
    names |= {n.split(".")[0] for n in names if "." in n}
    names = {n for n in names if n}
    while True:  # "Story – DW – 13.06.2023" → "Story": drop site names and dates from the end
        for sep in TITLE_SEPARATORS[1:]:
            head, found, tail = title.rpartition(sep)
            if not found or len(head.split()) < 3:
                continue
            tail_key = tail.strip().lower()
            squeezed = tail_key.replace(" ", "")
            if DATE_RE.fullmatch(tail_key) or tail_key in names or any(n in squeezed or (len(squeezed) >= 4 and squeezed in n) for n in names):
                removed.insert(0, {"kind": "title_suffix", "text": sep + tail})
                title = head.strip()
                break
        else:
            break
    return title, removed


def clean_text(text: str) -> tuple[str, list[dict]]:
    """(clean body, removed parts). The first paragraph is kept even without final punctuation:
    in a text article it is the lead, not navigation."""
    kept, removed = [], []
    for index, paragraph in enumerate(split_paragraphs(text)):
        kind = classify_paragraph(paragraph)
        if kind == "related" and index == 0:
            kind = None
        if kind:
            removed.append({"kind": kind, "text": paragraph})
        else:
            kept.append(paragraph)
    return "\n\n".join(kept), removed


def split_title(text: str) -> tuple[str, str]:
    """A `.txt` article: the first non-empty line is the title, the rest the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[i + 1:])
    return "", ""
