"""`newsbeam report` seen as a person sees it: the page of a real run, opened in headless Chromium.

Two outputs are reported:
- a real run over seeds/ + docs/corpus/ + two broken inputs: the sections whose columns the run
  fills (volume, languages, dead letters) draw charts, the others say why they are empty;
- an output whose Parquet this test writes itself with ARTICLE_SCHEMA, filled the way the dedup,
  entity and stance stages fill it (copies across outlets, stories, entities, stances with
  evidence): every section draws its chart, and a click on a stance bar shows its evidence.
Both pages must load without a console error and without a single network request.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.article import ARTICLE_SCHEMA, new_article
from schemas.dead_letter import dead_letter
from tests.browser import Browser, chromium_path, console_errors, network_requests, open_page, screenshot
from tests.conftest import ROOT, SEEDS, newsbeam, read_articles
from transforms.write import write_dead_letters

CORPUS = ROOT / "docs" / "corpus"
UTC = dt.timezone.utc

DOM_SUMMARY = """(() => {
  const sections = {};
  document.querySelectorAll('main section').forEach(s => {
    sections[s.id] = {
      charts: [...s.querySelectorAll('svg.chart')].map(c => ({name: c.dataset.chart,
               marks: c.querySelectorAll('.mark').length,
               width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height})),
      empty: [...s.querySelectorAll('.empty')].map(e => e.textContent.trim()),
      text: s.innerText,
    };
  });
  return {ready: document.documentElement.getAttribute('data-report-ready'),
          charts: document.querySelectorAll('svg.chart').length, sections,
          titles: [...document.querySelectorAll('svg.chart title')].map(t => t.textContent)};
})()"""


@pytest.fixture(scope="module")
def browser():
    if not chromium_path():
        pytest.fail("chromium is not installed: `make chromium` (Debian: apt-get install -y chromium)")
    with Browser() as b:
        yield b


def view(browser, page: Path, shot: Path):
    """(DOM summary after scripts ran, console errors, network requests, the open tab)."""
    tab = open_page(browser, page)
    dom = tab.evaluate(DOM_SUMMARY)
    screenshot(tab, shot)
    return dom, console_errors(tab.events), network_requests(tab.events), tab


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# --------------------------------------------------------------------------- a real run


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    broken = tmp_path_factory.mktemp("broken")
    (broken / "empty.html").write_bytes(b"")
    (broken / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    out = tmp_path_factory.mktemp("real") / "out"
    newsbeam("run", "--input", SEEDS, CORPUS, broken, "--output", out, "--progress", "off")
    html = out / "report.html"
    result = newsbeam("report", "--output", out)
    assert result.stdout.strip() == f"report: {html}"
    return out, html


@pytest.mark.slow
def test_report_of_a_real_run_in_chromium(browser, real_run, tmp_path):
    out, html = real_run
    page = html.read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page  # nothing fetched: one self-contained file
    dom, errors, requests, tab = view(browser, html, tmp_path / "real.png")
    tab.close()
    assert errors == [], errors
    assert requests == [], requests
    assert dom["ready"] == str(dom["charts"]), "the page's script ran to its end"
    sections = dom["sections"]
    assert list(sections) == ["volume", "syndication", "stories", "stances", "entities", "dead-letters"]

    # articles per outlet per day: one column segment per (day, outlet) the output holds
    rows = read_articles(out)
    pairs = {(str(r["date"]), r["outlet"]) for r in rows}
    volume = {c["name"]: c for c in sections["volume"]["charts"]}
    assert volume["articles-per-day"]["marks"] == len(pairs)
    assert volume["languages"]["marks"] == len({(r["outlet"], r["language"]) for r in rows})
    for outlet in {r["outlet"] for r in rows}:
        assert any(t.startswith(f"{outlet} · ") or f" · {outlet}: " in t for t in dom["titles"]), outlet
    assert all(c["width"] > 300 and c["height"] > 50 for s in sections.values() for c in s["charts"])

    # dead letters: the two broken inputs, by stage and reason
    dead = {c["name"]: c for c in sections["dead-letters"]["charts"]}
    assert dead["dead-letters"]["marks"] >= 1
    assert "empty" in sections["dead-letters"]["text"] and "binary" in sections["dead-letters"]["text"]
    assert "photo.txt" in sections["dead-letters"]["text"]

    # no targets were given: the stance section is empty and the page says why; entities are charted
    assert "no targets" in sections["stances"]["empty"][0]
    assert sections["stances"]["charts"] == []
    assert sections["entities"]["charts"] and not sections["entities"]["empty"]
    if not any(r["is_duplicate"] for r in rows):
        assert "No copy groups" in sections["syndication"]["empty"][0]
    w, h = png_size(tmp_path / "real.png")
    assert w == 1100 and h > 1000


def test_report_command_errors(tmp_path):
    result = newsbeam("report", "--output", tmp_path / "missing", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"newsbeam report: output folder not found: {tmp_path / 'missing'}"]


# --------------------------------------------------------------------------- a filled output


T0 = dt.datetime(2024, 3, 4, 6, 10, tzinfo=UTC)
TARGETS = {"rail-guards": "Regional trains should keep a guard on board",
           "nato-troops-ukraine": "NATO countries should send troops to Ukraine"}


def entity(text, label, canonical=None, start=0):
    return {"text": text, "label": label, "start": start, "end": start + len(text), "canonical": canonical or text}


def stance(target, holder, holder_type, label, score, evidence):
    return {"target_id": target, "holder": holder, "holder_type": holder_type, "label": label, "score": score,
            "evidence": evidence}


def filled_rows() -> list[dict]:
    """Rows as the full pipeline writes them: a wire story copied by three outlets, a story told in
    different words by two more, entities, and stances by articles and by quoted holders."""
    wire_text = ("Rail unions in Belgium, the Netherlands and Luxembourg will strike next Thursday. "
                 "\"We need enough people to run the trains safely,\" the unions said.")
    rows = []

    def add(n, outlet, hours, title, text, language="en", **fields):
        article_id = f"{n:02d}" + "a" * 62
        rows.append(new_article(
            article_id=article_id, source=f"{outlet}/{n}.txt", input_kind="text", outlet=outlet,
            url=f"https://{outlet}.example/{n}", title=title, published_at=T0 + dt.timedelta(hours=hours),
            fetched_at=T0 + dt.timedelta(days=3), date_source="published", text=text,
            word_count=len(text.split()), language=language, language_score=0.99,
            content_hash=f"h{n}", **fields))
        return article_id

    original = add(1, "wire-europe", 0, "Rail workers in three countries announce joint strike", wire_text,
                   cluster_id="c-wire", story_id="s-strike",
                   entities=[entity("Belgium", "LOC"), entity("Netherlands", "LOC"), entity("Luxembourg", "LOC")],
                   stances=[stance("rail-guards", "wire-europe", "article", "neutral", 0.55,
                                   "The unions said the walkout was a response to plans to cut guards."),
                            stance("rail-guards", "rail unions", "ORG", "support", 0.91,
                                   "\"We need enough people to run the trains safely,\" the unions said.")])
    for n, outlet, hours in ((2, "daily-courier", 3.5), (3, "city-post", 24.9), (4, "metro-news", 50)):
        add(n, outlet, hours, "Rail workers in three countries announce joint strike", wire_text,
            cluster_id="c-wire", is_duplicate=True, duplicate_of=original, story_id="s-strike",
            entities=[entity("Belgium", "LOC"), entity("Luxembourg", "LOC")],
            stances=[stance("rail-guards", "rail unions", "ORG", "support", 0.9,
                            "\"We need enough people to run the trains safely,\" the unions said.")])
    second = add(5, "northern-herald", 13, "Commuters brace for a day without trains",
                 "Commuters face a difficult Thursday. Marieke de Vries, a nurse, said she would drive.",
                 cluster_id="c-herald", story_id="s-strike",
                 entities=[entity("Marieke de Vries", "PERSON"), entity("Groningen", "LOC")],
                 stances=[stance("rail-guards", "northern-herald", "article", "support", 0.7,
                                 "Passengers said trains without guards felt less safe at night."),
                          stance("rail-guards", "NS Reizigers", "ORG", "oppose", 0.8,
                                 "The operator said one driver can run a modern regional train safely.")])
    add(6, "metro-news", 15, "Commuters brace for a day without trains",
        "Commuters face a difficult Thursday. Marieke de Vries, a nurse, said she would drive.",
        cluster_id="c-herald", is_duplicate=True, duplicate_of=second, story_id="s-strike",
        entities=[entity("Marieke de Vries", "PERSON")])
    add(7, "le-quotidien", 23.5, "Grève des cheminots : le trafic international quasi nul jeudi",
        "Les syndicats de cheminots ont confirmé une grève commune jeudi.", language="fr",
        cluster_id="c-fr", story_id="s-strike", entities=[entity("Bruxelles", "LOC", "Brussels")],
        stances=[stance("rail-guards", "le-quotidien", "article", "neutral", 0.5,
                        "Les syndicats dénoncent le projet de supprimer les accompagnateurs.")])
    add(8, "daily-courier", 50, "Energy bills to fall from April", "The regulator cut the cap by nine percent.",
        cluster_id="c-energy", story_id="s-energy", entities=[entity("European Commission", "ORG")])
    add(9, "express-uk", 72, "NATO still considering sending troops to Ukraine",
        "Emmanuel Macron said sending troops could not be ruled out. Kaja Kallas backed the debate.",
        cluster_id="c-nato", story_id="s-nato",
        entities=[entity("Macron", "PERSON", "Emmanuel Macron"), entity("NATO", "ORG"), entity("Ukraine", "LOC")],
        stances=[stance("nato-troops-ukraine", "Emmanuel Macron", "PERSON", "support", 0.62,
                        "Emmanuel Macron said sending troops could not be ruled out."),
                 stance("nato-troops-ukraine", "Germany", "LOC", "oppose", 0.74,
                        "Germany said no European or NATO soldiers would be sent to Ukraine."),
                 stance("nato-troops-ukraine", "express-uk", "article", "neutral", 0.4,
                        "The debate over troops continues among NATO members.")])
    add(10, "lenta-ru", 74, "Lithuania calls for lifting red lines on NATO troops",
        "Gabrielius Landsbergis said the time had come to discuss sending NATO soldiers to Ukraine.",
        cluster_id="c-lenta", story_id="s-nato",
        entities=[entity("Gabrielius Landsbergis", "PERSON"), entity("NATO", "ORG"), entity("Ukraine", "LOC")],
        stances=[stance("nato-troops-ukraine", "Gabrielius Landsbergis", "PERSON", "support", 0.88,
                        "The time has come to discuss sending NATO soldiers to Ukraine, said Landsbergis."),
                 stance("nato-troops-ukraine", "lenta-ru", "article", "oppose", 0.6,
                        "Moscow warned the consequences of such a step would be tragic.")])
    return rows


def write_filled_output(out: Path) -> None:
    from transforms.write import partition_dir, partition_of
    by_partition: dict[tuple[str, str], list[dict]] = {}
    for row in filled_rows():
        by_partition.setdefault(partition_of(row), []).append(row)
    for (date, outlet), rows in by_partition.items():
        folder = Path(partition_dir(str(out), date, outlet))
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA), folder / "part-0000-test.parquet")
    write_dead_letters(str(out), "extract", [
        dead_letter("pages/login.html", "extract", "no_article", "no article text found in the page"),
        dead_letter("pages/slow.html", "extract", "timeout", "extraction took longer than 30 s")])
    write_dead_letters(str(out), "read", [dead_letter("feeds/broken.xml", "read", "not_a_feed", "not a feed")])


@pytest.mark.slow
def test_report_of_a_filled_output_in_chromium(browser, tmp_path):
    out = tmp_path / "out"
    write_filled_output(out)
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"targets": [{"id": k, "claim": v} for k, v in TARGETS.items()]}))
    html = tmp_path / "page" / "filled.html"
    newsbeam("report", "--output", out, "--html", html, "--targets", targets)

    dom, errors, requests, tab = view(browser, html, tmp_path / "filled.png")
    try:
        assert errors == [], errors
        assert requests == [], requests
        sections = dom["sections"]
        charts = {c["name"]: c for s in sections.values() for c in s["charts"]}
        expected = {"articles-per-day", "languages", "syndication-lag", "stories", "entities-per-day",
                    "dead-letters"} | {f"stance-{kind}-{t}" for t in TARGETS for kind in ("outlet", "holder")}
        assert set(charts) == expected
        assert all(c["marks"] > 0 for c in charts.values()), charts
        assert all(not s["empty"] for s in sections.values()), {k: s["empty"] for k, s in sections.items()}
        assert dom["ready"] == str(len(expected))

        # syndication: the 4-copy wire story first, who carried it and how long after the original
        assert charts["syndication-lag"]["marks"] == 4 + 2  # the wire group and the herald group
        text = sections["syndication"]["text"]
        for carrier, delay in (("daily-courier", "+3.5 h"), ("city-post", "+24.9 h"), ("metro-news", "+2.1 days")):
            assert re.search(rf"{carrier}\s+{re.escape(delay)}", text), (carrier, delay, text)
        assert text.index("Rail workers in three") < text.index("Commuters brace")
        # stories: the strike (6 outlets) above the NATO story (2 outlets)
        story_text = sections["stories"]["text"]
        assert story_text.index("Rail workers in three") < story_text.index("NATO still considering")
        assert re.search(r"Rail workers in three countries announce joint strike.*?\ben, fr\b", story_text, re.S)
        # entities per day: canonical names, counted per article
        assert "Emmanuel Macron" in sections["entities"]["text"] and "Brussels" in sections["entities"]["text"]
        assert not re.search(r"(?<!Emmanuel )Macron \(PERSON\)", sections["entities"]["text"])
        # stances: the claim text, per outlet and per holder with its kind
        stance_text = sections["stances"]["text"]
        assert TARGETS["nato-troops-ukraine"] in stance_text
        titles = "\n".join(dom["titles"])
        assert "Germany (country/place) · oppose: 1" in titles
        assert "rail unions (organisation) · support: 4" in titles
        assert "Emmanuel Macron (person) · support: 1" in titles
        assert "“Germany said no European or NATO soldiers" in titles  # evidence on hover

        # evidence one click away: click Germany's bar and read the panel the script fills
        panel = tab.evaluate("""(() => {
          const mark = [...document.querySelectorAll('svg[data-chart="stance-holder-nato-troops-ukraine"] [data-key]')]
            .find(m => m.getAttribute('data-key').includes('Germany'));
          mark.dispatchEvent(new MouseEvent('click', {bubbles: true}));
          const panel = document.querySelector('.evidence[data-for="stance-holder-nato-troops-ukraine"]');
          return {hidden: panel.hidden, text: panel.innerText, selected: mark.classList.contains('selected')};
        })()""")
        assert panel["hidden"] is False and panel["selected"] is True
        assert "Germany said no European or NATO soldiers would be sent to Ukraine." in panel["text"]
        assert "express-uk" in panel["text"]
        tab.call("Runtime.evaluate", expression="1")  # collect events the click raised
        assert console_errors(tab.events) == []
    finally:
        tab.close()
    w, h = png_size(tmp_path / "filled.png")
    assert w == 1100 and h > 2000


def test_report_of_an_output_with_only_dead_letters(tmp_path):
    """Every input failed: the page still renders, draws the dead letters and says why the rest is empty."""
    write_dead_letters(str(tmp_path), "read", [dead_letter("a.bin", "read", "binary", "binary content")])
    newsbeam("report", "--output", tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('class="empty"') == 5 and "No articles under" in page
    assert page.count('<svg class="chart"') == 1 and 'data-chart="dead-letters"' in page


@pytest.mark.slow
def test_report_charts_russian_and_french_holders(tmp_path):
    """Stances read in Russian and French reach the page: each holder's bar in the target's chart,
    with the label and its evidence in the original script."""
    from tests.analysis.test_multilingual import FRENCH, RUSSIAN
    records = [
        {"id": "ru-nato", "outlet": "ria.ru", "published": "2024-03-01T08:00:00Z", "title": "Путин о войсках НАТО",
         "text": RUSSIAN},
        {"id": "fr-nato", "outlet": "lemonde.fr", "published": "2024-03-01T09:00:00Z",
         "title": "Macron et les troupes", "text": FRENCH}]
    articles = tmp_path / "ru_fr.jsonl"
    articles.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"targets": [{"id": "nato-troops-ukraine", "claim": TARGETS["nato-troops-ukraine"],
                                                "keywords": ["troops", "soldiers"]}]}))
    out = tmp_path / "out"
    newsbeam("run", "--input", articles, "--output", out, "--targets", targets, "--progress", "off")
    assert {(r["outlet"], r["language"]) for r in read_articles(out)} == {("ria.ru", "ru"), ("lemonde.fr", "fr")}
    newsbeam("report", "--output", out, "--targets", targets)
    page = (out / "report.html").read_text(encoding="utf-8")
    chart = re.search(r'<svg[^>]*data-chart="stance-holder-nato-troops-ukraine".*?</svg>', page, re.S)
    assert chart, "no per-holder chart for the target"
    titles = re.findall(r"<title>(.*?)</title>", chart.group(0), re.S)
    for holder, label in (("Владимир Путин", "oppose"), ("Дмитрий Песков", "oppose"),
                          ("Габриэлюс Ландсбергис", "support"), ("Emmanuel Macron", "support"),
                          ("Olaf Scholz", "oppose")):
        assert any(t.startswith(f"{holder} (person) · {label}: 1") for t in titles), (holder, label, titles)
    assert not any(t.startswith("opérateurs (person)") for t in titles)  # a group, typed as one
    assert "Владимир Путин предупредил о последствиях отправки войск НАТО на Украину" in page  # evidence
