"""The command line as a new user meets it: every --help, --version, and each way to get it wrong.

A failure before the pipeline runs is exit status 2 and one line on stderr naming the flag or path; a
failure while it runs is exit status 1 and one line naming the log file that holds the traceback."""
from __future__ import annotations

import json

import pytest

from pipelines.options import FLAGS
from tests.conftest import SEEDS, newsbeam

DATAFLOW = ["--runner", "DataflowRunner", "--dry_run=True", "--region", "europe-west1",
            "--temp_location", "gs://newsbeam-test-bucket/temp"]


def one_line_error(result, status: int = 2) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == status, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


def test_top_level_help_describes_every_command_and_version():
    result = newsbeam("--help")
    for command in ("run", "stream", "show", "report"):
        assert f"\n  {command} " in result.stdout
    assert "--version" in result.stdout and "exit status" in result.stdout
    version = newsbeam("--version")
    assert version.stdout.startswith("newsbeam 0.1.0 (schema ") and "apache-beam 2.77.0" in version.stdout
    bare = newsbeam(check=False)
    assert one_line_error(bare).startswith("newsbeam: a command is needed")
    assert one_line_error(newsbeam("serve", check=False)).startswith("newsbeam: unknown command 'serve'")


@pytest.mark.parametrize("command, required, other", [("run", ("--input", "--output"), "--feeds"),
                                                      ("stream", ("--feeds", "--output"), "--input")])
def test_run_and_stream_help_list_their_own_flags_hyphenated(command, required, other):
    text = newsbeam(command, "--help").stdout
    assert text.startswith(f"usage: newsbeam {command} {required[0]} ")
    required_part = text.split("required:", 1)[1].split("\n\n", 1)[0]
    assert all(flag in required_part for flag in required)
    assert other not in text.split("Every Beam pipeline option")[0]
    for flag in FLAGS:
        spelled = "--" + flag.name.replace("_", "-")
        assert (f"  {spelled} " in text) == flag.taken_by(command), spelled
        if "_" in flag.name:
            assert "--" + flag.name not in text, "flags are shown with hyphens, as the README writes them"
    assert "Beam pipeline option passes through" in text and "exit status" in text
    if command == "run":
        assert ".html" in text and ".jsonl" in text and ".rss" in text  # the input kinds


@pytest.mark.parametrize("command", ["show", "report"])
def test_show_and_report_help_explain_themselves(command):
    text = newsbeam(command, "--help").stdout
    assert text.startswith(f"usage: newsbeam {command}") and "--output DIR" in text
    assert len(text.split("\n\n")[1].split()) > 8  # a description, not only the usage line


@pytest.mark.parametrize("flags, says", [
    (["--input", SEEDS, "--output", "OUT", "--direct_num_workers=many"], "--direct_num_workers: invalid int value"),
    (["--input", SEEDS, "--output", "OUT", "--runner", "NoSuchRunner"], "--runner NoSuchRunner: not a Beam runner"),
    (["--input", SEEDS, "--output", "gs://newsbeam-test-bucket/out", *DATAFLOW, "--project", "Not A Project!"],
     "Invalid Project ID"),
    (["--input", SEEDS, "--output", "FILE/out"], "FILE is a file, not a folder"),
    (["--input", SEEDS, "--output", "FILE"], "--output FILE is a file, not a folder"),
    (["--input", "EMPTY", "--output", "OUT"], "the folder holds no files: EMPTY"),
    (["--input", SEEDS, "--output", "OUT", "--poll-interval", "3"], "--poll-interval is an option of `newsbeam stream`"),
    (["--input", SEEDS, "--output", "OUT", "--tag-batch-size", "x"], "--tag-batch-size"),
    (["--output", "OUT"], "--input is required"),
])
def test_run_that_cannot_start_says_why_in_one_line(tmp_path, flags, says):
    (tmp_path / "FILE").write_text("a regular file")
    (tmp_path / "EMPTY").mkdir()
    args = [str(tmp_path / a) if a in ("OUT", "FILE", "EMPTY") else
            (str(tmp_path / "FILE") + "/out" if a == "FILE/out" else a) for a in flags]
    line = one_line_error(newsbeam("run", *args, check=False))
    assert line.startswith("newsbeam run: ") and says in line.replace(str(tmp_path) + "/", ""), line
    assert not (tmp_path / "OUT").exists(), "nothing is written by a run that did not start"


def test_stream_that_cannot_start_says_why_in_one_line(tmp_path):
    line = one_line_error(newsbeam("stream", "--feeds", tmp_path / "nofeeds.txt", "--output", tmp_path / "o",
                                   check=False))
    assert line.startswith("newsbeam stream: cannot read feeds file")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://example.org/rss.xml\n")
    line = one_line_error(newsbeam("stream", "--feeds", feeds, "--output", tmp_path / "o", "--input", SEEDS,
                                   check=False))
    assert "--input is an option of `newsbeam run`" in line


def test_a_failure_while_running_is_one_line_and_the_log_holds_the_traceback(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "articles").write_text("not a folder")  # the writer meets it only when it writes
    line = one_line_error(newsbeam("run", "--input", SEEDS, "--output", out, "--progress", "off", check=False), 1)
    assert line.startswith("newsbeam run: failed while running: ") and "Not a directory" in line
    log = line.rsplit("(traceback in ", 1)[1].rstrip(")")
    assert log.startswith(str(out / "_logs")) and "Traceback (most recent call last)" in open(log).read()


def test_show_and_report_on_missing_empty_and_partial_outputs(tmp_path):
    line = one_line_error(newsbeam("show", "--output", tmp_path / "nowhere", check=False))
    assert line == f"newsbeam show: output folder not found: {tmp_path / 'nowhere'}"
    empty = tmp_path / "empty"
    (empty / "dead_letter" / "stage=read").mkdir(parents=True)
    (empty / "dead_letter" / "stage=read" / "part-1.jsonl").write_text(
        json.dumps({"input_ref": "a.html", "stage": "read", "reason": "empty"}) + "\n")
    shown = newsbeam("show", "--output", empty)
    assert shown.stdout.strip() == (f"no articles in {empty} yet (1 dead letters under dead_letter/, "
                                    "0 run summaries under _runs/)")
    report = newsbeam("report", "--output", empty)
    page = (empty / "report.html").read_text(encoding="utf-8")
    assert report.stdout.startswith("report: ") and "No articles yet." in page
    line = one_line_error(newsbeam("report", "--output", tmp_path / "nowhere", check=False))
    assert line.startswith("newsbeam report: output folder not found")


def test_a_local_run_keeps_its_shuffles_on_disk_unless_told_none(tmp_path):
    """No --spill_dir is a fresh folder in the system's temporary one (it was read as "none" once, and
    every local run then held its shuffles in memory); `none` is none; a folder given holds the run's."""
    import os

    from pipelines.checks import check_run
    from pipelines.cli import run_spill_folder
    base = ["--input", str(SEEDS), "--output", str(tmp_path / "out")]
    with run_spill_folder(check_run(base)[1]) as folder:
        assert folder and os.path.isdir(folder) and os.path.basename(folder).startswith("newsbeam-spill-")
    assert not os.path.exists(folder)
    with run_spill_folder(check_run(base + ["--spill_dir", "none"])[1]) as folder:
        assert folder is None
    with run_spill_folder(check_run(base + ["--spill_dir", str(tmp_path)])[1]) as folder:
        assert os.path.dirname(folder) == str(tmp_path)
