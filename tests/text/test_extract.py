"""build_article and the time-limited trafilatura extractor, without Beam."""
import datetime as dt

import pytest

from transforms.ingest.decode import digest
from transforms.stage import Rejected
from transforms.text.extract import build_article
from transforms.text.extractor import TimeLimitedExtractor, trafilatura_extract
from transforms.text.identity import content_hash

FETCHED = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
BODY = ("The central bank raised interest rates by a quarter point on Thursday, citing persistent "
        "inflation in services. ") * 3
PAGE = f"""<!doctype html><html><head><title>Rates rise again - The Daily Planet</title>
<meta property="og:site_name" content="The Daily Planet">
<link rel="canonical" href="https://www.dailyplanet.co.uk/business/rates-rise">
<meta property="article:published_time" content="2024-05-02T09:30:00+01:00">
<meta name="author" content="Lois Lane"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Rates rise again</h1><p>{BODY}</p><p>Markets had expected the move, analysts said.</p></article>
<aside><h3>Related</h3><ul><li><a href="/x">Other story</a></li></ul></aside>
<footer>Copyright The Daily Planet. All rights reserved.</footer></body></html>"""


def raw(kind="html", source="page.html", meta=None, **payload):
    payload = payload or {"html": PAGE}
    return {"source": source, "path": "/in/" + source, "input_kind": kind, "html": payload.get("html"),
            "text": payload.get("text"), "meta": meta or {}, "fetched_at": FETCHED,
            "digest": digest(kind, payload.get("html") or payload.get("text"))}


def test_html_page_gives_clean_text_and_metadata():
    article = build_article(raw())
    assert article["title"] == "Rates rise again"
    assert article["text"].startswith("The central bank raised")
    assert "Home" not in article["text"] and "Copyright" not in article["text"]
    assert article["url"] == "https://www.dailyplanet.co.uk/business/rates-rise"
    assert article["outlet"] == "dailyplanet.co.uk"
    assert article["site_name"] == "The Daily Planet"
    assert article["authors"] == ["Lois Lane"]
    assert article["published_at"] == dt.datetime(2024, 5, 2, 8, 30, tzinfo=dt.timezone.utc)
    assert article["date_source"] == "published"
    # neutral values for the columns later stages fill
    assert article["cluster_id"] == article["story_id"] == article["article_id"]
    assert article["is_duplicate"] is False and article["entities"] == [] and article["stances"] == []


def test_manifest_metadata_wins_over_extracted():
    meta = {"outlet": "Planet Wire", "title": "Given title", "published": "2024-01-01",
            "url": "https://planet.example.com/a"}
    article = build_article(raw(meta=meta))
    assert (article["outlet"], article["title"], article["url"]) == ("planet-wire", "Given title", meta["url"])
    assert article["published_at"] == dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def test_text_article_title_line_and_cleaning():
    text = "Storm hits coast | UK | News\n\nA storm hit the coast overnight, officials said.\n\nSource link\n"
    article = build_article(raw("text", "a.txt", text=text))
    assert article["title"] == "Storm hits coast"
    assert article["text"] == "A storm hit the coast overnight, officials said."
    assert {"kind": "footer", "text": "Source link", "evidence": "rule: footer phrase"} in article["removed"]
    assert {"kind": "title_suffix", "text": " | UK | News", "evidence": "rule: title suffix (section names)"} \
        in article["removed"]
    assert article["word_count"] == 8
    assert article["date_source"] == "fetched" and article["published_at"] is None


def test_feed_entry_summary_too_short_for_trafilatura_is_kept_as_text():
    html = "<p>A powerful storm hit the northern coast overnight, cutting power to thousands.</p>"
    article = build_article(raw("feed_entry", "wire.xml#g-1", meta={"title": "Storm"}, html=html))
    assert article["text"] == "A powerful storm hit the northern coast overnight, cutting power to thousands."


def test_page_without_article_is_rejected():
    with pytest.raises(Rejected) as why:
        build_article(raw(html="<html><body><nav><a href='/'>Home</a></nav></body></html>"))
    assert why.value.reason in {"no_article", "no_text"}


def test_article_id_is_stable_and_depends_on_input():
    assert build_article(raw())["article_id"] == build_article(raw())["article_id"]
    assert build_article(raw())["article_id"] != build_article(raw(source="other.html"))["article_id"]


def test_content_hash_folds_case_punctuation_and_space():
    assert content_hash("Hello,  World!") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("hello there world")


def test_extraction_process_gives_the_same_result_as_in_process():
    extractor = TimeLimitedExtractor(timeout=60)
    try:
        assert extractor(PAGE) == trafilatura_extract(PAGE)
    finally:
        extractor.close()


def test_extraction_over_time_limit_is_rejected_and_the_next_call_works():
    huge = "<html><body>" + "<div><p>words in a deep page</p>" * 20000 + "</div>" * 20000 + "</body></html>"
    extractor = TimeLimitedExtractor(timeout=0.05)
    try:
        with pytest.raises(Rejected) as why:
            extractor(huge)
        assert why.value.reason == "timeout"
        extractor.timeout = 60
        assert extractor(PAGE)["title"] == "Rates rise again"  # a fresh child after the kill
    finally:
        extractor.close()


# --------------------------------------------------------------------------- the DoFn, one page ahead


def windowed(element, second):
    from apache_beam.transforms.window import IntervalWindow
    from apache_beam.utils.windowed_value import WindowedValue
    return WindowedValue(element, second, [IntervalWindow(second, second + 60)])


def test_extract_dofn_holds_pages_ahead_and_emits_each_output_in_its_own_window():
    """While the child extracts a page, the previous article goes on; a page that fails becomes a
    dead letter in its own window; a text document (nothing to extract) is not held."""
    from apache_beam.utils.windowed_value import WindowedValue

    from schemas.dead_letter import DEAD
    from transforms.text.extract import ExtractDoFn
    huge = "<html><body>" + "<div><p>words in a deep page</p>" * 20000 + "</div>" * 20000 + "</body></html>"
    page1, slow, page2 = raw(source="one.html"), raw(source="slow.html", html=huge), raw(source="two.html")
    text = raw("text", source="note.txt", text="A headline\n\n" + BODY)
    fn = ExtractDoFn(timeout=60)
    fn.AHEAD = 1  # one page ahead, so that the calls below show when each output comes out
    fn.setup()
    try:
        outputs = [("page1", list(fn.process(page1, windowed(page1, 0))))]
        outputs.append(("slow", list(fn.process(slow, windowed(slow, 100)))))
        fn._extractor.timeout = 0.05   # the slow page, collected in the next call, runs out of time
        outputs.append(("page2", list(fn.process(page2, windowed(page2, 200)))))
        fn._extractor.timeout = 60     # a fresh child extracts page2
        outputs.append(("text", list(fn.process(text, windowed(text, 300)))))
        outputs.append(("finish", list(fn.finish_bundle())))
    finally:
        fn.teardown()

    seen = {}
    for call, outs in outputs:
        for out in outs:
            tag = getattr(out, "tag", None)
            value = out.value if tag else out
            if isinstance(value, WindowedValue):
                seen[call] = (tag, value.value.get("source") or value.value.get("input_ref"), value.timestamp.micros // 10**6)
            else:  # plain outputs belong to the element of that call
                seen[call] = (tag, value.get("source") or value.get("input_ref"), None)
    assert "page1" not in seen                        # held while the child works on it
    assert seen["slow"] == (None, "one.html", 0)      # page1 comes out with its own timestamp
    assert seen["page2"] == (DEAD, "slow.html", 100)   # the slow page: a dead letter in its window
    assert seen["text"] == (None, "note.txt", None)   # emitted at once, in its own call's window
    assert seen["finish"] == (None, "two.html", 200)


def test_extracted_articles_keep_their_windows_through_a_pipeline():
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.transforms.window import FixedWindows, TimestampedValue

    from transforms.text.extract import ExtractArticles
    pages = [(raw(source=f"p{i}.html", html=PAGE.replace("Rates rise again", f"Rates rise again {i}")), i * 100)
             for i in range(5)]
    with beam.Pipeline("FnApiRunner") as pipeline:
        articles, dead = (pipeline
                          | beam.Create(pages)
                          | beam.Map(lambda p: TimestampedValue(p[0], p[1]))
                          | beam.WindowInto(FixedWindows(60))
                          | ExtractArticles(timeout=60))
        placed = articles | beam.Map(lambda a, w=beam.DoFn.WindowParam: (a["source"], int(w.start)))
        assert_that(placed, equal_to([(f"p{i}.html", i * 100 - (i * 100) % 60) for i in range(5)]))
