"""The language-independent signature of an article: who, where, how many and when, in one alphabet.

Items (each counted by mentions):
    e:KEY   a named entity, by `canonical_latin` (else `canonical` in Latin letters) folded by
            translit.name_key, whatever its label (models of different languages label one name ORG
            or LOC); a PERSON also gives its surname alone (its last word of three letters or more),
            since one report says "Vladimir Putin", another "Mr Putin", a third "Путина"
    c:CC    a country, by its name in any of COUNTRY_LANGUAGES (CLDR territory names, from Babel):
            "Germany", "Allemagne", "Deutschland" and "Германия" are all c:DE
    n:NUM   a number of two digits or more, separators read the way each language writes them
            ("10 000", "10,000" and "10.000" are n:10000; "3,5" and "3.5" are n:3.5)
    d:MM-DD a day of a month, by the month's name in any of those languages ("15 March", "March 15",
            "15 mars", "15. März", "15 марта")
An article of a language without an entity model gives its capitalised words that do not start a
sentence instead of entities (fewer real names, some nouns in German: what there is).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from transforms.text.translit import name_key, to_latin

MAX_ITEMS = 64          # the most mentioned items of an article: what crosses the story shuffles
COUNTRY_LANGUAGES = ("en", "fr", "de", "ru", "es", "it", "pt", "nl", "pl", "uk", "sv", "da", "nb", "fi", "cs",
                     "tr", "el", "hu", "ro", "bg", "sr", "hr", "ar", "zh", "ja", "ko")
# Short forms in wide use that CLDR keeps only as alternates.
COUNTRY_ALIASES = {"us": "US", "usa": "US", "u s": "US", "u s a": "US", "america": "US", "uk": "GB", "u k": "GB",
                   "britain": "GB", "great britain": "GB", "england": "GB", "rf": "RU", "sha": "US", "frg": "DE"}
# A space groups thousands only before exactly three digits: "in 2020 15 people" is two numbers.
NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+|[\u00a0\u202f ]\d{3}(?!\d))*")
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Articles and prepositions a span may keep before a country's name ("de Belgique", "the Netherlands").
LEADING_PARTICLES_RE = re.compile(r"^(?:(?:the|de|du|des|la|le|les|l|d|der|die|das|dem|den|el|los|las|il|lo|v|vo|iz) )+")
NAME_WORD_RE = re.compile(r"[^\W\d_][\w’'-]*|[.!?:;\n]", re.UNICODE)


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """name_key of a country's name in COUNTRY_LANGUAGES → ISO 3166 code."""
    from babel import Locale
    table = {}
    for language in COUNTRY_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code.isalpha() and len(code) == 2:
                table.setdefault(name_key(name), code)
    table.update(COUNTRY_ALIASES)
    return table


@lru_cache(maxsize=1)
def months() -> dict[str, int]:
    """name_key of a month name (wide and abbreviated, as a date writes it and alone) → 1..12."""
    from babel import Locale
    table = {}
    for language in COUNTRY_LANGUAGES:
        names = Locale.parse(language).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in names[context][width].items():
                    key = name_key(name.rstrip("."))
                    if len(key) >= 3 and not key.isdigit():
                        table.setdefault(key, number)
    return table


def number_key(raw: str) -> str | None:
    """A number as one spelling: groups of three after a separator are thousands, else the last
    separator is the decimal point; None for one-digit numbers (too common to mean anything)."""
    parts = re.split(r"[.,\u00a0\u202f ]", raw)
    if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
        whole, fraction = "".join(parts), ""
    elif len(parts) > 1:
        whole, fraction = "".join(parts[:-1]), parts[-1].rstrip("0")
    else:
        whole, fraction = raw, ""
    whole = whole.lstrip("0") or "0"
    if not fraction and len(whole) < 2:
        return None
    return f"{whole}.{fraction}" if fraction else whole


def numbers_and_dates(text: str) -> Counter:
    items: Counter = Counter()
    for match in NUMBER_RE.finditer(text):
        key = number_key(match.group().strip())
        raw = match.group()
        if raw.isdigit() and 1 <= int(raw) <= 31:
            month = _month_beside(text, match.start())
            if month:
                items[f"d:{month:02d}-{int(raw):02d}"] += 1
                continue
        if key:
            items[f"n:{key}"] += 1
    return items


PREVIOUS_WORD_RE = re.compile(r"\w+(?=\W*\Z)")


def _month_beside(text: str, start: int) -> int | None:
    """The month named right after the day ("15 марта", "15. März") or right before it ("March 15"):
    the \\w+ word after the one the number starts, else the word before it. Only the two words beside a
    day are read (reading every word of every text made this the story stage's slowest step)."""
    month_names = months()
    word = WORD_RE.match(text, start)   # a number starts where a word does (NUMBER_RE's lookbehind)
    after = WORD_RE.search(text, word.end())
    month = month_names.get(name_key(after.group())) if after else None
    if month is None:
        before = _word_before(text, start)
        month = month_names.get(name_key(before)) if before else None
    return month


def _word_before(text: str, start: int, window: int = 64) -> str | None:
    """The last \\w+ word that ends before `start`, read from a window that grows until it holds it whole."""
    while True:
        low = max(0, start - window)
        found = PREVIOUS_WORD_RE.search(text, low, start)
        if found and (found.start() > low or low == 0):
            return found.group()
        if not found and low == 0:
            return None
        window *= 4


def name_items(name: str, label: str) -> list[str]:
    key = name_key(name)
    if len(key) < 2 or key.replace(" ", "").isdigit():
        return []
    country = countries().get(LEADING_PARTICLES_RE.sub("", key))
    if country:
        return [f"c:{country}"]
    items = [f"e:{key}"]
    last = key.rsplit(" ", 1)[-1]
    if label == "PERSON" and " " in key and len(last) >= 3:
        items.append(f"e:{last}")
    return items


def entity_items(entities: list[dict]) -> Counter:
    items: Counter = Counter()
    for ent in entities or ():
        name = ent.get("canonical_latin") or to_latin(ent.get("canonical") or ent.get("text") or "")
        items.update(name_items(name, ent.get("label") or ""))
    return items


def capitalised_items(text: str) -> Counter:
    """For a language without entities: runs of capitalised words that do not open a sentence."""
    items: Counter = Counter()
    run: list[str] = []
    opening = True
    for token in NAME_WORD_RE.findall(text) + ["."]:
        if token[0].isupper() and not opening:
            run.append(token)
            continue
        if run:
            items.update(name_items(" ".join(run), "PERSON"))
            run = []
        opening = not token[0].isalpha()
    return items


def signature(article: dict) -> Counter:
    """The article's items (title and text) with their mention counts."""
    title, text = article.get("title") or "", article.get("text") or ""
    entities = article.get("entities")
    items = entity_items(entities) if entities else capitalised_items(f"{title}\n{text}")
    items.update(numbers_and_dates(f"{title}\n{text}"))
    return items
