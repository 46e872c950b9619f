"""Story quality when many stories share the same days: real reports, one story's within 3 days.

    .venv/bin/python eval/stories.py [--data ../shared/data] [--articles 4000] [--seed 7]
                                     [--span-days 30] [--story-days 3]

The set is eval/dedup.py's (FNC-1 training bodies and fundus pages, copies with wire edits; FNC-1
bodies related to one headline, joined over shared bodies, are one story), but the stories start
within `--span-days` (30) instead of 60 and each base text of a story is published within
`--story-days` (3) of its start, and the bodies of one story carry different headlines of it
(eval/dedup.py gives most of them the same one): about six new stories a day and 40 inside any story window, many of
them on one topic (several ISIS, Ebola, Apple stories at once). Articles carry the language and
entities the pipeline's own tagging gives them (eval/tagged.py, cached), then go through
LabelSyndication + ClusterStories on FnApiRunner. Beside it: plain TF-IDF (scikit-learn, English stop
words, sublinear tf, fitted on the set's texts) with cosine ≥ t within the same window, connected
components. Figures are pairwise story precision / recall / F1 over all rows, and over pairs of
different texts only.

Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.dedup import UnionFind, build_set, measure, run_newsbeam, score  # noqa: E402
from eval.tagged import tag_articles  # noqa: E402

WINDOW_DAYS = 3


def day_of(article) -> int:
    return article["published_at"].toordinal()


def plain_tfidf(articles, threshold: float, window: int = WINDOW_DAYS) -> dict:
    """Stories by plain TF-IDF cosine ≥ threshold within `window` days (components)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = [f"{a['title'] or ''}\n{a['text']}" for a in articles]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    cosines = (matrix @ matrix.T).tocoo()
    days = [day_of(a) for a in articles]
    uf = UnionFind()
    for i, j, c in zip(cosines.row, cosines.col, cosines.data):
        if i < j and c >= threshold and abs(days[i] - days[j]) <= window:
            uf.union(articles[i]["article_id"], articles[j]["article_id"])
    return {a["article_id"]: (None, uf.find(a["article_id"])) for a in articles}


def default_data() -> str:
    candidates = (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")
    return str(next((c for c in candidates if c.exists()), candidates[0]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--articles", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--span-days", type=int, default=30)
    parser.add_argument("--story-days", type=int, default=3)
    parser.add_argument("--baseline", default="0.2,0.3,0.4", help="TF-IDF cosine thresholds of the baseline")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "stance_fnc1_train" / "train_bodies.csv").exists():
        print(f"eval/stories.py: no evaluation data under {data}; skipped")
        return 0
    articles, truth = build_set(data, args.articles, args.seed, args.span_days, args.story_days, own_headlines=True)
    tag_articles(articles)
    stories = len({t[1] for t in truth.values()})
    days = sorted({day_of(a) for a in articles})
    print(f"set: {len(articles)} articles, {len({t[0] for t in truth.values()})} base texts, {stories} stories "
          f"over {len(days)} days (seed {args.seed}); languages "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(a["language"] for a in articles).items(), key=lambda kv: -kv[1])[:5]))
    systems = [("newsbeam LabelSyndication+ClusterStories", run_newsbeam)]
    systems += [(f"plain TF-IDF cosine >= {t} within {WINDOW_DAYS} days", lambda arts, t=float(t): plain_tfidf(arts, t))
                for t in args.baseline.split(",") if t]
    for name, system in systems:
        labels, seconds, _, _ = measure(system, articles)
        s = score({aid: (None, story) for aid, (_, story) in labels.items()}, truth)
        print(f"\n{name}")
        print("  stories  P {:.4f}  R {:.4f}  F1 {:.4f}".format(*s["stories"]))
        print("  stories, pairs of different texts only  P {:.4f}  R {:.4f}  F1 {:.4f}".format(
            *s["stories (different texts only)"]))
        print(f"  time {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
