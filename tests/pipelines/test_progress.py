"""Live progress of `newsbeam run`: real runs, in-process and multi-process, seen from stderr."""
from __future__ import annotations

import gzip
import json
import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from pipelines.progress import Rate, format_progress, snapshot
from tests.conftest import ROOT, newsbeam
from tests.ingest.warcs import Archive, arc_file, flipped, news_archive, page
from transforms.runtime import ENV, note

PROGRESS_LINE = re.compile(r"newsbeam run: (\d+):(\d\d) elapsed · (\d+) (?:of (\d+) )?inputs read \(([^)]*)\)"
                           r" · (\d+) articles written · (\d+) dead letters(?: · [\d.]+ [MG]B)?")
PAGE = """<!doctype html><html><head><title>Council approves budget {i} | Herald</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Council approves budget {i}</h1>
<p>The city council approved budget number {i} on Tuesday after a long debate about transport
spending, school repairs and the cost of heating public buildings through the winter.</p>
<p>Opponents said the plan raised local taxes too far, while the mayor said it would keep the
libraries and swimming pools open and pay for two new bus routes in the northern districts.</p>
<p>The vote was seven to four. A final reading is expected next month.</p></article>
<footer>Copyright Herald</footer></body></html>"""


def make_inputs(folder, count: int = 150, broken: int = 5):
    folder.mkdir()
    for i in range(count):
        (folder / f"page-{i:03d}.html").write_text(PAGE.format(i=i), encoding="utf-8")
    for i in range(broken):  # dead letters at the read stage
        (folder / f"empty-{i}.html").write_bytes(b"")
    return folder


def progress_lines(stderr: str) -> list[tuple[int, int, int]]:
    """(inputs, written, dead) of every progress log line."""
    return [(int(m[3]), int(m[6]), int(m[7])) for m in PROGRESS_LINE.finditer(stderr)]


def totals(stderr: str) -> set[int]:
    """The input totals the progress lines gave (counted up front, so once known always the same)."""
    return {int(m[4]) for m in PROGRESS_LINE.finditer(stderr) if m[4]}


def assert_progress(result, inputs_total: int):
    lines = progress_lines(result.stderr)
    assert len(lines) >= 2, f"expected ≥2 progress lines on stderr, got:\n{result.stderr[-2000:]}"
    # plain log lines, one per update: no carriage returns or terminal escapes when not a TTY
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr
    assert all(line.count("newsbeam run:") <= 1 for line in result.stderr.splitlines())
    # the counts move during the run and never go back
    assert any(inputs > 0 for inputs, _, _ in lines), lines
    for earlier, later in zip(lines, lines[1:]):
        assert all(b >= a for a, b in zip(earlier, later)), lines
    assert all(inputs <= inputs_total for inputs, _, _ in lines)
    # the end-of-run summary stays, with the exact counts, and says how much memory the run took
    assert f"{inputs_total} inputs from {inputs_total} files" in result.stdout
    assert re.search(r"peak memory [\d.]+ [MG]B \(all processes of the run\)", result.stdout), result.stdout
    # the inputs were counted before they were read: the total is the summary's
    assert totals(result.stderr) == {inputs_total}, result.stderr[-2000:]
    return lines


@pytest.mark.slow
def test_progress_lines_in_process(tmp_path):
    folder = make_inputs(tmp_path / "in")
    result = newsbeam("run", "--input", folder, "--output", tmp_path / "out", "--progress_interval", "0.2")
    assert_progress(result, 155)
    assert "150 articles written, 5 dead letters" in result.stdout


@pytest.mark.slow
def test_progress_lines_multi_processing(tmp_path):
    """The stages run in SDK worker subprocesses: their totals still reach the display."""
    folder = make_inputs(tmp_path / "in")
    result = newsbeam("run", "--input", folder, "--output", tmp_path / "out", "--progress_interval", "0.2",
                      "--direct_num_workers=2", "--direct_running_mode=multi_processing")
    assert_progress(result, 155)


@pytest.mark.slow
def test_progress_single_updating_line_on_a_terminal(tmp_path):
    folder = make_inputs(tmp_path / "in", count=60, broken=0)
    script = [sys.executable, "-m", "pipelines.cli", "run", "--input", str(folder), "--output", str(tmp_path / "out"),
              "--progress_interval", "0.2"]
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    stdout = process.communicate(timeout=60)[0].decode()
    os.close(master)
    terminal = seen.decode("utf-8", "replace")
    assert process.returncode == 0, terminal
    redraws = terminal.count("\rnewsbeam run:")
    assert redraws >= 2, terminal
    # every update rewrites the same line (carriage return + clear to end of line), no newlines
    assert "\x1b[K" in terminal
    assert not re.search(r"newsbeam run: [^\r]*\n", terminal), terminal
    assert terminal.endswith("\r\x1b[K"), "the progress line is cleared before the summary"
    assert "60 inputs from 60 files" in stdout


def test_progress_off(tmp_path):
    folder = make_inputs(tmp_path / "in", count=3, broken=0)
    result = newsbeam("run", "--input", folder, "--output", tmp_path / "out", "--progress", "off")
    assert "newsbeam run:" not in result.stderr
    assert "3 inputs from 3 files" in result.stdout


def test_counts_from_several_processes():
    counts = snapshot({
        "1-a": {"read.out": 10, "read.files": 4, "dead.read": 1, "articles_written": 0},
        "2-b": {"read.out": 5, "read.files": 2, "dead.extract": 2, "articles_written": 7},
    })
    assert counts == {"files": 6, "inputs": 16, "written": 7, "already_present": 0, "dead": 3}
    assert format_progress(counts, 8.0) == ("0:08 elapsed · 16 inputs read (2.0/s) · 7 articles written"
                                            " · 3 dead letters")


def test_note_without_a_display_does_nothing(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    note("read.out", 1)  # no socket, no thread, no error


def test_progress_line_with_a_total_says_how_long_the_rest_takes():
    counts = {"files": 3, "inputs": 1000, "written": 0, "already_present": 0, "dead": 2}
    line = format_progress(counts, 125.0, total=5000, rate=8.0, memory=1900 << 20)
    assert line == ("2:05 elapsed · 1000 of 5000 inputs read (8.0/s, 8:20 left) · 0 articles written"
                    " · 2 dead letters · 1.86 GB")
    assert "1:23:20 left" in format_progress(counts, 125.0, total=41000, rate=8.0)
    done = format_progress({**counts, "inputs": 5000, "written": 1200}, 700.0, total=5000, rate=0.0)
    assert "5000 of 5000 inputs read (all read; grouping copies and stories, writing) · 1200 articles written" in done
    # no total yet (still counting) or nothing read yet: the rate alone
    assert "1000 inputs read (8.0/s)" in format_progress(counts, 125.0, total=None, rate=8.0)


def test_rate_is_that_of_the_last_minute():
    rate = Rate(window=60.0, start=0.0)
    assert rate.add(10.0, 0) == 0.0              # models loading: nothing read yet
    assert rate.add(30.0, 100) == pytest.approx(100 / 30)
    for t in range(31, 200):
        last = rate.add(float(t), 100 + 10 * (t - 30))  # then a steady 10 per second
    assert last == pytest.approx(10.0, rel=0.02)


def test_inputs_are_counted_as_the_reader_counts_them(tmp_path):
    from transforms.ingest.read import count_inputs
    from transforms.ingest.inputs import resolve_inputs
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.html").write_text(PAGE.format(i=1), encoding="utf-8")
    (folder / "empty.html").write_bytes(b"")
    lines = [json.dumps({"id": f"r{i}", "text": f"Article {i} text."}) for i in range(7)]
    (folder / "records.jsonl").write_text("\n".join(lines[:3] + ["", "not json"] + lines[3:]) + "\n\n", encoding="utf-8")
    with gzip.open(folder / "more.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    (folder / "feed.xml").write_text(FEED, encoding="utf-8")
    # web archives count their pages and damaged records, not themselves: 4 pages among requests, a
    # revisit, an image, a 404 and metadata; 4 pages of which one is corrupt (a dead letter); an ARC
    (folder / "crawl.warc.gz").write_bytes(news_archive(pages=4).data())
    damaged = Archive()
    for n in range(4):
        damaged.response(f"https://www.example.com/{n}", page(n), label=f"page{n}")
    (folder / "damaged.warc.gz").write_bytes(flipped(damaged, "page1"))
    (folder / "old.arc.gz").write_bytes(arc_file([(f"http://www.example.com/old/{n}", page(10 + n)) for n in range(2)]))
    files = {f.source: f for f in resolve_inputs([str(folder)])}
    counted = {source: count_inputs(f) for source, f in files.items()}
    assert counted == {"page.html": 1, "empty.html": 1, "records.jsonl": 8, "more.jsonl.gz": 7, "feed.xml": 2,
                       "crawl.warc.gz": 4, "damaged.warc.gz": 4, "old.arc.gz": 2}
    result = newsbeam("run", "--input", folder, "--output", tmp_path / "out", "--progress", "off")
    assert f"{sum(counted.values())} inputs from 8 files" in result.stdout


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title>
<item><title>One</title><link>https://herald.example/one</link><description>The council met on Tuesday
and approved the budget after a long debate.</description></item>
<item><title>Two</title><link>https://herald.example/two</link><description>The mayor said the plan
keeps the libraries open.</description></item></channel></rss>"""
