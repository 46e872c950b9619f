"""Who an article is and where it is filed: stable ids, content hashes, outlets, safe partition values
and the publication time (with its precision, from published.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import unicodedata

_TLD_LOCK = threading.Lock()
_TLD = None
UNSAFE_CHARS_RE = re.compile(r"[^a-z0-9._-]+")


def article_id(input_kind: str, source: str, payload_digest: str) -> str:
    """The same input gives the same id on every run and runner: what it is, where it came from and
    the bytes it held. Two copies of one story in two files are two articles (dedup links them)."""
    return hashlib.sha256(f"{input_kind}\x1f{source}\x1f{payload_digest}".encode("utf-8")).hexdigest()[:32]


def content_hash(text: str) -> str:
    """Hash of the text with case, punctuation and white space folded: exact copies share it."""
    folded = " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def _extractor():
    """tldextract with the public suffix list it ships: it never goes to the network for a newer one.
    Private suffixes count (`user.github.io`, `x.blogspot.com`): each such site is its own outlet."""
    global _TLD
    with _TLD_LOCK:
        if _TLD is None:
            import tldextract
            _TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
        return _TLD


def registrable_domain(url: str | None) -> str | None:
    """`https://www.express.co.uk/news/1` → `express.co.uk`; a host without a public suffix (an IP
    address, `localhost`) is its own outlet; None without a host."""
    if not url or "://" not in url:
        return None
    parts = _extractor()(url)
    domain = parts.top_domain_under_public_suffix
    if not domain and not parts.suffix:
        from urllib.parse import urlsplit
        domain = urlsplit(url).hostname
    return domain.lower() if domain else None


def _ascii(value: str) -> str:
    """Accents folded ("Le Monde Diplomatique" stays, "Café" → "cafe"); a non-Latin name such as
    "лента.ру" becomes its IDNA (punycode) form, which is how its domain is written anyway."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    if sum(c.isalnum() for c in folded) * 2 >= sum(c.isalnum() for c in value):
        return folded
    try:
        return value.strip().lower().encode("idna").decode("ascii")
    except UnicodeError:
        return folded


def safe_partition_value(value: str | None, default: str = "unknown") -> str:
    """Lower-case letters, digits, `.`, `_`, `-` only; never empty, `.`/`..`, or leading dots, so no
    value can name a folder outside the output."""
    text = _ascii(str(value or "")).lower()
    text = UNSAFE_CHARS_RE.sub("-", text.strip())
    text = re.sub(r"(?:-+\.+)+-*|(?:\.+-+)+\.*", "-", text)  # "my blog/../x" → "my-blog-x"
    text = re.sub(r"\.{2,}", ".", text).strip(".-_")
    return text[:100] or default


def outlet_for(explicit: str | None, url: str | None) -> str:
    """The manifest's (or record's) outlet when given, else the URL's registrable domain, else unknown."""
    if explicit:
        return safe_partition_value(explicit)
    return safe_partition_value(registrable_domain(url))


def partition_date(published_at: dt.datetime | None, fetched_at: dt.datetime) -> tuple[str, str]:
    """(YYYY-MM-DD in UTC, date_source)."""
    if published_at is not None:
        return published_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d"), "published"
    return fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d"), "fetched"


def parse_time(value) -> dt.datetime | None:
    """A UTC datetime from an ISO-8601 / RFC 2822 / plain date string or a datetime; None if unparsable.
    Times without a zone are taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        from dateutil import parser
        try:
            moment = parser.parse(str(value))
        except (ValueError, OverflowError, TypeError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def publication_time(given, page_dates=(), found: str | None = None) -> tuple[dt.datetime | None, str | None]:
    """(published_at in UTC, `minute` | `day`): a value given with the input (manifest, feed entry,
    JSON Lines record) wins; else the page's own metadata and trafilatura's date (published.py)."""
    from transforms.text.published import choose, precision_of
    moment = parse_time(given)
    if moment is not None:
        return moment, precision_of(given)
    return choose(list(page_dates or ()), found)
