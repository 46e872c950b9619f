"""Live progress of a local `newsbeam run`: inputs read of how many, the rate, time left, articles
written, dead letters and memory.

Beam's local FnApiRunner blocks in `pipeline.run()` and reports counters only when the run ends
(its progress requests are answered by the SDK worker but never handed to the caller), and with
`--direct_running_mode=multi_processing` the stages run in other processes. So the stages tell us
themselves: their counters (transforms/runtime.py) send running totals to the address this display
puts in the environment. `ProgressDisplay` sums the latest totals of every process and prints them:
one line rewritten in place when stderr is a terminal, a plain log line every few seconds when it is not.

The inputs are counted up front (`count_inputs`, in a thread beside the run, so that a large corpus
does not delay the start): the line then says how many of them are read and, at the rate of the last
minute, how long the rest will take. After the last input the run still groups copies and stories and
writes; the line says so instead of a time left.

The end-of-run summary still comes from Beam's own counters; this is only the live view.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import threading
import time
from collections import deque

from pipelines.memory import format_bytes
from transforms.runtime import ENV

LINE_EVERY = 0.5           # seconds between redraws of the terminal line
LOG_EVERY = 2.0            # seconds between log lines when stderr is not a terminal
RATE_WINDOW = 60.0         # seconds of history the rate (and so the time left) is measured over


def snapshot(per_sender: dict[str, dict[str, int]]) -> dict[str, int]:
    """inputs / written / dead letters from the latest totals of every sending process."""
    totals: dict[str, int] = {}
    for values in per_sender.values():
        for name, n in values.items():
            totals[name] = totals.get(name, 0) + n
    dead = {name: n for name, n in totals.items() if name.startswith("dead.")}
    return {
        "files": totals.get("read.files", 0),
        "inputs": totals.get("read.out", 0) + dead.get("dead.read", 0),
        "written": totals.get("articles_written", 0),
        "already_present": totals.get("write.already_present", 0),
        "dead": sum(dead.values()),
    }


def clock(seconds: float) -> str:
    """`7:05`, `1:02:09`."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_progress(counts: dict[str, int], elapsed: float, total: int | None = None, rate: float | None = None,
                    memory: int | None = None) -> str:
    """The progress line. `total`: inputs counted up front (None while counting); `rate`: inputs per
    second lately (default: the average since the start); `memory`: resident bytes of the run."""
    inputs = counts["inputs"]
    if rate is None:
        rate = inputs / elapsed if elapsed > 0 else 0.0
    read = f"{inputs} inputs read" if total is None else f"{inputs} of {total} inputs read"
    if total is None or not inputs:
        pace = f"{rate:.1f}/s"
    elif inputs >= total:
        pace = "all read; grouping copies and stories, writing"
    else:
        pace = f"{rate:.1f}/s, {clock((total - inputs) / rate)} left" if rate > 0 else f"{rate:.1f}/s"
    present = f", {counts['already_present']} already present" if counts["already_present"] else ""
    held = f" · {format_bytes(memory)}" if memory else ""
    return (f"{clock(elapsed)} elapsed · {read} ({pace})"
            f" · {counts['written']} articles written{present} · {counts['dead']} dead letters{held}")


class Rate:
    """Inputs per second over the last `window` seconds (since the start until that much has passed)."""

    def __init__(self, window: float = RATE_WINDOW, start: float | None = None):
        self.window = window
        self.history: deque[tuple[float, int]] = deque([(time.monotonic() if start is None else start, 0)])

    def add(self, now: float, count: int) -> float:
        self.history.append((now, count))
        while len(self.history) > 2 and now - self.history[1][0] >= self.window:
            self.history.popleft()
        then, before = self.history[0]
        return (count - before) / (now - then) if now > then else 0.0


class ProgressDisplay:
    """Context manager around `pipeline.run()`: listens for the stages' totals and shows them.

    mode: "line" (one line rewritten in place), "log" (a line every `interval` seconds), "off",
    or "auto" (line when `stream` is a terminal, log otherwise)."""

    def __init__(self, mode: str = "auto", interval: float | None = None, stream=None, label: str = "newsbeam run",
                 count=None, memory=None):
        """`count`: a callable returning the number of inputs, run in a thread (None: no total);
        `memory`: a pipelines.memory.PeakMemory whose current figure the line shows."""
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "line" if getattr(self.stream, "isatty", lambda: False)() else "log"
        self.mode = mode
        self.interval = interval or (LINE_EVERY if mode == "line" else LOG_EVERY)
        self.label = label
        self.per_sender: dict[str, dict[str, int]] = {}
        self.lines = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socket: socket.socket | None = None
        self._previous_env: str | None = None
        self.started = time.monotonic()
        self.count, self.memory = count, memory
        self.total: int | None = None
        self.rate = Rate(start=self.started)

    # listening
    def __enter__(self):
        if self.mode == "off":
            return self
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        host, port = self._socket.getsockname()
        self._previous_env = os.environ.get(ENV)
        os.environ[ENV] = f"{host}:{port}"
        self.started = time.monotonic()
        self.rate = Rate(start=self.started)
        for target in (self._receive, self._show) + ((self._count,) if self.count else ()):
            thread = threading.Thread(target=target, name=f"newsbeam-{target.__name__.strip('_')}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc_info):
        if self.mode == "off":
            return False
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._previous_env is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = self._previous_env
        self._socket.close()
        if self.mode == "line" and self.lines:
            self.stream.write("\r\x1b[K")  # the summary replaces the progress line
            self.stream.flush()
        return False

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._socket.recv(65536)
            except (socket.timeout, OSError):
                continue
            try:
                message = json.loads(data)
                self.per_sender[str(message["id"])] = {str(k): int(v) for k, v in message["totals"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # not ours

    def _count(self) -> None:
        try:
            self.total = int(self.count())
        except Exception:  # noqa: BLE001 - without a total the line simply shows no time left
            self.total = None

    def _show(self) -> None:
        while not self._stop.wait(self.interval):
            self.render()

    def counts(self) -> dict[str, int]:
        return snapshot(dict(self.per_sender))

    def render(self) -> None:
        now, counts = time.monotonic(), self.counts()
        rate = self.rate.add(now, counts["inputs"])
        memory = self.memory.current if self.memory is not None else None
        text = f"{self.label}: {format_progress(counts, now - self.started, self.total, rate, memory)}"
        if self.mode == "line":
            width = shutil.get_terminal_size((120, 24)).columns
            if len(text) >= width:  # a wrapped line could not be rewritten in place
                text = text[: max(width - 2, 10)] + "…"
            self.stream.write("\r" + text + "\x1b[K")
        else:
            self.stream.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        self.stream.flush()
        self.lines += 1
