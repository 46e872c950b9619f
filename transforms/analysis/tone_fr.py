"""French tone from the French subjectivity lexicon of Pattern (De Smedt & Daelemans, CLiPS), as
textblob-fr 0.2.0 ships it (`fr-sentiment.xml`: 5,116 word forms, mostly adjectives, polarity in
[-1, 1]; the lexicon is PDDL, the package MIT), the forms with subjectivity ≥ 0.3. Only the XML file is read; TextBlob is not run.

On the English scale: VADER's own arithmetic per sentence. Each word's polarity becomes a VADER
valence (x4, VADER's range), an intensifier of the lexicon ("très") multiplies the next word's, a
negation within three words before it ("pas", "jamais", "aucun") flips and damps it by
VADER's 0.74, and the sentence's sum s gives the compound s / sqrt(s² + 15). The article's tone is
the mean over its sentences, as for English (tone.py).
"""
from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ElementTree
from functools import lru_cache
from pathlib import Path

VALENCE_SCALE = 4.0      # Pattern's [-1, 1] onto VADER's [-4, 4]
NEGATION_SCALAR = -0.74  # VADER's N_SCALAR
NEGATION_WINDOW = 3
ALPHA = 15               # VADER's normalisation constant
# Words the lexicon rates as hardly subjective carry its noise on news ("international" +0.35,
# "première" +0.5, "dernier" -0.29, "toutes" +0.22): only forms at least this subjective count.
MIN_SUBJECTIVITY = 0.3
NEGATORS = {"pas", "jamais", "aucun", "aucune", "rien", "ni", "sans", "non", "guère"}
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
ELISION_RE = re.compile(r"^(?:[cdjlmnst]|qu)['’]", re.I)


def lexicon_path() -> Path:
    spec = importlib.util.find_spec("textblob_fr")   # found without importing it (it imports TextBlob)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("textblob-fr is not installed: French tone needs its lexicon")
    return Path(next(iter(spec.submodule_search_locations))) / "fr-sentiment.xml"


@lru_cache(maxsize=1)
def load_lexicon() -> tuple[dict[str, float], dict[str, float]]:
    """(form → polarity, form → intensity of an intensifier) from the lexicon; forms in lower case."""
    polarity: dict[str, list[float]] = {}
    intensity: dict[str, float] = {}
    for word in ElementTree.parse(lexicon_path()).getroot().iter("word"):
        form = (word.get("form") or "").lower()
        if not form or " " in form:
            continue
        value = float(word.get("polarity") or 0.0)
        if value and float(word.get("subjectivity") or 0.0) >= MIN_SUBJECTIVITY:
            polarity.setdefault(form, []).append(value)
        scale = float(word.get("intensity") or 1.0)
        if word.get("pos") == "RB" and scale > 1.0 and not value:
            intensity[form] = scale
    return {f: sum(v) / len(v) for f, v in polarity.items()}, intensity


def words(sentence: str) -> list[str]:
    return [ELISION_RE.sub("", w.lower().replace("’", "'")) for w in WORD_RE.findall(sentence)]


def sentence_compound(sentence: str) -> float:
    polarity, intensity = load_lexicon()
    tokens = words(sentence)
    total = 0.0
    for i, token in enumerate(tokens):
        value = polarity.get(token)
        if value is None:
            continue
        valence = value * VALENCE_SCALE
        if i > 0 and tokens[i - 1] in intensity:
            valence *= intensity[tokens[i - 1]]
        if any(t in NEGATORS for t in tokens[max(0, i - NEGATION_WINDOW):i]):
            valence *= NEGATION_SCALAR
        total += valence
    return total / math.sqrt(total * total + ALPHA) if total else 0.0
