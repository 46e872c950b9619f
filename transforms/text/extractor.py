"""trafilatura in a time-limited child process: one pathological page is a dead letter (`timeout`)
instead of a stalled worker, since a thread cannot be stopped but a process can.

The child works several pages ahead of the caller (`submit`, then `result` in the same order), so
that extraction overlaps whatever the worker does meanwhile (language and tagging).
"""
from __future__ import annotations

import collections
import queue
import threading
import time

from transforms import processes
from transforms.stage import Rejected

DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def trafilatura_extract(html: str, url: str | None = None) -> dict | None:
    """The fields we use of trafilatura's extraction, or None when it finds no article; `page_dates`
    are the publication values of the page's own metadata (published.py), read from the same parse
    before trafilatura cleans the tree."""
    import trafilatura
    from trafilatura.utils import load_html

    from transforms.text.published import page_dates
    tree = load_html(html)
    dates = page_dates(tree) if tree is not None else []
    document = trafilatura.bare_extraction(
        tree if tree is not None else html, url=url, with_metadata=True, include_comments=False,
        date_extraction_params=DATE_PARAMS)
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    return {**{k: data.get(k) for k in ("title", "author", "url", "sitename", "date", "text", "language")},
            "page_dates": dates}


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

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._child: _ExtractionChild | None = None
        self._in_flight: collections.deque = collections.deque()  # (html, url, handed over at)

    def _restart(self):
        """A fresh child, given again every page still in flight (the old one lost them)."""
        if self._child is not None:
            self._child.close()
        self._child = _ExtractionChild(processes.context())
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
