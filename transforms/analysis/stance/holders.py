"""Holders: who a cue belongs to. A cue inside a quote belongs to the quote's speaker; otherwise to
the entities heading the subject of the cue's clause, climbing the dependency parse (so "Germany, the
UK and the US have ruled out sending troops" gives three LOC holders), else to the subject of a speech
verb or "according to X" in the sentence, else (no parse) to the entities just before the cue. A
pronoun subject resolves to the last person named before it. Names are the entities' `canonical` forms.
"""
from __future__ import annotations

from transforms.analysis.stance.polarity import Cue, Lexicon, Prepared, Sentence

HOLDER_TYPES = ("PERSON", "ORG", "LOC")


class Holders:
    """Who a cue belongs to: the quote's speaker, the clause's subject entities, or nobody."""

    SUBJECTS = {"nsubj", "nsubjpass", "csubj", "expl", "nsubj:pass"}   # the last: UD (French, Russian)
    PRONOUNS = {"he", "she", "him", "her", "il", "elle", "-il", "-elle", "он", "она"}
    FIRST_PERSON = {"i", "we", "me", "us", "you", "je", "nous", "on", "vous", "я", "мы", "вы"}

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
            stem = self.lexicon.stem
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
