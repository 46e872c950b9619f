"""Tone on real news in English and French: is the French figure on the English scale?

    python eval/tone.py [--data DIR]

WMT21 news test documents (../shared/data/parallel_news_wmt21): the English references of the 116
Russian originals are scored with VADER as the pipeline scores English; the French originals (fr-de)
and French references (de-fr) with tone_fr.py. Prints, per set, how many documents got a value,
the mean, the standard deviation and the shares above +0.05 / below -0.05 (VADER's own neutral
band). No French article here has a human tone label: this compares distributions, not accuracy.
Exits 0 with a message when the data is absent.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.analysis.tone import document_tone, load_analyzer  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "parallel_news_wmt21"
if not DEFAULT_DATA.exists():
    DEFAULT_DATA = Path("/work/shared/data/parallel_news_wmt21")
SETS = (("en (VADER), references of ru-en", "newstest2021.ru-en.all.xml", "ref", "en"),
        ("fr (Pattern lexicon), originals of fr-de", "newstest2021.fr-de.all.xml", "src", "fr"),
        ("fr (Pattern lexicon), references of de-fr", "newstest2021.de-fr.all.xml", "ref", "fr"))


def documents(path: Path, side: str) -> list[str]:
    texts = []
    for doc in ElementTree.parse(path).getroot().iter("doc"):
        part = doc.find(side)
        if part is not None:
            texts.append("\n".join(seg.text or "" for seg in part.iter("seg")))
    return texts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not data.exists():
        print(f"no data at {data}: skipped")
        return 0
    analyzer = load_analyzer()
    print(f"{'set':45s} {'docs':>5s} {'valued':>6s} {'mean':>7s} {'std':>6s} {'>+.05':>6s} {'<-.05':>6s}")
    for name, file, side, language in SETS:
        texts = documents(data / file, side)
        values = [v for v in (document_tone(analyzer, t, language) for t in texts) if v is not None]
        pos = sum(v > 0.05 for v in values) / len(values)
        neg = sum(v < -0.05 for v in values) / len(values)
        print(f"{name:45s} {len(texts):5d} {len(values):6d} {statistics.mean(values):7.3f} "
              f"{statistics.pstdev(values):6.3f} {pos:6.2f} {neg:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
