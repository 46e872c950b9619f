"""News sitemaps and sitemap indexes (sitemaps.org, Google News `news:` extension) → pages to fetch.

Parsed with lxml (no entities, no network), as the feeds file's OPML is: the maintained parser that
fits (ultimate-sitemap-parser) is GPL-3.0 and fetches with its own client, and every request must go
through `HttpClient.get` (robots.txt, per-host rate, address policy). A sitemap may be gzipped
(`.xml.gz`) or a plain list of URLs. A page's publication time is `news:publication_date`, else
`lastmod`; its title `news:title`.

`SitemapPages` (`newsbeam run --sitemap URL`) lists every page of the sitemaps (child sitemaps of an
index whose `lastmod` is before --since are not fetched) and fetches the pages the filters keep. In
`newsbeam stream` a feeds-file entry is a sitemap when it says `type: sitemap` or its document is one
(`document_entries`, called by PollFeeds).
"""
from __future__ import annotations

import datetime as dt
import gzip
import zlib
from dataclasses import dataclass, field

import apache_beam as beam

from transforms.filters import Filters, count_filtered
from transforms.ingest.feeds import feed_entries
from transforms.ingest.fetch import page_document
from transforms.ingest.http import HTML_TYPES, FetchError, HttpClient, UsesHttpClient
from transforms.runtime import counter
from transforms.stage import Rejected, StageDoFn, apply_stage
from transforms.text.identity import parse_time

MAX_DEPTH = 2          # an index of indexes is tolerated, deeper nesting is refused
SITEMAP_TYPES = ("xml", "text/plain", "gzip", "octet-stream")


@dataclass
class Sitemap:
    children: list = field(default_factory=list)   # (loc, lastmod) of an index's sitemaps
    pages: list = field(default_factory=list)      # {loc, published, title, language, publication}


def _unzip(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as error:
        raise Rejected("bad_gzip", f"cannot gunzip the sitemap: {error}") from None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def looks_like_sitemap(body: bytes) -> bool:
    head = body[:4096]
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(31).decompress(body[:1 << 16], 4096)
        except zlib.error:
            return False
    head = head.lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def parse_sitemap(body: bytes, location: str = "sitemap") -> Sitemap:
    """A sitemap or sitemap index; Rejected(`not_a_sitemap`) for anything else."""
    import lxml.etree
    data = _unzip(body)
    stripped = data.lstrip()
    if not stripped.startswith(b"<"):
        return _text_sitemap(data, location)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(stripped, parser)
    except lxml.etree.XMLSyntaxError as error:
        raise Rejected("not_a_sitemap", f"{location}: {error}", excerpt=data) from None
    kind = _local(root.tag) if root is not None else ""
    if kind not in ("urlset", "sitemapindex"):
        raise Rejected("not_a_sitemap", f"{location}: root element <{kind or '?'}>", excerpt=data)
    sitemap = Sitemap()
    for node in root:
        fields = _fields(node)
        loc = fields.get("loc")
        if not loc:
            continue
        if kind == "sitemapindex":
            sitemap.children.append((loc, parse_time(fields.get("lastmod"))))
        else:
            sitemap.pages.append({"loc": loc, "published": fields.get("publication_date") or fields.get("lastmod"),
                                  "title": fields.get("title"), "language": fields.get("language"),
                                  "publication": fields.get("name")})
    return sitemap


def _fields(node) -> dict:
    """Text of every leaf under a <url> or <sitemap>, by local name (news:title → title)."""
    out = {}
    for child in node.iter():
        if len(child) == 0 and child.text and child.text.strip():
            out.setdefault(_local(child.tag), child.text.strip())
    return out


def _text_sitemap(data: bytes, location: str) -> Sitemap:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines or not all(line.startswith(("http://", "https://")) for line in lines):
        raise Rejected("not_a_sitemap", f"{location}: neither XML nor a list of URLs", excerpt=data)
    return Sitemap(pages=[{"loc": line} for line in lines])


def page_entry(page: dict, sitemap_url: str, outlet: str | None = None, feed_key: str | None = None) -> dict:
    """A listed page as the entry FetchPages takes (the same shape as a feed entry's)."""
    meta = {"url": page["loc"], "title": page.get("title"), "published": page.get("published"),
            "site_name": page.get("publication"), "feed_language": page.get("language"), "outlet": outlet}
    return {"entry_id": page["loc"], "feed_url": sitemap_url, "feed_key": feed_key, "html": "",
            "fetch_pages": "always", "meta": {k: v for k, v in meta.items() if v}, "source": page["loc"]}


def fetch_sitemap(client: HttpClient, url: str) -> Sitemap:
    try:
        response = client.get(url, accept_types=SITEMAP_TYPES)
    except FetchError as error:
        raise Rejected(error.reason, f"{url}: {error}") from None
    return parse_sitemap(response.body, url)


def walk(client: HttpClient, url: str, filters: Filters | None, sitemap: Sitemap | None = None, depth: int = 0):
    """(`page`, entry) for every page under `url`, and (`dead`, url, reason, message) for each child
    sitemap that failed; an index's children are fetched depth first through the same client."""
    sitemap = sitemap or fetch_sitemap(client, url)
    for page in sitemap.pages:
        yield ("page", page_entry(page, url))
    for child, lastmod in sitemap.children:
        if filters and filters.since and lastmod and lastmod < filters.since:
            counter("sitemap.children_before_since").inc()  # nothing in it is newer than its lastmod
            continue
        try:
            nested = fetch_sitemap(client, child)
            if nested.children and depth + 1 >= MAX_DEPTH:
                raise Rejected("too_deep", f"{child}: a sitemap index more than {MAX_DEPTH} levels deep")
        except Rejected as why:
            yield ("dead", child, why.reason, str(why))
            continue
        counter("sitemap.fetched").inc()
        yield from walk(client, child, filters, nested, depth + 1)


def document_entries(feed, response, client: HttpClient | None = None) -> list[dict]:
    """The entries of a polled document: a sitemap's pages (fetched whole, an index's children
    through `client`) when the feed says `type: sitemap` or the document is one, else a feed's."""
    if getattr(feed, "kind", "feed") != "sitemap" and not looks_like_sitemap(response.body):
        return feed_entries(feed, response.body, response.headers)
    sitemap = parse_sitemap(response.body, feed.url)
    pages = list(sitemap.pages)
    for child, _ in sitemap.children if client else ():
        try:
            pages.extend(fetch_sitemap(client, child).pages)
        except Rejected:
            counter("sitemap.child_failed").inc()
    return [page_entry(page, feed.url, feed.outlet, feed.key) for page in pages]


class ClientStageDoFn(UsesHttpClient, StageDoFn):
    """A stage that asks the web: its HttpClient is made in `setup` from plain settings."""

    def __init__(self, client_settings: dict):
        super().__init__()
        self.client_settings = client_settings



class FetchListedPagesDoFn(ClientStageDoFn):
    """A listed page → its RawDocument (`source` its URL); one that cannot be fetched is a dead letter
    of stage `fetch` with the client's reason. A backfill has no later poll to retry at: the client's
    own retries (`--fetch-retries`) are all."""

    stage = "fetch"

    def process_element(self, entry: dict):
        link = entry["meta"]["url"]
        try:
            response = self.client.get(link, accept_types=HTML_TYPES)
        except FetchError as error:
            raise Rejected(error.reason, f"{link}: {error}") from None
        yield page_document(entry, response, dt.datetime.now(dt.timezone.utc))


class ListPagesDoFn(ClientStageDoFn):
    """sitemap URL → the entries of the pages it lists that the filters keep, each page once; a
    sitemap that cannot be fetched or read is a dead letter of stage `sitemap` (and an input)."""

    stage = "sitemap"
    stream_outputs = True

    def __init__(self, client_settings: dict, filters: Filters | None = None):
        super().__init__(client_settings)
        self.filters = filters or None

    def process_element(self, url: str):
        seen = set()
        for item in walk(self.client, url, self.filters):
            if item[0] == "dead":
                yield self.dead({"source": item[1]}, item[2], item[3])
                continue
            entry = item[1]
            if entry["entry_id"] in seen:
                counter("sitemap.entries_repeated").inc()
                continue
            seen.add(entry["entry_id"])
            counter("sitemap.entries").inc()
            reason = self.filters and self.filters.entry_refused(entry)
            if reason:
                count_filtered(reason)
                continue
            yield entry


class SitemapPages(beam.PTransform):
    """pbegin → (raw documents of the pages the sitemaps at `urls` list, [dead letters])."""

    def __init__(self, urls, client_settings: dict, filters: Filters | None = None):
        super().__init__()
        self.urls = list(urls)
        self.client_settings = client_settings
        self.filters = filters

    def expand(self, pbegin):
        sitemaps = pbegin | "ListSitemaps" >> beam.Create(self.urls)
        entries, listing_dead = apply_stage(sitemaps, "ListPages", ListPagesDoFn(self.client_settings, self.filters))
        raw, fetch_dead = apply_stage(entries | "SpreadPages" >> beam.Reshuffle(), "FetchPages",
                                      FetchListedPagesDoFn(self.client_settings))
        return raw, [listing_dead, fetch_dead]
