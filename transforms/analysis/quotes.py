"""Quotes: who said what, from the dependency parse of the article's spaCy Doc.

Direct quotes are the text between quotation marks (“…”, "…", «…», „…“); each is attributed through a
speech verb (transforms/analysis/lexicons/speech_verbs.<lang>.txt) of its sentence that stands outside the
marks — the one the quote hangs from in the parse, else the nearest:
    “…,” Kallas said.           he said: “Yes.”          Landsbergis stressed that “…”
A quote whose sentence has no verb outside it continues the previous quote's speaker
(“…,” Kallas said. “Because …”); a quote nobody is named for (scare quotes, titles) is left out.

Reported speech, from the parse alone:
    X said that …  / … , said X       the verb's clausal complement (ccomp)
    As X said, …                      the clause the "as" clause modifies
    according to X, …                 the clause the phrase modifies
    X criticised / warned of …        the verb and its object, for verbs of judgement
A reported statement mostly made of a direct quote is left to the direct one.

The speaker is the verb's subject (climbing from "…, claiming that" to the clause that has one),
resolved to an entity's `canonical` name: a name inside the subject ("the press secretary of the
Russian President Dmitry Peskov" → Dmitry Peskov); a role noun seen beside a name earlier ("the head of
state" after "Russian President Vladimir Putin"); "he"/"she" or a bare role ("the diplomat") → the last
person named before the sentence. Otherwise the subject's own words ("EU and NATO officials").
Offsets are character offsets into `text` of the statement (inside the quotation marks).
"""
from __future__ import annotations

from functools import lru_cache

from transforms.analysis.lexicons import LEXICON_DIR, person_roles, read_lexicon
from transforms.analysis.quote_languages import (ACCORDING, AS_MARKS, DIALOGUE_LANGUAGES, INVERTED_LANGUAGES,
                                                 LEMMA_LEXICONS, NAMES_IN_GUILLEMETS, OBJECT_VERBS, PRONOUNS,
                                                 ROLE_SYNONYMS, a_name, dialogue_spans, has_finite_verb,
                                                 inverted_speech)

QUOTE_MARKS = {"“": "”", "\"": "\"", "«": "»", "„": "“"}
MAX_QUOTE_CHARS = 3000
SUBJECT_DEPS = ("nsubj", "nsubj:pass", "nsubjpass")
CLIMB_DEPS = ("advcl", "conj", "xcomp", "acl", "parataxis")



@lru_cache(maxsize=None)
def speech_verbs(language: str) -> dict[tuple[str, ...], str]:
    """form (a word, or word and particle) → the verb's first form (its base)."""
    path = LEXICON_DIR / f"speech_verbs.{language}.txt"
    if not path.exists():
        return {}
    forms = {}
    for row in read_lexicon(path.name):
        base = row[0].split("_")[0]
        for form in row:
            forms[tuple(form.lower().split("_"))] = base
    return forms


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each pair of quotation marks, within one paragraph."""
    spans, i = [], 0
    while i < len(text):
        close = QUOTE_MARKS.get(text[i])
        if close is None:
            i += 1
            continue
        j = text.find(close, i + 1)
        newline = text.find("\n", i + 1)
        if j < 0 or (0 <= newline < j) or j - i > MAX_QUOTE_CHARS:
            i += 1
            continue
        start, end = i + 1, j
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
            end -= 1  # “…,” Kallas said: the comma belongs to the sentence around the quote
        if any(ch.isalnum() for ch in text[start:end]):
            spans.append((start, end))
        i = j + 1
    return spans


class Attributor:
    """Everything about one Doc that attribution looks up more than once."""

    def __init__(self, doc, entities: list[dict], language: str):
        self.doc = doc
        self.text = doc.text   # Doc.text joins every token anew on each call
        self.language = language
        self.verbs = speech_verbs(language)
        self.roles = person_roles(language)
        self.pronouns = PRONOUNS.get(language, set())
        self.entities = sorted(entities, key=lambda e: e["start"])
        self.entity_at = {}
        for ent in self.entities:
            for pos in range(ent["start"], ent["end"]):
                self.entity_at[pos] = ent
        self.persons = [e for e in self.entities if e["label"] == "PERSON"]
        self.role_mentions = self._role_mentions()

    # -- lookups -------------------------------------------------------------------------------

    def entity_of(self, token):
        return self.entity_at.get(token.idx)

    def speech_base(self, token) -> str | None:
        """The speech verb `token` is (a verb, not the noun "calls"), else None."""
        if not (token.tag_.startswith("VB") or token.pos_ == "VERB"):
            return None
        particles = [c.lower_ for c in token.children if c.dep_ in ("prt", "compound:prt")]
        for particle in particles:
            base = self.verbs.get((token.lower_, particle))
            if base:
                return base
        base = self.verbs.get((token.lower_,))
        if base is None and self.language in LEMMA_LEXICONS:
            base = self.verbs.get((token.lemma_.lower(),))
        return base

    def _role_mentions(self) -> list[tuple[int, str, str]]:
        """(offset, role noun, canonical) for each person named beside a role noun:
        "Russian President Vladimir Putin", "the head of the ... Ministry ... Gabrielius Landsbergis"."""
        found = []
        for ent in self.persons:
            span = self.doc.char_span(ent["start"], ent["end"], alignment_mode="expand")
            if span is None:
                continue
            root = span.root
            nouns = [c for c in root.children if c.dep_ in ("compound", "amod") and c.i < span.start]
            nouns += [c for c in root.children if c.dep_ == "appos"]  # "X, the head of ..., said"
            if root.dep_ == "appos":
                nouns.append(root.head)
            for noun in nouns:
                if noun.lower_ in self.roles:
                    found.append((ent["start"], self.role_key(noun), ent["canonical"]))
        return found

    @staticmethod
    def role_key(noun) -> str:
        """"head of state", "head of ministry", "president": a role noun and the head of its
        "of" complement, so that "the head of state" is not taken for a ministry's head."""
        for prep in noun.rights:
            if prep.lower_ in ("of", "de") and prep.dep_ in ("prep", "case", "nmod"):
                objects = [c for c in prep.children if c.dep_ in ("pobj", "obj")]
                if objects:
                    key = f"{noun.lower_} of {objects[0].lower_}"
                    return ROLE_SYNONYMS.get(key, key)
        return noun.lower_

    def last_person_before(self, offset: int) -> str | None:
        person = None
        for ent in self.persons:
            if ent["start"] >= offset:
                break
            person = ent["canonical"]
        return person

    # -- speakers ------------------------------------------------------------------------------

    def subject_of(self, verb, skip=(0, 0)):
        """The subject of `verb`, or of the clause it hangs from ("…, claiming that …"); never one
        inside `skip` (the quote itself: in "« Nous … », a ajouté Macron" "Nous" is not the speaker)."""
        for _ in range(4):
            for child in verb.children:
                if child.dep_ in SUBJECT_DEPS and not skip[0] <= child.idx < skip[1]:
                    return child
            if verb.dep_ not in CLIMB_DEPS or verb.head.i == verb.i or skip[0] <= verb.head.idx < skip[1]:
                return None
            verb = verb.head
        return None

    def speaker_of(self, head) -> str | None:
        """The name a subject (or the object of "according to") stands for."""
        ent = self.entity_of(head)
        if ent and ent["label"] in ("PERSON", "ORG", "LOC"):
            return ent["canonical"]
        sentence_start = head.sent.start_char
        if head.lower_ in self.pronouns:
            return self.last_person_before(sentence_start)
        if head.pos_ == "PRON":
            return None
        if head.pos_ == "PROPN":  # a surname the model did not tag: the person it belongs to
            for ent in reversed(self.persons):
                if ent["start"] < head.idx and head.text in ent["canonical"].split():
                    return ent["canonical"]
        subtree = list(head.subtree)
        inside = [self.entity_of(t) for t in subtree]
        persons = [e for e in inside if e and e["label"] == "PERSON"]
        if persons:  # a job title that names its holder
            return persons[-1]["canonical"]
        if head.lower_ in self.roles:
            key = self.role_key(head)
            for offset, role, name in reversed(self.role_mentions):
                if offset < head.idx and role == key:
                    return name
            return self.last_person_before(sentence_start)
        words = [t for t in subtree if t.dep_ not in ("det", "punct", "predet")]
        if not words or len(words) > 8:
            words = [t for t in head.lefts if t.dep_ in ("compound", "amod", "nmod")] + [head]
        return self.text[words[0].idx:words[-1].idx + len(words[-1])]

    def speaker_of_verb(self, verb, skip=(0, 0)) -> str | None:
        subject = self.subject_of(verb, skip)
        if subject is not None:
            return self.speaker_of(subject)
        # an inverted subject the parser took for something else ("», a ajouté Macron.")
        for token in verb.doc[verb.i + 1:verb.i + 4]:
            ent = self.entity_of(token)
            if ent and ent["label"] in ("PERSON", "ORG"):
                return ent["canonical"]
            if token.is_punct:
                break
        return None


def _span_text(doc, tokens) -> tuple[int, int] | None:
    tokens = [t for t in tokens if not t.is_space]
    while tokens and (tokens[0].is_punct or tokens[0].dep_ == "mark"):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    if not tokens:
        return None
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1])


def _rest_of_clause(head, phrase) -> list:
    """The tokens of `head`'s clause on the longer side of `phrase` (an "as X said" or "according to X"
    phrase inside it), so that "In addition, according to Y, <statement>" gives the statement."""
    while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
        head = head.head  # "As X said, <subject ...> are ..." hangs "said" from the subject noun
    own = set(t.i for t in phrase.subtree)
    before = [t for t in head.subtree if t.i < min(own)]
    after = [t for t in head.subtree if t.i > max(own)]
    return after if len(after) >= len(before) else before


def _quote(text, speaker, start, end, direct) -> dict:
    return {"speaker": speaker, "text": text[start:end], "start": start, "end": end, "direct": direct}


def direct_quotes(att: Attributor) -> list[dict]:
    doc, text = att.doc, att.text
    quotes, previous = [], None
    marked = quoted_spans(text)
    dashed = dialogue_spans(text) if att.language in DIALOGUE_LANGUAGES else []
    for start, end in sorted(set(marked) | set(dashed)):
        first = doc.char_span(start, end, alignment_mode="expand")
        if first is None or (att.language in NAMES_IN_GUILLEMETS and (start, end) not in dashed
                             and a_name(att.entity_of, first)):
            continue
        sentences = {t.sent.start: t.sent for t in (first[0], first[-1])}
        window = [t for sent in sentences.values() for t in sent]
        outside = [t for t in window if not (start - 1 <= t.idx < end + 1) and not t.is_punct and not t.is_space]
        candidates = [t for t in outside if att.speech_base(t)]
        speaker = None
        if candidates:
            quote_tokens = set(t.i for t in first)
            governing = [v for v in candidates if any(a.i in quote_tokens for a in [*v.children, *(c for c in v.subtree)])]
            verb = min(governing or candidates, key=lambda v: min(abs(v.idx - start), abs(v.idx - end)))
            speaker = att.speaker_of_verb(verb, skip=(start, end))
        else:
            according = [t for t in outside if _is_according(att, t)]
            source = according and _according_source(att, according[0])
            if source is not None and source:
                speaker = att.speaker_of(source)
            elif not outside and previous and _follows(text, previous, start):
                speaker = previous["speaker"]
        if speaker:
            previous = _quote(text, speaker, start, end, True)
            quotes.append(previous)
    return quotes


def _follows(text: str, previous: dict, start: int) -> bool:
    """Is the quote at `start` in the sentence right after the one `previous` ended in?"""
    between = text[previous["end"]:start]
    return between.count("\n\n") == 0 and len(between) < 80


def reported_speech(att: Attributor, direct: list[dict]) -> list[dict]:
    doc = att.doc
    quoted = [(q["start"], q["end"]) for q in direct]

    def inside_quote(token):
        return any(s <= token.idx < e for s, e in quoted)

    found = []
    for token in doc:
        if inside_quote(token):
            continue
        base = att.speech_base(token)
        if base:
            found.extend(_reported_by_verb(att, token, base))
        elif _is_according(att, token):
            found.extend(_reported_by_according(att, token))
    kept = []
    for quote in found:
        if quote["speaker"] is None:
            continue
        length = quote["end"] - quote["start"]
        covered = sum(max(0, min(e, quote["end"]) - max(s, quote["start"])) for s, e in quoted)
        if length <= 0 or covered >= 0.5 * length:
            continue
        if any(k["start"] == quote["start"] and k["end"] == quote["end"] for k in kept):
            continue
        kept.append(quote)
    return kept


def _reported_by_verb(att: Attributor, verb, base: str):
    doc = att.doc
    clauses = [c for c in verb.children if c.dep_ == "ccomp"]
    if clauses:
        for clause in clauses:
            # only the clause's side of the verb: a parser that hangs "after the visit" from the
            # clause must not make the statement include its own speaker and verb
            after = clause.i > verb.i
            tokens = [t for t in clause.subtree if (t.i > verb.i) == after]
            if att.language in LEMMA_LEXICONS and not after and not has_finite_verb(tokens):
                continue  # Russian puts a reported clause after its verb; one before it without a verb is a misparse
            span = _span_text(doc, tokens)
            if span:
                yield _quote(att.text, att.speaker_of_verb(verb), *span, False)
        return
    inverted = inverted_speech(verb) if att.language in INVERTED_LANGUAGES else None
    if inverted:
        span = _span_text(doc, inverted[0])
        if span:
            yield _quote(att.text, att.speaker_of(inverted[1]), *span, False)
        return
    marks = [c for c in verb.children if c.dep_ == "mark" and c.lower_ in AS_MARKS]
    if (marks or verb.dep_ == "parataxis") and verb.head.i != verb.i:  # "As X said, <statement>"
        span = _span_text(doc, _rest_of_clause(verb.head, verb))
        if span:
            yield _quote(att.text, att.speaker_of_verb(verb), *span, False)
        return
    if base in OBJECT_VERBS:
        parts = [verb] + [t for c in verb.rights if c.dep_ in ("dobj", "obj", "prep", "obl", "oprd", "xcomp", "prt")
                          for t in c.subtree]
        if len(parts) > 1:
            span = _span_text(doc, sorted(parts, key=lambda t: t.i))
            if span:
                yield _quote(att.text, att.speaker_of_verb(verb), *span, False)


def _is_according(att: Attributor, token) -> bool:
    first, second = ACCORDING.get(att.language, (None, None))
    return token.lower_ in (first or "").split("|") and (second is None or any(c.lower_ == second for c in token.children))


def _according_source(att: Attributor, token):
    if att.language == "fr":
        return token.head
    if att.language == "ru":  # "по словам министра": словам → nmod министра
        return next((c for c in token.children if c.dep_ == "nmod"), None)
    to = next((c for c in token.children if c.lower_ == "to"), None)
    return next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None


def _reported_by_according(att: Attributor, token):
    """"according to X, <statement>" (English: according → to → X; French UD: X ← selon)."""
    doc = att.doc
    source = _according_source(att, token)
    phrase_head = token.head if att.language == "fr" else token
    if source is None or phrase_head.head.i == phrase_head.i:
        return
    span = _span_text(doc, _rest_of_clause(phrase_head.head, phrase_head))
    if span:
        yield _quote(att.text, att.speaker_of(source), *span, False)


def extract_quotes(doc, entities: list[dict], language: str) -> list[dict]:
    """QUOTE records of a parsed Doc, in text order; [] without a parse or a speech-verb lexicon."""
    if doc is None or not hasattr(doc, "has_annotation") or not doc.has_annotation("DEP"):
        return []
    if not speech_verbs(language):
        return []
    att = Attributor(doc, entities, language)
    direct = direct_quotes(att)
    quotes = direct + reported_speech(att, direct)
    return sorted(quotes, key=lambda q: (q["start"], q["end"]))
