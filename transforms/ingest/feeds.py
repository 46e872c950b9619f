"""Feed documents (RSS 0.9x/1.0/2.0, RDF, Atom) → entries, with feedparser.

feedparser is lenient by design: a feed with an XML error still yields the entries it could read
(`bozo`). We keep them, and refuse the document only when it yields no entry at all.

Encodings: feedparser takes the charset from the HTTP headers, the XML declaration or a BOM; with none
of them, or when the declared one fails, it falls back to windows-1252, which turns an undeclared
cp1251 (or Greek, or Shift-JIS) feed into mojibake. When that fallback reads as mojibake (most of the
letters outside ASCII), charset-normalizer's guess is taken instead.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re

from transforms.stage import Rejected

FALLBACK = "windows-1252"      # feedparser's last resort
MOJIBAKE_SHARE = 0.3           # non-ASCII letters in a windows-1252 reading above this: not Western text
TAG_RE = re.compile(rb"<[^>]*>")
# An entry with fewer words, or ending the way teasers do, is a teaser. Chosen with eval/feeds.py on
# ../shared/data/feeds_real: at 80 words + the truncation rule no teaser is taken for an article and 94%
# of the articles are taken from the feed (150 words alone: 5 teasers taken, 79%).
FULL_TEXT_WORDS = 80
# how teasers end: "Continue reading...", "Read more", "[...]", "[…]", a trailing ellipsis
TRUNCATED_RE = re.compile(r"(?:continue reading|read more|read the full|weiterlesen|leia mais|lire la suite|"
                          r"\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…)[\s\])»\"'”]*$", re.IGNORECASE)


def entry_html(entry) -> str:
    """The entry's fullest HTML: content (Atom content, RSS content:encoded), else the summary."""
    contents = [c.get("value", "") for c in entry.get("content", []) or [] if c.get("value")]
    if contents:
        return max(contents, key=len)
    return entry.get("summary", "") or entry.get("description", "") or ""


def entry_id(entry) -> str:
    """guid / id, else link, else a hash of title and date: what identifies an entry across polls."""
    for key in ("id", "guid", "link"):
        value = entry.get(key)
        if value:
            return str(value)
    basis = f"{entry.get('title', '')}\x1f{entry.get('published', entry.get('updated', ''))}"
    return "sha1:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()


def entry_published(entry) -> str | None:
    """ISO-8601 UTC time of the entry, from feedparser's parsed (UTC) struct_time."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.timezone.utc).isoformat()
            except (OverflowError, ValueError, OSError):
                continue
    return None


def entry_meta(entry, feed) -> dict:
    meta = {
        "url": entry.get("link") or None,
        "title": entry.get("title") or None,
        "published": entry_published(entry),
        "site_name": (feed.get("title") or None) if feed else None,
    }
    authors = [a.get("name") for a in entry.get("authors", []) or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    if authors:
        meta["authors"] = authors
    language = (feed or {}).get("language")
    if language:
        meta["feed_language"] = language
    return {k: v for k, v in meta.items() if v}


def looks_like_mojibake(data: bytes) -> bool:
    """Most letters of the text (markup left out) outside ASCII when read as windows-1252: Western
    languages keep well under a third (French about 4%), a Cyrillic or Greek text read so is nearly all."""
    text = TAG_RE.sub(b" ", data).decode(FALLBACK, "replace")
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(not c.isascii() for c in letters) / len(letters) > MOJIBAKE_SHARE


def detected_text(data: bytes) -> str | None:
    """The document decoded with charset-normalizer's guess, when feedparser's fallback was mojibake."""
    if not looks_like_mojibake(data):
        return None
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None or best.encoding.replace("_", "-") in ("cp1252", "windows-1252", "latin-1", "iso8859-1"):
        return None
    return str(best)


def redecoded(parsed, data: bytes, headers: dict):
    """Parse again from detected text when feedparser fell back to windows-1252 and got mojibake."""
    import feedparser
    if parsed.get("encoding") != FALLBACK or not isinstance(parsed.get("bozo_exception"),
                                                            feedparser.CharacterEncodingOverride):
        return parsed
    text = detected_text(data)
    if text is None:
        return parsed
    text = re.sub(r"""^(\s*<\?xml[^>]*?)\sencoding\s*=\s*["'][^"']*["']""", r"\1", text)  # now UTF-8
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    again = feedparser.parse(text.encode("utf-8"), response_headers={**headers,
                                                                      "content-type": "application/xml; charset=utf-8"})
    return again if again.entries else parsed


def parse_feed(data: bytes, location: str = "", headers: dict | None = None):
    import feedparser
    parsed = redecoded(feedparser.parse(data, response_headers=headers or {}), data, headers or {})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise Rejected("not_a_feed", f"no entries in {location or 'feed'}" + (f": {problem}" if problem else ""),
                       excerpt=data)
    return parsed


def looks_truncated(html: str) -> bool:
    """The entry's text ends the way a teaser cut short ends."""
    from transforms.text.extract import html_to_text
    return bool(TRUNCATED_RE.search(html_to_text(html or "")[-80:]))


def is_full_article(html: str) -> bool:
    """The entry's own content is the article: long enough, and not cut short."""
    from transforms.text.extract import html_to_text
    return len(html_to_text(html or "").split()) >= FULL_TEXT_WORDS and not looks_truncated(html)


def entries_from_feed(data: bytes, location: str = "", headers: dict | None = None):
    """(entry id, entry HTML, entry metadata) for every entry of a feed document; the metadata's
    `text_source` says whether the entry holds the article (`feed_content`) or a teaser (`feed_summary`)."""
    parsed = parse_feed(data, location, headers)
    for entry in parsed.entries:
        html = entry_html(entry)
        meta = {**entry_meta(entry, parsed.feed), "text_source": "feed_content" if is_full_article(html) else "feed_summary"}
        yield entry_id(entry), html, meta


def feed_entries(feed, body: bytes, headers: dict) -> list[dict]:
    """The entries of a fetched feed document as plain records for the next steps."""
    entries = []
    for identifier, html, meta in entries_from_feed(body, feed.url, headers):
        if feed.outlet:
            meta = {**meta, "outlet": feed.outlet}
        entries.append({"entry_id": identifier, "feed_url": feed.url, "feed_key": feed.key, "html": html, "meta": meta,
                        "fetch_pages": feed.fetch_pages, "source": f"{feed.url}#{identifier}"})
    return entries
