"""Partial parse (transforms/analysis/partial.py): NER everywhere, the parse only where it is read."""
from __future__ import annotations

import pytest

from transforms.analysis.quotes import extract_quotes

TEXT = ("The storm reached the coast of Brittany on Monday night. Trains between Rennes and Brest stopped.\n\n"
        "“We have never seen water this high,” the mayor of Quimper, Isabelle Assih, told reporters.\n\n"
        "Electricity came back in Lorient by Tuesday morning. Schools in Vannes stay closed until Thursday.")


@pytest.fixture(scope="module")
def taggers():
    from transforms.analysis.entities import DEFAULT_NER_MODELS, SpacyTagger
    model = DEFAULT_NER_MODELS["en"]
    return SpacyTagger(model, parse="needed"), SpacyTagger(model, parse="full")


def test_only_the_quoted_sentence_is_parsed(taggers):
    needed, full = taggers
    doc = next(needed.pipe([TEXT]))
    assert doc.text == TEXT
    said = next(t for t in doc if t.text == "told")
    assert said.pos_ == "VERB" and said.dep_ == "ROOT"
    storm = next(t for t in doc if t.text == "storm")
    assert storm.pos_ == "" and storm.dep_ == "dep"          # NER only: no tags, a flat tree
    assert needed.partial.parsed_tokens < needed.partial.tokens / 2
    # the unparsed sentences keep their bounds (the Sentencizer's), the parsed one the parser's
    assert [s.text.strip() for s in doc.sents][:2] == ["The storm reached the coast of Brittany on Monday night.",
                                                       "Trains between Rennes and Brest stopped."]
    # entities in every sentence, the same as the full pipeline's
    full_doc = next(full.pipe([TEXT]))
    assert [(e["text"], e["label"]) for e in needed.entities(doc)] == \
        [(e["text"], e["label"]) for e in full.entities(full_doc)]
    assert {"Brittany", "Lorient", "Vannes"} <= {e["text"] for e in needed.entities(doc)}
    # and the quote, attributed through the parse of its own sentence
    quotes = extract_quotes(doc, needed.entities(doc), "en")
    assert [q["text"] for q in quotes] == ["We have never seen water this high"]
    assert "Assih" in quotes[0]["speaker"]
    assert quotes == extract_quotes(full_doc, full.entities(full_doc), "en")


def test_whole_parses_every_sentence(taggers):
    needed, full = taggers
    doc = next(needed.pipe([TEXT], whole=[True]))
    full_doc = next(full.pipe([TEXT]))
    assert [(t.pos_, t.dep_, t.head.i) for t in doc] == [(t.pos_, t.dep_, t.head.i) for t in full_doc]


def test_sentences_without_spaces_between_them_keep_the_text(taggers):
    needed, _ = taggers
    texts = ['Crowds gathered."It was calm," a police spokesman said.Nothing else happened in Leeds.',
             "", "No cue here at all.", "\n\n"]
    docs = list(needed.pipe(texts))
    assert [d.text for d in docs] == texts
    spokesman = docs[0]
    assert next(t for t in spokesman if t.text == "said").pos_ == "VERB"


def test_an_entity_across_a_sentence_bound_keeps_its_runs_together(taggers):
    from transforms.analysis.partial import needed_runs
    needed, _ = taggers
    doc = needed.nlp.make_doc("He met Mr. Smith. Then he said nothing. It rained.")
    for _, step in needed.partial.ner_steps[:-1]:   # sentence bounds, no NER
        doc = step(doc)
    from spacy.tokens import Span
    doc.ents = [Span(doc, 2, 7, label="PERSON")]      # "Mr. Smith. Then": across the first bound
    cues = needed.partial.cues
    runs = needed_runs(doc, cues)
    assert runs[0][0] == 0 and all(not (a < 7 <= b - 1 and a > 2) for a, b, _ in runs)
    assert any(a <= 2 and b >= 7 for a, b, _ in runs)
    assert [parse for *_, parse in runs] == [True, False]


def test_a_pipeline_without_its_own_ner_is_run_whole():
    import spacy

    from transforms.analysis.partial import PartialParser
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    parser = PartialParser(nlp, frozenset({"said"}))
    assert not parser.enabled
    doc = next(parser.pipe(["One. Two said."]))
    assert [s.text for s in doc.sents] == ["One.", "Two said."]


def test_tagging_parses_a_text_about_a_target_whole_and_gives_the_same_tags_as_full():
    from transforms.analysis.entities import DEFAULT_NER_MODELS
    from transforms.analysis.stance import Target
    from transforms.analysis.tag import TagArticlesDoFn
    target = Target("storm-relief", "The government should fund storm relief", ["relief", "storm"])
    other = ("Shares in Lyon fell on Friday. Analysts in Paris expected the drop.\n\n"
             "“It is a normal correction,” the chief economist of BNP Paribas, Claire Dubois, said.")
    about = TEXT + "\n\nThe government will fund storm relief in Brittany, the prime minister promised."
    articles = [{"article_id": "a", "language": "en", "title": "Storm relief for Brittany", "text": about},
                {"article_id": "b", "language": "en", "title": "Shares fall", "text": other}]
    outputs = {}
    for mode in ("needed", "full"):
        dofn = TagArticlesDoFn({"en": DEFAULT_NER_MODELS["en"]}, [target], parse=mode)
        dofn.setup()
        docs = dofn.parse([dict(a) for a in articles])
        if mode == "needed":
            storm_doc, shares_doc = docs[0][0], docs[1][0]
            assert all(t.pos_ for t in storm_doc if not t.is_space)          # mentions the target: whole
            assert any(not t.pos_ for t in shares_doc if not t.is_space)     # does not: the needed part
        outputs[mode] = [dofn.tag(dict(a), d) for a, d in zip(articles, docs)]
    for needed, full in zip(outputs["needed"], outputs["full"]):
        for field in ("entities", "quotes", "stances", "title_entities"):
            assert needed[field] == full[field], field
    assert outputs["needed"][0]["quotes"] and outputs["needed"][0]["stances"]


def test_russian_syntax_only_where_it_is_read_and_names_keep_their_normal_forms():
    from transforms.analysis.entities import load_tagger
    from transforms.analysis.quotes import extract_quotes
    text = ("Вчера в Москве прошли переговоры с делегацией Министерства иностранных дел Франции.\n\n"
            "«Мы готовы продолжать диалог», — заявил Сергей Лавров журналистам.\n\n"
            "Встреча продолжалась три часа.")
    needed, full = load_tagger("natasha", "needed"), load_tagger("natasha", "full")
    doc, full_doc = next(needed.pipe([text])), next(full.pipe([text]))
    assert doc.text == full_doc.text == text
    assert needed.entities(doc) == full.entities(full_doc)          # normal forms included
    quotes = extract_quotes(doc, needed.entities(doc), "ru")
    assert quotes == extract_quotes(full_doc, full.entities(full_doc), "ru") and quotes
    last = [t for t in doc if t.text == "продолжалась"][0]          # no cue: a flat tree, no syntax
    assert last.dep_ == "dep" and last.head.text == "Встреча"
    said = [t for t in doc if t.text == "заявил"][0]                 # a speech verb: natasha's parse
    assert said.dep_ != "dep" and said.head.i == [t for t in full_doc if t.text == "заявил"][0].head.i
