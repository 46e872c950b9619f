"""The FNC-1 organisers' feature baseline, rebuilt for comparison: what a system trained on FNC-1 gets.

Features per (headline, body) pair, after the baseline's: word overlap (Jaccard of the token sets),
15 refuting words in the headline, the parity of refuting words in headline and body, and the hand
features: headline tokens found in the body and in its first 255 characters (with and without stop
words), headline character 2/4/8/16-grams and word 2-6-grams found in the body and its start. The
organisers lemmatise with WordNet and fit scikit-learn's GradientBoostingClassifier (200 trees); here
tokens are lower-cased words and the booster is HistGradientBoostingClassifier (200 iterations), the
same model family fitted in seconds. Trained on FNC-1 itself (evaluation only: nothing of it is kept):
the slice's bodies are cut into FOLDS folds by Body ID, and each fold is predicted by a model trained
on every pair whose body is not in it (the organisers' split is also by body).
"""
from __future__ import annotations

import re

FOLDS = 3
REFUTING = ("fake", "fraud", "hoax", "false", "deny", "denies", "not", "despite", "nope", "doubt", "doubts",
            "bogus", "debunk", "pranks", "retract")
STOP = frozenset("a an the of to in on for and or is are was were be been by with at from as that this it its "
                 "he she they his her their has have had will would can could not no".split())
CLASSES = ("agree", "disagree", "discuss", "unrelated")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _grams(tokens, n):
    return [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def features(headline: str, body: str) -> list[float]:
    h, b = _tokens(headline), _tokens(body)
    hs, bs = set(h), set(b)
    early = body.lower()[:255]
    early_tokens = set(_tokens(early))
    text = " ".join(b)
    row = [len(hs & bs) / max(1, len(hs | bs))]
    row += [float(word in hs) for word in REFUTING]
    row += [float(sum(t in REFUTING for t in h) % 2), float(sum(t in REFUTING for t in b) % 2)]
    row += [sum(t in bs for t in h), sum(t in early_tokens for t in h)]
    content = [t for t in h if t not in STOP]
    row += [sum(t in bs for t in content), sum(t in early_tokens for t in content)]
    joined = " ".join(h)
    for n in (2, 4, 8, 16):
        grams = [joined[i:i + n] for i in range(len(joined) - n + 1)]
        row += [sum(g in text for g in grams), sum(g in early for g in grams)]
    early_text = " ".join(_tokens(early))
    for n in (2, 3, 4, 5, 6):
        grams = _grams(h, n)
        row += [sum(g in text for g in grams), sum(g in early_text for g in grams)]
    return row


def cross_validated(bodies: dict[int, str], pairs, training_pairs) -> list[str]:
    """The baseline's label for each of `pairs`, from models that never saw the pair's body."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    def fold(body_id: int) -> int:
        return (body_id * 2654435761) % 2**32 % FOLDS

    cache: dict[tuple[str, int], list[float]] = {}

    def matrix(items):
        out = []
        for headline, body_id, _ in items:
            key = (headline, body_id)
            if key not in cache:
                cache[key] = features(headline, bodies[body_id])
            out.append(cache[key])
        return np.array(out, dtype=float)

    predicted = [None] * len(pairs)
    for f in range(FOLDS):
        held = [i for i, (_, body_id, _) in enumerate(pairs) if fold(body_id) == f]
        train = [p for p in training_pairs if fold(p[1]) != f]
        model = HistGradientBoostingClassifier(max_iter=200, random_state=14128)
        model.fit(matrix(train), [CLASSES.index(label) for _, _, label in train])
        for i, label in zip(held, model.predict(matrix([pairs[i] for i in held]))):
            predicted[i] = CLASSES[int(label)]
    return predicted
