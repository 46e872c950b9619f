"""Stances toward target claims: who in an article supports or opposes each claim of `--targets`.

Nothing installable does this offline, so the model here is transparent and rule-based, with its
word lists as data files in `transforms/analysis/lexicons/stance_*.en.txt`. It works in two steps,
relevance (relevance.py) and polarity (polarity.py), and then finds each cue's holder (holders.py):

1. Relevance. A claim (plus its keywords, plus synonym groups) becomes a set of weighted terms:
   light-stemmed content words, weighted like TF-IDF over the target collection (a word in many
   claims says little about any one of them), keywords and proper nouns weighted up.
   `relevant_targets(text, title)` scores the article's term set against every target through an
   inverted index — no parsing — so that hundreds of targets stay cheap for articles they do not
   concern. Within a relevant article, a sentence addresses the target when it holds enough of the
   claim's weight (or directly follows one that does, at half weight).
2. Polarity. In every sentence, cue phrases (support / oppose lexicons) are found once per article,
   each flipped by a negator a few words before it in the same clause ("should not rule out",
   "nothing can be ruled out", "refused to rule out" → support; "firmly ruled out", "has no plans
   to", "criticised", "warned of the consequences" → oppose). Hedges ("reportedly", "allegedly",
   "could") mark a sentence as reporting without vouching. A claim that is itself a refutation
   ("… is a hoax") flips the polarity of the text toward it.

Holders: a cue inside a quote belongs to the quote's speaker; otherwise to the entities heading the
subject of the cue's clause, climbing the dependency parse (so "Germany, the UK and the US have ruled
out sending troops" gives three LOC holders), else to the subject of a speech verb or "according to
X" in the sentence, else (no parse) to the entities just before the cue. A pronoun subject resolves
to the last person named before it. Names are the entities' `canonical` forms.

The article's own row (holder_type `article`, holder the outlet when given) weighs confirm / refute
cues (stance_confirm.<lang>.txt, stance_refute.<lang>.txt) fully and attitude cues a quarter: refuted →
oppose; restated with little hedging → support; otherwise the article reports the claim → neutral.
A fact cue in the lead weighs more (the article's point), one in a sentence that names the story,
report or picture counts as on the claim, one someone is reported saying counts half. One
instance reads one language (`language`, English by default); languages.py runs French and Russian
through the same rules with their own word lists and the claims carried over into them.

`StanceModel` is the interface: a natural-language-inference model can implement it later.
"""
from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from transforms.analysis.lexicons import LEXICON_DIR, lines

from transforms.analysis.stance.holders import Holders
from transforms.analysis.stance.polarity import Lexicon, Prepared, Sentence, prepare
from transforms.analysis.stance.relevance import (ASSERTED, ATTRIBUTED, HEDGED, SENTENCE_RELEVANCE,
                                                   TargetIndex, TargetTerms)
from transforms.analysis.stance.targets import Target

SUPPORT_MARGIN = 0.5        # net cue score beyond which a holder supports / opposes
ATTITUDE_IN_ARTICLE = 0.25  # weight of attitude cues (vs. confirm / refute cues) in the article's own row
OFF_TOPIC_FACT = 0.5        # weight of confirm / refute cues in sentences not on the claim
REPORT_REFERENCE = 0.5      # relevance of a sentence that names the story, report or picture (its facts only)
LEAD_SENTENCES = 3          # the article's lead (after its title), where it says what it is about
LEAD_WEIGHT = 2.0           # weight factor of confirm / refute cues in the lead
REFUTED = 1.5               # net refutation at which the article opposes a claim (one "hoax" near it)
ATTRIBUTED_FACT = 0.5       # weight of a confirmation / refutation the article reports someone making
ASSERTED_HEDGE_RATE = 0.15  # hedges per sentence up to which the article vouches for the claim
OFF_TOPIC_HEDGE = 0.5       # weight of sentences not on the claim in that hedge rate


class RuleBasedStance:
    """Transparent, lexicon-driven stance detection (see the module docstring)."""

    def __init__(self, targets: list[Target], lexicon_dir=None, language: str = "en", calibrated: bool = True):
        self.targets = list(targets)
        self.language = language
        self.languages = (language,)   # the lexicons' language; for English `und`/None is tried too
        self.lexicon = Lexicon.load(lexicon_dir, language)
        self.index = TargetIndex(self.targets, self.lexicon)
        self.calibration = Calibration.load(lexicon_dir, language) if calibrated else Calibration({})

    def supports(self, language: str | None) -> bool:
        if self.language != "en":
            return language == self.language
        return not language or language == "und" or language in self.languages

    def relevant_targets(self, text: str, title: str = "") -> list[Target]:
        """The targets this article may address: a term-set lookup, no parsing."""
        return [tt.target for tt, _ in self.index.text_relevant(text, title)]

    def prepare(self, text: str, title: str = "", doc=None) -> Prepared:
        """Sentences, their terms, cues and hedges: everything that does not depend on a target."""
        return prepare(text, title, doc, self.lexicon)

    def stances(self, *, text: str, title: str = "", language: str = "en", doc=None,
                entities: list[dict] | None = None, quotes: list[dict] | None = None,
                outlet: str | None = None, prepared: Prepared | None = None, title_doc=None,
                title_entities: list[dict] | None = None, title_quotes: list[dict] | None = None) -> list[dict]:
        """STANCE rows for every target the article addresses: the article's own, and each holder's
        (in the text, or in the title when its parse is given: `title_doc`, with entities and quotes
        whose offsets are into the title).

        An article in a language the lexicons do not cover gets none (`supports(language)`)."""
        if not self.supports(language):
            return []
        if doc is not None and getattr(doc, "text", None) != text:
            doc = None   # a parse of other text (or another library's document) would misplace offsets
        if title_doc is not None and getattr(title_doc, "text", None) != title:
            title_doc = None
        if prepared is None and not self.index.text_relevant(text, title):
            return []   # the term-set pre-filter first: no cue search for unconcerned articles
        prep = prepared or self.prepare(text, title, doc)
        relevant = self.index.relevant(prep.terms)
        if not relevant:
            return []
        holders = (Holders(prep, doc, entities or [], quotes or [], self.lexicon),
                   Holders(prep, title_doc, title_entities or [], title_quotes or [], self.lexicon, title=True))
        rows = []
        for tt, doc_cov in relevant:
            rows.extend(self._target_rows(tt, doc_cov, prep, holders, outlet))
        return rows

    def signals(self, tt: TargetTerms, doc_cov: float, prep: Prepared) -> "ArticleSignals":
        """What the article's own stance toward one target is decided from."""
        own, rel = self.index.sentence_relevance(tt, prep)
        sig = ArticleSignals(doc_cov=doc_cov, best_cov=max(own, default=0.0), sentences=len(prep.sentences),
                             sign=tt.sign, reported=tt.reported)
        for k, sentence in enumerate(prep.sentences):
            sig.hedges_all += sentence.hedges
            voice = ATTRIBUTED_FACT if sentence.attributed else 1.0
            # "the story was a hoax", "the photo is fake": in an article on the claim, the story or
            # picture it refutes is the claim's, whether or not the sentence repeats its words
            fact_rel = max(rel[k], REPORT_REFERENCE if sentence.reports else 0.0)
            # what the lead says is what the article is about: a refutation there is the article's point
            lead = k < LEAD_SENTENCES + bool(prep.title)
            if lead:
                voice *= LEAD_WEIGHT
            for cue in sentence.cues:
                if cue.factual:
                    sig.own_refutation |= cue.weight < 0 and (lead or not sentence.attributed)
                    sig.fact_all += cue.weight * tt.sign * voice
                    sig.fact += cue.weight * fact_rel * tt.sign * voice
            if not rel[k]:
                continue
            sig.relevant += 1
            sig.hedges += sentence.hedges
            for cue in sentence.cues:
                if not cue.factual:
                    sig.attitude += cue.weight * rel[k] * tt.sign
        return sig

    def _target_rows(self, tt: TargetTerms, doc_cov: float, prep: Prepared, holders: tuple[Holders, Holders],
                     outlet: str | None) -> list[dict]:
        own, rel = self.index.sentence_relevance(tt, prep)
        per_holder: dict[tuple[str, str], list] = defaultdict(lambda: [0.0, 0.0, None])  # net, best, evidence

        def add(holder, weight, evidence):
            entry = per_holder[holder]
            entry[0] += weight
            if abs(weight) > entry[1] or entry[2] is None:
                entry[1], entry[2] = max(entry[1], abs(weight)), evidence

        for k, sentence in enumerate(prep.sentences):
            if not rel[k]:
                continue
            evidence = self._evidence(prep, sentence)
            side = holders[1] if sentence.title else holders[0]
            for cue in sentence.cues:
                for holder in side.of(cue):
                    add(holder, cue.weight * rel[k] * tt.sign, evidence)
            for names, start, end, weight in side.positions(sentence):
                about = (prep.title if sentence.title else prep.text)[start:end]
                if self.index.coverage(tt, self.lexicon.text_terms(self.lexicon.tokenize(about)))[0] < SENTENCE_RELEVANCE:
                    continue
                inside = [c.weight for c in sentence.cues if start <= c.start and c.end <= end]
                for holder in names:
                    add(holder, (sum(inside) if inside else weight) * rel[k] * tt.sign, evidence)
            for holder in side.speakers_in(sentence):   # a relevant quote without cues: neutral
                if per_holder[holder][2] is None:
                    add(holder, 0.0, evidence)
        sig = self.signals(tt, doc_cov, prep)
        label, net = sig.label()
        best_sentence = max(range(len(own)), key=lambda k: own[k])
        score = self.calibration(label, _confidence(net, doc_cov, label))
        rows = [_row(tt.target.id, outlet or "article", "article", label, score,
                     self._evidence(prep, prep.sentences[best_sentence]))]
        for (name, kind), (net, _, evidence) in per_holder.items():
            label = _label(net)
            rows.append(_row(tt.target.id, name, kind, label, _confidence(net, doc_cov, label), evidence or ""))
        return rows

    @staticmethod
    def _evidence(prep: Prepared, sentence: Sentence) -> str:
        return (prep.title if sentence.title else prep.text)[sentence.start:sentence.end]


@dataclass
class ArticleSignals:
    doc_cov: float = 0.0       # share of the claim's weight found in the article
    best_cov: float = 0.0      # ... in its best sentence
    sentences: int = 0
    relevant: int = 0          # sentences that address the claim
    fact: float = 0.0          # confirm (+) / refute (-) cues in relevant sentences, signed toward the claim
    fact_all: float = 0.0      # ... in every sentence
    attitude: float = 0.0      # support / oppose cues in relevant sentences
    hedges: int = 0            # hedges in relevant sentences
    hedges_all: int = 0
    sign: int = 1              # the claim's (TargetTerms.sign): -1 when it denies the story it names
    reported: int = ASSERTED   # the claim asserts, attributes ("X says …") or hedges ("X may …?")
    own_refutation: bool = False  # a refutation in the article's own voice, or in its lead

    def label(self) -> tuple[str, float]:
        """The article's own stance and its net cue score (signed toward the claim).

        The article refutes or confirms what the claim says (a refutation in a sentence on the
        claim, or two elsewhere; for a claim that denies, a refutation of the story it denies) →
        oppose / support. Otherwise an article that restates the story without hedging vouches for
        it: support, or oppose for a claim that denies it. A claim that itself only reports ("X says
        …", "X may …?", "X 'detained at border'") is not opposed: an article that relates a denial of
        someone's words reports the dispute (on FNC-1 dev and a second held-out tenth, 2 of 24 such
        calls were right)."""
        net = self.fact + OFF_TOPIC_FACT * (self.fact_all - self.fact) + ATTITUDE_IN_ARTICLE * self.attitude
        if self.reported == HEDGED:
            return "neutral", net
        # a claim that reports or quotes someone's words: an article that relates a denial of them reports
        # it; so does one that only relates others' refutations after its lead
        if net <= -REFUTED and self.reported == ASSERTED and (self.own_refutation or self.sign < 0):
            return "oppose", net
        if net >= REFUTED and self.sign < 0:
            return "support", net
        if self.reported == ATTRIBUTED:
            return "neutral", net
        # hedging anywhere says the article reports rather than vouches; on the claim it says so more
        hedges = self.hedges + OFF_TOPIC_HEDGE * (self.hedges_all - self.hedges)
        sentences = self.relevant + OFF_TOPIC_HEDGE * (self.sentences - self.relevant)
        hedge_rate = hedges / sentences if self.relevant else 1.0
        vouches = hedge_rate <= ASSERTED_HEDGE_RATE and self.sign * net > -SUPPORT_MARGIN
        if vouches and self.sign > 0:
            return "support", max(net, SUPPORT_MARGIN)
        if vouches:
            return "oppose", min(net, -SUPPORT_MARGIN)
        return "neutral", net


def _label(net: float) -> str:
    if net >= SUPPORT_MARGIN:
        return "support"
    if net <= -SUPPORT_MARGIN:
        return "oppose"
    return "neutral"


def _confidence(net: float, relevance: float, label: str) -> float:
    """In [0, 1]: how sure the label is (cue strength for support/oppose, relevance for neutral)."""
    if label == "neutral":
        return round(float(min(1.0, relevance)), 3)
    return round(float(1.0 - math.exp(-abs(net))), 3)


class Calibration:
    """The article row's score as the probability that its label is right: per label, a monotone
    piecewise-linear map of the raw confidence, fitted (isotonic regression, `eval/stance.py
    --fit-calibration`) on the FNC-1 dev slice and shipped as stance_calibration.en.txt. No table:
    the raw confidence."""

    def __init__(self, knots: dict[str, list[tuple[float, float]]]):
        self.knots = knots

    @classmethod
    def load(cls, directory=None, language: str = "en") -> "Calibration":
        knots: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for line in lines((Path(directory) if directory else LEXICON_DIR) / f"stance_calibration.{language}.txt"):
            label, raw, calibrated = line.split()
            knots[label].append((float(raw), float(calibrated)))
        return cls({label: sorted(points) for label, points in knots.items()})

    def __call__(self, label: str, raw: float) -> float:
        points = self.knots.get(label)
        if not points:
            return raw
        xs = [x for x, _ in points]
        i = bisect.bisect_left(xs, raw)
        if i == 0:
            return points[0][1]
        if i == len(points):
            return points[-1][1]
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        return round(y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 > x0 else y1, 3)


def _row(target_id, holder, holder_type, label, score, evidence) -> dict:
    return {"target_id": target_id, "holder": holder, "holder_type": holder_type, "label": label,
            "score": score, "evidence": evidence.strip()}
