"""The memory the summary and the benchmark report: the peak over a whole process tree."""
from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.memory import PeakMemory, format_bytes, tree_rss

# a parent that holds 100 MB and starts a child that holds 200 MB: the tree peaks above 300 MB
PARENT = """
import subprocess, sys, time
held = bytearray(100 << 20)
child = subprocess.Popen([sys.executable, "-c", "import time; held = bytearray(200 << 20); time.sleep(1.5)"])
child.wait()
"""


@pytest.mark.skipif(tree_rss(1) is None, reason="needs /proc")
def test_peak_counts_the_children_of_the_run():
    process = subprocess.Popen([sys.executable, "-c", PARENT])
    with PeakMemory(process.pid, interval=0.05) as memory:
        process.wait(timeout=60)
    assert memory.peak > 300 << 20
    assert memory.peak < 600 << 20  # the figure is resident memory, not address space


def test_format_bytes():
    assert format_bytes(812 << 20) == "812 MB"
    assert format_bytes(int(2.71 * (1 << 30))) == "2.71 GB"
    assert format_bytes(None) == "?"
