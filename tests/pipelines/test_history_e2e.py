"""The command across runs: a touched, copied or re-checked-out input is already present (one row per
article_id in the whole output), and `newsbeam state` rebuilds the indexes from the output."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import SEEDS, newsbeam, read_articles

FAST = ("--ner-models", "en=none,fr=none,ru=none", "--progress", "off")


def corpus(folder):
    folder.mkdir(parents=True)
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    shutil.copy(SEEDS / "manifest.jsonl", folder / "manifest.jsonl")   # dated: the two seeds
    (folder / "notes.txt").write_text("Council notes\n\nThe council met on Monday to discuss a new tram line for "
                                      "the northern districts and agreed to publish the budget in March.\n")
    (folder / "minutes.txt").write_text("Harbour minutes\n\nThe harbour board approved repairs to the old pier "
                                        "and asked engineers for a timetable before the winter storms.\n")
    return folder


def summary_of(result) -> dict:
    path = result.stdout.split("summary: ", 1)[1].split()[0]
    return json.loads(open(path).read())


@pytest.mark.slow
def test_touch_copy_and_checkout_write_nothing_new(tmp_path):
    src, out = corpus(tmp_path / "corpus"), tmp_path / "out"
    first = newsbeam("run", "--input", src, "--output", out, *FAST)
    assert summary_of(first)["articles_written"] == 4
    rows = read_articles(out)

    os.utime(src / "notes.txt", (1795000000, 1795000000))          # touch -d: another day for an undated file
    touched = newsbeam("run", "--input", src, "--output", out, *FAST)
    copy = tmp_path / "copy" / "corpus"
    shutil.copytree(src, copy)                                      # cp -r: every file time is now
    os.utime(copy / "minutes.txt", (1790000000, 1790000000))
    copied = newsbeam("run", "--input", copy, "--output", out, *FAST)

    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-C", str(src)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "corpus"], check=True)
    for name in ("notes.txt", "minutes.txt"):
        (src / name).unlink()
    subprocess.run([*git, "checkout", "-q", "--", "."], check=True)   # a fresh checkout: new file times
    checked_out = newsbeam("run", "--input", src, "--output", out, *FAST)

    for result in (touched, copied, checked_out):
        summary = summary_of(result)
        assert (summary["articles_written"], summary["already_present"], summary["balanced"]) == (0, 4, True)
        assert "4 already present" in result.stdout
    assert read_articles(out) == rows                               # the same rows, each in its first partition


@pytest.mark.slow
def test_state_rebuild_gives_indexes_that_find_the_same_rows(tmp_path):
    src, out = corpus(tmp_path / "corpus"), tmp_path / "out"
    newsbeam("run", "--input", src, "--output", out, *FAST)
    before = newsbeam("state", "--output", out).stdout
    shutil.rmtree(out / "_state" / "ids")                          # lost, or an output older than the index
    rebuilt = newsbeam("state", "--output", out, "--rebuild")
    assert "4 articles" in rebuilt.stdout, rebuilt.stdout
    after = newsbeam("state", "--output", out).stdout
    assert [line.split(":")[0] for line in before.splitlines()] == [line.split(":")[0] for line in after.splitlines()]
    os.utime(src / "notes.txt", (1795000000, 1795000000))
    again = newsbeam("run", "--input", src, "--output", out, *FAST)
    assert summary_of(again)["already_present"] == 4 and len(read_articles(out)) == 4
