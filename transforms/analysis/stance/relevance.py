"""Relevance: which targets an article addresses, and which of its sentences.

A claim (plus its keywords, plus synonym groups) becomes a set of weighted terms: light-stemmed content
words, weighted like TF-IDF over the target collection (a word in many claims says little about any
one of them), keywords and proper nouns weighted up. An article's term set is scored against every
target through an inverted index, with no parsing, so that hundreds of targets stay cheap for articles
they do not concern. Within a relevant article, a sentence addresses the target when it holds enough
of the claim's weight (or directly follows one that does, at half weight).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from transforms.analysis.stance.polarity import Lexicon, Prepared, find_phrases, find_cues
from transforms.analysis.stance.targets import Target

# Knobs, set by hand and checked on a small development slice of FNC-1 (eval/stance.py documents it).
DOC_RELEVANCE = 0.35        # share of a claim's term weight the article must contain
MIN_TERMS_HIT = 2           # ... and at least this many distinct terms (fewer when the claim is short)
SENTENCE_RELEVANCE = 0.25   # share of the claim's weight that makes a sentence address the claim
KEYWORD_BOOST = 2.0         # weight factor of a target's own keywords
ANAPHORA_REACH = 3          # sentences back that "such plans" may refer to
PROPER_BOOST = 1.5          # weight factor of capitalised (not sentence-initial) claim words


# how a claim states what it says (claim_modality); QUOTED: it puts (some of) its words in quotes
ASSERTED, ATTRIBUTED, HEDGED, QUOTED = 0, 1, 2, 3
# a quoted span of a headline: the quote marks outside words ("'detained at border'"), not apostrophes
QUOTE_RE = re.compile(r"(?:^|(?<=[\s(\[]))['‘\"“][^'’\"”]+['’\"”](?=$|[\s,.:;!?)\]])")
SPEAKER_LABEL = 5           # most words of a headline's "Official:" / ": sources" label


@dataclass
class TargetTerms:
    target: Target
    weights: dict[str, float]
    total: float
    sign: int          # -1 when the claim itself refutes ("X is a hoax", "X has not"): the text's polarity flips
    reported: int = ASSERTED  # ATTRIBUTED ("X says …") or HEDGED ("X may …", "reportedly", "… ?")


def claim_modality(claim: str, lexicon: Lexicon) -> tuple[int, int]:
    """(sign, reported) of a claim: sign -1 when it refutes or denies (a refute cue, or a negator
    such as "not"); reported HEDGED when it hedges or asks (stance_hedges, "?"), else ATTRIBUTED when
    it attributes (stance_claim_reported: "says", "source"; a source label beside a colon: "Official:
    …"), else QUOTED when it quotes its words ("X 'detained at border'"), else ASSERTED. A denial stays
    one when it is attributed or hedged ("Eyewitness says video was staged"): reported is ASSERTED then."""
    tokens = lexicon.tokenize(claim)
    cues, hedges = find_cues(tokens, lexicon)
    refutes = sum(weight for _, _, weight, _, _, factual in cues if factual) < 0
    idioms = {i for first, last, _ in find_phrases(tokens, lexicon.claim_not_denials, max_gap=0)
              for i in range(first, last + 1)}
    # a negation of a subordinate clause ("after she told him he was no good") denies nothing of the story
    first_word = next((i for i, t in enumerate(tokens) if not t.punct), 0)
    opens = next((i for i, t in enumerate(tokens) if i > first_word and t.stem in lexicon.claim_subordinators),
                 len(tokens))
    denies = any(t.stem in lexicon.claim_negators and i not in idioms for i, t in enumerate(tokens[:opens]))
    if refutes or denies:
        return -1, ASSERTED
    if hedges or "?" in claim:
        return 1, HEDGED
    if any(t.text.lower() in lexicon.claim_reported for t in tokens) or _speaker_label(claim, lexicon):
        return 1, ATTRIBUTED
    return 1, QUOTED if QUOTE_RE.search(claim) else ASSERTED


def _speaker_label(claim: str, lexicon: Lexicon) -> bool:
    """A headline's source label beside a colon: "Official: …", "…: sources", "Former player: …"."""
    parts = claim.split(":")
    if len(parts) < 2:
        return False
    for part in (parts[0], parts[-1]):
        words = [t for t in lexicon.tokenize(part) if not t.punct]
        if 0 < len(words) <= SPEAKER_LABEL and any(t.stem in lexicon.claim_speakers for t in words):
            return True
    return False


class TargetIndex:
    """The targets' weighted terms and an inverted index from term to target."""

    def __init__(self, targets: list[Target], lexicon: Lexicon):
        self.lexicon = lexicon
        term_lists = [self.claim_terms(t) for t in targets]
        df = defaultdict(int)
        for terms in term_lists:
            for term in set(terms):
                df[term] += 1
        n = len(targets)
        self.terms: list[TargetTerms] = []
        self._index: dict[str, list[int]] = defaultdict(list)
        for i, (target, terms) in enumerate(zip(targets, term_lists)):
            weights: dict[str, float] = {}
            for term, boost in terms.items():
                idf = math.log((n + 1) / (df[term] + 0.5)) + 1.0
                weights[term] = idf * boost
            sign, reported = claim_modality(target.claim, lexicon)
            self.terms.append(TargetTerms(target, weights, sum(weights.values()) or 1.0, sign, reported))
            for term in weights:
                self._index[term].append(i)

    def claim_terms(self, target: Target) -> dict[str, float]:
        """term -> boost for the claim's content words and the keywords."""
        lex = self.lexicon
        terms: dict[str, float] = {}
        claim_tokens = [t for t in lex.tokenize(target.claim) if not t.punct]
        for k, tok in enumerate(claim_tokens):
            if tok.stem in lex.stopwords or len(tok.stem) < 2:
                continue
            boost = PROPER_BOOST if (k > 0 and tok.text[:1].isupper() and not tok.text.isupper()) or \
                (tok.text.isupper() and len(tok.text) > 1) else 1.0
            term = lex.term(tok.stem)
            terms[term] = max(terms.get(term, 0.0), boost)
        for keyword in target.keywords:
            for tok in lex.tokenize(keyword):
                if not tok.punct and tok.stem not in lex.stopwords:
                    term = lex.term(tok.stem)
                    terms[term] = max(terms.get(term, 0.0), KEYWORD_BOOST)
        return terms

    @staticmethod
    def coverage(tt: TargetTerms, terms: set[str]) -> tuple[float, int]:
        hit = [w for term, w in tt.weights.items() if term in terms]
        return sum(hit) / tt.total, len(hit)

    def doc_relevance(self, tt: TargetTerms, terms: set[str]) -> float:
        cov, hits = self.coverage(tt, terms)
        need = min(MIN_TERMS_HIT, len(tt.weights))
        return cov if cov >= DOC_RELEVANCE and hits >= need else 0.0

    def relevant(self, terms: set[str]) -> list[tuple[TargetTerms, float]]:
        """(target terms, share of the claim's weight found) of every target these terms address."""
        candidates = set()
        for term in terms:
            candidates.update(self._index.get(term, ()))
        return [(tt, cov) for tt in (self.terms[i] for i in sorted(candidates))
                if (cov := self.doc_relevance(tt, terms))]

    def text_relevant(self, text: str, title: str = "") -> list[tuple[TargetTerms, float]]:
        return self.relevant(self.lexicon.text_terms(self.lexicon.tokenize(f"{title or ''}\n{text or ''}")))

    def sentence_relevance(self, tt: TargetTerms, prep: Prepared) -> tuple[list[float], list[float]]:
        """Each sentence's share of the claim's weight, and its relevance weight: 1 when it addresses
        the claim, 0.5 right after one that does (the same topic, said on) or when it refers back
        ("such plans") to one of the ANAPHORA_REACH sentences before it, else 0."""
        own = [self.coverage(tt, s.terms)[0] for s in prep.sentences]
        rel = []
        for k, cov in enumerate(own):
            r = 1.0 if cov >= SENTENCE_RELEVANCE else 0.0
            sentence = prep.sentences[k]
            reach = ANAPHORA_REACH if sentence.anaphora else 1
            before = range(max(0, k - reach), k)
            if not r and not sentence.title and any(own[j] >= SENTENCE_RELEVANCE for j in before):
                r = 0.5
            rel.append(r)
        return own, rel
