"""Stance on FNC-1 (train): each headline is a target's claim, its body the article.

    python eval/stance.py [--data DIR] [--slice dev|check|rest|all] [--limit N] [--baseline] [--fit-calibration]

The model's article-level row decides: support → agree, oppose → disagree, neutral → discuss, no row →
unrelated. Prints per-class precision/recall/F1, macro-F1 over the four classes and the FNC score
(0.25 for a correct related/unrelated call, 0.75 more for the correct related label), relative to the
best possible, and a reliability table of the scores (calibrated on dev: see --fit-calibration).
With --baseline, the FNC-1 feature baseline (eval/fnc_baseline.py) is trained and scored beside it.

FNC-1 has no licence: it is read for evaluation only, nothing is trained on it and nothing from it is
shipped. The hand-set knobs of transforms/analysis/stance/ were looked at on the `dev` slice only — bodies
whose Body ID is divisible by 10 (about a tenth of the pairs); `rest` is everything else and is the
figure to quote; `check` (Body ID ending in 5, a tenth of rest) is a second look at a change, read
as figures only, never as texts. Exits 0 with a message when the data is absent.
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
sys.path.insert(0, str(ROOT / "eval"))

from transforms.analysis.stance import RuleBasedStance, Target  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "stance_fnc1_train"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data/stance_fnc1_train")
CALIBRATION = ROOT / "transforms" / "analysis" / "lexicons" / "stance_calibration.en.txt"
CLASSES = ("agree", "disagree", "discuss", "unrelated")
TO_FNC = {"support": "agree", "oppose": "disagree", "neutral": "discuss"}
RELATED = {"agree", "disagree", "discuss"}


def in_slice(body_id: int, which: str) -> bool:
    # "check" (Body ID ending in 5) is a second held-out tenth: only its figures are looked at, never its texts
    if which == "check":
        return body_id % 10 == 5
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


def predict(bodies: dict[int, str], pairs, calibrated: bool = True) -> tuple[list[str], list[float | None]]:
    """The article row's FNC label and score per pair (score None for "unrelated": no row)."""
    headlines = sorted({h for h, _, _ in pairs})
    target_of = {h: f"h{i}" for i, h in enumerate(headlines)}
    model = RuleBasedStance([Target(target_of[h], h) for h in headlines], calibrated=calibrated)
    wanted: dict[int, set[str]] = {}
    for headline, body_id, _ in pairs:
        wanted.setdefault(body_id, set()).add(target_of[headline])
    rows: dict[tuple[int, str], dict] = {}
    for body_id, target_ids in wanted.items():
        # one call per body: its preprocessing is shared by every headline paired with it
        for row in model.stances(text=bodies[body_id], title="", language="en", doc=None,
                                 entities=[], quotes=[]):
            if row["holder_type"] == "article" and row["target_id"] in target_ids:
                rows[(body_id, row["target_id"])] = row
    found = [rows.get((body_id, target_of[h])) for h, body_id, _ in pairs]
    return ([TO_FNC[r["label"]] if r else "unrelated" for r in found], [r["score"] if r else None for r in found])


BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)


def reliability(gold: list[str], pred: list[str], scores: list[float | None]) -> None:
    """How often a stance row's label is right, by its score: a calibrated score matches the rate."""
    print("reliability of the article rows (score bin: rows, mean score, share with the right label):")
    for lo, hi in zip(BINS, BINS[1:]):
        inside = [(g, p, s) for g, p, s in zip(gold, pred, scores) if s is not None and lo <= s < hi]
        if inside:
            mean = sum(s for _, _, s in inside) / len(inside)
            right = sum(g == p for g, p, _ in inside) / len(inside)
            print(f"  [{lo:.1f}, {min(hi, 1.0):.1f}{')' if hi < 1 else ']'} {len(inside):6d} {mean:6.3f} {right:6.3f}")


def fit_calibration(gold: list[str], pred: list[str], raw: list[float | None], path: Path) -> None:
    """Per label, isotonic regression of "the label is right" on the raw score, written as knots."""
    from sklearn.isotonic import IsotonicRegression
    lines = ["# The article row's score → P(label right), per label: knots of an isotonic regression fitted",
             "# on the FNC-1 dev slice (Body ID divisible by 10) by `eval/stance.py --slice dev --fit-calibration`.",
             "# FNC-1 has no licence: this monotone map is the only thing derived from it, and was allowed as such."]
    for label, fnc in TO_FNC.items():
        xs = [s for p, s in zip(pred, raw) if p == fnc and s is not None]
        ys = [float(g == fnc) for g, p, s in zip(gold, pred, raw) if p == fnc and s is not None]
        if len(set(xs)) < 2:
            continue
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(xs, ys)
        for x, y in zip(iso.X_thresholds_, iso.y_thresholds_):
            lines.append(f"{label} {x:.4f} {y:.4f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


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
    parser.add_argument("--slice", choices=("dev", "check", "rest", "all"), default="rest")
    parser.add_argument("--limit", type=int, default=0, help="first N pairs only (quick looks)")
    parser.add_argument("--fit-calibration", action="store_true",
                        help="fit the score calibration on this slice (dev only) and write it")
    parser.add_argument("--baseline", action="store_true",
                        help="also train and score the FNC-1 feature baseline (eval/fnc_baseline.py)")
    args = parser.parse_args(argv)
    if args.fit_calibration and args.slice != "dev":
        parser.error("--fit-calibration fits on the dev slice only")
    if not (args.data / "train_stances.csv").exists():
        print(f"skipped: FNC-1 data not found at {args.data}")
        return 0
    bodies, pairs = load(args.data, args.slice)
    if args.limit:
        pairs = pairs[: args.limit]
    started = time.perf_counter()
    gold = [g for _, _, g in pairs]
    if args.fit_calibration:
        pred, raw = predict(bodies, pairs, calibrated=False)
        fit_calibration(gold, pred, raw, CALIBRATION)
    pred, scores = predict(bodies, pairs)
    elapsed = time.perf_counter() - started
    print(f"FNC-1 train, slice {args.slice}: {len(pairs)} pairs, "
          f"{len({b for _, b, _ in pairs})} bodies, {elapsed:.1f} s")
    print("newsbeam (rules, nothing trained on FNC-1):")
    report(gold, pred)
    reliability(gold, pred, scores)
    if args.baseline:
        from fnc_baseline import cross_validated
        print("\nFNC-1 feature baseline (gradient boosting on its hand features; trained on FNC-1 train, "
              "every pair predicted by a model that never saw its body):")
        report(gold, cross_validated(bodies, pairs, load(args.data, "all")[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
