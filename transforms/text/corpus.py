"""Corpus evidence: boilerplate that only the run as a whole can prove.

- a line repeated verbatim (case and spacing folded) in `REPEAT_MIN` or more different articles of
  the same outlet, and in at least `MIN_SHARE` of them, is the outlet's furniture (the classic
  repeated-line filter of large text corpora): `repeated in 14 articles of express.co.uk`;
- a line equal to the title of another article of the outlet is a link to it: `title of article <id>`;
- a title tail (from a separator to the end) repeated as often across the outlet's titles is the
  site's suffix: `repeated in 9 titles of express.co.uk`.

Guards, because repetition also has innocent causes: only lines of up to `MAX_LINE_WORDS` words
count (a repeated long paragraph is reporting reused by an update or a copy, not furniture), and
none with a date (a dateline of the same day); an
article that would lose more than `MAX_SHARE` of its words to repetition is a copy of a sibling and
keeps them all; nothing is removed that would leave less than an article. An outlet with fewer than
`REPEAT_MIN` articles in the run has no siblings to give evidence: its page copies get the lone
rule of `clean.py` instead.

The evidence is one Beam combine keyed by (kind, outlet, normalised line) as an 8-byte hash; the
values that cross the shuffle are a count, content-hash prefixes (at most `CAP` per key) and the
ids of the articles whose title it is (at most two), never text. Only keys that reach evidence go on, as a
side input. Lines are evidence only for the text copies that clean.py cleans (trafilatura already
cleans pages by their markup); titles and title tails come from every article.
"""
from __future__ import annotations

import hashlib
import re

import apache_beam as beam

from transforms.text.clean import drop_lone_headlines, removal
from transforms.text.identity import content_hash
from transforms.text.titles import MIN_HEADLINE_WORDS, tails
from transforms.text.words import count_words, is_article_text

PENDING = "_corpus_pending"   # build_article marks the text copies whose lines wait for this stage
REPEAT_MIN = 3
# ...and in a tenth of the outlet's articles: the furniture of page copies is on most of an outlet's
# pages, while CoNLL's 216 Reuters documents repeat real lines (datelines, "Scorers :", "It gave no
# further details .") in up to 14 documents, 6.5% (README, "Cleaning").
MIN_SHARE = 0.1
DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")   # a dateline, not furniture
MAX_LINE_WORDS = 40
MIN_TITLE_WORDS = 4           # a shorter title ("Live updates") matches headings by chance
MAX_SHARE = 0.5
CAP = 64
LINE, SUFFIX, OUTLET = b"L", b"S", b"O"


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def key(kind: bytes, outlet: str, text: str = "") -> bytes:
    digest = hashlib.blake2b(f"{outlet}\x1f{normalise(text)}".encode("utf-8"), digest_size=8).digest()
    return kind + digest


def doc_id(article: dict) -> int:
    """Copies with the same text count once."""
    return int((article.get("content_hash") or content_hash(article["text"]))[:8], 16)


def paragraphs_of(article: dict) -> list[str]:
    return [p for p in (article.get("text") or "").split("\n\n") if p]


def evidence_keys(article: dict):
    """(key, (doc id, title owner id)) pairs one article adds to the combine."""
    outlet, doc = article["outlet"], doc_id(article)
    yield key(OUTLET, outlet), (doc, None)
    if article.get(PENDING):
        for line in {normalise(p) for p in paragraphs_of(article) if count_words(p) <= MAX_LINE_WORDS}:
            yield key(LINE, outlet, line), (doc, None)
    title = article.get("title") or ""
    splits = tails(title)
    # the title as it may be linked: whole, or without a suffix only the run can prove
    for linked in {title, *(head for head, _ in splits)}:
        if count_words(linked) >= MIN_TITLE_WORDS:
            yield key(LINE, outlet, linked), (None, article["article_id"])
    for head, suffix in splits:
        if count_words(head) >= MIN_HEADLINE_WORDS:
            yield key(SUFFIX, outlet, suffix), (doc, None)


class EvidenceFn(beam.CombineFn):
    """(articles, distinct doc ids up to CAP, title owners up to two) → (docs, title owners): docs
    counts distinct texts while they fit in CAP, then articles (copies are then a rounding error)."""

    def create_accumulator(self):
        return 0, set(), ()

    def add_input(self, accumulator, value):
        total, docs, titles = accumulator
        doc, owner = value
        if doc is not None:
            total += 1
            if len(docs) < CAP:
                docs.add(doc)
        if owner is not None and owner not in titles:
            titles = tuple(sorted((*titles, owner)))[:2]
        return total, docs, titles

    def merge_accumulators(self, accumulators):
        total, docs, titles = 0, set(), ()
        for count, more, owners in accumulators:
            total += count
            for doc in more:
                if len(docs) >= CAP:
                    break
                docs.add(doc)
            titles = tuple(sorted(set(titles) | set(owners)))[:2]
        return total, docs, titles

    def extract_output(self, accumulator):
        total, docs, titles = accumulator
        return (len(docs) if len(docs) < CAP else total), titles


def reaches_evidence(item) -> bool:
    """Outlet sizes, lines and tails repeated often enough, lines that are some article's title."""
    found, (docs, titles) = item
    kind = found[:1]
    return kind == OUTLET or docs >= REPEAT_MIN or (kind == LINE and bool(titles) and docs > 0)


class CorpusEvidence(beam.PTransform):
    """articles → {key: (docs, title owners)} of the keys that are evidence (for AsDict)."""

    def expand(self, articles):
        return (articles
                | "Keys" >> beam.FlatMap(evidence_keys)
                | "Combine" >> beam.CombinePerKey(EvidenceFn())
                | "Evidence" >> beam.Filter(reaches_evidence))


def outlet_size(article: dict, evidence: dict) -> int:
    return evidence.get(key(OUTLET, article["outlet"]), (0, ()))[0]


def lone(article: dict, evidence: dict) -> bool:
    return outlet_size(article, evidence) < REPEAT_MIN


def repeated_enough(docs: int, article: dict, evidence: dict) -> bool:
    return docs >= REPEAT_MIN and docs >= MIN_SHARE * outlet_size(article, evidence)


def line_evidence(article: dict, paragraph: str, evidence: dict) -> tuple[str, str] | None:
    """(kind, evidence) for a paragraph the corpus proves boilerplate, or None."""
    if count_words(paragraph) > MAX_LINE_WORDS:
        return None
    docs, titles = evidence.get(key(LINE, article["outlet"], paragraph), (0, ()))
    others = [t for t in titles if t != article["article_id"]]
    if others:
        return "related", f"title of article {others[0]}"
    if repeated_enough(docs, article, evidence) and not DATE_RE.search(paragraph):
        return "repeated", f"repeated in {docs} articles of {article['outlet']}"
    return None


def apply_line_evidence(article: dict, evidence: dict) -> dict:
    """A text copy with the lines the corpus proves boilerplate removed (or, lone, the lone rule)."""
    article = {k: v for k, v in article.items() if k != PENDING}
    paragraphs = paragraphs_of(article)
    found = {i: line_evidence(article, p, evidence) for i, p in enumerate(paragraphs)}
    found = {i: f for i, f in found.items() if f}
    repeated = sum(count_words(paragraphs[i]) for i, f in found.items() if f[0] == "repeated")
    if repeated > MAX_SHARE * count_words(article["text"]):
        found = {i: f for i, f in found.items() if f[0] != "repeated"}   # a copy of a sibling
    kept = [p for i, p in enumerate(paragraphs) if i not in found]
    removed = [removal(f[0], paragraphs[i], f[1]) for i, f in sorted(found.items())]
    if lone(article, evidence):
        kept, more = drop_lone_headlines(kept, [r["kind"] for r in article["removed"]])
        removed += more
    body = "\n\n".join(kept)
    if not removed or not is_article_text(body, article.get("title")):
        return article
    return {**article, "text": body, "word_count": count_words(body), "content_hash": content_hash(body),
            "removed": article["removed"] + removed}


def apply_title_evidence(article: dict, evidence: dict) -> dict:
    """The title without its longest tail that repeats across the outlet's titles."""
    title = article.get("title") or ""
    for head, suffix in reversed(tails(title)):
        docs = evidence.get(key(SUFFIX, article["outlet"], suffix), (0, ()))[0]
        if repeated_enough(docs, article, evidence) and count_words(head) >= MIN_HEADLINE_WORDS:
            why = removal("title_suffix", suffix, f"repeated in {docs} titles of {article['outlet']}")
            return {**article, "title": head, "removed": [why] + article["removed"]}
    return article


class ApplyLineEvidence(beam.PTransform):
    """text copies → text copies without the lines the corpus proves boilerplate."""

    def __init__(self, evidence):
        super().__init__()
        self.evidence = evidence

    def expand(self, copies):
        return copies | "Lines" >> beam.Map(apply_line_evidence, beam.pvalue.AsDict(self.evidence))


class ApplyTitleEvidence(beam.PTransform):
    """articles → articles without title tails the corpus proves suffixes; `then` runs after it
    in the same step (the unpacking of articles that crossed a flatten)."""

    def __init__(self, evidence, then=None):
        super().__init__()
        self.evidence = evidence
        self.then = then

    def expand(self, articles):
        then = self.then or (lambda article: article)
        return articles | "Titles" >> beam.Map(
            lambda a, evidence: apply_title_evidence(then(a), evidence), beam.pvalue.AsDict(self.evidence))
