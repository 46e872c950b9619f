"""DetectLanguage: langdetect on a bounded prefix of the text, deterministic.

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
MIN_LETTERS = 20        # below this langdetect guesses; we say `und`
MIN_SCORE = 0.5         # a top language under this probability is not a decision
SEED = 0

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


def detect_language(text: str, prefix_chars: int = PREFIX_CHARS) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or (`und`, 0.0) when the text is too short or undecidable."""
    sample = (text or "")[:prefix_chars]
    if len(LETTERS_RE.findall(sample)) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    from langdetect.lang_detect_exception import LangDetectException
    detector = _factory().create()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    if best.prob < MIN_SCORE:
        return UNDETERMINED, 0.0
    return iso639_1(best.lang), round(float(best.prob), 4)


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
