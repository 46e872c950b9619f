"""Polarity: the cue phrases of the stance lexicons (support / oppose attitudes, confirm / refute
facts) found in a sentence, each flipped by a negator a few words before it in the same clause
("should not rule out", "refused to rule out" → support; "firmly ruled out", "has no plans to" →
oppose) and weakened by a hedge before it ("could reject"). `prepare` does this once per article,
whatever the targets: sentences, their terms, cues and hedges.
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from typing import Callable

from transforms.analysis.lexicons import LEXICON_DIR
from transforms.analysis.lexicons import lines as read_lines
from transforms.analysis.stance.words import Token, line_spans, split_sentences, stem, stemmer, tokenize

NEGATION_WINDOW = 4         # words a negator may precede its cue by
HEDGE_WINDOW = 3            # words a hedge ("might", "could") may precede a cue by to weaken it
HEDGED_CUE = 0.5            # weight factor of a hedged cue
CONFIRMED_SCOPE = 8         # words after a confirmation in which a negation makes it confirm a negation
CONDITION_WINDOW = 2        # words an "if" / "whether" may precede a confirmation or refutation by


def _phrase(text: str, stem_word=stem) -> tuple[str, ...]:
    """Phrase words as stems; a word written in double quotes matches only that exact form
    ("\"doctored\"" must not match "doctor")."""
    out = []
    for m in re.finditer(r'"([^"]+)"|(\S+)', text):
        if m.group(1):
            out.extend("=" + w.lower() for w in m.group(1).split())
        else:
            out.extend(t.stem for t in tokenize(m.group(2), stem_word) if not t.punct)
    return tuple(out)


def _matches(token: Token, part: str) -> bool:
    return token.text.lower() == part[1:] if part[0] == "=" else token.stem == part


@dataclass
class Lexicon:
    cues: dict[tuple[str, ...], float]            # phrase stems -> signed weight (+ support, - oppose)
    factual: set[tuple[str, ...]]                  # cues that confirm / refute a fact (vs. attitudes)
    negators: set[tuple[str, ...]]
    hedges: set[tuple[str, ...]]
    clause_breaks: set[str]
    speech_verbs: set[str]
    stopwords: set[str]
    synonyms: dict[str, str]                       # stem -> its group's representative stem
    positions: dict[str, float]                    # position noun -> support it gives (holders.positions)
    possibility: dict[str, float]                  # words that give a statement noun that support
    anaphora: set[tuple[str, ...]]                 # "such plans": the sentence goes on about the claim
    report_nouns: set[str]                         # "story", "photo": what a refutation may be about
    claim_negators: set[str]                       # stems that make a claim deny what it names
    claim_reported: set[str]                       # words that make a claim report rather than assert
    claim_not_denials: set[tuple[str, ...]]        # negations in a claim that deny nothing ("won't believe")
    claim_subordinators: set[str]                  # "after", "why": a negation after one is not the claim's
    conditionals: set[str]                         # "if confirmed": a conditional fact is a hedge
    claim_speakers: set[str]                       # a headline's source label ("Official: …")
    language: str = "en"
    stem: Callable[[str], str] = stem              # the language's stemmer (words.stemmer)

    def tokenize(self, text: str) -> list[Token]:
        return tokenize(text, self.stem)

    @classmethod
    def load(cls, directory=None, language: str = "en") -> "Lexicon":
        """The stance word lists of one language (`stance_<list>.<language>.txt` in `directory`, the
        package's lexicons/ by default), stemmed by the language's stemmer; a list a language does not
        have is empty."""
        d = Path(directory) if directory else LEXICON_DIR
        stem = stemmer(language)

        def lines(name: str) -> list[str]:
            return read_lines(d / f"{name}.{language}.txt")
        cues: dict[tuple[str, ...], float] = {}
        factual: set[tuple[str, ...]] = set()
        for name, sign, is_fact in (("stance_support", 1.0, False), ("stance_oppose", -1.0, False),
                                    ("stance_confirm", 1.0, True), ("stance_refute", -1.0, True)):
            for line in lines(name):
                phrase, _, weight = line.partition("=")
                stems = _phrase(phrase, stem)
                if stems:
                    cues[stems] = sign * float(weight.strip() or 1.0)
                    if is_fact:
                        factual.add(stems)
        synonyms = {}
        for line in lines("stance_synonyms"):
            group = [stem(w.strip()) for w in line.split(",") if w.strip()]
            for word in group:
                synonyms.setdefault(word, group[0])
        stopwords = {stem(w) for w in lines("stance_stopwords")}
        positions, possibility = {}, {}
        for line in lines("stance_positions"):
            word, _, weight = line.partition("=")
            word = word.strip().lower()
            if word.startswith("~"):
                possibility[word[1:]] = float(weight)
            else:
                positions[word] = float(weight)
        return cls(
            cues=cues,
            factual=factual,
            negators={_phrase(p, stem) for p in lines("stance_negators")} - {()},
            hedges={_phrase(p, stem) for p in lines("stance_hedges")} - {()},
            clause_breaks={stem(w) for w in lines("stance_clause_breaks")},
            speech_verbs={stem(w) for w in lines("stance_speech_verbs")},
            stopwords=stopwords,
            synonyms=synonyms,
            positions=positions,
            possibility=possibility,
            anaphora={_phrase(p, stem) for p in lines("stance_anaphora")} - {()},
            report_nouns={stem(w) for w in lines("stance_report_nouns")},
            claim_negators={stem(w) for w in lines("stance_claim_negators")},
            claim_reported={w.lower() for w in lines("stance_claim_reported")},
            claim_subordinators={stem(w) for w in lines("stance_claim_subordinators")},
            claim_not_denials={_phrase(p, stem) for p in lines("stance_claim_not_denials")} - {()},
            conditionals={stem(w) for w in lines("stance_conditionals")},
            claim_speakers={stem(w) for w in lines("stance_claim_speakers") + lines("stance_claim_reported")},
            language=language,
            stem=stem,
        )

    def term(self, stem_: str) -> str:
        return self.synonyms.get(stem_, stem_)

    def text_terms(self, tokens: list[Token]) -> set[str]:
        """The content terms of a token list: stems, stop words dropped, synonyms folded."""
        return {self.term(t.stem) for t in tokens if not t.punct and t.stem not in self.stopwords}


def find_phrases(words: list[Token], phrases, max_gap: int = 1):
    """(first index, last index, phrase) of each phrase in the word list, allowing `max_gap`
    extra words between consecutive phrase words (so "rule out" matches "ruled it out")."""
    by_first = defaultdict(list)
    for p in phrases:
        by_first[p[0]].append(p)
    found = []
    for i, tok in enumerate(words):
        for p in by_first.get(tok.stem, []) + by_first.get("=" + tok.text.lower(), []):
            j = i
            for part in p[1:]:
                nxt = None
                for k in range(j + 1, min(j + 2 + max_gap, len(words))):
                    if words[k].punct:
                        break
                    if _matches(words[k], part):
                        nxt = k
                        break
                if nxt is None:
                    break
                j = nxt
            else:
                found.append((i, j, p))
    return found


@dataclass
class Cue:
    sentence: int
    start: int          # character offsets into the text
    end: int
    weight: float       # signed, after negation
    phrase: str
    negated: bool
    token_index: int    # index into the article's token list (-1 in the title)
    factual: bool       # confirms / refutes a fact, rather than an attitude toward a proposal
    title: bool = False  # in the title: start / end are offsets into the title


@dataclass
class Sentence:
    start: int          # offsets into the text, or into the title for the title
    end: int
    terms: set[str]
    cues: list[Cue]
    hedges: int
    title: bool = False
    anaphora: bool = False   # refers back to what came before ("such plans")
    attributed: bool = False  # someone else's words (a speech verb, "according to"), not the article's
    reports: bool = False     # names a story, report or picture ("the story", "the photo"): what is refuted


@dataclass
class Prepared:
    text: str
    title: str
    terms: set[str]              # the article's (and title's) terms
    sentences: list[Sentence]    # the title is sentence 0 when there is one


def find_cues(words: list[Token], lex: Lexicon) -> tuple[list[tuple], int]:
    """(first, last, signed weight, phrase, negated, factual) per cue in a word list, and its hedge count."""
    cues = find_phrases(words, lex.cues)
    # the longest phrase wins where phrases overlap ("no plans to" over "no")
    cues.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: set[int] = set()
    kept = []
    for first, last, phrase in cues:
        if taken.isdisjoint(range(first, last + 1)):
            kept.append((first, last, phrase))
            taken.update(range(first, last + 1))
    negs = find_phrases(words, lex.negators, max_gap=0)
    all_negs = [n_first for n_first, _, _ in negs]
    # a cue that serves as the negator of the next cue ("refused to rule out") is not a cue itself
    for n_first, n_last, _ in negs:
        if any(0 < c[0] - n_last <= NEGATION_WINDOW for c in kept):
            kept = [c for c in kept if not (c[0] <= n_last and n_first <= c[1])]
    taken = {i for c in kept for i in range(c[0], c[1] + 1)}
    negs = [n for n in negs if taken.isdisjoint(range(n[0], n[1] + 1))]
    kept.sort()
    hedge_spans = find_phrases(words, lex.hedges, max_gap=0)
    out, used_negators, hedges_extra = [], set(), 0
    for first, last, phrase in kept:
        negated = False
        for n_first, n_last, _ in negs:
            if n_last < first and first - n_last <= NEGATION_WINDOW and n_first not in used_negators:
                between = words[n_last + 1:first]
                if not any(w.punct or w.stem in lex.clause_breaks for w in between):
                    negated = True
                    used_negators.add(n_first)
        weight = lex.cues[phrase] * (-1 if negated else 1)
        # modality: "might be considering", "could reject" say less than the bare verb
        if any(h_last < first and first - h_last <= HEDGE_WINDOW for _, h_last, _ in hedge_spans):
            weight *= HEDGED_CUE
        factual = phrase in lex.factual
        conditional = factual and any(w.stem in lex.conditionals for w in words[max(0, first - CONDITION_WINDOW):first])
        if conditional or (factual and negated and weight < 0):
            # "has not been confirmed", "if confirmed": unverified, not refuted; the refuting
            # negations ("not true") are phrases of their own
            hedges_extra += 1
            continue
        if factual and weight > 0 and any(0 < n - last <= CONFIRMED_SCOPE for n in all_negs):
            # "confirmed that the labs do not have …", "confirmed there is no truth to": what is
            # confirmed is a negation, so the confirmation refutes
            weight = -weight
        out.append((first, last, weight, " ".join(phrase), negated, factual))
    hedges = len(hedge_spans) + hedges_extra
    return out, hedges


def prepare(text: str, title: str, doc, lex: Lexicon) -> Prepared:
    """Sentences, their terms, cues and hedges: everything that does not depend on a target."""
    text = text or ""
    if doc is not None and doc.has_annotation("SENT_START"):
        # the parser's sentences, cut again at line breaks (it runs paragraphs together)
        spans = []
        for sent in doc.sents:
            spans.extend((sent.start_char + s, sent.start_char + e)
                         for s, e in line_spans(text[sent.start_char:sent.end_char]))
    else:
        spans = split_sentences(text)
    tokens = lex.tokenize(text)
    starts = [t.start for t in tokens]
    sentences = []
    if title:
        title_tokens = lex.tokenize(title)
        cues, hedges = find_cues(title_tokens, lex)
        cues = [Cue(0, title_tokens[a].start, title_tokens[b].end, w, p, n, -1, f, title=True)
                for a, b, w, p, n, f in cues]
        sentences.append(Sentence(0, len(title), lex.text_terms(title_tokens), cues, hedges, title=True))
    for s, e in spans:
        lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        words = tokens[lo:hi]
        found, hedges = find_cues(words, lex)
        index = len(sentences)
        cues = [Cue(index, words[a].start, words[b].end, w, p, n, lo + a, f) for a, b, w, p, n, f in found]
        anaphora = bool(find_phrases(words, lex.anaphora, max_gap=0))
        attributed = any(w.stem in lex.speech_verbs or w.stem == "accord" for w in words)
        sentences.append(Sentence(s, e, lex.text_terms(words), cues, hedges, anaphora=anaphora,
                                  attributed=attributed, reports=any(w.stem in lex.report_nouns for w in words)))
    terms = set().union(*(s.terms for s in sentences)) if sentences else set()
    return Prepared(text, title or "", terms, sentences)

