"""Stances in French and Russian toward the same targets, whose claims are written in English.

Each language runs the same rules (model.py) over its own word lists, `lexicons/stance_*.<lang>.txt`
(Snowball stems, words.py). A target is carried over into the language by what it gives —
`claim_ru: ...`, `keywords_fr: [...]` — and otherwise by the bilingual word list
`lexicons/stance_bilingual.<lang>.txt`: each English word or phrase of the claim and its keywords
becomes its translations there ("troops" → "войска, военные, солдаты"); a capitalised word it does
not list (a name) is kept as written, any other is left out. Rows are the English ones: the article's
own and one per holder, evidence sentences in the article's language. Any other language gets none.
"""
from __future__ import annotations

from functools import lru_cache

from transforms.analysis.lexicons import LEXICON_DIR, lines
from transforms.analysis.stance.model import RuleBasedStance
from transforms.analysis.stance.targets import Target
from transforms.analysis.stance.words import tokenize

LANGUAGES = ("fr", "ru")   # besides English, the languages with stance word lists


@lru_cache(maxsize=None)
def bilingual(language: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """English phrase (as English stems) → its translations, from stance_bilingual.<language>.txt."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in lines(LEXICON_DIR / f"stance_bilingual.{language}.txt"):
        english, _, translations = line.partition("=")
        key = tuple(t.stem for t in tokenize(english) if not t.punct)
        words = tuple(w.strip() for w in translations.split(",") if w.strip())
        if key and words:
            table[key] = table.get(key, ()) + words
    return table


def translate(text: str, language: str) -> list[str]:
    """The translations of `text`'s words and phrases (longest phrase first); names kept as written."""
    table = bilingual(language)
    longest = max((len(k) for k in table), default=1)
    tokens = [t for t in tokenize(text) if not t.punct]
    out, i = [], 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            words = table.get(tuple(t.stem for t in tokens[i:i + n]))
            if words:
                out.extend(words)
                i += n
                break
        else:
            if tokens[i].text[:1].isupper() and i > 0:   # a name the table does not list
                out.append(tokens[i].text)
            i += 1
    return out


def localised(target: Target, language: str) -> Target:
    """The target as the language's rules read it: its own claim_<lang>/keywords_<lang> where given,
    else the English claim and keywords carried over word by word."""
    claim = target.claims.get(language) or " ".join(translate(target.claim, language))
    keywords = list(target.keywords_in.get(language, []))
    for keyword in target.keywords:
        keywords.extend(w for w in translate(keyword, language) if w not in keywords)
    return Target(target.id, claim or target.claim, keywords)


class MultilingualStance:
    """RuleBasedStance per language (English, French, Russian), each built when its first article
    comes; the interface is RuleBasedStance's."""

    def __init__(self, targets: list[Target], lexicon_dir=None):
        self.targets = list(targets)
        self.lexicon_dir = lexicon_dir
        self.models = {"en": RuleBasedStance(self.targets, lexicon_dir)}

    def model(self, language: str | None) -> RuleBasedStance | None:
        if language in LANGUAGES:
            if language not in self.models:
                self.models[language] = RuleBasedStance([localised(t, language) for t in self.targets],
                                                        self.lexicon_dir, language)
            return self.models[language]
        english = self.models["en"]
        return english if english.supports(language) else None

    def supports(self, language: str | None) -> bool:
        return self.model(language) is not None

    def relevant_targets(self, text: str, title: str = "", language: str | None = "en") -> list[Target]:
        model = self.model(language)
        return model.relevant_targets(text, title) if model else []

    def stances(self, *, language: str = "en", **kwargs) -> list[dict]:
        model = self.model(language)
        return model.stances(language=language, **kwargs) if model else []
