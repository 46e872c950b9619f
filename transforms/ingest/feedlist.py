"""The feeds file of `newsbeam stream --feeds FILE`, in any of three forms:

- a plain list: one http(s) URL a line, `#` starts a comment;
- YAML: a list (or `feeds:` list) of URLs or mappings with `url` and optional `outlet`,
  `poll_interval` (seconds), `fetch_pages` (`auto` | true | false), `type` (`feed` | `sitemap`);
- OPML (`<opml>`): every `<outline xmlUrl="...">`, with optional `outlet`, `pollInterval`, `fetchPages`,
  and `type="sitemap"` for a news sitemap.

A URL whose document turns out to be a sitemap is read as one without saying so (sitemaps.py).

A bad entry raises FeedsError("FILE:LINE: what is wrong"), which the command prints as one line.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from transforms.text.identity import safe_partition_value

FETCH_PAGES = ("auto", "always", "never")
YAML_KEYS = {"url", "outlet", "poll_interval", "fetch_pages", "type"}


class FeedsError(ValueError):
    pass


@dataclass(frozen=True)
class Feed:
    url: str
    outlet: str | None = None          # partition value; None: the entry URL's registrable domain
    poll_interval: float | None = None  # seconds; None: --poll-interval
    fetch_pages: str = "auto"           # auto: fetch the linked page when the entry has no full text
    kind: str = "feed"                  # feed | sitemap (a feed's document may still be a sitemap)

    @property
    def key(self) -> str:
        """Stable, path-safe name of the feed: state files and Beam state are keyed by it."""
        host = safe_partition_value(urlsplit(self.url).hostname or "feed")
        return f"{host}-{hashlib.sha1(self.url.encode('utf-8')).hexdigest()[:12]}"


def _check_url(url, where: str) -> str:
    if not isinstance(url, str):
        raise FeedsError(f"{where}: feed URL must be a string, not {type(url).__name__}")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedsError(f"{where}: not an http(s) URL: {url[:200]!r}")
    return url


def _fetch_pages(value, where: str) -> str:
    if value is None or value == "auto":
        return "auto"
    if value is True or str(value).lower() in ("true", "yes", "always", "1"):
        return "always"
    if value is False or str(value).lower() in ("false", "no", "never", "0"):
        return "never"
    raise FeedsError(f"{where}: fetch_pages must be auto, true or false, not {value!r}")


def _interval(value, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise FeedsError(f"{where}: poll_interval must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise FeedsError(f"{where}: poll_interval must be positive")
    return seconds


def _kind(value, where: str) -> str:
    if value in (None, "", "feed", "rss", "atom"):
        return "feed"
    if value == "sitemap":
        return "sitemap"
    raise FeedsError(f"{where}: type must be feed or sitemap, not {value!r}")


def _outlet(value, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FeedsError(f"{where}: outlet must be a string")
    return safe_partition_value(value)


def parse_plain(text: str, name: str) -> list[Feed]:
    feeds = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line.startswith("#"):
            continue
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()  # a URL may hold a '#', a comment follows a blank
        if line:
            feeds.append(Feed(_check_url(line, f"{name}:{number}")))
    return feeds


def parse_yaml(text: str, name: str) -> list[Feed]:
    import yaml
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise FeedsError(f"{name}{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        found = [v for k, v in root.value if k.value == "feeds"]
        if not found:
            raise FeedsError(f"{name}:{root.start_mark.line + 1}: a YAML feeds file is a list, or a mapping with `feeds:`")
        root = found[0]
    if not isinstance(root, yaml.SequenceNode):
        raise FeedsError(f"{name}:{root.start_mark.line + 1}: `feeds` must be a list")
    feeds = []
    for node in root.value:
        where = f"{name}:{node.start_mark.line + 1}"
        item = yaml.safe_load(yaml.serialize(node))
        if isinstance(item, str):
            feeds.append(Feed(_check_url(item, where)))
            continue
        if not isinstance(item, dict) or "url" not in item:
            raise FeedsError(f"{where}: a feed is a URL or a mapping with `url`")
        unknown = set(map(str, item)) - YAML_KEYS
        if unknown:
            raise FeedsError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(YAML_KEYS))})")
        feeds.append(Feed(_check_url(item["url"], where), _outlet(item.get("outlet"), where),
                          _interval(item.get("poll_interval"), where), _fetch_pages(item.get("fetch_pages"), where),
                          _kind(item.get("type"), where)))
    return feeds


def parse_opml(data: bytes, name: str) -> list[Feed]:
    import lxml.etree
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as error:
        raise FeedsError(f"{name}:{error.lineno}: not valid OPML: {error.msg}") from None
    feeds = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url is None:
            continue  # a folder of outlines
        where = f"{name}:{outline.sourceline}"
        feeds.append(Feed(_check_url(url, where), _outlet(outline.get("outlet"), where),
                          _interval(outline.get("pollInterval"), where), _fetch_pages(outline.get("fetchPages"), where),
                          "sitemap" if (outline.get("type") or "").lower() == "sitemap" else "feed"))
    return feeds


def looks_like_yaml(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return stripped.startswith("- ") or stripped == "-" or stripped.startswith("feeds:")
    return False


def parse_feeds(data: bytes, name: str = "feeds") -> list[Feed]:
    """Feeds in file order; a URL listed twice is an error (its state would be shared)."""
    head = data.lstrip()[:200].lower()
    if head.startswith(b"<?xml") or head.startswith(b"<opml"):
        feeds = parse_opml(data, name)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FeedsError(f"{name}: not UTF-8 text ({error})") from None
        feeds = parse_yaml(text, name) if looks_like_yaml(text) or name.endswith((".yaml", ".yml")) \
            else parse_plain(text, name)
    seen = set()
    for feed in feeds:
        if feed.url in seen:
            raise FeedsError(f"{name}: feed {feed.url} is listed twice")
        seen.add(feed.url)
    if not feeds:
        raise FeedsError(f"{name}: no feeds in the file")
    return feeds


def load_feeds(path: str) -> list[Feed]:
    from apache_beam.io.filesystems import FileSystems
    try:
        with FileSystems.open(path) as f:
            data = f.read()
    except Exception as error:  # noqa: BLE001
        raise FeedsError(f"cannot read feeds file {path}: {error}") from None
    return parse_feeds(data, path)
