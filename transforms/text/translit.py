"""Names in Latin letters, whatever script they were written in, so that one person or place can be
matched across languages (`Макрон` → `Makron`, which a matching key then folds to meet `Macron`).

anyascii (ISC licence) transliterates every script with fixed per-character tables and no model;
`to_latin` keeps the display form (case, spaces), `name_key` is what comparisons use.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Spellings one sound gets in different Latin transliterations of the same name ("Makron"/"Macron",
# "Zelenskiy"/"Zelensky", "Sholts"/"Scholz"): folded the same way on both sides of a comparison.
_FOLDS = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"[’'`\"]", ""), (r"ph", "f"), (r"ck|c|q", "k"), (r"w", "v"), (r"(iy|yi|ij|ii|y|j)", "i"),
    (r"kh|h", "h"), (r"ts|tz|z", "s"), (r"(.)\1+", r"\1")))
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def to_latin(text: str | None) -> str | None:
    """`text` in Latin letters (ASCII), spacing and case kept; None stays None."""
    if text is None:
        return None
    if text.isascii():
        return text
    return " ".join(anyascii(unicodedata.normalize("NFC", text)).split())


@lru_cache(maxsize=1 << 16)   # called for the names and the words beside day numbers of every text (signature)
def name_key(text: str | None) -> str:
    """A lower-case, spelling-folded key of a name, equal for its transliterations in most scripts."""
    key = (to_latin(text) or "").lower()
    for pattern, replacement in _FOLDS:
        key = pattern.sub(replacement, key)
    return " ".join(_NOT_ALNUM.sub(" ", key).split())
