"""ExtractArticles: RawDocument → Article. trafilatura for HTML (body without comments, title,
authors, date, canonical URL, site name), the rules of `clean.py` for plain text, then ids, outlet and
dates. Manifest metadata wins over what is extracted.

trafilatura runs in a child process per worker with a time limit, so that one pathological page is a
dead letter (`timeout`) instead of a stalled worker: a thread cannot be stopped, a process can.
"""
from __future__ import annotations

import collections
import hashlib
import multiprocessing
import queue
import re
import threading
import time

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


class _ExtractionChild:
    """One extraction process, with a thread that hands it pages and one that collects its answers,
    so that neither end of the pipe can block the other (a page is far larger than a pipe buffer)."""

    def __init__(self, context):
        parent, child = context.Pipe()
        self.process = context.Process(target=_extraction_worker, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.connection = parent
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.answers: queue.SimpleQueue = queue.SimpleQueue()
        self.last_answer_at = time.monotonic()  # it starts the next page when it answers the last one
        threading.Thread(target=self._send, daemon=True, name="extract-send").start()
        threading.Thread(target=self._receive, daemon=True, name="extract-receive").start()

    def _send(self):
        while (request := self.outbox.get()) is not None:
            try:
                self.connection.send(request)
            except (OSError, ValueError):  # the child was killed
                return

    def _receive(self):
        while True:
            try:
                answer = self.connection.recv()
            except (EOFError, OSError, ValueError):
                self.answers.put(None)
                return
            self.answers.put((answer, time.monotonic()))

    def close(self):
        self.outbox.put(None)
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class TimeLimitedExtractor:
    """trafilatura in a persistent child process, fed several pages ahead (`submit`, then `result`
    in the same order) so that it works while the caller does something else. A page that takes
    over `timeout` seconds, counted from when the child could start it, kills the child; a fresh
    one takes the pages still in flight. `timeout <= 0` extracts in-process, without a limit."""

    _context = None
    _context_lock = threading.Lock()

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._child: _ExtractionChild | None = None
        self._in_flight: collections.deque = collections.deque()  # (html, url, handed over at)

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

    def _restart(self):
        """A fresh child, given again every page still in flight (the old one lost them)."""
        if self._child is not None:
            self._child.close()
        self._child = _ExtractionChild(self._mp())
        pages, self._in_flight = list(self._in_flight), collections.deque()
        for html, url, _ in pages:
            self._hand_over(html, url)

    def _hand_over(self, html: str, url: str | None):
        self._in_flight.append((html, url, time.monotonic()))
        self._child.outbox.put((html, url))

    def close(self):
        if self._child is not None:
            self._child.close()
        self._child = None
        self._in_flight.clear()

    def submit(self, html: str, url: str | None = None) -> None:
        """Queue a page for the child and return at once."""
        if self._child is None or not self._child.process.is_alive():
            self._restart()
        self._hand_over(html, url)

    def result(self) -> dict | None:
        """The extraction of the oldest page submitted and not yet collected."""
        _, _, handed_over = self._in_flight.popleft()
        child = self._child
        begun = max(handed_over, child.last_answer_at)
        try:
            got = child.answers.get(timeout=max(0.001, begun + self.timeout - time.monotonic()))
        except queue.Empty:
            self._restart()
            raise Rejected("timeout", f"extraction took longer than {self.timeout:g} s")
        if got is None:
            self._restart()
            raise Rejected("extractor_crashed", "the extraction process died on this document")
        answer, child.last_answer_at = got
        if answer[0] == "error":
            raise Rejected("extract_error", f"{answer[1]}: {answer[2]}")
        return answer[1]

    def __call__(self, html: str, url: str | None = None) -> dict | None:
        if self.timeout <= 0:
            return trafilatura_extract(html, url)
        if self._in_flight:
            raise RuntimeError("a direct call while pages are in flight; collect them with result() first")
        self.submit(html, url)
        return self.result()


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
    """RawDocument → article, with the child process up to AHEAD pages ahead: while it extracts,
    this worker carries earlier articles through the stages fused after this one (language and
    tagging, whose spaCy batches take seconds), so one worker keeps two cores busy. An article held
    back is emitted with its own window and timestamp, at the latest in finish_bundle."""

    stage = "extract"
    AHEAD = 64  # two tagging batches: the child works through the next batch while one is parsed

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self._extractor = None
        self._held: collections.deque = collections.deque()  # WindowedValues of pages in flight

    def setup(self):
        self._extractor = TimeLimitedExtractor(self.timeout)
        self._held = collections.deque()

    def teardown(self):
        if self._extractor is not None:
            self._extractor.close()

    def process_element(self, raw):  # in-process extraction, or a document without HTML
        yield build_article(raw, self._extractor)

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
            article = build_article(element.value, lambda html, url: extracted)
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

    def __init__(self, timeout: float = 30.0):
        super().__init__()
        self.timeout = timeout

    def expand(self, raw_documents):
        return apply_stage(raw_documents, "Extract", ExtractDoFn(self.timeout))
