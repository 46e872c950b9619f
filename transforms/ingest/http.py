"""The one HTTP client: every request newsbeam makes to the web goes through `HttpClient.get`.

Politeness and safety live here, once:
- robots.txt is obeyed (RFC 9309: 4xx → everything allowed, 5xx or unreachable → nothing allowed for a
  while), fetched through this client and cached per host;
- a per-host rate limit (requests per second, shared by every client in the process, or by every
  process of a run given `rate_dir`, rate.py; a robots.txt Crawl-delay makes it slower, never
  faster, and a `Retry-After` holds the host);
- a User-Agent naming newsbeam and a contact URL on every request, robots.txt included;
- hosts resolving to loopback, private, link-local or reserved addresses are refused unless allowed,
  and every redirect hop is checked again (bounded, loops detected);
- a maximum body size (counted after gzip decoding, so a small bomb cannot grow), an overall deadline
  per attempt, retries with exponential backoff for timeouts, connection errors, 429 and 5xx
  (waiting out a `Retry-After` up to the fetch timeout; a longer one is left to the caller).

A failure raises `FetchError(reason, message)` (robots, robots_unreachable, retry_after, refused_host, dns,
http_<code>, timeout, too_large, redirect_loop, too_many_redirects, connection, content_type, bad_url);
`transient` says whether asking again later may succeed, `retry_after` what the server asked for.
"""
from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from transforms.ingest.decode import decode_text
from transforms.ingest.rate import HostHeld, rate_limiter, retry_after_seconds

PRODUCT = "newsbeam"
VERSION = "0.1"
DEFAULT_CONTACT = "https://github.com/newsbeam/newsbeam"
CHUNK = 64 << 10
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 << 10
ROBOTS_TTL = 3600.0           # seconds a robots.txt answer is trusted
ROBOTS_UNREACHABLE_TTL = 300.0
RETRY_STATUSES = {429, 500, 502, 503, 504}
JITTER_MARGIN = 0.02          # seconds added to the per-host interval
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("xml", "rss", "atom", "rdf", "text/plain", "text/html")   # feedparser decides the rest
META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


# Worth asking again later: the network, the server's load, a robots.txt that could not be read.
# Everything else (404, 410, other 4xx, robots disallow, refused host, too large, ...) is final.
TRANSIENT_REASONS = {"dns", "connection", "timeout", "robots_unreachable", "retry_after", "http_408", "http_425",
                     "http_429"}


class FetchError(Exception):
    def __init__(self, reason: str, message: str = "", status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message or reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after      # seconds the server asked us to wait (Retry-After)

    @property
    def transient(self) -> bool:
        return self.reason in TRANSIENT_REASONS or (self.status is not None and 500 <= self.status < 600)


@dataclass
class Response:
    url: str                  # after redirects
    status: int
    headers: dict             # lower-case names
    body: bytes = b""
    redirects: list = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", self.headers.get("content-type", ""), re.IGNORECASE)
        return match.group(1) if match else None

    def text(self) -> str:
        """The body as text: the header's charset, else a <meta charset>, else UTF-8 / detection."""
        for charset in (self.charset, _meta_charset(self.body)):
            if charset:
                try:
                    return self.body.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    continue
        return decode_text(self.body)


def _meta_charset(body: bytes) -> str | None:
    match = META_CHARSET_RE.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def user_agent(contact_url: str | None = None) -> str:
    return f"{PRODUCT}/{VERSION} (+{contact_url or DEFAULT_CONTACT})"


# --------------------------------------------------------------------------- address policy


def _host_allowed(host: str, allow_hosts) -> bool:
    return host.lower().strip("[]") in {h.lower().strip("[]") for h in allow_hosts or ()}


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return not (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


def check_address(url: str, allow_hosts=()) -> None:
    """FetchError(refused_host) unless every address the URL's host resolves to is public (or the host
    is allowed by name or address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_url", f"not an http(s) URL: {url[:200]}")
    host = parts.hostname
    if _host_allowed(host, allow_hosts):
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise FetchError("dns", f"cannot resolve {host}: {error}") from error
    for info in infos:
        address = info[4][0]
        if _host_allowed(address, allow_hosts):
            continue
        if not is_public_address(address):
            raise FetchError("refused_host", f"{host} resolves to non-public address {address}")


# --------------------------------------------------------------------------- per-host rate (rate.py)


CRAWL_DELAY: dict[str, float] = {}   # host → seconds, from robots.txt


# --------------------------------------------------------------------------- robots.txt


class RobotsCache:
    """Parsed robots.txt per scheme://host:port, with an expiry; shared by a process's clients."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, urllib.robotparser.RobotFileParser]] = {}

    def get(self, origin: str):
        with self._lock:
            entry = self._entries.get(origin)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        return None

    def put(self, origin: str, parser, ttl: float):
        with self._lock:
            self._entries[origin] = (time.monotonic() + ttl, parser)

    def clear(self):
        with self._lock:
            self._entries.clear()


ROBOTS = RobotsCache()


def robots_parser(lines: list[str] | None, allow_all: bool = False, disallow_all: bool = False):
    parser = urllib.robotparser.RobotFileParser()
    if allow_all:
        parser.allow_all = True
    elif disallow_all:
        parser.disallow_all = True
    else:
        parser.parse(lines or [])
    return parser


# --------------------------------------------------------------------------- the client


class HttpClient:
    """Create one per DoFn in `setup`; the rate limiter and robots cache are per process."""

    def __init__(self, *, contact_url: str | None = None, timeout: float = 10.0, per_host_rate: float = 1.0,
                 max_bytes: int = 10 << 20, allow_hosts=(), retries: int = 2, backoff: float = 0.5,
                 obey_robots: bool = True, rate_dir: str | None = None):
        import urllib3
        self.user_agent = user_agent(contact_url)
        self.timeout = float(timeout)
        self.interval = 1.0 / float(per_host_rate) if per_host_rate and per_host_rate > 0 else 0.0
        self.max_bytes = int(max_bytes)
        self.allow_hosts = tuple(h for h in (allow_hosts or ()) if h)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.obey_robots = obey_robots
        self.limiter = rate_limiter(rate_dir)
        self.requests_made = 0
        self._pool = urllib3.PoolManager(num_pools=50, retries=False)

    def close(self):
        self._pool.clear()

    # ---- public

    def get(self, url: str, headers: dict | None = None, accept_types=None) -> Response:
        """GET `url` politely, following up to MAX_REDIRECTS redirects. A 304 is returned (for
        conditional GETs); any other non-2xx status, and every policy refusal, raises FetchError."""
        return self._get(url, headers, accept_types, self.obey_robots, self.max_bytes)

    def _get(self, url, headers, accept_types, obey_robots: bool, max_bytes: int) -> Response:
        seen = [url]
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            check_address(current, self.allow_hosts)
            if obey_robots and not self.allowed_by_robots(current):
                if getattr(ROBOTS.get(_origin(current)), "unreachable", False):  # RFC 9309: for a while
                    raise FetchError("robots_unreachable", f"robots.txt of {_origin(current)} could not be read")
                raise FetchError("robots", f"robots.txt disallows {current[:200]}")
            response = self._get_with_retries(current, headers, max_bytes)
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"http_{response.status}", "redirect without a Location", response.status)
                target = urljoin(current, location)
                if target in seen:
                    raise FetchError("redirect_loop", " → ".join(seen + [target])[:500])
                seen.append(target)
                current = target
                continue
            response.redirects = seen[1:]
            if response.status == 304:
                return response
            if not 200 <= response.status < 300:
                raise FetchError(f"http_{response.status}", f"HTTP {response.status} from {current[:200]}",
                                 response.status, retry_after_seconds(response.headers.get("retry-after")))
            if accept_types and response.content_type and not any(t in response.content_type for t in accept_types):
                raise FetchError("content_type", f"{response.content_type} is not one of {', '.join(accept_types)}")
            return response
        raise FetchError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects from {url[:200]}")

    def allowed_by_robots(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        origin = _origin(url)
        parser = ROBOTS.get(origin)
        if parser is None:
            parser, ttl = self._fetch_robots(origin)
            ROBOTS.put(origin, parser, ttl)
        delay = parser.crawl_delay(PRODUCT)
        if delay:
            CRAWL_DELAY[(parts.hostname or "").lower()] = float(delay)
        return parser.can_fetch(PRODUCT, url)

    # ---- internals

    def _fetch_robots(self, origin: str):
        try:
            response = self._get(origin + "/robots.txt", None, None, False, ROBOTS_MAX_BYTES)
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500:
                return robots_parser(None, allow_all=True), ROBOTS_TTL
            parser = robots_parser(None, disallow_all=True)   # 5xx, timeout, ...: nothing, for a while
            parser.unreachable = True
            return parser, ROBOTS_UNREACHABLE_TTL
        text = response.body.decode("utf-8", "replace")
        return robots_parser(text.splitlines()), ROBOTS_TTL

    def _get_with_retries(self, url: str, headers: dict | None, max_bytes: int) -> Response:
        attempt = 0
        while True:
            try:
                response = self._get_once(url, headers, max_bytes)
                if response.status not in RETRY_STATUSES:
                    return response
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if wait is not None:   # the whole host is asked to wait, by every request
                    self.limiter.hold(_host(url), time.monotonic() + wait)
                if attempt >= self.retries or (wait or 0) > self.timeout:
                    return response    # a longer Retry-After is the caller's to wait out
            except FetchError as error:
                if error.reason not in ("timeout", "connection") or attempt >= self.retries:
                    raise
            time.sleep(self.backoff * (2 ** attempt))   # (a Retry-After hold is waited in the limiter)
            attempt += 1

    def _get_once(self, url: str, headers: dict | None, max_bytes: int) -> Response:
        import urllib3
        from urllib3.exceptions import HTTPError, ProtocolError
        from urllib3.exceptions import TimeoutError as UrllibTimeout

        host = _host(url)
        interval = max(self.interval, CRAWL_DELAY.get(host, 0.0))
        # a little more than the interval: a slower connect of the previous request must not let the
        # server see two requests closer together than the limit
        try:   # a host held longer than a fetch may take (a long Retry-After) is not waited for here
            self.limiter.wait(host, interval + min(JITTER_MARGIN, interval * 0.1), max_wait=self.timeout)
        except HostHeld as held:
            raise FetchError("retry_after", f"{host} asked to be left alone for {held.seconds:.0f} s more",
                             retry_after=held.seconds) from None
        self.requests_made += 1
        request_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate",
                           **(headers or {})}
        deadline = time.monotonic() + self.timeout
        try:
            raw = self._pool.request("GET", url, headers=request_headers, redirect=False,
                                     preload_content=False, decode_content=True,
                                     timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout))
        except UrllibTimeout as error:
            raise FetchError("timeout", f"no answer from {url[:200]} within {self.timeout:g} s") from error
        except (HTTPError, OSError) as error:
            raise FetchError("connection", f"{type(error).__name__}: {error}"[:500]) from error
        consumed = False
        try:
            response_headers = {k.lower(): v for k, v in raw.headers.items()}
            if raw.status in (301, 302, 303, 307, 308, 304) or not 200 <= raw.status < 300:
                return Response(url, raw.status, response_headers, b"")
            consumed = True
            length = response_headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes and "content-encoding" not in response_headers:
                raise FetchError("too_large", f"{int(length)} bytes announced, limit {max_bytes}")
            body = bytearray()
            try:
                for chunk in raw.stream(CHUNK, decode_content=True):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise FetchError("too_large", f"more than {max_bytes} bytes from {url[:200]}")
                    if time.monotonic() > deadline:
                        raise FetchError("timeout", f"{url[:200]} took longer than {self.timeout:g} s")
            except UrllibTimeout as error:
                raise FetchError("timeout", f"{url[:200]} stalled for {self.timeout:g} s") from error
            except (ProtocolError, HTTPError, OSError) as error:
                raise FetchError("connection", f"{type(error).__name__}: {error}"[:500]) from error
            return Response(url, raw.status, response_headers, bytes(body))
        finally:
            if not consumed:   # an unread body left in a pooled connection would be the next answer's start
                length = raw.headers.get("content-length", "")
                if length.isdigit() and int(length) <= CHUNK:
                    raw.drain_conn()
                else:
                    raw.close()
            raw.release_conn()


class UsesHttpClient:
    """Mixin of a DoFn that asks the web: its HttpClient is made in `setup` from `client_settings`
    (plain values, so the DoFn pickles) and closed in `teardown`."""

    client_settings: dict
    client: "HttpClient | None" = None

    def setup(self):
        self.client = HttpClient(**self.client_settings)

    def teardown(self):
        if self.client is not None:
            self.client.close()
            self.client = None
