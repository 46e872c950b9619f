"""Stances toward target claims: who in an article supports or opposes each claim of `--targets`.

Nothing installable does this offline, so the model here is transparent and rule-based, with its
word lists as data files in `transforms/lexicons/stance_*.txt`. It works in two steps:

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
cues (stance_confirm.txt, stance_refute.txt) fully and attitude cues a quarter: refuted → oppose;
restated with little hedging → support; otherwise the article reports the claim → neutral. The
lexicons are English: other languages get no rows (`supports(language)`).

`StanceModel` is the interface: a natural-language-inference model can implement it later.
"""
from __future__ import annotations

import bisect
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

LEXICON_DIR = Path(__file__).with_name("lexicons")
HOLDER_TYPES = ("PERSON", "ORG", "LOC")

# Knobs, set by hand and checked on a small development slice of FNC-1 (eval/stance.py documents it).
DOC_RELEVANCE = 0.35        # share of a claim's term weight the article must contain
MIN_TERMS_HIT = 2           # ... and at least this many distinct terms (fewer when the claim is short)
SENTENCE_RELEVANCE = 0.25   # share of the claim's weight that makes a sentence address the claim
KEYWORD_BOOST = 2.0         # weight factor of a target's own keywords
PROPER_BOOST = 1.5          # weight factor of capitalised (not sentence-initial) claim words
NEGATION_WINDOW = 4         # words a negator may precede its cue by
HEDGE_WINDOW = 3            # words a hedge ("might", "could") may precede a cue by to weaken it
HEDGED_CUE = 0.5            # weight factor of a hedged cue
SUPPORT_MARGIN = 0.5        # net cue score beyond which a holder supports / opposes
ATTITUDE_IN_ARTICLE = 0.25  # weight of attitude cues (vs. confirm / refute cues) in the article's own row
OFF_TOPIC_FACT = 0.5        # weight of confirm / refute cues in sentences not on the claim
REFUTED = 1.5               # net refutation at which the article opposes a claim (one "hoax" near it)
ASSERTED_HEDGE_RATE = 0.15  # hedges per sentence up to which the article vouches for the claim
OFF_TOPIC_HEDGE = 0.5       # weight of sentences not on the claim in that hedge rate


@dataclass
class Target:
    id: str
    claim: str
    keywords: list[str] = field(default_factory=list)


def load_targets(path) -> list[Target]:
    """Targets from a YAML or JSON file (`targets:` list of {id, claim, keywords?}); any Beam path."""
    from apache_beam.io.filesystems import FileSystems
    try:
        with FileSystems.open(str(path)) as handle:
            raw = handle.read().decode("utf-8")
    except Exception as error:  # noqa: BLE001 - reported with the path, whatever the filesystem says
        raise ValueError(f"targets file {path}: cannot read it ({error})") from error
    return parse_targets(raw, str(path))


def parse_targets(raw: str, where: str = "targets") -> list[Target]:
    import yaml
    try:
        data = json.loads(raw) if str(where).lower().endswith(".json") else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"targets file {where}: not valid YAML/JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise ValueError(f"targets file {where}: expected a mapping with a `targets:` list")
    targets, seen = [], set()
    for n, item in enumerate(data["targets"], 1):
        if not isinstance(item, dict):
            raise ValueError(f"targets file {where}: target #{n} is not a mapping")
        target_id, claim = item.get("id"), item.get("claim")
        if not isinstance(target_id, str) or not target_id.strip():
            raise ValueError(f"targets file {where}: target #{n} has no `id`")
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"targets file {where}: target {target_id!r} has no `claim`")
        if target_id in seen:
            raise ValueError(f"targets file {where}: target id {target_id!r} appears twice")
        keywords = item.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [keywords]
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ValueError(f"targets file {where}: target {target_id!r}: `keywords` must be a list of strings")
        unknown = set(item) - {"id", "claim", "keywords"}
        if unknown:
            raise ValueError(f"targets file {where}: target {target_id!r}: unknown field(s) {sorted(unknown)}")
        seen.add(target_id)
        targets.append(Target(target_id.strip(), claim.strip(), [k.strip() for k in keywords if k.strip()]))
    return targets


@runtime_checkable
class StanceModel(Protocol):
    """What TagArticles needs from a stance model (rule-based here; an NLI model can implement it)."""

    targets: list[Target]

    def supports(self, language: str | None) -> bool: ...

    def relevant_targets(self, text: str, title: str = "") -> list[Target]: ...

    def stances(self, *, text: str, title: str, language: str, doc, entities: list[dict],
                quotes: list[dict]) -> list[dict]: ...


# ---------------------------------------------------------------------------------------------
# Words

TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[.,;:!?()\[\]\"“”«»—–]")
PUNCT_BREAKS = set(".,;:!?()[]\"“”«»—–")
IRREGULAR = {"said": "say", "says": "say", "told": "tell", "took": "take", "taken": "take",
             "wrote": "write", "written": "write", "thought": "think", "men": "man", "women": "woman",
             "children": "child", "countries": "country", "denies": "deny", "denied": "deny",
             "us": "us", "news": "news", "isis": "isis", "was": "be", "were": "be", "is": "be",
             "are": "be", "been": "be", "has": "have", "had": "have", "does": "do", "did": "do",
             "cannot": "cannot", "nothing": "nothing", "this": "this", "his": "his", "its": "its"}


def stem(word: str) -> str:
    """A light stemmer: enough to match "ruled/ruling/rules" and "criticised/criticized"."""
    w = word.lower().replace("’", "'")
    if w.endswith("n't"):
        return "not"
    if w.endswith("'s"):
        w = w[:-2]
    if w in IRREGULAR:
        return IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    w = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", w)
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":   # "stopped" -> "stop"
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


@dataclass
class Token:
    text: str
    stem: str
    start: int
    end: int
    punct: bool


def tokenize(text: str) -> list[Token]:
    out = []
    for m in TOKEN_RE.finditer(text):
        word = m.group()
        punct = word in PUNCT_BREAKS
        out.append(Token(word, word if punct else stem(word), m.start(), m.end(), punct))
    return out


SENTENCE_RE = re.compile(r"[^\n.!?]*(?:[.!?]+[\"”’»)]*|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence spans when there is no parse: end at . ! ? (and closing quotes) or a newline."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?]+[\"”’»)]*(?=\s+[\"“‘«(]?[A-Z0-9])|\n+", text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return _trimmed_spans(text, spans)


def _line_spans(text: str) -> list[tuple[int, int]]:
    return _trimmed_spans(text, ((m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)))


def _trimmed_spans(text: str, spans) -> list[tuple[int, int]]:
    """The spans without their leading and trailing white space; empty ones dropped."""
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


# ---------------------------------------------------------------------------------------------
# Lexicons


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _phrase(text: str) -> tuple[str, ...]:
    """Phrase words as stems; a word written in double quotes matches only that exact form
    ("\"doctored\"" must not match "doctor")."""
    out = []
    for m in re.finditer(r'"([^"]+)"|(\S+)', text):
        if m.group(1):
            out.extend("=" + w.lower() for w in m.group(1).split())
        else:
            out.extend(t.stem for t in tokenize(m.group(2)) if not t.punct)
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

    @classmethod
    def load(cls, directory=None) -> "Lexicon":
        d = Path(directory) if directory else LEXICON_DIR
        cues: dict[tuple[str, ...], float] = {}
        factual: set[tuple[str, ...]] = set()
        for name, sign, is_fact in (("stance_support.txt", 1.0, False), ("stance_oppose.txt", -1.0, False),
                                    ("stance_confirm.txt", 1.0, True), ("stance_refute.txt", -1.0, True)):
            for line in _lines(d / name):
                phrase, _, weight = line.partition("=")
                stems = _phrase(phrase)
                if stems:
                    cues[stems] = sign * float(weight.strip() or 1.0)
                    if is_fact:
                        factual.add(stems)
        synonyms = {}
        for line in _lines(d / "stance_synonyms.txt"):
            group = [stem(w.strip()) for w in line.split(",") if w.strip()]
            for word in group:
                synonyms.setdefault(word, group[0])
        stopwords = {stem(w) for w in _lines(d / "stance_stopwords.txt")}
        return cls(
            cues=cues,
            factual=factual,
            negators={_phrase(p) for p in _lines(d / "stance_negators.txt")} - {()},
            hedges={_phrase(p) for p in _lines(d / "stance_hedges.txt")} - {()},
            clause_breaks={stem(w) for w in _lines(d / "stance_clause_breaks.txt")},
            speech_verbs={stem(w) for w in _lines(d / "stance_speech_verbs.txt")},
            stopwords=stopwords,
            synonyms=synonyms,
        )

    def term(self, stem_: str) -> str:
        return self.synonyms.get(stem_, stem_)


def _find_phrases(words: list[Token], phrases, max_gap: int = 1):
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


# ---------------------------------------------------------------------------------------------
# Per-article preprocessing (target independent, done once per article)


@dataclass
class Cue:
    sentence: int
    start: int          # character offsets into the text
    end: int
    weight: float       # signed, after negation
    phrase: str
    negated: bool
    token_index: int    # index into the article's token list
    factual: bool       # confirms / refutes a fact, rather than an attitude toward a proposal


@dataclass
class Sentence:
    start: int
    end: int
    terms: set[str]
    cues: list[Cue]
    hedges: int


@dataclass
class Prepared:
    text: str
    title: str
    terms: set[str]              # the article's (and title's) terms
    sentences: list[Sentence]    # the title is sentence 0 when there is one (offsets -1)


@dataclass
class _TargetTerms:
    target: Target
    weights: dict[str, float]
    total: float
    sign: int          # -1 when the claim itself refutes ("X is a hoax"): the text's polarity flips


class RuleBasedStance:
    """Transparent, lexicon-driven stance detection (see the module docstring)."""

    languages = ("en",)   # the languages the lexicons are written for; `und`/None is tried as English

    def __init__(self, targets: list[Target], lexicon_dir=None):
        self.targets = list(targets)
        self.lexicon = Lexicon.load(lexicon_dir)
        term_lists = [self._claim_terms(t) for t in self.targets]
        df = defaultdict(int)
        for terms in term_lists:
            for term in set(terms):
                df[term] += 1
        n = len(self.targets)
        self._terms: list[_TargetTerms] = []
        self._index: dict[str, list[int]] = defaultdict(list)
        for i, (target, terms) in enumerate(zip(self.targets, term_lists)):
            weights: dict[str, float] = {}
            for term, boost in terms.items():
                idf = math.log((n + 1) / (df[term] + 0.5)) + 1.0
                weights[term] = idf * boost
            sign = -1 if self._cue_score(tokenize(target.claim)) < 0 else 1
            self._terms.append(_TargetTerms(target, weights, sum(weights.values()) or 1.0, sign))
            for term in weights:
                self._index[term].append(i)

    def supports(self, language: str | None) -> bool:
        return not language or language == "und" or language in self.languages

    # -- relevance --------------------------------------------------------------------------

    def _claim_terms(self, target: Target) -> dict[str, float]:
        """term -> boost for the claim's content words and the keywords."""
        lex = self.lexicon
        terms: dict[str, float] = {}
        claim_tokens = [t for t in tokenize(target.claim) if not t.punct]
        for k, tok in enumerate(claim_tokens):
            if tok.stem in lex.stopwords or len(tok.stem) < 2:
                continue
            boost = PROPER_BOOST if (k > 0 and tok.text[:1].isupper() and not tok.text.isupper()) or \
                (tok.text.isupper() and len(tok.text) > 1) else 1.0
            term = lex.term(tok.stem)
            terms[term] = max(terms.get(term, 0.0), boost)
        for keyword in target.keywords:
            for tok in tokenize(keyword):
                if not tok.punct and tok.stem not in lex.stopwords:
                    term = lex.term(tok.stem)
                    terms[term] = max(terms.get(term, 0.0), KEYWORD_BOOST)
        return terms

    def _text_terms(self, tokens: list[Token]) -> set[str]:
        lex = self.lexicon
        return {lex.term(t.stem) for t in tokens if not t.punct and t.stem not in lex.stopwords}

    def _coverage(self, tt: _TargetTerms, terms: set[str]) -> tuple[float, int]:
        hit = [w for term, w in tt.weights.items() if term in terms]
        return sum(hit) / tt.total, len(hit)

    def _doc_relevant(self, tt: _TargetTerms, terms: set[str]) -> float:
        cov, hits = self._coverage(tt, terms)
        need = min(MIN_TERMS_HIT, len(tt.weights))
        return cov if cov >= DOC_RELEVANCE and hits >= need else 0.0

    def _candidates(self, terms: set[str]) -> set[int]:
        out = set()
        for term in terms:
            out.update(self._index.get(term, ()))
        return out

    def relevant_targets(self, text: str, title: str = "") -> list[Target]:
        """The targets this article may address: a term-set lookup, no parsing."""
        terms = self._text_terms(tokenize(f"{title or ''}\n{text or ''}"))
        return [self._terms[i].target for i in sorted(self._candidates(terms))
                if self._doc_relevant(self._terms[i], terms)]

    # -- polarity ---------------------------------------------------------------------------

    def _cues_in(self, words: list[Token]) -> tuple[list[tuple[int, int, float, str, bool]], int]:
        """(first, last, signed weight, phrase, negated, factual) per cue in a word list, and its hedge count."""
        lex = self.lexicon
        cues = _find_phrases(words, lex.cues)
        # the longest phrase wins where phrases overlap ("no plans to" over "no")
        cues.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: set[int] = set()
        kept = []
        for first, last, phrase in cues:
            if taken.isdisjoint(range(first, last + 1)):
                kept.append((first, last, phrase))
                taken.update(range(first, last + 1))
        negs = _find_phrases(words, lex.negators, max_gap=0)
        # a cue that serves as the negator of the next cue ("refused to rule out") is not a cue itself
        for n_first, n_last, _ in negs:
            if any(0 < c[0] - n_last <= NEGATION_WINDOW for c in kept):
                kept = [c for c in kept if not (c[0] <= n_last and n_first <= c[1])]
        taken = {i for c in kept for i in range(c[0], c[1] + 1)}
        negs = [n for n in negs if taken.isdisjoint(range(n[0], n[1] + 1))]
        kept.sort()
        hedge_spans = _find_phrases(words, lex.hedges, max_gap=0)
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
            if factual and negated and weight < 0:
                # "has not been confirmed": unverified, not refuted; the refuting negations
                # ("not true") are phrases of their own
                hedges_extra += 1
                continue
            out.append((first, last, weight, " ".join(phrase), negated, factual))
        hedges = len(hedge_spans) + hedges_extra
        return out, hedges

    def _cue_score(self, tokens: list[Token]) -> float:
        return sum(c[2] for c in self._cues_in(tokens)[0])

    def prepare(self, text: str, title: str = "", doc=None) -> Prepared:
        """Sentences, their terms, cues and hedges: everything that does not depend on a target."""
        text = text or ""
        if doc is not None and doc.has_annotation("SENT_START"):
            # the parser's sentences, cut again at line breaks (it runs paragraphs together)
            spans = []
            for sent in doc.sents:
                spans.extend((sent.start_char + s, sent.start_char + e)
                             for s, e in _line_spans(text[sent.start_char:sent.end_char]))
        else:
            spans = split_sentences(text)
        tokens = tokenize(text)
        starts = [t.start for t in tokens]
        sentences = []
        if title:
            title_tokens = tokenize(title)
            cues, hedges = self._cues_in(title_tokens)
            sentences.append(Sentence(-1, -1, self._text_terms(title_tokens),
                                      [Cue(0, -1, -1, w, p, n, -1, f) for _, _, w, p, n, f in cues], hedges))
        for s, e in spans:
            lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
            words = tokens[lo:hi]
            found, hedges = self._cues_in(words)
            index = len(sentences)
            cues = [Cue(index, words[a].start, words[b].end, w, p, n, lo + a, f) for a, b, w, p, n, f in found]
            sentences.append(Sentence(s, e, self._text_terms(words), cues, hedges))
        terms = set().union(*(s.terms for s in sentences)) if sentences else set()
        return Prepared(text, title or "", terms, sentences)

    # -- holders ----------------------------------------------------------------------------

    def stances(self, *, text: str, title: str = "", language: str = "en", doc=None,
                entities: list[dict] | None = None, quotes: list[dict] | None = None,
                outlet: str | None = None, prepared: Prepared | None = None) -> list[dict]:
        """STANCE rows for every target the article addresses: the article's own, and each holder's.

        An article in a language the lexicons do not cover gets none (`supports(language)`)."""
        if not self.supports(language):
            return []
        entities = entities or []
        quotes = quotes or []
        if doc is not None and getattr(doc, "text", None) != text:
            doc = None   # a parse of other text (or another library's document) would misplace offsets
        if prepared is None:   # the term-set pre-filter first: no cue search for unconcerned articles
            terms = self._text_terms(tokenize(f"{title or ''}\n{text or ''}"))
            if not any(self._doc_relevant(self._terms[i], terms) for i in self._candidates(terms)):
                return []
        prep = prepared or self.prepare(text, title, doc)
        relevant = [(tt, cov) for tt in (self._terms[i] for i in sorted(self._candidates(prep.terms)))
                    if (cov := self._doc_relevant(tt, prep.terms))]
        if not relevant:
            return []
        holders = _Holders(prep, doc, entities, quotes, self.lexicon)
        rows = []
        for tt, doc_cov in relevant:
            rows.extend(self._target_rows(tt, doc_cov, prep, holders, outlet))
        return rows

    def _sentence_relevance(self, tt: _TargetTerms, prep: Prepared) -> tuple[list[float], list[float]]:
        """Each sentence's share of the claim's weight, and its relevance weight: 1 when it addresses
        the claim, 0.5 right after one that does (the same topic, said on), else 0."""
        own = [self._coverage(tt, s.terms)[0] for s in prep.sentences]
        rel = []
        for k, cov in enumerate(own):
            r = 1.0 if cov >= SENTENCE_RELEVANCE else 0.0
            if not r and k > 0 and own[k - 1] >= SENTENCE_RELEVANCE and prep.sentences[k].start >= 0:
                r = 0.5
            rel.append(r)
        return own, rel

    def signals(self, tt: _TargetTerms, doc_cov: float, prep: Prepared) -> "ArticleSignals":
        """What the article's own stance toward one target is decided from."""
        own, rel = self._sentence_relevance(tt, prep)
        sig = ArticleSignals(doc_cov=doc_cov, best_cov=max(own, default=0.0), sentences=len(prep.sentences))
        for k, sentence in enumerate(prep.sentences):
            sig.hedges_all += sentence.hedges
            for cue in sentence.cues:
                if cue.factual:
                    sig.fact_all += cue.weight * tt.sign
            if not rel[k]:
                continue
            sig.relevant += 1
            sig.hedges += sentence.hedges
            for cue in sentence.cues:
                weight = cue.weight * rel[k] * tt.sign
                if cue.factual:
                    sig.fact += weight
                else:
                    sig.attitude += weight
        return sig

    def _target_rows(self, tt: _TargetTerms, doc_cov: float, prep: Prepared, holders: "_Holders",
                     outlet: str | None) -> list[dict]:
        own, rel = self._sentence_relevance(tt, prep)
        per_holder: dict[tuple[str, str], list] = defaultdict(lambda: [0.0, 0.0, None])  # net, best, evidence
        for k, sentence in enumerate(prep.sentences):
            if not rel[k]:
                continue
            evidence = self._evidence(prep, sentence)
            for cue in sentence.cues:
                weight = cue.weight * rel[k] * tt.sign
                for holder in holders.of(cue):
                    entry = per_holder[holder]
                    entry[0] += weight
                    if abs(weight) > entry[1]:
                        entry[1], entry[2] = abs(weight), evidence
            for holder in holders.speakers_in(sentence):   # a relevant quote without cues: neutral
                entry = per_holder[holder]
                if entry[2] is None:
                    entry[2] = evidence
        sig = self.signals(tt, doc_cov, prep)
        label, net = sig.label()
        best_sentence = max(range(len(own)), key=lambda k: own[k])
        rows = [_row(tt.target.id, outlet or "article", "article", label,
                     _confidence(net, doc_cov, label), self._evidence(prep, prep.sentences[best_sentence]))]
        for (name, kind), (net, _, evidence) in per_holder.items():
            label = _label(net)
            rows.append(_row(tt.target.id, name, kind, label, _confidence(net, doc_cov, label), evidence or ""))
        return rows

    @staticmethod
    def _evidence(prep: Prepared, sentence: Sentence) -> str:
        return prep.title if sentence.start < 0 else prep.text[sentence.start:sentence.end]


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

    def label(self) -> tuple[str, float]:
        """The article's own stance and its net cue score: refuted (a refutation in a sentence on the
        claim, or two elsewhere) → oppose; restated without hedging → support; else the article
        reports the claim → neutral."""
        net = self.fact + OFF_TOPIC_FACT * (self.fact_all - self.fact) + ATTITUDE_IN_ARTICLE * self.attitude
        if net <= -REFUTED:
            return "oppose", net
        # hedging anywhere says the article reports rather than vouches; on the claim it says so more
        hedges = self.hedges + OFF_TOPIC_HEDGE * (self.hedges_all - self.hedges)
        sentences = self.relevant + OFF_TOPIC_HEDGE * (self.sentences - self.relevant)
        hedge_rate = hedges / sentences if self.relevant else 1.0
        if hedge_rate <= ASSERTED_HEDGE_RATE and net > -SUPPORT_MARGIN:
            return "support", max(net, SUPPORT_MARGIN)
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


def _row(target_id, holder, holder_type, label, score, evidence) -> dict:
    return {"target_id": target_id, "holder": holder, "holder_type": holder_type, "label": label,
            "score": score, "evidence": evidence.strip()}


class _Holders:
    """Who a cue belongs to: the quote's speaker, the clause's subject entities, or nobody."""

    SUBJECTS = {"nsubj", "nsubjpass", "csubj", "expl"}
    PRONOUNS = {"he", "she", "him", "her"}
    FIRST_PERSON = {"i", "we", "me", "us", "you"}

    def __init__(self, prep: Prepared, doc, entities: list[dict], quotes: list[dict], lexicon: Lexicon):
        self.prep, self.doc, self.lexicon = prep, doc, lexicon
        self.entities = sorted((e for e in entities if e.get("label") in HOLDER_TYPES),
                               key=lambda e: e["start"])
        self.by_name: dict[str, dict] = {}
        for e in self.entities:
            self.by_name.setdefault(e.get("canonical") or e["text"], e)
            self.by_name.setdefault(e["text"], e)
        self.quotes = [q for q in quotes if q.get("speaker")]
        self._token_entity: dict[int, dict] = {}
        if doc is not None:
            for e in self.entities:
                span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
                if span is not None:
                    for tok in span:
                        self._token_entity[tok.i] = e

    def _name(self, entity: dict) -> tuple[str, str]:
        return (entity.get("canonical") or entity["text"], entity["label"])

    def _speaker(self, speaker: str) -> tuple[str, str]:
        entity = self.by_name.get(speaker)
        if entity is None:   # a surname alone, or a canonical name the entity list spells longer
            for e in self.entities:
                name = e.get("canonical") or e["text"]
                if name.endswith(" " + speaker) or speaker.endswith(" " + name):
                    entity = e
                    break
        return self._name(entity) if entity else (speaker, "PERSON")

    def speakers_in(self, sentence: Sentence) -> list[tuple[str, str]]:
        if sentence.start < 0:
            return []
        return [self._speaker(q["speaker"]) for q in self.quotes
                if q["start"] < sentence.end and q["end"] > sentence.start]

    def of(self, cue: Cue) -> list[tuple[str, str]]:
        if cue.start < 0:          # a cue in the title belongs to the article
            return []
        for q in self.quotes:
            if q["start"] <= cue.start and cue.end <= q["end"]:
                return [self._speaker(q["speaker"])]
        if self.doc is not None and self.doc.has_annotation("DEP"):
            found = self._from_parse(cue)
            if found is not None:
                return found
        return self._before(cue)

    # with a parse: climb from the cue to the first clause whose subject is (or names) an entity
    def _from_parse(self, cue: Cue):
        doc = self.doc
        span = doc.char_span(cue.start, cue.end, alignment_mode="expand")
        if span is None:
            return None
        token = span[0]
        seen = set()
        while token.i not in seen:
            seen.add(token.i)
            for child in token.children:
                if child.dep_ in self.SUBJECTS:
                    names = self._heads_entities(child)
                    if names:
                        return names
                    if child.lower_ in self.PRONOUNS:
                        return self._last_person_before(child.idx)
                    if child.lower_ in self.FIRST_PERSON:   # "we", "I": a speaker the parse cannot name
                        return []
            if token.head.i == token.i:
                break
            token = token.head
        sentence = span[0].sent
        for tok in sentence:   # "according to X", then the subject of a speech verb
            if tok.lower_ == "according":
                for prep in tok.children:
                    for obj in prep.children:
                        if obj.dep_ == "pobj" and (names := self._heads_entities(obj)):
                            return names
        for tok in sentence:
            if tok.pos_ == "VERB" and stem(tok.text) in self.lexicon.speech_verbs | {stem(tok.lemma_)}:
                if stem(tok.lemma_) not in self.lexicon.speech_verbs:
                    continue
                for child in tok.children:
                    if child.dep_ in self.SUBJECTS:
                        people = [self._token_entity[t.i] for t in child.subtree
                                  if t.i in self._token_entity and self._token_entity[t.i]["label"] == "PERSON"]
                        if people:
                            return [self._name(people[-1])]
                        if child.lower_ in self.PRONOUNS:
                            return self._last_person_before(child.idx)
        return []

    def _heads_entities(self, token) -> list[tuple[str, str]]:
        """Entities that head a subject: the subject itself, its conjuncts and appositions, and the
        members it lists ("countries, including Germany and the UK")."""
        out, stack, seen = [], [token], set()
        while stack:
            tok = stack.pop()
            if tok.i in seen:
                continue
            seen.add(tok.i)
            entity = self._token_entity.get(tok.i)
            if entity is not None:
                name = self._name(entity)
                if name not in out:
                    out.append(name)
            for child in tok.children:
                if child.dep_ in ("conj", "appos"):
                    stack.append(child)
                elif child.dep_ == "prep" and child.lower_ in ("including", "like", "as", "such"):
                    stack.extend(c for c in child.subtree if c.dep_ in ("pobj", "conj", "appos"))
                elif child.dep_ == "amod" and child.lower_ == "such":
                    stack.extend(c for c in child.subtree if c.dep_ == "pobj")
        return out

    def _last_person_before(self, offset: int) -> list[tuple[str, str]]:
        people = [e for e in self.entities if e["label"] == "PERSON" and e["end"] <= offset]
        return [self._name(people[-1])] if people else []

    # without a parse: the entities between the previous cue (or the sentence start) and this cue,
    # the first person among them, else all (a list of countries)
    def _before(self, cue: Cue) -> list[tuple[str, str]]:
        sentence = self.prep.sentences[cue.sentence]
        floor = sentence.start
        for other in sentence.cues:
            if other.end <= cue.start:
                floor = max(floor, other.end)
        names = []
        for e in self.entities:
            if floor <= e["start"] and e["end"] <= cue.start:
                name = self._name(e)
                if name not in names:
                    names.append(name)
        people = [n for n in names if n[1] == "PERSON"]
        # the first person of the clause is most often its subject ("Kallas echoed Macron, claiming …")
        return people[:1] if people else names
