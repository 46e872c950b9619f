"""TagArticles: one batched parse per article; the real command end to end, read back with DuckDB."""
from __future__ import annotations

import json

import apache_beam as beam
import pytest

from schemas.article import new_article
from tests.conftest import SEEDS, newsbeam, read_articles
from transforms.analysis.entities import DEFAULT_NER_MODELS
from transforms.analysis.tag import TagArticlesDoFn

TARGETS = """targets:
  - id: nato-troops-ukraine
    claim: NATO countries should send troops to Ukraine
    keywords: [troops, soldiers, ground forces]
"""
OTHER_LANGUAGES = [
    {"id": "fr-1", "outlet": "lemonde.fr", "published": "2024-03-01", "language": "fr",
     "title": "Macron et l'OTAN",
     "text": "Le président Emmanuel Macron a déclaré à Paris que rien ne devait être exclu. "
             "« Nous ferons tout ce qu'il faut », a ajouté Macron devant les dirigeants européens."},
    {"id": "ru-1", "outlet": "lenta.ru", "published": "2024-03-01", "language": "ru",
     "title": "Песков о коалиции",
     "text": "Пресс-секретарь президента России Дмитрий Песков заявил, что попытки Франции создать коалицию "
             "ведут к эскалации. Слова Пескова прозвучали в Москве."},
    {"id": "de-1", "outlet": "spiegel.de", "published": "2024-03-01", "language": "de",
     "title": "Scholz und die NATO",
     "text": "Bundeskanzler Olaf Scholz hat die Entsendung von Bodentruppen in die Ukraine ausgeschlossen. "
             "Deutschland werde keine Soldaten schicken, sagte Scholz in Berlin."},
]


@pytest.fixture(scope="module")
def tagged_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tag")
    (folder / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    extra = folder / "other_languages.jsonl"
    extra.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in OTHER_LANGUAGES), encoding="utf-8")
    out = folder / "out"
    newsbeam("run", "--input", SEEDS, extra, "--output", out, "--targets", folder / "targets.yaml")
    rows = {row["outlet"] if row["language"] == "en" else row["language"]: row for row in read_articles(out)}
    summary = json.loads(next((out / "_runs").glob("*.json")).read_text())
    return rows, summary


def _labels(row):
    labels = {}
    for ent in row["entities"]:
        labels.setdefault(ent["text"], set()).add(ent["label"])
    return labels


@pytest.mark.slow
def test_seed_rows_carry_entities_quotes_and_tone(tagged_run):
    rows, summary = tagged_run
    lenta, express = rows["lenta.ru"], rows["express.co.uk"]
    persons = {e["canonical"] for row in (lenta, express) for e in row["entities"] if e["label"] == "PERSON"}
    assert {"Gabrielius Landsbergis", "Emmanuel Macron", "Kaja Kallas", "Vladimir Putin", "Dmitry Peskov",
            "Florian Philippot"} <= persons
    labels = {**_labels(lenta), **_labels(express)}
    assert labels["NATO"] == {"ORG"}
    assert all(labels[place] == {"LOC"} for place in ("Ukraine", "Lithuania", "France", "Germany"))
    for row in (lenta, express):
        for ent in row["entities"]:
            assert row["text"][ent["start"]:ent["end"]] == ent["text"]
        for quote in row["quotes"]:
            assert row["text"][quote["start"]:quote["end"]] == quote["text"]
        assert -1 <= row["tone"] <= 1
    speakers = {(q["speaker"], q["direct"]) for row in (lenta, express) for q in row["quotes"]}
    assert {("Kaja Kallas", True), ("Gabrielius Landsbergis", True), ("Emmanuel Macron", True),
            ("Dmitry Peskov", False), ("Vladimir Putin", False), ("Florian Philippot", False)} <= speakers
    assert summary["counters"]["tag.out"] == 5 and summary["dead_letters"] == 0


@pytest.mark.slow
def test_other_languages(tagged_run):
    rows, summary = tagged_run
    french, russian, german = rows["fr"], rows["ru"], rows["de"]
    assert ("Emmanuel Macron", "PERSON") in {(e["canonical"], e["label"]) for e in french["entities"]}
    assert any(q["speaker"] == "Emmanuel Macron" and q["direct"] for q in french["quotes"])
    assert {e["canonical"] for e in russian["entities"] if e["label"] == "PERSON"} == {"Дмитрий Песков"}
    assert german["entities"] == [] and german["quotes"] == []
    assert any(q["speaker"] == "Дмитрий Песков" and not q["direct"] for q in russian["quotes"])
    assert {e["canonical_latin"] for e in russian["entities"] if e["label"] == "PERSON"} == {"Dmitriy Peskov"}
    assert -1 <= french["tone"] <= 1 and russian["tone"] is None and german["tone"] is None
    assert summary["counters"]["tag.untagged"] == 1


@pytest.mark.slow
def test_stances_toward_the_target(tagged_run):
    pytest.importorskip("transforms.analysis.stance")
    rows, _ = tagged_run
    stances = {}
    for outlet in ("lenta.ru", "express.co.uk"):
        for stance in rows[outlet]["stances"]:
            assert stance["target_id"] == "nato-troops-ukraine" and stance["evidence"]
            stances.setdefault(stance["holder"], set()).add(stance["label"])
    assert "support" in stances["Gabrielius Landsbergis"] and "support" in stances["Kaja Kallas"]
    assert stances["Dmitry Peskov"] == {"oppose"}
    assert rows["de"]["stances"] == [] or all(s["evidence"] for s in rows["de"]["stances"])


@pytest.mark.slow
def test_putin_opposes(tagged_run):
    pytest.importorskip("transforms.analysis.stance")
    rows, _ = tagged_run
    labels = {s["label"] for outlet in ("lenta.ru", "express.co.uk") for s in rows[outlet]["stances"]
              if s["holder"] == "Vladimir Putin"}
    assert "oppose" in labels


def test_a_broken_article_is_a_dead_letter_and_the_batch_goes_on():
    dofn = TagArticlesDoFn({"en": DEFAULT_NER_MODELS["en"]}, [])
    dofn.setup()
    good = new_article(article_id="a", source="good.txt", language="en", title="t",
                       text="Kaja Kallas said that nothing can be ruled out.")
    broken = new_article(article_id="b", source="broken.txt", language="en", title="t", text=12345)
    outputs = list(dofn.process([good, broken]))
    dead = [o for o in outputs if isinstance(o, beam.pvalue.TaggedOutput)]
    tagged = [o for o in outputs if not isinstance(o, beam.pvalue.TaggedOutput)]
    assert [a["source"] for a in tagged] == ["good.txt"]
    assert tagged[0]["quotes"][0]["speaker"] == "Kaja Kallas"
    assert len(dead) == 1 and dead[0].value["stage"] == "tag"


def test_a_pipeline_that_fails_to_load_makes_dead_letters_not_a_crash(tmp_path):
    dofn = TagArticlesDoFn({"en": str(tmp_path / "not_a_pipeline")}, [])
    dofn.setup()
    article = new_article(article_id="a", source="a.txt", language="en", title="t",
                          text="Kaja Kallas said that nothing can be ruled out.")
    outputs = list(dofn.process([article]))
    assert len(outputs) == 1 and isinstance(outputs[0], beam.pvalue.TaggedOutput)
    assert outputs[0].value["stage"] == "tag"


def test_a_missing_ner_pipeline_stops_the_run_with_one_line(tmp_path):
    result = newsbeam("run", "--input", SEEDS, "--output", tmp_path / "out", "--ner_models", "en=no_such_pipeline",
                      check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "en=no_such_pipeline" in result.stderr
    assert not (tmp_path / "out").exists()


# Every stance row of the two reference articles, as a reader would list them: (holder, type) → label.
SEED_STANCES = {
    "express.co.uk": {
        ("article", "article"): "neutral",
        ("NATO", "ORG"): "support",                   # the title: "NATO still considering sending troops"
        ("Kaja Kallas", "PERSON"): "support",
        ("Gabrielius Landsbergis", "PERSON"): "support",
        ("Emmanuel Macron", "PERSON"): "support",
        ("Germany", "LOC"): "oppose", ("UK", "LOC"): "oppose", ("US", "LOC"): "oppose",
        ("EU and NATO officials", "ORG"): "neutral",  # a group, not a person
    },
    "lenta.ru": {
        ("article", "article"): "neutral",
        ("Lithuanian Foreign Ministry", "ORG"): "support",   # the title: "announced the lifting of red lines"
        ("Gabrielius Landsbergis", "PERSON"): "support",
        ("Emmanuel Macron", "PERSON"): "support",     # "the words of … Macron about the possible dispatch of troops"
        ("Germany", "LOC"): "oppose", ("Czech Republic", "LOC"): "oppose",   # "countries, including …"
        ("Estonia", "LOC"): "support", ("Latvia", "LOC"): "support", ("Lithuania", "LOC"): "support",
        ("Florian Philippot", "PERSON"): "oppose",    # "criticized such plans"
        ("Dmitry Peskov", "PERSON"): "oppose",
        ("Vladimir Putin", "PERSON"): "oppose",
    },
}


@pytest.mark.slow
def test_seed_stances_every_holder_and_label(tagged_run):
    rows, _ = tagged_run
    for outlet, expected in SEED_STANCES.items():
        got = {(s["holder"], s["holder_type"]): s["label"] for s in rows[outlet]["stances"]}
        assert got == expected, outlet
        for stance in rows[outlet]["stances"]:
            assert 0.0 <= stance["score"] <= 1.0 and stance["evidence"]
            assert stance["evidence"] in rows[outlet]["text"] or stance["evidence"] == rows[outlet]["title"]
    politico = [e for e in rows["lenta.ru"]["entities"] if e["text"] == "Politico"]
    assert politico and {e["label"] for e in politico} == {"ORG"}   # an outlet, never a person or a holder


@pytest.mark.slow
def test_seed_titles_are_tagged_with_offsets_into_the_title(tagged_run):
    rows, _ = tagged_run
    express = rows["express.co.uk"]
    title = express["title"]
    assert ("Vladimir Putin", "PERSON") in {(e["canonical"], e["label"]) for e in express["title_entities"]}
    for row in rows.values():
        for ent in row["title_entities"]:
            assert row["title"][ent["start"]:ent["end"]] == ent["text"]
    assert "Vladimir Putin" in title and "Vladimir Putin" not in express["text"]
    estonia = [e for e in express["entities"] if e["canonical"] == "Estonia"]
    assert estonia and estonia[0]["label"] == "LOC" and estonia[0]["text"] == "Estonian"   # "Estonian Prime Minister"
    assert express["text"][estonia[0]["start"]:estonia[0]["end"]] == "Estonian"


def test_exact_copies_take_their_originals_tags_without_a_parse():
    """A wire story carried word for word is parsed once; a copy whose text names its own outlet is
    parsed again (its outlet's name is an ORG there), and so is an edited copy."""
    dofn = TagArticlesDoFn({"en": DEFAULT_NER_MODELS["en"]}, [])
    dofn.setup()
    parsed = []
    real_parse = dofn.parse
    dofn.parse = lambda articles: parsed.extend(a["article_id"] for a in articles) or real_parse(articles)
    text = ("Kaja Kallas said that nothing can be ruled out. \u201cWe will support Ukraine,\u201d she told the "
            "Express in Tallinn on Tuesday.")
    make = lambda aid, outlet, body=text: new_article(article_id=aid, source=aid, language="en", outlet=outlet,
                                                      title="Kallas on Ukraine", text=body)
    first = list(dofn.process([make("wire", "wire.example"), make("copy-1", "daily.example")]))
    later = list(dofn.process([make("copy-2", "herald.example"), make("own-name", "express.co.uk"),
                               make("edited", "daily.example", text + " She spoke to reporters.")]))
    by_id = {a["article_id"]: a for a in first + later}
    assert parsed == ["wire", "own-name", "edited"]
    fields = ("entities", "quotes", "stances", "title_entities", "title_quotes", "tone")
    for copy in ("copy-1", "copy-2"):
        assert {f: by_id[copy][f] for f in fields} == {f: by_id["wire"][f] for f in fields}
    assert by_id["wire"]["quotes"][0]["speaker"] == "Kaja Kallas"
    express = [e for e in by_id["own-name"]["entities"] if e["text"] == "Express"]
    assert express and express[0]["label"] == "ORG"
    by_id["copy-1"]["entities"].clear()  # each copy has its own lists, not the original's
    assert by_id["wire"]["entities"]
