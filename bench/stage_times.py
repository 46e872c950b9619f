"""Where a `newsbeam run` spends its time: wall and CPU seconds of every fused stage the local runner
executes (the lines bench/shuffle_profile.log_stages writes), grouped by the shuffle each reads.

The first stage (read → extract → language → tag) runs while the input is read, with the extraction
child and the tagging helper beside it; everything after it waits for the last input (the shuffles of
corpus evidence, syndication, stories and the writer) and runs on one core. So what this prints is
the split a run's wall time has: start-up before the first stage, the first stage, the tail.
CPU is this process's (the runner and its in-process SDK worker), not the children's.

    python bench/stage_times.py --log FILE -- run --input DIR --output OUT [newsbeam options]
    python bench/stage_times.py --log FILE            # print the table of an earlier log
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def short_name(stage: str) -> str:
    """A stage as log_stages names it ("first … last" transform), by the shuffle it reads
    (`Syndication/JoinLabels/...`), else by the one it writes (`→ Stories/ByNode/Group`)."""
    read = re.search(r"\(([A-Z][\w/-]*?)/Read\)", stage)
    if read:
        return read.group(1)
    write = re.search(r"\(([A-Z][\w/-]*?)/Write(?:/\d+)?\)$", stage)
    return f"→ {write.group(1)}" if write else stage.strip("( )")[:60]


def table(rows: list[dict], total_wall: float | None = None) -> str:
    if not rows:
        return "no stages logged"
    first = max(rows, key=lambda r: r["wall"])
    before = first["since"]
    tail = [r for r in rows if r["since"] > first["since"]]
    end = max(r["since"] + r["wall"] for r in rows)
    lines = [f"start-up before the first stage: {before:.1f} s (after imports)",
             f"first stage ({short_name(first['stage'])}): {first['wall']:.1f} s wall, {first['cpu']:.1f} s CPU",
             f"tail, {len(tail)} stages after it: {sum(r['wall'] for r in tail):.1f} s wall, "
             f"{sum(r['cpu'] for r in tail):.1f} s CPU",
             f"last stage ends at {end:.1f} s" + (f" of {total_wall:.1f} s" if total_wall else ""),
             "", "| stage (tail, by wall) | wall s | CPU s |", "|---|---:|---:|"]
    grouped = collections.defaultdict(lambda: [0.0, 0.0])
    for r in tail:
        entry = grouped[short_name(r["stage"])]
        entry[0] += r["wall"]
        entry[1] += r["cpu"]
    for name, (wall, cpu) in sorted(grouped.items(), key=lambda kv: -kv[1][0])[:15]:
        lines.append(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True)
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    status, total = 0, None
    if command:
        if os.path.exists(args.log):
            os.remove(args.log)
        from bench.shuffle_profile import log_stages
        log_stages(args.log)
        from pipelines.cli import main as newsbeam
        began = time.perf_counter()
        status = newsbeam(command)
        total = time.perf_counter() - began
    with open(args.log) as f:
        rows = [r for r in map(json.loads, filter(str.strip, f)) if r["event"] == "end"]
    print(table(rows, total))
    return status


if __name__ == "__main__":   # the extraction child re-imports __main__: it must not run a pipeline
    sys.exit(main())
