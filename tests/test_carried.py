"""Values made ahead and carried in the article (transforms/carried.py)."""
from __future__ import annotations

from transforms.carried import keep, take
from transforms.packed import pack, unpack


def counting(calls: list):
    def make(article):
        calls.append(article["title"])
        return len(article["title"])
    return make


def test_a_kept_value_is_taken_once_while_its_fields_are_unchanged_even_after_a_pack():
    calls = []
    article = unpack(pack(keep({"title": "Hello", "text": "x"}, "_k", ("title",), counting(calls))))
    assert take(article, "_k", ("title",), counting(calls)) == 5
    assert calls == ["Hello"] and "_k" not in article     # made once, ahead; taken out of the article


def test_a_value_whose_fields_changed_is_made_again():
    calls = []
    article = keep({"title": "Hello | Outlet", "text": "x"}, "_k", ("title",), counting(calls))
    article = {**article, "title": "Hello"}               # as title evidence does
    assert take(article, "_k", ("title",), counting(calls)) == 5
    assert calls == ["Hello | Outlet", "Hello"]


def test_without_a_kept_value_it_is_made_in_place():
    calls = []
    assert take({"title": "Hi"}, "_k", ("title",), counting(calls)) == 2 and calls == ["Hi"]
