"""Holders: who a cue belongs to. A cue inside a direct quote belongs to the quote's speaker; otherwise
to the entities heading the subject of the cue's clause, climbing the dependency parse (so "Germany, the
UK and the US have ruled out sending troops" and "countries, including Germany and the Czech Republic,
have said they have no plans to" give a LOC holder each), else to the speaker of the reported statement
it is in, the subject of a speech verb or "according to X" in the sentence, else (no parse) to the
entities just before the cue. A pronoun subject resolves to the last person named before it, a
relative one ("X, who proposed …") to its antecedent; the subject of a passive verb, or of a headline's
"X given stark warning", receives the cue and holds nothing (the agent, "by X", does). A media outlet
that only reports ("according to Politico") holds nothing. Names are the entities' `canonical` forms;
a speaker that is no entity is typed by what it is ("EU and NATO officials": ORG, names.group_type).

Positions (`positions`): a person's words, proposal or call about the claim ("commenting on the words
of Macron about the possible dispatch of troops", "Macron's proposal to send troops") are that person's
position: the cues inside the phrase, else support for a proposal (or a statement about a possibility).
The title has a Holders of its own, over the title's parse.
"""
from __future__ import annotations

from transforms.analysis.names import group_type, is_outlet
from transforms.analysis.stance.polarity import Cue, Lexicon, Prepared, Sentence

HOLDER_TYPES = ("PERSON", "ORG", "LOC")


class Holders:
    """Who a cue belongs to: the quote's speaker, the clause's subject entities, or nobody."""

    SUBJECTS = {"nsubj", "nsubjpass", "csubj", "expl", "nsubj:pass"}   # the last: UD (French, Russian)
    PRONOUNS = {"he", "she", "him", "her", "il", "elle", "-il", "-elle", "он", "она"}
    FIRST_PERSON = {"i", "we", "me", "us", "you", "je", "nous", "on", "vous", "я", "мы", "вы"}
    RELATIVE = {"who", "which", "that"}
    # "X given stark warning", "X handed an ultimatum": the subject receives what the object says
    RECEIVING = {"give", "hand", "issue", "send", "serve", "deliver", "show"}

    def __init__(self, prep: Prepared, doc, entities: list[dict], quotes: list[dict], lexicon: Lexicon,
                 title: bool = False):
        self.prep, self.doc, self.lexicon, self.title = prep, doc, lexicon, title
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
        if entity:
            return self._name(entity)
        inside = [e["label"] for e in self.entities if e["text"] in speaker]
        return speaker, group_type(speaker, inside, self.lexicon.language)

    def _speaks(self, quote: dict) -> bool:
        """An outlet reporting a statement ("according to Politico, …") is a source, not a holder."""
        return quote.get("direct", True) or not is_outlet(quote["speaker"])

    def speakers_in(self, sentence: Sentence) -> list[tuple[str, str]]:
        if sentence.title != self.title:
            return []
        return [self._speaker(q["speaker"]) for q in self.quotes
                if q["start"] < sentence.end and q["end"] > sentence.start and self._speaks(q)]

    def of(self, cue: Cue) -> list[tuple[str, str]]:
        quote = next((q for q in self.quotes if q["start"] <= cue.start and cue.end <= q["end"]), None)
        if quote is not None and quote.get("direct", True):
            return [self._speaker(quote["speaker"])]
        parsed = self.doc is not None and self.doc.has_annotation("DEP")
        found = self._from_parse(cue) if parsed else None
        if found:
            return found
        if quote is not None:   # reported speech whose clause names nobody: its speaker
            return [self._speaker(quote["speaker"])] if self._speaks(quote) else []
        return found if found is not None else self._before(cue)

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
                    if self._receives(token, child, span):
                        return self._agent(token)
                    if child.lower_ in self.RELATIVE and token.dep_ == "relcl":
                        child = token.head          # "X, who proposed …": X
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

    def _receives(self, verb, subject, cue_span) -> bool:
        """Is `subject` the receiver of the cue rather than its holder? The subject of a passive verb
        the cue is not itself ("Putin was given a warning", but "Kyiv is opposed to"), and the subject
        of a headline's bare participle of giving ("Vladimir Putin given stark warning")."""
        if verb.i in range(cue_span.start, cue_span.end):
            return False
        if subject.dep_ == "nsubjpass":
            return True
        participle = verb.tag_ == "VBN" or verb.lower_ in ("given", "shown")   # the tagger says VBD
        return participle and verb.lemma_ in self.RECEIVING and \
            not any(c.dep_ in ("aux", "auxpass") for c in verb.children)

    def _agent(self, verb) -> list[tuple[str, str]]:
        for child in verb.children:
            if child.dep_ == "agent":
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        return self._heads_entities(obj)
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

    # positions: "the words of X about …", "X's proposal to …"
    def positions(self, sentence: Sentence) -> list[tuple[list[tuple[str, str]], int, int, float]]:
        """(holders, start, end, weight) per position noun of the sentence whose possessor is an
        entity: start/end span what the position is about, weight is what it says without a cue."""
        doc = self.doc
        if doc is None or not doc.has_annotation("DEP") or sentence.title != self.title:
            return []
        span = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
        out = []
        for token in span if span is not None else ():
            weight = self.lexicon.positions.get(token.lower_, self.lexicon.positions.get(token.lemma_.lower()))
            if weight is None:
                continue
            owners = [c for c in token.children if c.dep_ == "poss"]
            owners += [o for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                       for o in c.children if o.dep_ == "pobj"]
            holders = [name for owner in owners for name in self._heads_entities(owner)]
            if not holders:
                continue
            owned = {t.i for owner in owners for t in owner.subtree}
            about = [t for t in token.subtree if t.i > token.i and t.i not in owned]
            if not about:
                continue
            if not weight:   # a statement says something when it raises a possibility
                weight = max((self.lexicon.possibility.get(t.lower_, 0.0) for t in about), default=0.0)
            out.append((holders, about[0].idx, about[-1].idx + len(about[-1]), weight))
        return out
