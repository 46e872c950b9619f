"""detect_language: deterministic, bounded, `und` when undecidable."""
import pytest

from transforms.text.language import detect_language, iso639_1

SAMPLES = {
    "en": "The government announced on Wednesday a new plan to support farmers hit by the drought.",
    "fr": "Le gouvernement a annoncé mercredi un nouveau plan pour soutenir les agriculteurs touchés.",
    "ru": "Правительство в среду объявило о новом плане поддержки фермеров, пострадавших от засухи.",
    "de": "Die Regierung hat am Mittwoch einen neuen Plan zur Unterstützung der Landwirte angekündigt.",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_languages(code):
    language, score = detect_language(SAMPLES[code])
    assert language == code and 0.5 < score <= 1.0


def test_deterministic_on_an_ambiguous_text():
    text = "Ok, merci. Danke. Gracias amigo, ciao bella, tak."
    assert len({detect_language(text) for _ in range(10)}) == 1


def test_too_short_or_no_letters_is_und():
    assert detect_language("Hi there") == ("und", 0.0)
    assert detect_language("1234 5678 !!! ??? 2024-03-01 12:00") == ("und", 0.0)


def test_only_the_prefix_is_read():
    text = SAMPLES["en"] + " " + SAMPLES["ru"] * 50
    assert detect_language(text, prefix_chars=len(SAMPLES["en"]))[0] == "en"


def test_iso_codes():
    assert iso639_1("zh-cn") == "zh" and iso639_1("EN") == "en"
