"""The word lists tagging reads (speech verbs, role nouns, stance cues), one entry a line, `#` comments.

They are data, shipped with the package: edit them without touching code.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent


def lines(path: Path) -> list[str]:
    """The entries of a word list, comments and blank lines dropped; [] when the file is absent."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@lru_cache(maxsize=None)
def read_lexicon(name: str) -> tuple[tuple[str, ...], ...]:
    """A word list of this folder, each entry split into its words (several words: a tuple)."""
    return tuple(tuple(line.split()) for line in lines(LEXICON_DIR / name))


def person_roles(language: str = "en") -> frozenset[str]:
    path = LEXICON_DIR / f"person_roles.{language}.txt"
    return frozenset(w for row in read_lexicon(path.name) for w in row) if path.exists() else frozenset()
