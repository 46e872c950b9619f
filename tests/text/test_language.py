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


def test_und_only_when_langdetect_cannot_decide():
    assert detect_language("1234 5678 !!! ??? 2024-03-01 12:00") == ("und", 0.0)
    assert detect_language("") == ("und", 0.0)


@pytest.mark.parametrize("text", ["Hi there", "Merci beaucoup", "Danke schön", "Спасибо большое"])
def test_a_short_text_gets_what_seeded_langdetect_says(text):
    from langdetect import DetectorFactory, detect_langs
    DetectorFactory.seed = 0
    bare = detect_langs(text)[0]
    assert detect_language(text) == (iso639_1(bare.lang), round(bare.prob, 4))


@pytest.mark.parametrize("code,text", [
    ("ka", "საქართველოს მთავრობამ ახალი გეგმა გამოაცხადა"),   # a script langdetect does not know
    ("zh", "国务院总理今天在北京会见了美国国务卿"),
    ("ja", "東京都の知事は記者会見で新しい計画を発表した"),
    ("ko", "대통령은 오늘 새로운 정책을 발표했다"),
])
def test_the_script_decides_where_it_alone_says_the_language(code, text):
    language, score = detect_language(text)
    assert language == code and 0.5 <= score <= 1.0


def test_only_the_prefix_is_read():
    text = SAMPLES["en"] + " " + SAMPLES["ru"] * 50
    assert detect_language(text, prefix_chars=len(SAMPLES["en"]))[0] == "en"


def test_iso_codes():
    assert iso639_1("zh-cn") == "zh" and iso639_1("EN") == "en"
