"""ExtractArticles: RawDocument → Article. trafilatura for HTML (body without comments, title,
authors, date, canonical URL, site name), the rules of `clean.py` for plain text, then ids, outlet and
dates. Manifest metadata wins over what is extracted.

trafilatura runs in a child process per worker with a time limit, so that one pathological page is a
dead letter (`timeout`) instead of a stalled worker: a thread cannot be stopped, a process can.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import re
import threading

import apache_beam as beam

from schemas.article import new_article
from transforms.clean import clean_text, clean_title, split_title
from transforms.identity import article_id, outlet_for, parse_time
from transforms.stage import Rejected, StageDoFn, apply_stage

DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
MIN_WORDS = 5


def trafilatura_extract(html: str, url: str | None = None) -> dict | None:
    """The fields we use of trafilatura's extraction, or None when it finds no article."""
    import trafilatura
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, date_extraction_params=DATE_PARAMS)
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    return {k: data.get(k) for k in ("title", "author", "url", "sitename", "date", "text", "language")}


def _extraction_worker(connection):
    """Child-process loop: receive (html, url), send back ("ok", result) or ("error", type, message)."""
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", trafilatura_extract(*request)))
        except Exception as error:  # noqa: BLE001 - reported to the parent as a dead letter
            connection.send(("error", type(error).__name__, str(error)[:500]))


class TimeLimitedExtractor:
    """trafilatura in a persistent child process; a call over `timeout` seconds kills it (the next
    call starts a fresh one). `timeout <= 0` extracts in-process, without a limit."""

    _context = None
    _context_lock = threading.Lock()

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._process = None
        self._connection = None

    @classmethod
    def _mp(cls):
        # forkserver: children fork from a clean, single-threaded server with trafilatura preloaded,
        # not from a Beam worker full of gRPC threads.
        with cls._context_lock:
            if cls._context is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["trafilatura", "transforms.extract"])
                cls._context = context
            return cls._context

    def _start(self):
        context = self._mp()
        parent, child = context.Pipe()
        self._process = context.Process(target=_extraction_worker, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._connection = parent

    def close(self):
        if self._process is not None:
            self._connection.close()
            self._process.kill()
            self._process.join(5)
        self._process = self._connection = None

    def __call__(self, html: str, url: str | None = None) -> dict | None:
        if self.timeout <= 0:
            return trafilatura_extract(html, url)
        if self._process is None or not self._process.is_alive():
            self._start()
        self._connection.send((html, url))
        if not self._connection.poll(self.timeout):
            self.close()
            raise Rejected("timeout", f"extraction took longer than {self.timeout:g} s")
        try:
            answer = self._connection.recv()
        except EOFError:
            self.close()
            raise Rejected("extractor_crashed", "the extraction process died on this document")
        if answer[0] == "error":
            raise Rejected("extract_error", f"{answer[1]}: {answer[2]}")
        return answer[1]


def html_to_text(fragment: str) -> str:
    """A feed entry's summary fragment as text, for entries too short for trafilatura."""
    import lxml.html
    try:
        return " ".join(lxml.html.fromstring(fragment).text_content().split())
    except Exception:  # noqa: BLE001 - not HTML at all: the fragment is already text
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def normalise_paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in (text or "").split("\n") if p.strip())


def content_hash(text: str) -> str:
    """Hash of the text with case, punctuation and white space folded: exact copies share it."""
    folded = " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def build_article(raw: dict, extract_html=trafilatura_extract) -> dict:
    """One RawDocument → one article record (plain function: tests call it without Beam)."""
    meta = raw.get("meta") or {}
    removed: list[dict] = []
    extracted: dict = {}
    if raw.get("html") is not None:
        extracted = extract_html(raw["html"], meta.get("url")) or {}
        body = normalise_paragraphs(extracted.get("text") or "")
        if not body and raw["input_kind"] == "feed_entry":
            body = html_to_text(raw["html"])
        if not body:
            raise Rejected("no_article", "no article text found in the page", excerpt=raw["html"][:200])
        title = meta.get("title") or extracted.get("title") or ""
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
        body, removed = clean_text(text)
    if len(body.split()) < MIN_WORDS:
        raise Rejected("no_text", f"fewer than {MIN_WORDS} words of text", excerpt=body or title)

    url = meta.get("url") or extracted.get("url")
    site_name = meta.get("site_name") or extracted.get("sitename")
    outlet = outlet_for(meta.get("outlet"), url)
    title, title_removed = clean_title(title, site_name, outlet)
    published_at = parse_time(meta.get("published") or extracted.get("date"))
    authors = meta.get("authors") or [a.strip() for a in (extracted.get("author") or "").split(";") if a.strip()]
    if isinstance(authors, str):
        authors = [authors]
    fetched_at = raw["fetched_at"]
    identifier = article_id(raw["input_kind"], raw["source"], raw["digest"])
    return new_article(
        article_id=identifier,
        source=raw["source"],
        input_kind=raw["input_kind"],
        url=url,
        outlet=outlet,
        site_name=site_name,
        title=title or None,
        authors=list(authors),
        published_at=published_at,
        fetched_at=fetched_at,
        date_source="published" if published_at else "fetched",
        text=body,
        word_count=len(body.split()),
        removed=title_removed + removed,
        language=meta.get("language"),  # a given language skips detection
        content_hash=content_hash(body),
    )


class ExtractDoFn(StageDoFn):
    stage = "extract"

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self._extractor = None

    def setup(self):
        self._extractor = TimeLimitedExtractor(self.timeout)

    def teardown(self):
        if self._extractor is not None:
            self._extractor.close()

    def process_element(self, raw):
        yield build_article(raw, self._extractor)


class ExtractArticles(beam.PTransform):
    """raw documents → (articles, dead letters)."""

    def __init__(self, timeout: float = 30.0):
        super().__init__()
        self.timeout = timeout

    def expand(self, raw_documents):
        return apply_stage(raw_documents, "Extract", ExtractDoFn(self.timeout))
