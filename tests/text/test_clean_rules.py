"""Each rule of clean.py and titles.py with its evidence, what is never removed, words of any script
and the minimum text."""
import pytest

from transforms.text.clean import clean_body, paragraph_rule
from transforms.text.titles import title_suffix
from transforms.text.words import count_words, is_article_text

LEAD = "The council agreed a budget of 20 million on Monday, officials said."
END = "Residents will be asked for their views in a consultation that opens next week."


@pytest.mark.parametrize("paragraph,kind,evidence", [
    ("Emmanuel Macron Photo: Ludovic Marin / Reuters", "caption", "rule: caption credit"),
    ("Flood water in the high street (Image: Getty Images)", "caption", "rule: caption credit"),
    ("Die Bürgermeisterin am Montag Foto: dpa", "caption", "rule: caption credit"),
    ("We are eliminating the red lines we have set Gabrielius LandsbergisHead of the Foreign Ministry",
     "pull_quote", "rule: name glued to a job title"),
    ("“We will not give up” Jane DoeChief Executive, Acme", "pull_quote", "rule: name glued to a job title"),
    ("Source link", "footer", "rule: footer phrase"),
    ("Sign up for our daily newsletter", "footer", "rule: footer phrase"),
    ("Lesen Sie auch: Der Haushalt im Überblick", "footer", "rule: footer phrase"),
    ("This article was originally published on The Conversation.", "footer", "rule: footer phrase"),
])
def test_each_rule_names_its_evidence(paragraph, kind, evidence):
    assert paragraph_rule(paragraph) == (kind, evidence)


@pytest.mark.parametrize("paragraph", [
    "What the new budget means for renters in the northern districts",     # a heading
    "Why the council changed its mind",
    "• Free bus passes for all pupils under 16",                            # list items
    "3. The library on Station Road reopens in May",
    "Arsenal 3 Chelsea 1 Liverpool 2 Everton 0",                            # a table row
    "Turnout | 2019 | 2024",
    "“We are not going to give up on this town” says the mayor in her letter to residents",   # a quote
    "The mayor thanked volunteers who cleared the river of rubbish after the storm",           # no full stop
    "市议会周一通过了两千万元的预算",                                                        # other scripts
    "Subscribers grew by a third last year, the company said in its annual report.",
    "On LinkedIn for years he described himself as a consultant for energy firms.",
])
def test_what_is_never_removed(paragraph):
    text = "\n\n".join([LEAD, paragraph, END])
    kept, removed = clean_body(text)
    assert removed == [] and kept[1] == paragraph


def test_headlines_of_a_lone_page_copy_go_only_with_page_furniture():
    headline = "France began to create an alliance of countries to send troops to Ukraine"
    plain = "\n\n".join([LEAD, headline, END])
    assert clean_body(plain)[1] == []                                       # no furniture: a heading
    page = "\n\n".join([LEAD, headline, END, "Emmanuel Macron Photo: Ludovic Marin / Reuters"])
    kept, removed = clean_body(page)
    assert headline not in kept
    assert removed[-1] == {"kind": "related", "text": headline,
                           "evidence": "rule: headline-shaped line in a lone page copy (caption found)"}
    assert clean_body(page, lone=False)[0][1] == headline                   # corpus evidence decides instead


@pytest.mark.parametrize("title,site,outlet,clean,why", [
    ("Rates rise again - The Daily Planet", "The Daily Planet", None, "Rates rise again", "names the site"),
    ("Storm hits coast – BBC News", None, "bbc.co.uk", "Storm hits coast", "names the site"),
    ("Harry and Meghan 'won't recover' | Royal | News | Express.co.uk", None, None,
     "Harry and Meghan 'won't recover'", "a site's domain"),
    ("Was wissen wir? Eine Analyse – DW – 13.06.2023", "DW", None, "Was wissen wir? Eine Analyse", "a date"),
    ("King's speech: what it means | Politics News | Metro News", "Metro", None, "King's speech: what it means",
     "names the site"),
    ("Story about the budget vote | World | News", None, None, "Story about the budget vote", "section names"),
    ("中日新聞の記事の見出しです：中日新聞Web", "中日新聞Web", None, "中日新聞の記事の見出しです", "names the site"),
    ("Council approves budget :: Courier", "Courier", None, "Council approves budget", "names the site"),
    ("Council approves budget • Courier", "Courier", None, "Council approves budget", "names the site"),
])
def test_title_suffixes_with_evidence(title, site, outlet, clean, why):
    got, removed = title_suffix(title, site, outlet)
    assert got == clean and removed[0]["evidence"] == f"rule: title suffix ({why})"


@pytest.mark.parametrize("title,site,outlet", [
    ("Brexit talks resume - UK", None, "express.co.uk"),              # one section word
    ("Russia-Ukraine war - live updates", None, None),
    ("Markets - Apple shares fall after results", "AP", "apnews.com"),  # a short site name inside a word
    ("BUDGET 3.0 | Sars gets R4bn to hire army of debt collectors", None, "timeslive.co.za"),
    ("Big - Courier", "Courier", None),                                 # the headline keeps three words
])
def test_titles_that_keep_every_word(title, site, outlet):
    assert title_suffix(title, site, outlet) == (title, [])


@pytest.mark.parametrize("text,words", [
    ("The U.S. economy grew 2.5% in 2024 – officials said.", 9),        # a lone dash is no word
    ("中华人民共和国国务院总理今天在北京会见了美国国务卿。", 12),
    ("東京都の小池百合子知事は記者会見で新しい計画を発表した。", 15),
    ("นายกรัฐมนตรีประกาศนโยบายใหม่วันนี้", 7),
    ("대통령은 오늘 새로운 정책을 발표했다.", 5),
])
def test_words_of_every_script(text, words):
    assert count_words(text) == words


def test_a_short_text_is_an_article_with_a_title_or_a_sentence():
    assert is_article_text("Storm hits coast", "Storm hits coast")
    assert is_article_text("Flood warning issued", None)                # three words: a sentence
    assert not is_article_text("Breaking news", None)
    assert not is_article_text("", "A title alone")
    assert is_article_text("台风今天登陆", None)                           # 台风 今天 登陆
    assert not is_article_text("台风登陆", None)


def test_a_headline_only_feed_entry_is_an_article():
    import datetime as dt

    from transforms.ingest.decode import digest
    from transforms.text.extract import build_article
    raw = {"source": "wire.xml#1", "path": "/in/wire.xml", "input_kind": "feed_entry", "html": "", "text": None,
           "meta": {"title": "Storm hits coast"}, "digest": digest("feed_entry", ""),
           "fetched_at": dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)}
    article = build_article(raw, lambda html, url: {})
    assert article["text"] == "Storm hits coast" and article["word_count"] == 3


@pytest.mark.parametrize("text,words", [
    ("東京都の小池百合子知事は記者会見で新しい計画を発表した。", 15),
    ("国务院总理今天在北京会见了美国国务卿。", 9),
    ("대통령은 오늘 새로운 정책을 발표했다.", 5),
])
def test_unspaced_and_korean_records_are_articles_with_their_word_count(text, words):
    """Once dead letters ('fewer than 5 words': counted by spaces), now articles."""
    import datetime as dt

    from transforms.ingest.decode import digest
    from transforms.text.extract import build_article
    raw = {"source": "r.jsonl:1", "path": "/in/r.jsonl", "input_kind": "jsonl", "html": None, "text": text,
           "meta": {}, "digest": digest("jsonl", text), "fetched_at": dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)}
    assert build_article(raw)["word_count"] == words
