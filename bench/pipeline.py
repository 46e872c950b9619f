"""Benchmark: `newsbeam run` against the floor (bench/floor.py) on the same generated corpus.

For each size: the corpus (bench/corpus.py, cached in --workdir), the floor, the pipeline in one
process (FnApiRunner) and with two worker processes (--direct_num_workers=2
--direct_running_mode=multi_processing), and on request (`inproc`) one process with extraction in the
worker itself (--extract_timeout=0), which uses one core like the floor. Each is a child process; its wall time and the peak
resident memory of its whole process tree (sampled from /proc every 0.2 s) are recorded. Prints a
table with articles/s, pipeline/floor ratios and growth between sizes, and appends the figures as
JSON to WORKDIR/results.jsonl.

    python bench/pipeline.py [--sizes 1000,10000,50000] [--modes floor,one,two] [--workdir DIR] [--repeat N]

Timings on a shared machine move by ±30% from one minute to the next, so a ratio is only worth its
pairing: with `--repeat N` each size runs N rounds of all modes (the order reversed every other
round, so that a drift of the machine's speed favours neither side), each pipeline run is set
against the floor of its own round, and the line per mode gives every round's ratio and their median.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

MODES = {
    "floor": None,
    "one": [],
    "two": ["--direct_num_workers=2", "--direct_running_mode=multi_processing"],
    # trafilatura in the worker itself, no child process: one core, like the floor (not a default mode)
    "inproc": ["--extract_timeout=0"],
}


# --------------------------------------------------------------------------- the machine


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / (1 << 30)
    try:
        import apache_beam
        beam = apache_beam.__version__
    except ImportError:
        beam = "?"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {ram:.1f} GiB RAM, Python {platform.python_version()}, "
            f"apache-beam {beam}, {platform.system()} {platform.release()}, load average {load}")


# --------------------------------------------------------------------------- one measured child


def run_measured(command: list[str], log_path: str, env=None) -> dict:
    """Run `command`, return wall seconds, peak tree RSS and the exit status; output goes to log_path."""
    from pipelines.memory import PeakMemory
    with open(log_path, "w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        # the same sampler as the run summary's memory line: the whole tree, every 0.2 s
        with PeakMemory(process.pid) as memory:
            # wait4: the child's CPU time (and that of the descendants it waited for), which the other
            # helpers' load on this shared machine disturbs far less than wall time
            _, wait_status, usage = os.wait4(process.pid, 0)
        process.returncode = status = os.waitstatus_to_exitcode(wait_status)
        seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": memory.peak_mb or 0.0, "status": status}


# --------------------------------------------------------------------------- one size


def ensure_corpus(size: int, workdir: str) -> str:
    folder = os.path.join(workdir, f"corpus-{size}")
    stamp = os.path.join(workdir, f"corpus-{size}.json")  # outside the folder: it is not an input
    if not os.path.exists(stamp):
        from bench.corpus import write_corpus
        shutil.rmtree(folder, ignore_errors=True)
        description = write_corpus(size, folder)
        with open(stamp, "w") as f:
            json.dump(description, f)
    with open(stamp) as f:
        return folder


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_floor(size: int, corpus: str, workdir: str) -> dict:
    out = os.path.join(workdir, f"floor-{size}")
    shutil.rmtree(out, ignore_errors=True)
    log = os.path.join(workdir, f"floor-{size}.log")
    measured = run_measured([sys.executable, os.path.join(HERE, "floor.py"), "--corpus", corpus, "--out", out],
                            log, _env())
    with open(log) as f:
        lines = [line for line in f if line.startswith("{")]
    figures = json.loads(lines[-1]) if lines else {}
    shutil.rmtree(out, ignore_errors=True)
    figures["stage_seconds"] = figures.pop("seconds", {})
    # wall time of the whole process, like the pipeline's (imports and model loads included)
    if figures.get("articles"):
        figures["loop_articles_per_second"] = figures.pop("articles_per_second")
        figures["articles_per_second"] = round(figures["articles"] / measured["seconds"], 2)
    return {**measured, **figures}


def run_pipeline(size: int, corpus: str, workdir: str, mode: str) -> dict:
    out = os.path.join(workdir, f"out-{mode}-{size}")
    shutil.rmtree(out, ignore_errors=True)
    log = os.path.join(workdir, f"pipeline-{mode}-{size}.log")
    command = [sys.executable, "-m", "pipelines.cli", "run", "--input", corpus, "--output", out, "--run_id", "bench",
               *MODES[mode]]
    measured = run_measured(command, log, _env())
    summary = {}
    summary_path = next((os.path.join(dirpath, name) for dirpath, _, names in os.walk(out)
                         for name in names if name.startswith("bench") and name.endswith(".json")), None)
    if summary_path:
        with open(summary_path) as f:
            summary = json.load(f)
    articles = _articles_written(summary)
    shutil.rmtree(out, ignore_errors=True)
    return {**measured, "articles": articles, "dead": _dead(summary),
            "articles_per_second": round(articles / measured["seconds"], 2) if articles else None}


def _articles_written(summary: dict):
    for key in ("articles_written", "written"):
        if isinstance(summary.get(key), int):
            return summary[key]
    counters = summary.get("counters") or {}
    return counters.get("articles_written")


def _dead(summary: dict):
    return summary.get("dead_letters_by_stage")


def pipeline_stages() -> list[str]:
    """The top-level stages `newsbeam run` builds in this checkout (read from the graph, not assumed)."""
    import apache_beam as beam

    from pipelines.batch import build_batch
    from pipelines.options import NewsbeamOptions, Settings
    from transforms.ingest.inputs import InputFile
    options = NewsbeamOptions(["--input", "x", "--output", "/tmp/newsbeam-bench-graph"])
    pipeline = beam.Pipeline(options=options)
    build_batch(pipeline, Settings.resolve(options), [InputFile("/nonexistent.jsonl", "x.jsonl")])
    labels = []
    for transform in pipeline._root_transform().parts:
        labels.append(transform.full_label)
    return labels


# --------------------------------------------------------------------------- table


def vs_floor(result: dict, results: list[dict]) -> float | None:
    """Throughput over the floor's of the same size and round."""
    floor = next((r for r in results if r["mode"] == "floor" and r["size"] == result["size"]
                  and r.get("round", 1) == result.get("round", 1)), None)
    if result["mode"] == "floor" or not floor or not result.get("articles_per_second") or not floor.get("articles_per_second"):
        return None
    return result["articles_per_second"] / floor["articles_per_second"]


def table(results: list[dict]) -> str:
    rows = [f"{'size':>7} {'run':<6} {'round':>5} {'articles':>8} {'seconds':>9} {'cpu s':>8} {'art/s':>7} {'vs floor':>8} "
            f"{'peak MB':>8}"]
    for r in results:
        ratio = vs_floor(r, results)
        ratio = f"{ratio:.2f}" if ratio is not None else ""
        rows.append(f"{r['size']:>7} {r['mode']:<6} {r.get('round', 1):>5} {r.get('articles') or 0:>8} {r['seconds']:>9.1f} "
                    f"{r.get('cpu_seconds') or 0:>8.1f} {r.get('articles_per_second') or 0:>7.2f} {ratio:>8} "
                    f"{r['peak_rss_mb']:>8.0f}")
    sizes = sorted({r["size"] for r in results})
    for size in sizes:
        for mode in MODES:
            ratios = [x for r in results if r["size"] == size and r["mode"] == mode
                      if (x := vs_floor(r, results)) is not None]
            if len(ratios) > 1:
                rows.append(f"{size} {mode} vs floor by round: {', '.join(f'{x:.2f}' for x in ratios)}; "
                            f"median {statistics.median(ratios):.2f}")
    results = [r for r in results if r.get("round", 1) == 1]   # growth: the first round's runs
    for mode in MODES:
        by = {r["size"]: r for r in results if r["mode"] == mode}
        steps = [(a, b) for a, b in zip(sizes, sizes[1:]) if a in by and b in by]
        for a, b in steps:
            rows.append(f"growth {mode:<5} {a}→{b} ({b / a:g}× articles): time {by[b]['seconds'] / by[a]['seconds']:.2f}×, "
                        f"peak memory {by[b]['peak_rss_mb'] / by[a]['peak_rss_mb']:.2f}×")
    floor_stage = [(r["size"], r["stage_seconds"]["dedup"]) for r in results
                   if r["mode"] == "floor" and "dedup" in r.get("stage_seconds", {})]
    if floor_stage:
        rows.append("floor dedup seconds by size: " + ", ".join(f"{s}: {t}" for s, t in floor_stage))
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--modes", default="floor,one,two", help="any of floor, one, two, inproc")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench"))
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all modes per size (ratios paired by round)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    modes = [m for m in args.modes.split(",") if m.strip()]
    os.makedirs(args.workdir, exist_ok=True)

    from bench.corpus import fundus_dir
    print(f"machine: {machine()}")
    print(f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; corpus: "
          f"{'pages_fundus, varied' if fundus_dir() else 'synthetic (no ../shared/data)'}")
    print("pipeline stages: " + " → ".join(pipeline_stages()))
    sys.stdout.flush()
    results = []
    for size in sizes:
        corpus = ensure_corpus(size, args.workdir)
        for round_ in range(1, max(1, args.repeat) + 1):
            for mode in (modes if round_ % 2 else modes[::-1]):
                results.append(run_mode(size, mode, round_, corpus, args.workdir))
    print(table(results))
    return 0


def run_mode(size: int, mode: str, round_: int, corpus: str, workdir: str) -> dict:
    """One run of `mode`, appended to WORKDIR/results.jsonl and reported as it ends."""
    result = run_floor(size, corpus, workdir) if mode == "floor" else run_pipeline(size, corpus, workdir, mode)
    result.update(size=size, mode=mode, round=round_, machine=machine(), at=dt.datetime.now(dt.timezone.utc).isoformat())
    with open(os.path.join(workdir, "results.jsonl"), "a") as f:
        f.write(json.dumps(result) + "\n")
    extra = (f"stage seconds {result.get('stage_seconds')}, measured {result.get('stages_measured')}, "
             f"absent {result.get('stages_absent')}" if mode == "floor" else f"dead letters {result.get('dead')}")
    print(f"  {size} {mode} (round {round_}): {result['seconds']} s wall, exit {result['status']}, {extra}", flush=True)
    return result


if __name__ == "__main__":
    sys.exit(main())
