"""ExtractArticles: RawDocument → Article. trafilatura for HTML (body without comments, title,
authors, date, canonical URL, site name; in a time-limited child process, `extractor.py`), the rules
of `clean.py` for plain text and of `titles.py` for titles, then ids, outlet and dates (`identity.py`).
Manifest metadata wins over what is extracted.

`clean` is `rules` (a lone article: every rule, corpus evidence will not follow), `corpus` (the rules
but the lone-page guess, which `corpus.py` makes once it knows whether the outlet has siblings) or
`none` (nothing removed, for corpora that are clean already).
"""
from __future__ import annotations

import collections
import re

import apache_beam as beam

from schemas.article import new_article
from transforms.stage import Rejected, StageDoFn, apply_stage
from transforms.text.clean import clean_body, split_paragraphs, split_title
from transforms.text.corpus import PENDING
from transforms.text.extractor import TimeLimitedExtractor, trafilatura_extract
from transforms.text.identity import article_id, content_hash, outlet_for, publication_time
from transforms.text.titles import title_suffix
from transforms.text.words import MIN_SENTENCE_WORDS, count_words, is_article_text

CLEAN_MODES = ("corpus", "rules", "none")


def html_to_text(fragment: str) -> str:
    """A feed entry's summary fragment as text, for entries too short for trafilatura."""
    import lxml.html
    try:
        return " ".join(lxml.html.fromstring(fragment).text_content().split())
    except Exception:  # noqa: BLE001 - not HTML at all: the fragment is already text
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def normalise_paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in (text or "").split("\n") if p.strip())


def build_article(raw: dict, extract_html=trafilatura_extract, clean: str = "rules") -> dict:
    """One RawDocument → one article record (plain function: tests call it without Beam)."""
    meta = raw.get("meta") or {}
    removed: list[dict] = []
    extracted: dict = {}
    if raw.get("html") is not None:
        extracted = extract_html(raw["html"], meta.get("url")) or {}
        body = normalise_paragraphs(extracted.get("text") or "")
        if not body and raw["input_kind"] == "feed_entry":
            body = html_to_text(raw["html"])
        title = meta.get("title") or extracted.get("title") or ""
        if not body and raw["input_kind"] == "feed_entry" and title.strip():
            body = " ".join(title.split())  # a headline-only entry: its headline is all the text it has
        if not body:
            raise Rejected("no_article", "no article text found in the page", excerpt=raw["html"][:200])
        # trafilatura keeps the headline as the body's first line; the title column has it already
        first, _, rest = body.partition("\n\n")
        if title and rest and first.strip().lower() == title.strip().lower():
            body = rest
    else:
        text = raw.get("text") or ""
        if raw["input_kind"] == "text":
            title, text = split_title(text)
        else:
            title = ""
        title = meta.get("title") or title
        if clean == "none":
            paragraphs = split_paragraphs(text)
        else:
            paragraphs, removed = clean_body(text, lone=clean == "rules")
        body = "\n\n".join(paragraphs)
    if not is_article_text(body, title):
        raise Rejected("no_text", f"no title and fewer than {MIN_SENTENCE_WORDS} words of text",
                       excerpt=body or title)

    fallback = meta.get("fallback") or {}   # a fetched page: the URL fetched, the feed's title
    url = meta.get("url") or extracted.get("url") or fallback.get("url")
    site_name = meta.get("site_name") or extracted.get("sitename") or fallback.get("site_name")
    outlet = outlet_for(meta.get("outlet"), url)
    title, title_removed = title_suffix(title, site_name, outlet) if clean != "none" else (" ".join(title.split()), [])
    published_at, precision = publication_time(meta.get("published"), extracted.get("page_dates"), extracted.get("date"))
    authors = meta.get("authors") or [a.strip() for a in (extracted.get("author") or "").split(";") if a.strip()]
    if isinstance(authors, str):
        authors = [authors]
    fetched_at = raw["fetched_at"]
    identifier = article_id(raw["input_kind"], raw["source"], raw["digest"])
    pending = {PENDING: True} if clean == "corpus" and raw.get("html") is None else {}
    return new_article(
        **pending,
        article_id=identifier,
        source=raw["source"],
        input_kind=raw["input_kind"],
        url=url,
        outlet=outlet,
        site_name=site_name,
        title=title or None,
        authors=list(authors),
        published_at=published_at,
        published_precision=precision,
        fetched_at=fetched_at,
        date_source="published" if published_at else "fetched",
        text=body,
        word_count=count_words(body),
        removed=title_removed + removed,
        language=meta.get("language"),  # a given language skips detection
        content_hash=content_hash(body),
        text_source=meta.get("text_source") or ("page" if raw.get("html") is not None else None),
    )


class ExtractDoFn(StageDoFn):
    """RawDocument → article, with the child process up to AHEAD pages ahead: while it extracts,
    this worker carries earlier articles through the stages fused after this one (language and
    tagging, whose spaCy batches take seconds), so one worker keeps two cores busy. An article held
    back is emitted with its own window and timestamp, at the latest in finish_bundle."""

    stage = "extract"
    AHEAD = 64  # two tagging batches: the child works through the next batch while one is parsed

    def __init__(self, timeout: float, clean: str = "rules"):
        super().__init__()
        self.timeout = timeout
        self.clean = clean
        self._extractor = None
        self._held: collections.deque = collections.deque()  # WindowedValues of pages in flight

    def setup(self):
        self._extractor = TimeLimitedExtractor(self.timeout)
        self._held = collections.deque()

    def teardown(self):
        if self._extractor is not None:
            self._extractor.close()

    def process_element(self, raw):  # in-process extraction, or a document without HTML
        yield build_article(raw, self._extractor, self.clean)

    def process(self, raw, element=beam.DoFn.WindowedValueParam):
        if self.timeout <= 0 or raw.get("html") is None:
            yield from super().process(raw)
            return
        try:
            self._extractor.submit(raw["html"], (raw.get("meta") or {}).get("url"))
        except Exception as error:  # noqa: BLE001 - the child could not be started
            yield self._reject(raw, "error", error=error)
            return
        self._held.append(element)
        while len(self._held) > self.AHEAD:
            yield from self._finish_oldest()

    def finish_bundle(self):
        while self._held:
            yield from self._finish_oldest()

    def _finish_oldest(self):
        """The oldest held page's output as a WindowedValue: its article or its dead letter."""
        element = self._held.popleft()
        try:
            extracted = self._extractor.result()
            article = build_article(element.value, lambda html, url: extracted, self.clean)
        except Rejected as why:
            out = self._reject(element.value, why.reason, str(why), excerpt=why.excerpt)
        except Exception as error:  # noqa: BLE001 - one bad article must never stop the run
            out = self._reject(element.value, "error", error=error)
        else:
            self._out.inc()
            yield element.with_value(article)
            return
        yield beam.pvalue.TaggedOutput(out.tag, element.with_value(out.value))


class ExtractArticles(beam.PTransform):
    """raw documents → (articles, dead letters)."""

    def __init__(self, timeout: float = 30.0, clean: str = "rules"):
        super().__init__()
        if clean not in CLEAN_MODES:
            raise ValueError(f"clean must be one of {CLEAN_MODES}, not {clean!r}")
        self.timeout = timeout
        self.clean = clean

    def expand(self, raw_documents):
        return apply_stage(raw_documents, "Extract", ExtractDoFn(self.timeout, self.clean))
