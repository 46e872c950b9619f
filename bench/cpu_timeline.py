"""Which process of a run uses a core when: a /proc sampler over a command's process tree.

    python bench/cpu_timeline.py [--step 2] [--every 0.3] -- .venv/bin/newsbeam run --input DIR --output OUT

Every `--every` seconds it reads utime + stime of each process under the command (the runner and
its in-process worker, the forkserver, the extraction child, the tagging helpers); every `--step`
seconds of wall it prints the cores each process used in that step and their sum. A column is a
process, named by its pid and the second it was first seen; a process that lived less than one
sample is missed. Where the sum stays near one core while the run reads, the second core is idle.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from pipelines.memory import tree_stats  # noqa: E402 - after the path

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICK   # utime + stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=float, default=2.0)
    parser.add_argument("--every", type=float, default=0.3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("cpu_timeline: give the command after --", file=sys.stderr)
        return 2
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    last: dict[int, float] = {}     # pid -> CPU seconds at the last sample
    seen: dict[int, float] = {}     # pid -> wall second first seen
    used: dict[int, float] = {}     # pid -> CPU seconds in the current step
    rows, step_end = [], args.step
    while child.poll() is None:
        for pid, fields in (tree_stats(child.pid) or {}).items():
            cpu = _cpu(fields)
            seen.setdefault(pid, time.monotonic() - start)
            used[pid] = used.get(pid, 0.0) + cpu - last.get(pid, 0.0)   # first seen: all its CPU so far
            last[pid] = cpu
        now = time.monotonic() - start
        if now >= step_end:
            rows.append((now, dict(used)))   # the step's true end: samples do not fall on the step
            used, step_end = {}, step_end + args.step
        time.sleep(args.every)
    rows.append((time.monotonic() - start, dict(used)))   # the last step, shorter than --step
    pids = sorted(seen, key=seen.get)
    print("  wall " + "".join(f"{pid:>7}@{seen[pid]:<4.0f}" for pid in pids) + "    sum")
    for index, (end, step) in enumerate(rows):
        length = (end - (rows[index - 1][0] if index else 0.0)) or args.step
        cells = "".join(f"{step.get(pid, 0.0) / length:>12.2f}" for pid in pids)
        print(f"{end:>6.1f}{cells}{sum(step.values()) / length:>7.2f}")
    total = {pid: last.get(pid, 0.0) for pid in pids}
    print("   CPU" + "".join(f"{total[pid]:>12.1f}" for pid in pids) + f"{sum(total.values()):>7.1f}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
