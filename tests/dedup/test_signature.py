"""The language-independent signature: names in one alphabet, countries, numbers and dates."""
from __future__ import annotations

from transforms.dedup.signature import capitalised_items, entity_items, number_key, numbers_and_dates, signature


def test_one_name_in_two_scripts_is_one_item_and_a_person_also_counts_by_surname():
    russian = entity_items([{"text": "Макрона", "canonical": "Эмманюэль Макрон", "label": "PERSON"}])
    english = entity_items([{"text": "Macron", "canonical": "Emmanuel Macron", "label": "PERSON",
                             "canonical_latin": "Emmanuel Macron"}])
    assert "e:makron" in russian and "e:makron" in english
    assert entity_items([{"text": "Kallas", "canonical": "Kallas", "label": "PERSON"}]) == {"e:kalas": 1}, "one word: no surname item beside it"


def test_countries_meet_by_their_name_in_any_language():
    names = [("Germany", "LOC"), ("Allemagne", "LOC"), ("Deutschland", "LOC"), ("Германия", "LOC"),
             ("de Belgique", "LOC"), ("США", "LOC")]
    items = [entity_items([{"canonical": n, "label": label}]) for n, label in names]
    assert [list(i) for i in items] == [["c:DE"]] * 4 + [["c:BE"], ["c:US"]]


def test_numbers_are_read_the_way_each_language_writes_them():
    assert number_key("10 000") == number_key("10,000") == number_key("10.000") == "10000"
    assert number_key("3,5") == number_key("3.5") == "3.5"
    assert number_key("7") is None and number_key("2021") == "2021"
    assert numbers_and_dates("in 2020 15 people") == {"n:2020": 1, "n:15": 1}


def test_days_of_a_month_in_several_languages_are_one_date():
    for text in ("on 15 March", "on March 15, 2021", "le 15 mars", "am 15. März", "15 марта"):
        assert numbers_and_dates(text)["d:03-15"] == 1, text


def test_a_day_takes_the_month_of_the_word_after_it_else_of_the_word_before():
    """Only the words beside a day number are read: the next word after the one the number starts
    ("15th March" too), else the last word before it, however long the words and the gaps are (the
    word before is read from a window that grows)."""
    assert numbers_and_dates("March 15 April") == {"d:04-15": 1}           # the word after comes first
    assert numbers_and_dates("15th March") == {"d:03-15": 1} and numbers_and_dates("15 of March") == {"n:15": 1}
    assert numbers_and_dates("March" + " !" * 200 + " 15") == {"d:03-15": 1}
    assert numbers_and_dates("x" * 300 + "march 15") == {"n:15": 1}     # a long word ending in a month name
    assert numbers_and_dates("15") == {"n:15": 1} and numbers_and_dates("ends with March 31") == {"d:03-31": 1}
    assert numbers_and_dates("32 March, 2 March") == {"n:32": 1, "d:03-02": 1}


def test_without_entities_capitalised_words_that_do_not_open_a_sentence_stand_in():
    items = capitalised_items("Die Regierung in Berlin hat Angela Merkel gewählt. Der Bundestag stimmte zu.")
    assert "e:berlin" in items and "e:angela merkel" in items and "e:merkel" in items
    assert "e:die" not in items and "e:der" not in items
    assert signature({"title": "", "text": "Heute in Berlin und Paris.", "entities": []}) == {"e:berlin": 1, "e:paris": 1}
