"""Names in Latin letters and the key that matches one name across scripts and spellings."""
from transforms.text.translit import name_key, to_latin


def test_latin_text_is_kept_as_it_is():
    assert to_latin("Gabrielius Landsbergis") == "Gabrielius Landsbergis"
    assert to_latin(None) is None


def test_cyrillic_greek_and_cjk_names_come_out_in_latin_letters():
    assert to_latin("Эммануэль Макрон") == "Emmanuel' Makron"
    assert to_latin("Αθήνα").isascii() and to_latin("東京").isascii()


def test_one_name_in_two_scripts_has_one_key():
    for russian, english in (("Макрон", "Macron"), ("Зеленский", "Zelensky"), ("Шольц", "Scholz"),
                             ("Кая Каллас", "Kaja Kallas"), ("Эммануэль Макрон", "Emmanuel Macron")):
        assert name_key(russian) == name_key(english), (russian, english)


def test_different_names_keep_different_keys():
    assert name_key("Путин") != name_key("Песков")
    assert name_key("Macron") != name_key("Merkel")
