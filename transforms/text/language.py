"""DetectLanguage: langdetect on a bounded prefix of the text, deterministic, and the script where
the script alone says the language.

`und` only when langdetect itself cannot decide (a text without letters). Its answer is taken even
when short or unsure: on the 18,412 sentences of ../shared/data/langid_sentences every threshold on
length or probability cost accuracy in every language (README, "Cleaning"). The script settles
what langdetect cannot know or confuses on short strings: Georgian (which it lacks), Hangul,
Japanese kana, Han without kana, Thai, Greek, Hebrew and Armenian.

langdetect loads its profiles lazily into a module-level factory, which races when two threads of
one worker start at once, and samples at random unless seeded. So each process loads one private,
seeded factory under a lock, the first time a DoFn is set up.
"""
from __future__ import annotations

import re
import threading

import apache_beam as beam

from transforms.runtime import counter
from transforms.stage import StageDoFn, apply_stage

UNDETERMINED = "und"
PREFIX_CHARS = 2000     # about 4 ms of langdetect; enough letters for a stable answer
SEED = 0
# (language, first, last code point) of scripts written by one language here; Han is zh unless kana
SCRIPTS = (("ka", 0x10A0, 0x10FF), ("ko", 0xAC00, 0xD7AF), ("ko", 0x1100, 0x11FF), ("ja", 0x3040, 0x30FF),
           ("zh", 0x4E00, 0x9FFF), ("zh", 0x3400, 0x4DBF), ("th", 0x0E00, 0x0E7F), ("el", 0x0370, 0x03FF),
           ("he", 0x0590, 0x05FF), ("hy", 0x0530, 0x058F))
SCRIPT_SHARE = 0.5      # share of the letters a script needs to decide (kana: any share of the Han)

_FACTORY = None
_FACTORY_LOCK = threading.Lock()
LETTERS_RE = re.compile(r"[^\W\d_]", re.UNICODE)


def _factory():
    global _FACTORY
    with _FACTORY_LOCK:
        if _FACTORY is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.set_seed(SEED)
            _FACTORY = factory
        return _FACTORY


def iso639_1(code: str) -> str:
    """langdetect says `zh-cn` / `zh-tw`; the column holds ISO 639-1."""
    return code.split("-")[0].lower()


def script_language(sample: str) -> tuple[str, float] | None:
    """(language, share of the letters) a script says on its own, when its letters are most of them."""
    letters = LETTERS_RE.findall(sample)
    counts: dict[str, int] = {}
    for letter in letters:
        point = ord(letter)
        for language, first, last in SCRIPTS:
            if first <= point <= last:
                counts[language] = counts.get(language, 0) + 1
                break
    if counts.get("ja"):  # kana among the Han: Japanese
        counts["ja"] += counts.pop("zh", 0)
    best = max(counts, key=counts.get, default=None)
    share = counts[best] / len(letters) if best else 0.0
    return (best, round(share, 4)) if share >= SCRIPT_SHARE else None


def detect_language(text: str, prefix_chars: int = PREFIX_CHARS) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or (`und`, 0.0) when langdetect finds nothing to go on."""
    sample = (text or "")[:prefix_chars]
    from langdetect.lang_detect_exception import LangDetectException
    detector = _factory().create()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
        language, score = iso639_1(best.lang), round(float(best.prob), 4)
    except (LangDetectException, IndexError):
        language, score = UNDETERMINED, 0.0
    by_script = script_language(sample)
    if by_script and by_script[0] != language:
        return by_script
    return language, score


class DetectLanguageDoFn(StageDoFn):
    stage = "language"

    def __init__(self, prefix_chars: int):
        super().__init__()
        self.prefix_chars = prefix_chars
        self._undetermined = counter("language.und")

    def setup(self):
        _factory()

    def process_element(self, article):
        if article.get("language"):  # given by the manifest or the record: it wins
            article["language"] = iso639_1(article["language"])
            article["language_score"] = 1.0
        else:
            sample = f"{article.get('title') or ''}\n{article['text']}"
            article["language"], article["language_score"] = detect_language(sample, self.prefix_chars)
        if article["language"] == UNDETERMINED:
            self._undetermined.inc()
        yield article


class DetectLanguage(beam.PTransform):
    """articles → (articles with `language`, `language_score`; dead letters)."""

    def __init__(self, prefix_chars: int = PREFIX_CHARS):
        super().__init__()
        self.prefix_chars = prefix_chars

    def expand(self, articles):
        return apply_stage(articles, "DetectLanguage", DetectLanguageDoFn(self.prefix_chars))
