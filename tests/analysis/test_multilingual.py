"""Russian and French: quotes with their speakers, stances toward English claims, tone, Latin names."""
from __future__ import annotations

import pytest

from transforms.analysis.entities import DEFAULT_NER_MODELS, load_tagger
from transforms.analysis.natasha_doc import _break_cycles
from transforms.analysis.quote_languages import dialogue_spans
from transforms.analysis.quotes import extract_quotes
from transforms.analysis.stance import MultilingualStance, parse_targets
from transforms.analysis.stance.languages import localised, translate
from transforms.analysis.tone import document_tone, load_analyzer

TARGETS = parse_targets("""targets:
  - id: nato-troops-ukraine
    claim: NATO countries should send troops to Ukraine
    keywords: [troops, soldiers, ground forces]
""")
RUSSIAN = ("Президент России Владимир Путин предупредил о последствиях отправки войск НАТО на Украину.\n\n"
           "«Это будет означать прямую эскалацию», — заявил Путин журналистам.\n\n"
           "Министр иностранных дел Литвы Габриэлюс Ландсбергис считает, что пришло время обсудить "
           "отправку войск НАТО на Украину.\n\n"
           "— Мы ничего не исключаем, — сказал Ландсбергис. — Красных линий больше нет.\n\n"
           "По словам пресс-секретаря Кремля Дмитрия Пескова, отправка войск приведёт к эскалации.")
FRENCH = ("Le président Emmanuel Macron a déclaré que l'envoi de troupes occidentales en Ukraine ne "
          "pouvait pas être exclu.\n\n"
          "« Nous excluons l'envoi de soldats en Ukraine », a déclaré le chancelier Olaf Scholz.\n\n"
          "Selon Jean-Noël Barrot, la France soutient l'envoi de troupes.\n\n"
          "Les syndicats dénoncent le manque de personnel, ont indiqué les opérateurs.")


@pytest.fixture(scope="module")
def parsed():
    out = {}
    for language, text in (("ru", RUSSIAN), ("fr", FRENCH)):
        tagger = load_tagger(DEFAULT_NER_MODELS[language])
        doc = next(tagger.pipe([text]))
        entities = tagger.entities(doc)
        out[language] = (text, doc, entities, extract_quotes(doc, entities, language))
    return out


def speakers(quotes, direct=None):
    return [(q["speaker"], q["text"]) for q in quotes if direct is None or q["direct"] == direct]


def test_natasha_doc_is_the_text_with_a_tree(parsed):
    text, doc, entities, _ = parsed["ru"]
    assert doc.text == text and doc.has_annotation("DEP") and doc.has_annotation("LEMMA")
    for ent in entities:
        assert text[ent["start"]:ent["end"]] == ent["text"]
    heads, deps = [1, 2, 0, 3], ["nsubj", "obj", "obl", "ROOT"]   # 0 → 1 → 2 → 0: a cycle
    _break_cycles(heads, deps)
    assert heads[3] == 3 and sum(h == i for i, h in enumerate(heads)) == 2


def test_russian_quotes_and_their_speakers(parsed):
    text, _, _, quotes = parsed["ru"]
    for quote in quotes:
        assert text[quote["start"]:quote["end"]] == quote["text"]
    direct = speakers(quotes, direct=True)
    assert ("Владимир Путин", "Это будет означать прямую эскалацию") in direct
    assert ("Габриэлюс Ландсбергис", "Мы ничего не исключаем") in direct
    assert ("Габриэлюс Ландсбергис", "Красных линий больше нет.") in direct
    reported = speakers(quotes, direct=False)
    assert ("Габриэлюс Ландсбергис", "пришло время обсудить отправку войск НАТО на Украину") in reported
    assert ("Дмитрий Песков", "отправка войск приведёт к эскалации") in reported


def test_russian_names_in_guillemets_are_not_quotes():
    tagger = load_tagger("natasha")
    text = "Координатор движения «Левый фронт» Сергей Удальцов заявил о новой акции «Стратегии-31»."
    doc = next(tagger.pipe([text]))
    assert [q for q in extract_quotes(doc, tagger.entities(doc), "ru") if q["direct"]] == []


def test_french_quotes_and_inverted_speakers(parsed):
    _, _, _, quotes = parsed["fr"]
    assert ("Olaf Scholz", "Nous excluons l'envoi de soldats en Ukraine") in speakers(quotes, direct=True)
    reported = speakers(quotes, direct=False)
    assert ("Emmanuel Macron", "l'envoi de troupes occidentales en Ukraine ne pouvait pas être exclu") in reported
    # the small parser hangs "la France" from the "selon" phrase here: the statement keeps its verb
    assert any(s == "Jean-Noël Barrot" and t.endswith("soutient l'envoi de troupes") for s, t in reported)
    assert ("opérateurs", "Les syndicats dénoncent le manque de personnel") in reported


def test_dialogue_dashes():
    text = "— Мы ничего не исключаем, — заявил Песков. — Решение за НАТО.\nНе диалог — просто тире."
    assert [text[s:e] for s, e in dialogue_spans(text)] == ["Мы ничего не исключаем", "Решение за НАТО."]


@pytest.mark.parametrize("language", ["ru", "fr"])
def test_stances_toward_an_english_claim(parsed, language):
    text, doc, entities, quotes = parsed[language]
    rows = MultilingualStance(TARGETS).stances(text=text, title="", language=language, doc=doc,
                                               entities=entities, quotes=quotes)
    by_holder = {(r["holder"], r["holder_type"]): r for r in rows}
    assert ("article", "article") in by_holder and all(r["evidence"] for r in rows)
    assert all(r["evidence"] in text for r in rows)   # evidence in the article's own language
    expected = {"ru": {"Владимир Путин": "oppose", "Габриэлюс Ландсбергис": "support", "Дмитрий Песков": "oppose"},
                "fr": {"Emmanuel Macron": "support", "Olaf Scholz": "oppose"}}[language]
    for holder, label in expected.items():
        assert by_holder[(holder, "PERSON")]["label"] == label, rows


def test_a_target_in_the_language_wins_over_the_word_list():
    target = parse_targets("""targets:
  - id: strike
    claim: Rail workers should strike
    claim_fr: Les cheminots doivent faire grève
    keywords_fr: [débrayage]
""")[0]
    assert localised(target, "fr").claim == "Les cheminots doivent faire grève"
    assert localised(target, "fr").keywords == ["débrayage"]
    assert "войска" in translate("troops", "ru") and "НАТО" in translate("NATO troops", "ru")
    english = MultilingualStance([target])
    assert english.stances(text="Die Lokführer streiken.", language="de") == []


def test_tone_french_on_the_english_scale_russian_null():
    analyzer = load_analyzer()
    good = document_tone(analyzer, "C'est une excellente nouvelle.\nTout le monde est ravi.", "fr")
    bad = document_tone(analyzer, "C'était une guerre terrible et cruelle.", "fr")
    negated = document_tone(analyzer, "Ce n'est pas une bonne idée.", "fr")
    assert 0 < good <= 1 and -1 <= bad < 0 and negated < 0
    assert document_tone(analyzer, "Это прекрасная новость.", "ru") is None


def test_canonical_latin(parsed):
    _, _, entities, _ = parsed["ru"]
    latin = {e["canonical"]: e["canonical_latin"] for e in entities}
    assert latin["Дмитрий Песков"] == "Dmitriy Peskov"
    _, _, french, _ = parsed["fr"]
    assert all(e["canonical_latin"] == e["canonical"] for e in french if e["canonical"].isascii())
