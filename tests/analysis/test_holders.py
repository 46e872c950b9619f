"""Holders the way a reader finds them, names typed by what they are, claims read for their modality."""
from __future__ import annotations

import pytest

from transforms.analysis.lexicons import person_roles
from transforms.analysis.names import group_type, link_nationalities, type_outlets
from transforms.analysis.stance import RuleBasedStance, Target
from transforms.analysis.stance.model import Calibration
from transforms.analysis.stance.polarity import Lexicon
from transforms.analysis.stance.relevance import ASSERTED, ATTRIBUTED, HEDGED, QUOTED, claim_modality

NATO = Target("nato-troops-ukraine", "NATO countries should send troops to Ukraine", ["troops", "soldiers"])


@pytest.fixture(scope="module")
def tagger():
    from transforms.analysis.entities import DEFAULT_NER_MODELS, load_tagger
    return load_tagger(DEFAULT_NER_MODELS["en"])


def rows_of(tagger, text: str, title: str = "", target=NATO) -> dict[tuple[str, str], str]:
    from transforms.analysis.quotes import extract_quotes
    # parsed whole, as TagArticles parses a text that mentions a target
    doc, title_doc = tagger.pipe([text, title], whole=[True, True])
    entities, title_entities = tagger.entities(doc), tagger.entities(title_doc)
    rows = RuleBasedStance([target]).stances(
        text=text, title=title, doc=doc, entities=entities, quotes=extract_quotes(doc, entities, "en"),
        title_doc=title_doc, title_entities=title_entities, title_quotes=[])
    return {(r["holder"], r["holder_type"]): r["label"] for r in rows}


def test_outlets_are_organisations():
    ents = [{"text": "Politico", "label": "PERSON", "start": 0, "end": 8, "canonical": "Politico"},
            {"text": "Kallas", "label": "PERSON", "start": 10, "end": 16, "canonical": "Kallas"},
            {"text": "Express", "label": "PERSON", "start": 20, "end": 27, "canonical": "Express"}]
    assert [e["label"] for e in type_outlets(ents, outlet="express.co.uk")] == ["ORG", "PERSON", "ORG"]


def test_nationality_before_a_role_is_the_holders_country(tagger):
    doc = tagger.nlp("Estonian Prime Minister Kaja Kallas spoke to reporters. Estonian wine is rare.")
    ents = [{"text": e.text, "label": "MISC", "start": e.start_char, "end": e.end_char, "canonical": e.text}
            for e in doc.ents if e.label_ == "NORP"]
    linked = link_nationalities(doc, ents, person_roles("en"))
    assert [(e["label"], e["canonical"]) for e in linked] == [("LOC", "Estonia"), ("MISC", "Estonian")]


@pytest.mark.parametrize("phrase,labels,kind", [
    ("EU and NATO officials", ["ORG", "ORG"], "ORG"), ("many EU countries", ["ORG"], "LOC"),
    ("the Baltic states", [], "LOC"), ("the diplomat", [], "PERSON"), ("Kyiv and Warsaw", ["LOC", "LOC"], "LOC")])
def test_groups_are_typed_by_what_they_are(phrase, labels, kind):
    assert group_type(phrase, labels) == kind


@pytest.mark.parametrize("phrase,language,kind", [
    ("les opérateurs", "fr", "ORG"), ("les syndicats de cheminots", "fr", "ORG"), ("plusieurs pays européens", "fr", "LOC"),
    ("le ministre", "fr", "PERSON"), ("представители Кремля", "ru", "ORG"), ("европейские страны", "ru", "LOC"),
    ("министр", "ru", "PERSON")])
def test_french_and_russian_groups_are_typed_by_their_head(phrase, language, kind):
    assert group_type(phrase, [], language) == kind


@pytest.mark.parametrize("claim,modality", [
    ("NATO countries should send troops to Ukraine", (1, ASSERTED)),
    ("No, Banksy hasn't been arrested", (-1, ASSERTED)),
    ("Eyewitness says viral video of homeless man was staged", (-1, ASSERTED)),
    ("Nigeria says ceasefire agreed with Boko Haram", (1, ATTRIBUTED)),
    ("Kim Jong-un's sister reportedly running North Korea", (1, HEDGED)),
    ("Is Durex planning to release a pumpkin spice condom?", (1, HEDGED)),
    # a source label beside a colon attributes; quotes around the claim's words make it someone's
    ("Former PGA Tour player: Tiger Woods suspended for drug test failure", (1, ATTRIBUTED)),
    ("North Korea leader Kim Jong Un is still in charge: source", (1, ATTRIBUTED)),
    ("Bosnia: seven schoolgirls pregnant after school trip", (1, ASSERTED)),
    ("Wife of IS leader 'detained at Lebanon border'", (1, QUOTED)),
    # negations that deny nothing of the story: idioms, and a subordinate clause's
    ("You'll never guess how a homeless man spent $100", (1, ASSERTED)),
    ("Man chops off his penis because he was no good in bed", (1, ASSERTED)),
    ("Texas plumber has no idea how his truck ended up with ISIS", (1, ASSERTED)),
    ("This is why rumours of ISIS at the border aren't going away", (1, HEDGED)),
    ("That Boko Haram ceasefire isn't a ceasefire", (-1, ASSERTED)),
    ("Reports of Ebola among ISIS fighters are unfounded", (-1, ASSERTED)),
])
def test_claim_modality(claim, modality):
    assert claim_modality(claim, Lexicon.load()) == modality


BANKSY_STORY = ("Street artist Banksy was arrested in London on Tuesday and his identity was revealed. "
                "Police arrested Banksy in east London.")
BANKSY_DEBUNK = ("The story that street artist Banksy was arrested in London is a hoax. The report of "
                 "Banksy's arrest came from a fake news site.")


@pytest.mark.parametrize("claim,text,label", [
    ("Banksy arrested in London", BANKSY_STORY, "support"),
    ("Banksy arrested in London", BANKSY_DEBUNK, "oppose"),
    ("No, Banksy has not been arrested in London", BANKSY_STORY, "oppose"),
    ("No, Banksy has not been arrested in London", BANKSY_DEBUNK, "support"),
    ("Banksy may have been arrested in London", BANKSY_STORY, "neutral"),
])
def test_article_stance_reads_the_claims_denial_and_hedge(claim, text, label):
    rows = RuleBasedStance([Target("banksy", claim)]).stances(text=text, doc=None, entities=[], quotes=[])
    assert [r["label"] for r in rows if r["holder_type"] == "article"] == [label]


def test_relative_clause_and_owned_position_give_holders(tagger):
    rows = rows_of(tagger, "Emmanuel Macron, who proposed sending troops to Ukraine, spoke in Paris on Monday.")
    assert rows.get(("Emmanuel Macron", "PERSON")) == "support", rows
    rows = rows_of(tagger, "Commenting on the words of President Emmanuel Macron about the possible dispatch "
                           "of troops to Ukraine, the minister said nothing.")
    assert rows.get(("Emmanuel Macron", "PERSON")) == "support", rows


def test_the_receiver_of_a_warning_holds_nothing(tagger):
    rows = rows_of(tagger, "Vladimir Putin was given a stark warning over NATO troops in Ukraine.",
                   title="‘NATO still considering sending troops to Ukraine’ as Vladimir Putin given stark warning")
    assert ("Vladimir Putin", "PERSON") not in rows and rows.get(("NATO", "ORG")) == "support", rows


def test_an_outlet_that_reports_holds_nothing_the_countries_it_names_do(tagger):
    rows = rows_of(tagger, "According to Politico, most European countries, including Germany and the Czech "
                           "Republic, have said they have no plans to send troops to Ukraine.")
    assert rows.get(("Germany", "LOC")) == "oppose" and rows.get(("Czech Republic", "LOC")) == "oppose", rows
    assert not any(holder == "Politico" for holder, _ in rows)


def test_shipped_calibration_is_monotone_and_a_probability():
    calibration = Calibration.load()
    assert set(calibration.knots) == {"support", "oppose", "neutral"}
    for label in calibration.knots:
        values = [calibration(label, x / 100) for x in range(101)]
        assert all(0.0 <= v <= 1.0 for v in values) and values == sorted(values)
    assert Calibration({})("support", 0.42) == 0.42
