"""`newsbeam run` on Beam's portable runner, the way it runs on a Flink or Spark cluster.

No Flink or Spark job-server jar can be fetched here, so the job server is Beam's own Python job
service (the same Job API a Flink/Spark job server speaks), started on 127.0.0.1 on a free port.
The pipeline goes through the real command with --runner=PortableRunner --job_endpoint=..., with
LOOPBACK workers (the SDK harness in the submitting process) and with subprocess SDK harness workers
started by the job server (the stand-in for PROCESS/DOCKER workers on a cluster).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, newsbeam, read_articles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def job_endpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("job_service")
    port_file = folder / "port"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = open(folder / "job_service.log", "wb")
    service = subprocess.Popen(
        [sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
         "--port", "0", "--port_file", str(port_file), "--staging_dir", str(folder / "staging")],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)  # port 0: the OS picks a free one
    try:
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"job service did not start:\n{(folder / 'job_service.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"localhost:{int(port_file.read_text())}"
    finally:
        service.terminate()
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
        log.close()


def check_run(out: Path, result) -> None:
    rows = read_articles(out)
    assert sorted((r["outlet"], str(r["date"])) for r in rows) == [("express.co.uk", "2024-03-01"),
                                                                    ("lenta.ru", "2024-03-01")]
    assert all(r["language"] == "en" and r["text"] and r["title"] for r in rows)
    # the counters come back from the job service: the summary balances
    assert "2 inputs from 2 files → 2 articles written, 0 dead letters" in result.stdout, result.stdout
    (summary_file,) = (out / "_runs").iterdir()
    summary = json.loads(summary_file.read_text())
    assert summary["counters_available"] and summary["balanced"]
    assert summary["counters"]["read.files"] == 2 and summary["counters"]["language.out"] == 2


def test_run_on_portable_runner_loopback_workers(job_endpoint, tmp_path):
    out = tmp_path / "out"
    result = newsbeam("run", "--input", SEEDS, "--output", out, "--runner", "PortableRunner",
                      "--job_endpoint", job_endpoint, "--environment_type", "LOOPBACK")
    check_run(out, result)
    # same ids as the local runner gives: article_id is stable across runners
    local = tmp_path / "local"
    newsbeam("run", "--input", SEEDS, "--output", local)
    assert [r["article_id"] for r in read_articles(out)] == [r["article_id"] for r in read_articles(local)]


def test_run_on_portable_runner_subprocess_sdk_harness(job_endpoint, tmp_path):
    out = tmp_path / "out"
    harness = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
    result = newsbeam("run", "--input", SEEDS, "--output", out, "--runner", "PortableRunner",
                      "--job_endpoint", job_endpoint,
                      "--environment_type", "beam:env:harness_subprocess_python:v1",
                      "--environment_config", harness)
    check_run(out, result)


def test_summary_says_so_when_a_runner_reports_no_counters():
    """A runner without metrics (or a result without them) must not print a balanced run of zeros."""
    import datetime as dt

    from pipelines.summary import build_summary, counters, format_summary

    class NoMetrics:
        def metrics(self):
            raise NotImplementedError

    assert counters(NoMetrics()) is None
    now = dt.datetime.now(dt.timezone.utc)
    summary = build_summary(None, run_id="r", started=now, finished=now, output="gs://b/o")
    assert summary["counters_available"] is False and summary["balanced"] is None
    assert "this runner reported no counters" in format_summary(summary)
    assert "COUNTS DO NOT BALANCE" not in format_summary(summary)
