"""Benchmark: reading WARC files, newsbeam's reader beside plain FastWARC and warcio loops, and the whole
pipeline over the same file, with and without an --outlets filter.

The WARC (cached in --workdir) holds N HTML `response` records (gzip per record, as Common Crawl
News writes them) made from ../shared/data/pages_fundus by bench/corpus.py's records (real pages, their
paragraphs' words shuffled after a page's first use), each preceded by its `request` record like a
crawler's. Figures, each in its own child process for the whole pipeline:

    fastwarc      ArchiveIterator over responses: URL, status, Content-Type, payload bytes
    warcio        the same loop with warcio
    reader        newsbeam's archive_items (ranges, boundaries, HTTP decoding, charset, digests)
    reader+filter the same with --outlets matching about 1% of the records
    count         count_archive_inputs: what the progress display counts up front (record headers only)
    pipeline      `newsbeam run --input WARC` (read → extract → language → tag → dedup → write)
    filtered      `newsbeam run --input WARC --outlets ...` (what a filter costs: reading, no extraction)

    python bench/warc.py [--records 10000] [--pipeline-records 10000] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench.corpus import fundus_dir, real_pages, records  # noqa: E402
from bench.pipeline import _env, run_measured  # noqa: E402


def build_warc(path: str, size: int) -> dict:
    """N HTML responses (each after its request) from the fundus pages, gzipped per record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    outlets: dict[str, int] = {}
    temp = path + ".partial"
    with open(temp, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for record in records(size, real_pages(fundus_dir())):
            body = record["html"].encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            request = StatusAndHeaders(f"GET {record['url']} HTTP/1.1", [("Host", record["outlet"])],
                                       is_http_request=True)
            writer.write_record(writer.create_warc_record(record["url"], "request", payload=io.BytesIO(b""),
                                                          http_headers=request))
            writer.write_record(writer.create_warc_record(
                record["url"], "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": record["published"].replace("+00:00", "Z")}))
            outlets[record["outlet"]] = outlets.get(record["outlet"], 0) + 1
    os.replace(temp, path)
    return outlets


def fastwarc_loop(path: str) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType
    n = 0
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f, record_types=WarcRecordType.response):
            _ = (rec.headers.get("WARC-Target-URI"), rec.http_headers.status_code, rec.http_content_type)
            rec.reader.read()
            n += 1
    return n


def warcio_loop(path: str) -> int:
    from warcio.archiveiterator import ArchiveIterator
    n = 0
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response":
                continue
            _ = (rec.rec_headers.get_header("WARC-Target-URI"), rec.http_headers.get_statuscode(),
                 rec.http_headers.get_header("Content-Type"))
            rec.content_stream().read()
            n += 1
    return n


def reader_loop(path: str, outlets: str | None = None) -> int:
    from transforms.filters import Filters
    from transforms.ingest.archive import archive_items, plan_ranges
    from transforms.ingest.inputs import resolve_inputs
    filters = Filters.parse(outlets=outlets) if outlets else None
    n = 0
    for piece in plan_ranges(resolve_inputs([path])[0], 64 << 20):
        for item in archive_items(piece, filters):
            n += item[0] in ("doc", "filtered")
    return n


def count_loop(path: str) -> int:
    from transforms.ingest.archive import count_archive_inputs
    from transforms.ingest.inputs import resolve_inputs
    return count_archive_inputs(resolve_inputs([path])[0])


def timed(function, *args) -> dict:
    start = time.perf_counter()
    n = function(*args)
    seconds = time.perf_counter() - start
    return {"records": n, "seconds": round(seconds, 2), "records_per_second": round(n / seconds, 1)}


def pipeline(path: str, workdir: str, label: str, extra: list[str]) -> dict:
    out = os.path.join(workdir, f"out-{label}")
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "pipelines.cli", "run", "--input", path, "--output", out, "--run_id", "bench",
               "--progress", "off", *extra]
    measured = run_measured(command, os.path.join(workdir, f"{label}.log"), _env())
    with open(os.path.join(out, "_runs", "bench.json")) as f:
        summary = json.load(f)
    shutil.rmtree(out, ignore_errors=True)
    inputs = summary["inputs"]
    return {**measured, "inputs": inputs, "written": summary["articles_written"], "filtered": summary["filtered"],
            "extracted": summary["counters"].get("extract.out", 0) + summary["counters"].get("dead.extract", 0),
            "records_per_second": round(inputs / measured["seconds"], 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--pipeline-records", type=int, default=None,
                        help="records of the whole-pipeline run (default --records; 0: skip it)")
    parser.add_argument("--workdir", default=os.environ.get("NEWSBEAM_BENCH_DIR", "/tmp/newsbeam-bench"))
    args = parser.parse_args(argv)
    if not fundus_dir():
        print("bench/warc.py: ../shared/data/pages_fundus not found, skipped")
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    results = {}

    def warc(size: int) -> tuple[str, dict]:
        path = os.path.join(args.workdir, f"bench-{size}.warc.gz")
        stamp = path + ".json"
        if not os.path.exists(stamp):
            with open(stamp + ".partial", "w") as f:
                json.dump(build_warc(path, size), f)
            os.replace(stamp + ".partial", stamp)
        with open(stamp) as f:
            return path, json.load(f)

    path, outlets = warc(args.records)
    import fastwarc.warc, transforms.ingest.archive, warcio.archiveiterator  # noqa: F401,E401 - imports are not reading
    # an outlet with about 1% of the records: what a user backfilling one outlet keeps
    target = min(outlets, key=lambda o: abs(outlets[o] - args.records / 100))
    results["file"] = {"records": args.records, "mib": round(os.path.getsize(path) / (1 << 20), 1),
                       "filter_outlet": target, "filter_outlet_records": outlets[target]}
    for label, function, extra in (("fastwarc", fastwarc_loop, ()), ("warcio", warcio_loop, ()),
                                   ("reader", reader_loop, ()), ("reader+filter", reader_loop, (target,)),
                                   ("count", count_loop, ())):
        results[label] = timed(function, path, *extra)
        print(label, results[label], flush=True)
    size = args.records if args.pipeline_records is None else args.pipeline_records
    if size:
        small, _ = warc(size) if size != args.records else (path, outlets)
        for label, extra in (("pipeline", []), ("filtered", ["--outlets", target])):
            results[label] = pipeline(small if label == "pipeline" else path, args.workdir, label, extra)
            print(label, results[label], flush=True)
    with open(os.path.join(args.workdir, "warc-results.jsonl"), "a") as f:
        f.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **results}) + "\n")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
