"""One story across languages, and none from one language's common words: ClusterStories on articles
tagged by the pipeline's own models (spaCy en/fr, natasha ru; German has none), on FnApiRunner."""
from __future__ import annotations

import pytest

from conftest import ROOT
from tests.dedup.story_texts import (
    EN_OTHER,
    EN_TRANSLATION,
    GERMAN_SAME_EVENT,
    GERMAN_UNRELATED,
    RU_ORIGINAL,
    RU_OTHER,
)
from tests.dedup.test_stories import row, run_stories
from transforms.analysis.entities import ner_models
from transforms.analysis.tag import TagArticlesDoFn
from transforms.text.clean import split_title

CORPUS = ROOT / "docs" / "corpus"


def corpus(name):
    return split_title((CORPUS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def labels():
    """One run over every text of these tests, all within three days: they meet as a real run's would."""
    texts = [("ru-original", RU_ORIGINAL, "ru", 0), ("en-translation", EN_TRANSLATION, "en", 3),
             ("ru-other", RU_OTHER, "ru", 1), ("en-other", EN_OTHER, "en", 2),
             ("rail-wire", corpus("01_rail_strike_wire.txt"), "en", 0),
             ("rail-fr", corpus("05_greve_quotidien.txt"), "fr", 20),
             ("library", corpus("06_library_herald.txt"), "en", 24),
             ("energy", corpus("07_energy_courier.txt"), "en", 48)]
    texts += [(f"de-{i}", text, "de", 6 * i) for i, text in enumerate(GERMAN_UNRELATED)]
    texts += [(f"de-storm-{i}", text, "de", 30 + i) for i, text in enumerate(GERMAN_SAME_EVENT)]
    rows = [row(aid, title_text, hours, language=language) for aid, title_text, language, hours in texts]
    tagger = TagArticlesDoFn(ner_models(), [])
    tagger.setup()
    tagged = [tagger.tag(r, doc) for r, doc in zip(rows, tagger.parse(rows))]
    assert any(e["canonical"] == "Рантанен" or "Рантанен" in e["canonical"] for e in tagged[0]["entities"])
    return run_stories(tagged)


def test_a_russian_report_and_its_english_translation_are_one_story_never_one_cluster(labels):
    assert labels["ru-original"][1] == labels["en-translation"][1]
    assert labels["ru-original"][0] != labels["en-translation"][0]


def test_the_french_and_english_rail_strike_reports_are_one_story_never_one_cluster(labels):
    assert labels["rail-wire"][1] == labels["rail-fr"][1]
    assert labels["rail-wire"][0] != labels["rail-fr"][0]


def test_unrelated_reports_of_the_same_days_stay_apart(labels):
    stories = {aid: story for aid, (_, story) in labels.items()}
    alone = ["ru-other", "en-other", "library", "energy"] + [f"de-{i}" for i in range(len(GERMAN_UNRELATED))]
    others = {aid: s for aid, s in stories.items() if aid not in alone}
    for aid in alone:
        assert [a for a, s in stories.items() if s == stories[aid]] == [aid], aid
    assert stories["ru-original"] != stories["rail-wire"] and not set(others.values()) & {stories[a] for a in alone}


def test_german_reports_of_one_event_are_one_story_without_an_entity_model(labels):
    assert labels["de-storm-0"][1] == labels["de-storm-1"][1]
