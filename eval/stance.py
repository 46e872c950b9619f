"""Stance on FNC-1 (train): each headline is a target's claim, its body the article.

    python eval/stance.py [--data DIR] [--slice dev|rest|all] [--limit N]

The model's article-level row decides: support → agree, oppose → disagree, neutral → discuss, no row →
unrelated. Prints per-class precision/recall/F1, macro-F1 over the four classes and the FNC score
(0.25 for a correct related/unrelated call, 0.75 more for the correct related label), relative to the
best possible.

FNC-1 has no licence: it is read for evaluation only, nothing is trained on it and nothing from it is
shipped. The hand-set knobs of transforms/analysis/stance/ were looked at on the `dev` slice only — bodies
whose Body ID is divisible by 10 (about a tenth of the pairs); `rest` is everything else and is the
figure to quote. Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.analysis.stance import RuleBasedStance, Target  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "stance_fnc1_train"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data/stance_fnc1_train")
CLASSES = ("agree", "disagree", "discuss", "unrelated")
TO_FNC = {"support": "agree", "oppose": "disagree", "neutral": "discuss"}
RELATED = {"agree", "disagree", "discuss"}


def in_slice(body_id: int, which: str) -> bool:
    dev = body_id % 10 == 0
    return which == "all" or (which == "dev") == dev


def load(data: Path, which: str):
    csv.field_size_limit(sys.maxsize)
    with open(data / "train_bodies.csv", encoding="utf-8") as handle:
        bodies = {int(row["Body ID"]): row["articleBody"] for row in csv.DictReader(handle)}
    with open(data / "train_stances.csv", encoding="utf-8") as handle:
        pairs = [(row["Headline"], int(row["Body ID"]), row["Stance"]) for row in csv.DictReader(handle)
                 if in_slice(int(row["Body ID"]), which)]
    return bodies, pairs


def predict(bodies: dict[int, str], pairs) -> list[str]:
    headlines = sorted({h for h, _, _ in pairs})
    target_of = {h: f"h{i}" for i, h in enumerate(headlines)}
    model = RuleBasedStance([Target(target_of[h], h) for h in headlines])
    wanted: dict[int, set[str]] = {}
    for headline, body_id, _ in pairs:
        wanted.setdefault(body_id, set()).add(target_of[headline])
    labels: dict[tuple[int, str], str] = {}
    for body_id, target_ids in wanted.items():
        # one call per body: its preprocessing is shared by every headline paired with it
        for row in model.stances(text=bodies[body_id], title="", language="en", doc=None,
                                 entities=[], quotes=[]):
            if row["holder_type"] == "article" and row["target_id"] in target_ids:
                labels[(body_id, row["target_id"])] = TO_FNC[row["label"]]
    return [labels.get((body_id, target_of[h]), "unrelated") for h, body_id, _ in pairs]


def report(gold: list[str], pred: list[str]) -> dict:
    confusion = Counter(zip(gold, pred))
    print(f"{'':10s} {'prec':>6s} {'rec':>6s} {'F1':>6s} {'gold':>6s} {'pred':>6s}")
    f1s = {}
    for c in CLASSES:
        tp = confusion[(c, c)]
        n_gold, n_pred = sum(g == c for g in gold), sum(p == c for p in pred)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1s[c] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{c:10s} {precision:6.3f} {recall:6.3f} {f1s[c]:6.3f} {n_gold:6d} {n_pred:6d}")
    macro = sum(f1s.values()) / len(CLASSES)
    score = best = 0.0
    for g, p in zip(gold, pred):
        best += 0.25 + (0.75 if g in RELATED else 0.0)
        if (g in RELATED) == (p in RELATED):
            score += 0.25
            if g in RELATED and g == p:
                score += 0.75
    print("confusion (rows gold, columns predicted):")
    print(" " * 10 + "".join(f"{c:>10s}" for c in CLASSES))
    for g in CLASSES:
        print(f"{g:10s}" + "".join(f"{confusion[(g, p)]:10d}" for p in CLASSES))
    print(f"macro-F1 {macro:.4f}   FNC score {score:.2f} / {best:.2f} = {100 * score / best:.2f}%")
    return {"macro_f1": macro, "fnc": score / best, **f1s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--slice", choices=("dev", "rest", "all"), default="rest")
    parser.add_argument("--limit", type=int, default=0, help="first N pairs only (quick looks)")
    args = parser.parse_args(argv)
    if not (args.data / "train_stances.csv").exists():
        print(f"skipped: FNC-1 data not found at {args.data}")
        return 0
    bodies, pairs = load(args.data, args.slice)
    if args.limit:
        pairs = pairs[: args.limit]
    started = time.perf_counter()
    pred = predict(bodies, pairs)
    elapsed = time.perf_counter() - started
    print(f"FNC-1 train, slice {args.slice}: {len(pairs)} pairs, "
          f"{len({b for _, b, _ in pairs})} bodies, {elapsed:.1f} s")
    report([g for _, _, g in pairs], pred)
    return 0


if __name__ == "__main__":
    sys.exit(main())
