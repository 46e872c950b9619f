"""Tone: VADER's mean sentence compound score for English (French: test_multilingual.py), null elsewhere."""
from transforms.analysis.tone import document_tone, load_analyzer


def test_tone_is_signed_and_null_without_a_lexicon():
    analyzer = load_analyzer()
    good = document_tone(analyzer, "This is wonderful news.\nEveryone is delighted.", "en")
    bad = document_tone(analyzer, "The attack killed dozens.\nIt was a terrible, cruel war.", "en")
    assert 0 < good <= 1 and -1 <= bad < 0
    assert document_tone(analyzer, "Das ist eine großartige Nachricht.", "de") is None
    assert document_tone(analyzer, "", "en") is None
