"""What waits in the local runner while LabelSyndication + ClusterStories run: a table per size.

For each size, bench/dedup_scaling.py's rows run through both stages on the FnApiRunner (with the
spill, as `newsbeam run` gives them), and after every fused stage this records
  - the resident memory (VmRSS) and its high-water mark (VmHWM) of the process,
  - every buffer the runner holds for a later stage (a shuffle or a materialised PCollection):
    its bytes, and for a GroupingBuffer still being filled, its keys, values and the Python size
    of its decoded values (sampled), which is what the runner keeps there,
  - the elements and sampled bytes of every PCollection (the SDK's own monitoring infos).
Then it prints, per size: the stages in the order they ran with RSS, HWM and the bytes waiting,
and the PCollections and buffers that grow most. Run two sizes and compare per article:

    python bench/shuffle_profile.py --sizes 4000,16000 [--workdir DIR]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def _py_size(value, depth: int = 0) -> int:
    """Python bytes of a decoded value: containers and what they hold (not shared objects twice:
    close enough for tuples of bytes, ints and strings, which is what shuffles hold)."""
    size = sys.getsizeof(value)
    if depth < 6 and isinstance(value, (tuple, list)):
        size += sum(_py_size(v, depth + 1) for v in value)
    elif depth < 6 and isinstance(value, dict):
        size += sum(_py_size(k, depth + 1) + _py_size(v, depth + 1) for k, v in value.items())
    return size


def _buffer_figures(buffer) -> dict:
    """bytes (encoded) or keys/values/python bytes of one runner buffer."""
    from apache_beam.runners.portability.fn_api_runner.execution import GroupingBuffer, ListBuffer
    if isinstance(buffer, ListBuffer):
        return {"kind": "list", "bytes": sum(len(chunk) for chunk in buffer._inputs), "chunks": len(buffer._inputs)}
    if isinstance(buffer, GroupingBuffer):
        if buffer._grouped_output:
            return {"kind": "grouped", "bytes": sum(len(c) for part in buffer._grouped_output for c in part)}
        table = buffer._table
        values = sum(len(v) for v in table.values())
        sample, seen = 0, 0
        for key, vals in table.items():   # the first 2,000 keys, scaled to all of them
            sample += sys.getsizeof(key) + sys.getsizeof(vals) + sum(_py_size(v) for v in vals) + 100  # +dict slot
            seen += 1
            if seen >= 2000:
                break
        python = int(sample * len(table) / max(1, seen))
        return {"kind": "grouping", "keys": len(table), "values": values, "bytes": python}
    return {"kind": type(buffer).__name__, "bytes": 0}


def _short(name: str) -> str:
    """A fused stage's name as its first and last transforms ('ref_AppliedPTransform_' dropped)."""
    parts = [p.replace("ref_AppliedPTransform_", "").rsplit("_", 1)[0] for p in name.split("+")]
    return parts[0] if len(parts) == 1 else f"{parts[0]} … {parts[-1]}"


def profile_run(folder: str) -> dict:
    """Run both stages over the row pickles in `folder` with the runner instrumented; the records."""
    from apache_beam.metrics import monitoring_infos as mi
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    from bench.dedup_scaling import run_stages
    steps, pcolls, buffers_max = [], collections.defaultdict(lambda: [0, 0.0]), {}
    names = {}
    original = fn_runner.FnApiRunner._execute_bundle

    def name_of(context, buffer_id: bytes) -> str:
        from apache_beam.runners.portability.fn_api_runner.translations import split_buffer_id
        kind, ident = split_buffer_id(buffer_id)
        components = context.pipeline_components
        if ident in components.pcollections:
            return f"{kind}:{components.pcollections[ident].unique_name}"
        if ident in components.transforms:
            return f"{kind}:{components.transforms[ident].unique_name}"
        return f"{kind}:{ident}"

    def wrapped(self, context, manager, bundle_input):
        start = time.process_time()
        hwm_before = _status("VmHWM")
        result = original(self, context, manager, bundle_input)
        for info in result.process_bundle.monitoring_infos:
            pcoll = info.labels.get(mi.PCOLLECTION_LABEL)
            if not pcoll:
                continue
            if pcoll not in names:
                names[pcoll] = context.pipeline_components.pcollections[pcoll].unique_name \
                    if pcoll in context.pipeline_components.pcollections else pcoll
            if info.urn == mi.ELEMENT_COUNT_URN:
                pcolls[names[pcoll]][0] += mi.extract_counter_value(info)
            elif info.urn == mi.SAMPLED_BYTE_SIZE_URN:
                pcolls[names[pcoll]][1] += mi.extract_distribution(info)[1]
        waiting = {}
        queues = context.queues
        for queue in (queues.ready_inputs, queues.watermark_pending_inputs, queues.time_pending_inputs):
            for _, data_input in queue._q:
                for buffer in data_input.data.values():
                    if id(buffer) in waiting:
                        continue
                    figures = _buffer_figures(buffer)
                    bid = next((b for b, buf in _buffer_ids(context, buffer)), None)
                    figures["name"] = name_of(context, bid) if bid else "?"
                    waiting[id(buffer)] = figures
        for buffer_id, buffer in context.pcoll_buffers.items():
            if id(buffer) not in waiting:
                figures = _buffer_figures(buffer)
                figures["name"] = name_of(context, buffer_id)
                waiting[id(buffer)] = figures
        for figures in waiting.values():
            best = buffers_max.get(figures["name"])
            if best is None or figures["bytes"] > best["bytes"]:
                buffers_max[figures["name"]] = figures
        steps.append({"stage": _short(manager.stage.name), "cpu": round(time.process_time() - start, 2),
                      "rss": round(_status("VmRSS")), "hwm": round(_status("VmHWM")),
                      "hwm_rise": round(_status("VmHWM") - hwm_before),
                      "waiting": sum(f["bytes"] for f in waiting.values()),
                      "top": sorted(((f["bytes"], f["name"]) for f in waiting.values()), reverse=True)[:3]})
        return result

    fn_runner.FnApiRunner._execute_bundle = wrapped
    try:
        paths = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".pickle"))
        imports = _status("VmHWM")
        seconds = run_stages(paths, with_stories=True)
    finally:
        fn_runner.FnApiRunner._execute_bundle = original
    return {"seconds": round(seconds, 1), "imports_mb": round(imports), "peak_mb": round(_status("VmHWM")),
            "steps": steps, "pcolls": {k: v for k, v in pcolls.items()}, "buffers": buffers_max}


def log_stages(path: str) -> None:
    """Append a line to `path` as each fused stage starts and ends (its name, VmRSS and VmHWM in MB;
    at its end also when it began, in seconds since this call, and its wall and CPU seconds): how far
    a long run has got, where its memory rose and where its time went (bench/stage_times.py)."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    original = fn_runner.FnApiRunner._execute_bundle
    origin = time.perf_counter()

    def line(event: str, stage: str, **timing):
        with open(path, "a") as f:
            f.write(json.dumps({"at": time.strftime("%H:%M:%S"), "event": event, "stage": _short(stage),
                                "rss": round(_status("VmRSS")), "hwm": round(_status("VmHWM")), **timing}) + "\n")

    def logged(self, context, manager, bundle_input):
        line("start", manager.stage.name)
        wall, cpu = time.perf_counter(), time.process_time()
        result = original(self, context, manager, bundle_input)
        line("end", manager.stage.name, since=round(wall - origin, 3), wall=round(time.perf_counter() - wall, 3),
             cpu=round(time.process_time() - cpu, 3))
        return result
    fn_runner.FnApiRunner._execute_bundle = logged


def _buffer_ids(context, buffer):
    return [(b, buf) for b, buf in context.pcoll_buffers.items() if buf is buffer] or \
        [(b, buffer) for b in getattr(buffer, "_newsbeam_ids", [])]


def _tag_buffers():
    """Remember each buffer's id on the buffer: the runner drops it from pcoll_buffers once the
    consuming stage's input is queued, and the table names buffers by what they hold."""
    from apache_beam.runners.portability.fn_api_runner import execution
    original = execution.BundleContextManager.get_buffer

    def get_buffer(self, buffer_id, transform_id):
        buffer = original(self, buffer_id, transform_id)
        ids = getattr(buffer, "_newsbeam_ids", None)
        if ids is None:
            try:
                buffer._newsbeam_ids = ids = []
            except AttributeError:
                return buffer
        if buffer_id not in ids:
            ids.append(buffer_id)
        return buffer
    execution.BundleContextManager.get_buffer = get_buffer


def _child(folder: str) -> int:
    import apache_beam  # noqa: F401

    import transforms.dedup.stories  # noqa: F401
    import transforms.dedup.syndication  # noqa: F401
    _tag_buffers()
    print(json.dumps(profile_run(folder)))
    return 0


def print_tables(results: list[tuple[int, dict]]) -> None:
    for size, r in results:
        print(f"\n== {size:,} articles: peak {r['peak_mb']} MB ({r['peak_mb'] - r['imports_mb']} MB above imports), "
              f"{r['seconds']} s")
        print(f"{'stage (first … last transform)':<72} {'cpu s':>6} {'RSS':>6} {'HWM':>6} {'+HWM':>5} {'waiting MB':>10}  largest waiting")
        for s in r["steps"]:
            top = ", ".join(f"{name.split(':', 1)[1][:38]} {b / 2**20:.1f}" for b, name in s["top"][:2] if b > 2**20)
            print(f"{s['stage'][:72]:<72} {s['cpu']:>6} {s['rss']:>6} {s['hwm']:>6} {s['hwm_rise']:>5} "
                  f"{s['waiting'] / 2**20:>10.1f}  {top}")
    if len(results) < 2:
        return
    (a, ra), (b, rb) = results[0], results[-1]
    print(f"\n== PCollections by elements per article ({a:,} → {b:,}): elements/article, sampled bytes/article")
    rows = []
    for name, (count_b, bytes_b) in rb["pcolls"].items():
        count_a, bytes_a = ra["pcolls"].get(name, (0, 0))
        rows.append((count_b / b, name, count_a / a, bytes_a / a, bytes_b / b))
    for per_b, name, per_a, bytes_a, bytes_b in sorted(rows, reverse=True)[:30]:
        print(f"{name[:70]:<70} {per_a:8.2f} → {per_b:8.2f} el/article  {bytes_a:9.0f} → {bytes_b:9.0f} B/article")
    print(f"\n== Largest size each waiting buffer reached ({a:,} → {b:,}), bytes per article")
    rows = []
    for name, fb in rb["buffers"].items():
        fa = ra["buffers"].get(name, {"bytes": 0})
        rows.append((fb["bytes"] / b, name, fa["bytes"] / a, fb))
    for per_b, name, per_a, fb in sorted(rows, reverse=True)[:20]:
        extra = f" keys {fb.get('keys')} values {fb.get('values')}" if fb["kind"] == "grouping" else ""
        print(f"{name[:70]:<70} {fb['kind']:<8} {per_a:8.0f} → {per_b:8.0f} B/article ({fb['bytes'] / 2**20:.1f} MB){extra}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4000,16000")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--keep-rows", action="store_true", help="keep the row pickles (memory-rows-N) for a rerun")
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)
    from bench.corpus import fundus_dir, real_pages, synthetic_pages
    from bench.dedup_scaling import iter_rows, write_row_pickles
    pages = real_pages(fundus_dir()) if fundus_dir() else synthetic_pages()
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        folder = os.path.join(args.workdir, f"memory-rows-{size}")
        if not (os.path.isdir(folder) and os.listdir(folder)):
            write_row_pickles(iter_rows(pages, size), folder)
        output = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", folder], check=True,
                                capture_output=True, text=True, cwd=ROOT).stdout
        results.append((size, json.loads(output.strip().splitlines()[-1])))
        if not args.keep_rows:
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)
    print_tables(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
