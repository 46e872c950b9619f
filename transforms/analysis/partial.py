"""Parse only what is read: a spaCy pipeline's NER over the whole text, its tagger and dependency
parser only over the sentences that quotes and role names read, joined into one Doc.

In the small pipelines NER has its own embedding layer, and tok2vec, tagger, parser, attribute_ruler
and lemmatizer (about 65% of the pipeline's time on news, bench/spacy_components.py) serve only
what reads the parse: quotes (a sentence with a speech verb or "according to": its subject and
clause), role names ("Foreign Minister X", "X, the head of ...", which quotes resolve "the diplomat"
by) and stances (a text that mentions a target is parsed whole). Every other sentence gets NER, and
its bounds from spaCy's rule-based Sentencizer (the line breaks of paragraph_sentences still apply);
its tokens carry no tags, and each hangs from the sentence's first token with the generic "dep"
label, so that the joined Doc keeps those sentences and no step finds a verb or a subject there.

A pipeline whose NER listens to a shared embedding (a larger model's) is run whole: nothing to save.
"""
from __future__ import annotations

import numpy

PARSE_MODES = ("needed", "full")


def parse_steps(nlp) -> list:
    """The components before and besides NER: what the parse of a needed sentence runs."""
    return [(name, proc) for name, proc in nlp.pipeline if name != "ner"]


def ner_is_standalone(nlp) -> bool:
    """NER embeds the text itself (no listener of a shared tok2vec or transformer)."""
    if "ner" not in nlp.pipe_names:
        return False
    model = getattr(nlp.get_pipe("ner"), "model", None)
    return model is not None and not any("listener" in layer.name for layer in model.walk())


def _run(steps, docs: list, batch_size: int) -> list:
    for _, proc in steps:
        docs = list(proc.pipe(docs, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
    return docs


def needed_runs(doc, cues) -> list[tuple[int, int, bool]]:
    """(start token, end token, parse?) runs covering `doc`: consecutive sentences with a cue word
    (`cues`: hashes of lower-case forms) form one parsed run, the others one unparsed run; no run
    boundary cuts an entity."""
    from spacy.attrs import LOWER, SENT_START
    n = len(doc)
    if n == 0:
        return []
    array = doc.to_array([LOWER, SENT_START])
    starts = numpy.flatnonzero(array[:, 1].astype("int64") == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    hits = numpy.isin(array[:, 0], cues)
    bounds = [*starts, n]
    runs: list[list] = []
    for a, b in zip(bounds, bounds[1:]):
        parse = bool(hits[a:b].any())
        if runs and runs[-1][2] == parse:
            runs[-1][1] = b
        else:
            runs.append([a, b, parse])
    for ent in doc.ents:  # an entity across a boundary: its runs are parsed together
        for i in range(len(runs) - 1):
            if runs[i][0] <= ent.start < runs[i][1] < ent.end:
                runs[i][1] = runs[i + 1][1]
                runs[i][2] = runs[i][2] or runs[i + 1][2]
                del runs[i + 1]
                break
    return [tuple(run) for run in runs]


def flat_heads(doc) -> tuple:
    """HEAD (relative) and DEP columns where each token hangs from its sentence's first token (ROOT;
    the others "dep"): no parse of these sentences, but their bounds survive Doc.from_array."""
    from spacy.attrs import SENT_START
    n = len(doc)
    starts = doc.to_array([SENT_START]).astype("int64").reshape(-1) == 1
    starts[0] = True
    index = numpy.arange(n)
    first = numpy.maximum.accumulate(numpy.where(starts, index, 0))
    heads = (first - index).astype("int64").view("uint64")
    root, dep = doc.vocab.strings.add("ROOT"), doc.vocab.strings.add("dep")
    return heads, numpy.where(starts, root, dep).astype("uint64")


def graft(doc, pieces: list[tuple[int, int, object]]):
    """`doc` (NER and sentence bounds) with the tags, lemmas and parse of each parsed piece (a, b,
    Doc of tokens a..b) in place, and a flat tree over every other sentence."""
    from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
    attrs = [TAG, POS, MORPH, LEMMA, HEAD, DEP]
    if len(doc) == 0:
        return doc
    array = numpy.zeros((len(doc), len(attrs)), dtype="uint64")
    array[:, 4], array[:, 5] = flat_heads(doc)
    for a, b, piece in pieces:
        array[a:b] = piece.to_array(attrs)  # heads are relative offsets: they move with the piece
    doc.from_array(attrs, array)
    return doc


class PartialParser:
    """`pipe(texts, whole=None)` like `nlp.pipe`, with the parse limited to the needed sentences;
    `whole[i]` true parses text i whole (a stance target's text)."""

    def __init__(self, nlp, cues: frozenset[str]):
        from spacy.pipeline import Sentencizer
        self.nlp = nlp
        self.cues = numpy.array(sorted({nlp.vocab.strings.add(cue.lower()) for cue in cues}), dtype="uint64")
        self.enabled = ner_is_standalone(nlp)
        paragraphs = [(n, p) for n, p in nlp.pipeline if n == "newsbeam_paragraphs"]
        self.ner_steps = [("sentencizer", Sentencizer()), *paragraphs, ("ner", nlp.get_pipe("ner"))] \
            if self.enabled else []
        self.parse_steps = parse_steps(nlp)
        self.parsed_tokens = self.tokens = 0

    def pipe(self, texts, batch_size: int = 32, whole=None):
        texts = list(texts)
        whole = list(whole) if whole is not None else [False] * len(texts)
        if not self.enabled:
            yield from self.nlp.pipe(texts, batch_size=batch_size)
            return
        for start in range(0, len(texts), batch_size):
            yield from self._batch(texts[start:start + batch_size], whole[start:start + batch_size], batch_size)

    def _batch(self, texts: list[str], whole: list[bool], batch_size: int) -> list:
        docs = _run(self.ner_steps, [self.nlp.make_doc(t) for t in texts], batch_size)
        plans = [[(0, len(doc))] if whole[i] and len(doc) else
                 [(a, b) for a, b, parse in needed_runs(doc, self.cues) if parse] for i, doc in enumerate(docs)]
        # a piece is made of the whole text's own tokens (as_doc): re-tokenizing its text could cut a
        # word differently where a sentence ends without a space
        pieces = [_unsplit(doc[a:b].as_doc()) for doc, plan in zip(docs, plans) for a, b in plan]
        parsed = iter(_run(self.parse_steps, pieces, batch_size))   # paragraph breaks included
        for doc, plan in zip(docs, plans):
            self.tokens += len(doc)
            self.parsed_tokens += sum(b - a for a, b in plan)
            graft(doc, [(a, b, next(parsed)) for a, b in plan])
        return docs


def _unsplit(doc):
    """The Sentencizer's bounds taken off (unknown again), so that the parser finds its own."""
    from spacy.attrs import SENT_START
    doc.from_array([SENT_START], numpy.zeros((len(doc), 1), dtype="uint64"))
    return doc


# --------------------------------------------------------------------------------------------
# natasha (Russian): its syntax parser is most of its time (61% on WMT21's Russian news, against
# 23% for morphology and 13% for NER); morphology, lemmas and names stay on every sentence.


def natasha_needed_syntax(ndoc, parser, cues: frozenset[str], whole: bool = False) -> None:
    """natasha's syntax over the sentences of `ndoc` (segmented, morph-tagged, lemmatised, names
    found) with a cue word or lemma; over the others a flat tree (first token the root, the others
    "dep"), except that a name of several words not all in the nominative gets the tree of its own
    words parsed alone: natasha puts a name in the nominative by its tree ("Министерства
    иностранных дел" keeps its genitive complement). Ids as natasha_doc.to_spacy_doc reads them."""
    sents = list(ndoc.sents)
    needed = [whole or any(t.text.lower() in cues or (t.lemma or "").lower() in cues for t in s.tokens)
              for s in sents]
    names = []   # (sentence index, first token position, the name's tokens) in the unparsed sentences
    for index, (sent, parse) in enumerate(zip(sents, needed)):
        if parse:
            continue
        for span in ndoc.spans:
            if sent.start <= span.start and span.stop <= sent.stop and len(span.tokens) > 1 and \
                    any(t.feats.get("Case") != "Nom" for t in span.tokens):
                first = next((k for k, t in enumerate(sent.tokens, 1) if t.start == span.tokens[0].start), None)
                if first is not None:
                    names.append((index, first, span.tokens))
    chunks = [[t.text for t in s.tokens] for s, parse in zip(sents, needed) if parse]
    chunks += [[t.text for t in tokens] for _, _, tokens in names]
    markups = iter(list(parser.map(chunks)) if chunks else [])
    for sent, parse in zip(sents, needed):
        if parse:
            for token, source in zip(sent.tokens, next(markups).tokens):
                token.id, token.head_id, token.rel = source.id, source.head_id, source.rel
        else:
            for position, token in enumerate(sent.tokens, 1):
                token.id, token.head_id = str(position), "0" if position == 1 else "1"
                token.rel = "root" if position == 1 else "dep"
    for index, first, tokens in names:   # the name's own tree, hung where the flat tree hung it
        for token, source in zip(tokens, next(markups).tokens):
            head = int(source.head_id)
            token.head_id = str(first + head - 1) if head else ("0" if first == 1 else "1")
            token.rel = source.rel if head else token.rel
    for sent_id, sent in enumerate(sents, 1):
        for token in sent.tokens:
            token.id, token.head_id = f"{sent_id}_{token.id}", f"{sent_id}_{token.head_id}"
