"""FetchPages: a feed entry → the RawDocument extraction takes, the linked page fetched through the
one HTTP client when the entry holds only a teaser, else the entry's own content.

A page that cannot be fetched is a dead letter of stage `fetch` with the client's reason.
"""
from __future__ import annotations

import datetime as _dt

import apache_beam as beam

from transforms.ingest.decode import digest
from transforms.ingest.http import HTML_TYPES, FetchError, HttpClient, Response
from transforms.runtime import counter
from transforms.stage import Rejected, StageDoFn, apply_stage
from transforms.text.extract import html_to_text

FULL_TEXT_WORDS = 150    # an entry with fewer words of content is a teaser: fetch its page


def needs_page(entry: dict) -> bool:
    """Fetch the linked page when the feed says so, or (auto) when the entry holds only a teaser."""
    mode = entry.get("fetch_pages", "auto")
    link = (entry.get("meta") or {}).get("url")
    if mode == "never" or not link:
        return False
    if mode == "always":
        return True
    return len(html_to_text(entry.get("html") or "").split()) < FULL_TEXT_WORDS


def entry_document(entry: dict, fetched_at: _dt.datetime) -> dict:
    """A feed entry with its full text in the feed, as the RawDocument extraction takes."""
    html = entry.get("html") or ""
    return {"source": entry["source"], "path": entry["feed_url"], "input_kind": "feed_entry", "html": html,
            "text": None, "meta": dict(entry.get("meta") or {}), "fetched_at": fetched_at,
            "digest": digest("feed_entry", html)}


def page_document(entry: dict, response: Response, fetched_at: _dt.datetime) -> dict:
    """A fetched article page as a RawDocument: `source` is the page's URL (the contract's rule)."""
    html = response.text()
    link = entry["meta"]["url"]
    return {"source": link, "path": entry["feed_url"], "input_kind": "fetched", "html": html, "text": None,
            "meta": {**entry["meta"], "url": response.url}, "fetched_at": fetched_at,
            "digest": digest("fetched", html)}


class ClientStageDoFn(StageDoFn):
    """A stage that asks the web: its HttpClient is made in `setup` from plain settings."""

    def __init__(self, client_settings: dict):
        super().__init__()
        self.client_settings = client_settings
        self.client = None

    def setup(self):
        self.client = HttpClient(**self.client_settings)

    def teardown(self):
        if self.client is not None:
            self.client.close()


class FetchPagesDoFn(ClientStageDoFn):
    """entry → RawDocument: the linked page when the entry needs it, else the entry's own content.
    A page that cannot be fetched is a dead letter of stage `fetch` with the client's reason."""

    stage = "fetch"

    def __init__(self, client_settings: dict):
        super().__init__(client_settings)
        self._pages = counter("fetch.pages")
        self._from_feed = counter("fetch.entry_content")

    def process_element(self, entry):
        now = _dt.datetime.now(_dt.timezone.utc)
        if not needs_page(entry):
            self._from_feed.inc()
            yield entry_document(entry, now)
            return
        link = entry["meta"]["url"]
        try:
            response = self.client.get(link, accept_types=HTML_TYPES)
        except FetchError as error:
            raise Rejected(error.reason, f"{link}: {error}") from None
        self._pages.inc()
        yield page_document(entry, response, now)


class FetchPages(beam.PTransform):
    """entries → (raw documents, dead letters)."""

    def __init__(self, client_settings: dict):
        super().__init__()
        self.client_settings = client_settings

    def expand(self, entries):
        return apply_stage(entries, "FetchPages", FetchPagesDoFn(self.client_settings))
