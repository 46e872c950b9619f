"""Values made ahead of the stage that needs them and carried in the article until it gets there.

A value is kept with the fields it was made from (`keep`); the stage that needs it takes it
(`take`) only while those fields are unchanged and makes it again otherwise, so the answer is the
same whether it was made ahead or not. The check compares the fields by value; after one pickle
(transforms/packed.py) a field and its kept copy are still one object, and then it is an identity
test. Where Beam's own coder carried the article between stages they are equal copies: still right,
a compare of the text the longer way.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence


def keep(article: dict, key: str, fields: Sequence[str], make: Callable[[dict], object]) -> dict:
    """Store make(article) under `key`, beside the fields it was made from."""
    article[key] = (tuple(article.get(f) for f in fields), make(article))
    return article


def take(article: dict, key: str, fields: Sequence[str], make: Callable[[dict], object]):
    """The value kept under `key` (removed from the article) if its fields are unchanged, else make(article)."""
    kept = article.pop(key, None)
    if kept is not None and kept[0] == tuple(article.get(f) for f in fields):
        return kept[1]
    return make(article)
