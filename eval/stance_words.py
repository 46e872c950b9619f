"""How often the stance rules' fact cues fire in ordinary English news, which mostly debunks nothing.

    python eval/stance_words.py [--data DIR] [--top N]

A refutation phrase that fires in many of these documents is ambiguous ("staged" would match "at this
stage", "lies" the city that "lies on a river"): the list `lexicons/stance_refute.en.txt` was checked
against this, not against FNC-1. The texts: the English references of WMT21 ru-en (116 news documents)
and the expected bodies of the fundus pages from English-language publishers. Prints, per phrase, the
share of documents it fires in and one sentence. Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from transforms.analysis.stance.polarity import Lexicon, prepare  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data")
ENGLISH_PUBLISHERS = {"us", "uk", "ca", "au", "za", "ind", "ls", "na", "tz"}   # fundus' country folders


def english_news(data: Path) -> list[str]:
    from extraction import expected_body, load_cases
    from tone import documents
    texts = documents(data / "parallel_news_wmt21" / "newstest2021.ru-en.all.xml", "ref")
    texts += [expected_body(case["truth"]) for case in load_cases(data / "pages_fundus", None)
              if case["country"] in ENGLISH_PUBLISHERS]
    return [t for t in texts if len(t) > 200]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if not (args.data / "parallel_news_wmt21").exists() or not (args.data / "pages_fundus").exists():
        print(f"skipped: WMT21 / fundus data not found under {args.data}")
        return 0
    lexicon, texts = Lexicon.load(), english_news(args.data)
    fired: dict[str, Counter] = {"refute": Counter(), "confirm": Counter()}
    example: dict[str, str] = {}
    for text in texts:
        seen = set()
        for sentence in prepare(text, "", None, lexicon).sentences:
            for cue in sentence.cues:
                if cue.factual and cue.phrase not in seen:
                    seen.add(cue.phrase)
                    fired["refute" if cue.weight < 0 else "confirm"][cue.phrase] += 1
                    example.setdefault(cue.phrase, " ".join(text[sentence.start:sentence.end].split())[:110])
    print(f"{len(texts)} English news documents (WMT21 ru-en references, fundus English-language pages)")
    for kind, counts in fired.items():
        print(f"\n{kind} cues: documents with the cue, share, first sentence")
        for phrase, n in counts.most_common(args.top):
            print(f"  {n:4d} {n / len(texts):6.1%}  {phrase:22s} {example[phrase]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
