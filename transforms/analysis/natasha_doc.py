"""natasha's parse of a Russian text as a spaCy Doc, so that quotes, stance holders and tone read
Russian through the same code as English and French.

natasha (1.6.0, its slovnet models ship in the wheel) segments, tags morphology, parses syntax (UD
relations, the same labels as spaCy's French model) and finds names; `to_spacy_doc` copies its tokens,
heads, relations, parts of speech, lemmas and features into a `spacy.tokens.Doc` over a blank Russian
vocabulary. That is no second parse: it is the one parse, in spaCy's data structure. The white space
between tokens is kept as spaCy keeps it (one trailing space, or a space token), so `doc.text` is
the input text and every character offset means the same in both.
"""
from __future__ import annotations


def _index(token_id: str) -> tuple[int, int]:
    sentence, position = token_id.split("_")
    return int(sentence), int(position)


def to_spacy_doc(vocab, ndoc):
    """A spaCy Doc of natasha Doc `ndoc` (segmented, morph-tagged, syntax-parsed, lemmatised)."""
    from spacy.tokens import Doc
    text = ndoc.text
    words, spaces, heads, deps, pos, lemmas, morphs, starts = [], [], [], [], [], [], [], []
    position_of: dict[tuple[int, int], int] = {}
    sentence_roots: dict[int, int] = {}
    pending_heads: list[tuple[int, tuple[int, int] | None]] = []

    def add_space(gap: str, attach_to: int | None):
        words.append(gap)
        spaces.append(False)
        heads.append(attach_to)      # resolved below: white space hangs from its neighbour
        deps.append("dep")
        pos.append("SPACE")
        lemmas.append(gap)
        morphs.append("")
        starts.append(None)

    cursor = 0
    for sent_no, sent in enumerate(ndoc.sents, 1):
        first = True
        for token in sent.tokens:
            gap = text[cursor:token.start]
            if gap and gap != " ":
                if words and gap.startswith(" "):
                    spaces[-1], gap = True, gap[1:]
                add_space(gap, len(words) - 1 if words else 0)
            elif gap == " " and words:
                spaces[-1] = True
            index = len(words)
            position_of[_index(token.id)] = index
            words.append(text[token.start:token.stop])
            spaces.append(False)
            head = _index(token.head_id) if token.head_id else None
            is_root = head is None or head[1] == 0
            pending_heads.append((index, None if is_root else head))
            if is_root:
                sentence_roots.setdefault(sent_no, index)
            heads.append(index)
            deps.append("ROOT" if is_root else (token.rel or "dep"))
            pos.append(token.pos or "X")
            lemmas.append(token.lemma or words[-1].lower())
            morphs.append("|".join(f"{k}={v}" for k, v in sorted((token.feats or {}).items())))
            starts.append(first)
            first = False
            cursor = token.stop
    tail = text[cursor:]
    if tail:
        if words and tail.startswith(" "):
            spaces[-1], tail = True, tail[1:]
        if tail:
            add_space(tail, len(words) - 1 if words else 0)
    for index, head in pending_heads:
        if head is not None:
            heads[index] = position_of.get(head, index)
    # a sentence whose tree natasha left broken (two roots, a head outside it) keeps spaCy valid
    for index, head in enumerate(heads):
        if head is None or not 0 <= head < len(words):
            heads[index] = index
    if not words:
        return Doc(vocab, words=[])
    if starts[0] is None:
        starts[0] = True  # leading white space opens the first sentence
    sent_starts = [bool(s) if s is not None else False for s in starts]
    doc = Doc(vocab, words=words, spaces=spaces, pos=pos, lemmas=lemmas, morphs=morphs,
              sent_starts=sent_starts)
    _set_tree(doc, heads, deps)
    return doc


def _set_tree(doc, heads: list[int], deps: list[str]) -> None:
    """Heads and relations per token; a token whose head would cross its sentence becomes a root
    (spaCy rejects a tree across the sentence boundaries natasha drew)."""
    import numpy
    from spacy.attrs import DEP, HEAD
    sentence_of = []
    current = -1
    for token in doc:
        if token.is_sent_start:
            current += 1
        sentence_of.append(current)
    heads, deps = list(heads), list(deps)
    for index, head in enumerate(heads):
        if sentence_of[head] != sentence_of[index]:
            heads[index], deps[index] = index, "ROOT"
    _break_cycles(heads, deps)
    offsets, labels = [], []
    for index, (head, dep) in enumerate(zip(heads, deps)):
        if head == index and dep != "dep":
            dep = "ROOT"
        offsets.append(head - index)
        labels.append(doc.vocab.strings.add(dep))
    array = numpy.empty((len(offsets), 2), dtype="uint64")
    array[:, 0] = numpy.array(offsets, dtype="int64").view("uint64")   # spaCy stores relative heads so
    array[:, 1] = numpy.array(labels, dtype="uint64")
    doc.from_array([HEAD, DEP], array)


def _break_cycles(heads: list[int], deps: list[str]) -> None:
    """A token whose chain of heads comes back to itself (natasha's parser does not force a tree)
    becomes a root, in place: spaCy walks to the root of every span and would never get there."""
    state = [0] * len(heads)   # 0 unseen, 1 on the current path, 2 known to reach a root
    for start in range(len(heads)):
        path, node = [], start
        while state[node] == 0:
            state[node] = 1
            path.append(node)
            if heads[node] == node:
                break
            node = heads[node]
        if state[node] == 1 and heads[node] != node:   # came back to the current path: a cycle
            heads[node], deps[node] = node, "ROOT"
        for visited in path:
            state[visited] = 2
