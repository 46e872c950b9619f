"""Title suffixes: what a site appends to its headlines ("Story | World | News", "Story - DW - 13.06.2023").

A suffix is the run of segments after the headline, each behind a separator (`|`, `-`, `–`, `—`,
`::`, `•`, `·`, and the full-width `｜` `：` of Chinese and Japanese sites). The run is removed only on
evidence: one of its segments names the site (its `site_name`, the outlet, or a domain such as
`SZ.de`) or is a date, or it holds two section names or more (" | World | News", " – Breaking
News"); a single section word ("Brexit talks resume - UK") is kept. `corpus.py` adds the other evidence: a tail repeated
across the outlet's titles in the run. The headline keeps at least three words.
"""
from __future__ import annotations

import re

from transforms.text.words import count_words

SEPARATORS = (" | ", " — ", " – ", " - ", " :: ", " • ", " · ", "｜", "：")
DATE_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
DOMAIN_RE = re.compile(r"[\w-]+(\.[\w-]+)*\.[a-z]{2,6}", re.IGNORECASE)
MIN_HEADLINE_WORDS = 3
MAX_SECTION_WORDS = 3
# Section names of news sites (breadcrumbs), in the languages of the evaluation pages.
SECTIONS = frozenset("""
news world uk us politics business sport sports opinion culture tech technology science health
entertainment lifestyle life style travel money finance economy markets local national international
europe asia africa americas environment education arts media royal royals celebrity showbiz football
latest breaking headlines top stories nachrichten politik wirtschaft kultur panorama ausland inland regional lokales
gesellschaft wissen actualités actualité monde politique économie société internacional política
economía deportes sociedad españa cronaca esteri politica economia новости политика мир экономика
общество
""".split())


def _squeeze(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def site_names(site_name: str | None, outlet: str | None) -> set[str]:
    names = {_squeeze(n) for n in (site_name, outlet) if n}
    names |= {_squeeze(n.split(".")[0]) for n in (site_name, outlet) if n and "." in n}
    return {n for n in names if len(n) >= 2}


def segment_evidence(segment: str, names: set[str]) -> str | None:
    """Why a suffix segment is not headline: 'site', 'domain', 'date', 'section', or None."""
    key = segment.strip()
    squeezed = _squeeze(key)
    if not squeezed:
        return None
    words = {_squeeze(w) for w in key.split()}
    if any(n == squeezed or n in words or (len(n) >= 4 and n in squeezed) or (len(squeezed) >= 4 and squeezed in n)
           for n in names):
        return "site"
    if DOMAIN_RE.fullmatch(key):
        return "domain"
    if DATE_RE.fullmatch(key):
        return "date"
    words = key.casefold().split()
    if 2 <= len(words) <= MAX_SECTION_WORDS and all(w in SECTIONS for w in words):
        return "sections"   # "World News", "Breaking News": two section names in one segment
    if len(words) <= MAX_SECTION_WORDS and any(w in SECTIONS for w in words) and all(
            w in SECTIONS or w[:1].isupper() or not w[:1].isalpha() for w in key.split()):
        return "section"
    return None


def last_separator(title: str) -> tuple[str, str, str] | None:
    """(head, separator, tail) at the rightmost separator, or None."""
    best = None
    for sep in SEPARATORS:
        at = title.rfind(sep)
        if at > 0 and (best is None or at > best[0]):
            best = (at, sep)
    if best is None:
        return None
    at, sep = best
    return title[:at], sep, title[at + len(sep):]


def tails(title: str) -> list[tuple[str, str]]:
    """Every (head, suffix) split of a title, shortest suffix first (the suffix keeps its separator)."""
    out, head = [], title
    while (split := last_separator(head)) is not None:
        head = split[0]
        out.append((head.strip(), title[len(head):]))
    return out


def rule_suffix(title: str, site_name: str | None = None, outlet: str | None = None) -> tuple[str, str] | None:
    """(suffix, evidence) the rules of this module remove from `title`, or None."""
    names = site_names(site_name, outlet)
    found: list[str] = []
    best = None
    head = title
    while (split := last_separator(head)) is not None:
        kind = segment_evidence(split[2], names)
        if kind is None or count_words(split[0]) < MIN_HEADLINE_WORDS:
            break
        found.append(kind)
        head = split[0]
        if set(found) - {"section"} or len(found) >= 2:
            best = (title[len(head):], head, list(found))
    if best is None:
        return None
    suffix, _, kinds = best
    strong = [k for k in kinds if k != "section"]
    evidence = {"site": "names the site", "domain": "a site's domain", "date": "a date", "sections": "section names"}
    why = evidence[strong[0]] if strong else "section names"
    return suffix, f"rule: title suffix ({why})"


def title_suffix(title: str, site_name: str | None = None, outlet: str | None = None) -> tuple[str, list[dict]]:
    """(clean title, removals with evidence)."""
    title = " ".join((title or "").split())
    found = rule_suffix(title, site_name, outlet)
    if not found:
        return title, []
    suffix, evidence = found
    return title[:-len(suffix)].strip(), [{"kind": "title_suffix", "text": suffix, "evidence": evidence}]


def clean_title(title: str, site_name: str | None = None, outlet: str | None = None) -> tuple[str, list[dict]]:
    """Strip site and section suffixes: "Story | World | News" → "Story" ({kind, text} removed)."""
    clean, removed = title_suffix(title, site_name, outlet)
    return clean, [{"kind": r["kind"], "text": r["text"]} for r in removed]
