"""What a feed carries: undeclared encodings, and whether an entry's own content is the article."""
from __future__ import annotations

from transforms.ingest.feeds import feed_entries, parse_feed
from transforms.ingest.feedlist import Feed
from transforms.ingest.feeds import is_full_article, looks_truncated

RUSSIAN = ("Городской совет обсудил новый план транспорта для северных районов. Чиновники заявили, что "
           "трамвайная линия дойдёт до окраин через два года.")


def rss(description: str, declaration: str = "<?xml version='1.0'?>", title: str = "План транспорта") -> str:
    return (f"{declaration}<rss version='2.0'><channel><title>News</title><item><guid>1</guid>"
            f"<title>{title}</title><description>{description}</description></item></channel></rss>")


def test_undeclared_cp1251_feed_is_decoded_not_mojibake():
    data = rss(RUSSIAN).encode("cp1251")
    entries = feed_entries(Feed("http://x.example/rss"), data, {"content-type": "application/rss+xml"})
    assert entries[0]["html"] == RUSSIAN and entries[0]["meta"]["title"] == "План транспорта"


def test_declared_and_western_encodings_are_left_to_feedparser():
    declared = rss(RUSSIAN, "<?xml version='1.0' encoding='koi8-r'?>").encode("koi8-r")
    assert parse_feed(declared).entries[0].description == RUSSIAN
    french = "Le café était très crème, à la française : déjà vu, dit-on à Besançon."
    parsed = parse_feed(rss(french, title="Déjà vu").encode("cp1252"))      # undeclared windows-1252: feedparser's fallback
    assert parsed.encoding == "windows-1252" and parsed.entries[0].description == french


def test_full_article_rule():
    paragraph = "<p>" + " ".join(f"word{i}" for i in range(90)) + ".</p>"
    assert is_full_article(paragraph)
    assert not is_full_article("<p>" + " ".join(f"word{i}" for i in range(60)) + ".</p>")   # a teaser's length
    for ending in (" Continue reading...", " [...]", " [&#8230;]", "…", " Read more »"):
        assert looks_truncated(paragraph + ending) and not is_full_article(paragraph + ending)
    assert not looks_truncated("<p>if (name.isEmpty()) { ... }</p>")
