"""A real HTTP server on 127.0.0.1 for the fetch and stream tests, with a log of every request.

It serves news feeds and article pages, and the awkward cases a crawler meets: a feed whose items
change between polls, honest and lying 304s, a slow endpoint, 500s, a redirect loop, a robots.txt
that disallows a path, an oversized page and a malformed feed.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PARAGRAPH = ("The city council met on {day} to discuss the new transport plan for item {n}. Officials said the "
             "tram line would reach the northern districts within two years, while residents asked about "
             "noise, costs and the fate of the old bus depot. The mayor promised a public consultation "
             "before any construction begins, and engineers presented three possible routes. ")


def article_html(n: int, title: str | None = None) -> bytes:
    title = title or f"Transport plan story number {n}"
    body = "".join(f"<p>{PARAGRAPH.format(day=f'Monday {k}', n=n)}</p>" for k in range(4))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<nav>Home | World | Local</nav><article><h1>{title}</h1>{body}</article>"
            f"<footer>Copyright Loopback News</footer></body></html>").encode("utf-8")


def rss(items: list[tuple[str, str, str]], title: str = "Loopback News") -> bytes:
    """items: (guid, title, link); each with a short teaser, so the page gets fetched."""
    xml = "".join(f"<item><guid>{guid}</guid><title>{t}</title><link>{link}</link>"
                  f"<description>A short teaser for {t}.</description>"
                  f"<pubDate>Sat, 21 Nov 2026 10:{i % 60:02d}:00 GMT</pubDate></item>"
                  for i, (guid, t, link) in enumerate(items))
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>"
            f"<link>http://127.0.0.1/</link><description>test</description>{xml}</channel></rss>").encode("utf-8")


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.routes: dict[str, object] = {}
        self.served_links: set[str] = set()   # every entry link a feed has shown in a 200
        self.slow_seconds = 3.0
        self.big_bytes = 3 << 20

    def handle_error(self, request, client_address):
        pass  # a client that gives up (timeout, too large) resets its connection: expected here

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]

    def requests(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.log if path is None or r["path"] == path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def log_message(self, *args):  # quiet; the server keeps its own log
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.log.append({"at": time.monotonic(), "path": path,
                                    "user_agent": self.headers.get("User-Agent", ""),
                                    "if_none_match": self.headers.get("If-None-Match"),
                                    "if_modified_since": self.headers.get("If-Modified-Since")})
        n = self.server.count(path)
        route = self.server.routes.get(path)
        if route is not None:
            return route(self, n)
        if path == "/robots.txt":
            return self.send(200, ROBOTS, "text/plain")
        if path.startswith("/articles/") or path.startswith("/private/"):
            return self.send(200, article_html(int(hashlib.sha1(path.encode()).hexdigest()[:6], 16) % 1000,
                                               title=f"Story at {path}"), "text/html; charset=utf-8")
        if path == "/slow.html":
            time.sleep(self.server.slow_seconds)
            return self.send(200, article_html(1), "text/html")
        if path in ("/error.html", "/broken.xml"):
            return self.send(500, b"internal error", "text/plain")
        if path == "/loop-a":
            return self.redirect("/loop-b")
        if path == "/loop-b":
            return self.redirect("/loop-a")
        if path == "/big.html":
            return self.send(200, b"<html><body>" + b"x" * self.server.big_bytes + b"</body></html>", "text/html")
        if path == "/malformed.xml":
            return self.send(200, b"<?xml version='1.0'?><rss><channel><title>Broken feed", "application/rss+xml")
        if path == "/image.png":
            return self.send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        return self.send(404, b"not found", "text/plain")

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None,
             gzipped: bool = False):
        if gzipped and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers = {**(headers or {}), "Content-Encoding": "gzip"}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, location: str):
        self.send(302, b"", "text/plain", {"Location": location})

    def not_modified(self, etag: str):
        self.send_response(304)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", "0")
        self.end_headers()


LAST_MODIFIED = formatdate(1795300000, usegmt=True)


def growing_feed(server: FeedServer, path: str, links, start: int = 2, honest: bool = True, every: int = 1,
                 lying: str | None = None):
    """A feed at `path` whose items grow by one every `every` requests, from `start` items, up to
    len(links). Honest: its ETag is the content's hash, its Last-Modified the time of the last change,
    and it answers 304 only when nothing changed. `lying="etag"`: one ETag whatever the content, and a
    304 to any If-None-Match (Last-Modified stays honest). Not honest (`lying="both"`): a 304 to any
    conditional request, under one ETag and one Last-Modified, while the items change."""
    lying = lying or (None if honest else "both")

    def handle(handler: Handler, _n: int):
        served = len([r for r in server.requests(path)])
        size = min(len(links), start + (served - 1) // every)
        items = [(f"{path}-item-{i}", f"Item {i} of {path}", links[i]) for i in range(size)]
        body = rss(items)
        etag = '"constant"' if lying else f'"{hashlib.sha1(body).hexdigest()[:12]}"'
        modified = LAST_MODIFIED if lying == "both" else formatdate(1795300000 + 60 * size, usegmt=True)
        if lying == "both":
            stale = bool(handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since"))
        elif handler.headers.get("If-None-Match"):      # RFC 9110: If-None-Match wins over If-Modified-Since
            stale = handler.headers.get("If-None-Match") == etag
        else:
            stale = handler.headers.get("If-Modified-Since") == modified
        if stale:
            return handler.not_modified(etag)
        with server.lock:
            server.served_links.update(link for _, _, link in items)
        handler.send(200, body, "application/rss+xml; charset=utf-8",
                     {"ETag": etag, "Last-Modified": modified}, gzipped=True)

    server.routes[path] = handle
    return handle


class running:
    """with running(FeedServer()) as server: ... (serves in a thread, shuts down after). Each server
    starts with this process's politeness state forgotten (robots answers, per-host holds and slots),
    which are keyed by host and would otherwise carry one test's Retry-After into the next."""

    def __init__(self, server: FeedServer):
        self.server = server

    def __enter__(self) -> FeedServer:
        from transforms.ingest.http import ROBOTS
        from transforms.ingest.rate import RATE_LIMITER
        ROBOTS.clear()
        RATE_LIMITER.clear()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.server

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def news_sitemap(pages: list[tuple[str, str, str]]) -> bytes:
    """pages: (loc, publication date, title) in a Google News sitemap."""
    urls = "".join(f"<url><loc>{loc}</loc><news:news><news:publication><news:name>Loopback News</news:name>"
                   f"<news:language>en</news:language></news:publication>"
                   f"<news:publication_date>{date}</news:publication_date><news:title>{title}</news:title>"
                   f"</news:news></url>" for loc, date, title in pages)
    return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>").encode("utf-8")


def serve_sitemaps(server: FeedServer) -> dict:
    """/sitemap_index.xml → /news-1.xml (two new pages and one under robots' /private/) and a gzipped
    /news-2.xml.gz (one new page, one from 2023), plus /archive-2019.xml that --since never needs."""
    base = server.base
    first = news_sitemap([(f"{base}/articles/fresh-1", "2024-05-02T08:00:00+00:00", "Fresh one"),
                          (f"{base}/articles/fresh-2", "2024-05-03T09:30:00+02:00", "Fresh two"),
                          (f"{base}/private/secret", "2024-05-03T10:00:00Z", "Disallowed")])
    second = news_sitemap([(f"{base}/articles/fresh-3", "2024-05-04", "Fresh three"),
                           (f"{base}/articles/old-1", "2023-01-10T00:00:00Z", "Old one")])
    old = news_sitemap([(f"{base}/articles/ancient", "2019-06-01T00:00:00Z", "Ancient")])
    index = (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
             f"<sitemap><loc>{base}/news-1.xml</loc><lastmod>2024-05-03</lastmod></sitemap>"
             f"<sitemap><loc>{base}/news-2.xml.gz</loc><lastmod>2024-05-04</lastmod></sitemap>"
             f"<sitemap><loc>{base}/archive-2019.xml</loc><lastmod>2019-06-02</lastmod></sitemap>"
             f"</sitemapindex>").encode()
    routes = {"/sitemap_index.xml": (index, "application/xml"), "/news-1.xml": (first, "application/xml"),
              "/news-2.xml.gz": (gzip.compress(second), "application/x-gzip"),
              "/archive-2019.xml": (old, "text/xml")}
    for path, (body, content_type) in routes.items():
        server.routes[path] = lambda handler, _n, body=body, content_type=content_type: handler.send(200, body, content_type)
    return {path: base + path for path in routes}
