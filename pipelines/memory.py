"""Resident memory of a run: the whole process tree (the command, Beam's SDK worker subprocesses, the
extraction children), sampled from /proc while the pipeline runs.

The local runner's memory is what decides how large a corpus one machine takes, and it is spread
over processes (`--direct_running_mode=multi_processing` runs the stages in other processes, and
extraction has its own child), so one process's high-water mark would understate it. `PeakMemory`
samples the sum over the tree every `interval` seconds and keeps the peak; the summary prints it and
`bench/pipeline.py` measures its runs the same way. Off Linux (no /proc) both give None.
"""
from __future__ import annotations

import os
import threading

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_EVERY = 0.2   # seconds: short enough to catch the peak of a shuffle, cheap (one /proc walk)


def tree_stats(root: int) -> dict[int, list[str]] | None:
    """The /proc/PID/stat fields after the command name (fields[1] the parent pid, [11]/[12] user and
    system ticks, [21] rss in pages) of `root` and all its descendants, in one walk; None without /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if len(fields) <= 21:
                continue
            pid = int(entry)
            children.setdefault(int(fields[1]), []).append(pid)
            stats[pid] = fields
        except (OSError, IndexError, ValueError):
            continue
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in stats:
            tree[pid] = stats[pid]
        stack.extend(children.get(pid, ()))
    return tree


def tree_rss(root: int) -> int | None:
    """Resident bytes of `root` and all its descendants, from /proc; None without /proc."""
    tree = tree_stats(root)
    if tree is None:
        return None
    total = 0
    for fields in tree.values():
        try:
            total += int(fields[21]) * PAGE_SIZE
        except ValueError:
            continue
    return total


class PeakMemory:
    """Context manager: samples the resident memory of process `root` (default: this one) and its
    descendants in a daemon thread; `peak` and `current` in bytes (None when unknown)."""

    def __init__(self, root: int | None = None, interval: float = SAMPLE_EVERY):
        self.root = root if root is not None else os.getpid()
        self.interval = interval
        self.peak: int | None = None
        self.current: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        now = tree_rss(self.root)
        if now is not None:
            self.current = now
            self.peak = max(self.peak or 0, now)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="newsbeam-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return False

    @property
    def peak_mb(self) -> float | None:
        return None if self.peak is None else round(self.peak / (1 << 20), 1)


def format_bytes(n: int | float | None) -> str:
    """`812 MB`, `2.71 GB`: memory as a person reads it."""
    if n is None:
        return "?"
    mb = n / (1 << 20)
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"
