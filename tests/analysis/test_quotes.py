"""Quotes from the parse: direct and reported speech, speakers resolved to canonical names."""
from __future__ import annotations

import pytest

from transforms.analysis.entities import DEFAULT_NER_MODELS, load_tagger
from transforms.analysis.quotes import extract_quotes, quoted_spans


@pytest.fixture(scope="module")
def quotes_of():
    tagger = load_tagger(DEFAULT_NER_MODELS["en"])

    def run(text):
        doc = next(tagger.pipe([text]))
        quotes = extract_quotes(doc, tagger.entities(doc), "en")
        for quote in quotes:
            assert text[quote["start"]:quote["end"]] == quote["text"]
        return quotes
    return run


def one(quotes, **expected):
    matching = [q for q in quotes if all(q[k] == v for k, v in expected.items() if k != "text_starts")
                and q["text"].startswith(expected.get("text_starts", ""))]
    assert len(matching) == 1, (expected, quotes)
    return matching[0]


def test_quoted_spans_cover_curly_straight_and_guillemets():
    text = 'A “curly,” B "straight" C « guillemets » D „low“ and a “broken\nline”.'
    assert [text[s:e] for s, e in quoted_spans(text)] == ["curly", "straight", "guillemets", "low"]


def test_direct_quote_before_its_speaker(quotes_of):
    quotes = quotes_of("“We will do everything needed so Russia cannot win the war,” Emmanuel Macron added.")
    one(quotes, direct=True, speaker="Emmanuel Macron", text="We will do everything needed so Russia cannot win the war")


def test_straight_quotes_and_a_short_name(quotes_of):
    quotes = quotes_of('Emmanuel Macron spoke in Paris. "Nothing can be ruled out," Macron said.')
    one(quotes, direct=True, speaker="Emmanuel Macron", text="Nothing can be ruled out")


def test_direct_quote_after_said_colon_with_a_pronoun(quotes_of):
    quotes = quotes_of("Gabrielius Landsbergis spoke in Vilnius.\n\nAnswering a question, he said: “Yes.”")
    one(quotes, direct=True, speaker="Gabrielius Landsbergis", text="Yes.")


def test_a_quote_continues_its_speaker(quotes_of):
    quotes = quotes_of("“I think we are not ruling out different things,” Kaja Kallas said. "
                       "“Because all the countries have understood that Ukraine must win.”")
    assert [q["speaker"] for q in quotes if q["direct"]] == ["Kaja Kallas", "Kaja Kallas"]


def test_reported_speech_said_that(quotes_of):
    quotes = quotes_of("Kaja Kallas said that NATO leaders should not rule out sending troops to Ukraine.")
    one(quotes, direct=False, speaker="Kaja Kallas", text="NATO leaders should not rule out sending troops to Ukraine")


def test_inverted_said_with_a_job_title_that_names_the_speaker(quotes_of):
    quotes = quotes_of("The time has come to discuss sending NATO soldiers to Ukraine, said the head of the "
                       "Lithuanian Ministry of Foreign Affairs Gabrielius Landsbergis.")
    one(quotes, direct=False, speaker="Gabrielius Landsbergis", text_starts="The time has come")


def test_as_x_said_with_a_job_title(quotes_of):
    quotes = quotes_of("As, in turn, the press secretary of the Russian President Dmitry Peskov said, France’s "
                       "attempts to create a coalition are a direct line to escalate tension.")
    quote = one(quotes, direct=False, speaker="Dmitry Peskov")
    assert quote["text"] == "France’s attempts to create a coalition are a direct line to escalate tension"


def test_according_to(quotes_of):
    quotes = quotes_of("According to Politico, most European countries have no plans to send troops to Ukraine.")
    one(quotes, direct=False, speaker="Politico", text="most European countries have no plans to send troops to Ukraine")


def test_noted_stressed_warned_criticised(quotes_of):
    text = ("Florian Philippot criticised such plans. Vladimir Putin warned of the consequences of sending troops. "
            "Gabrielius Landsbergis arrived. Landsbergis stressed that “nothing can be taken off the table.” "
            "He noted that France has no common interests with the Baltic states.")
    quotes = quotes_of(text)
    one(quotes, speaker="Florian Philippot", text="criticised such plans", direct=False)
    one(quotes, speaker="Vladimir Putin", text="warned of the consequences of sending troops", direct=False)
    stressed = [q for q in quotes if "table" in q["text"]]
    assert [(q["speaker"], q["direct"]) for q in stressed] == [("Gabrielius Landsbergis", True)]
    one(quotes, speaker="Gabrielius Landsbergis", direct=False,
        text="France has no common interests with the Baltic states")


def test_a_job_title_alone_refers_to_its_holder(quotes_of):
    quotes = quotes_of("Gabrielius Landsbergis, the head of the Lithuanian Foreign Ministry, met Kaja Kallas on Monday. "
                       "The head of the Lithuanian Foreign Ministry noted that the red lines are gone.")
    one(quotes, speaker="Gabrielius Landsbergis", text="the red lines are gone")


def test_scare_quotes_are_no_quotes(quotes_of):
    assert quotes_of("The so-called “red lines” are gone, and the “coalition” is small.") == []


def test_no_quotes_without_a_parse():
    assert extract_quotes(None, [], "en") == []
