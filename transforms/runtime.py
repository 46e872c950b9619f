"""What stages report while they run: Beam counters, which also feed the live progress display.

`counter(name)` is a Beam counter of the `newsbeam` namespace (the run summary is built from them,
pipelines/summary.py) that also tells the live display of a local `newsbeam run` (pipelines/progress.py)
over a small cross-process channel:

- the command opens a UDP socket on 127.0.0.1 and puts its address in the environment (`ENV`), which
  the in-process worker sees and subprocess SDK workers inherit;
- every increment of a counter the display needs (`tracked`) goes into this process's running totals,
  which a daemon thread sends (at most four times a second, only when they changed) as one JSON
  datagram tagged with the process's id. Datagrams carry totals, not increments, so one that is lost
  costs nothing: the next one replaces it.

Without the variable (remote runners, tests that build pipelines directly) nothing is sent. Both the
stages and the command import this module; it imports neither.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time

from apache_beam.metrics import Metrics

NAMESPACE = "newsbeam"
ENV = "NEWSBEAM_PROGRESS"
SEND_EVERY = 0.25          # seconds between datagrams from one process (when something changed)
# The counters the display needs (see pipelines/summary.py for what they mean).
TRACKED = {"read.out", "read.files", "articles_written", "write.already_present"}


def tracked(name: str) -> bool:
    return name in TRACKED or (name.startswith("dead.") and name.count(".") == 1)

class _Sender:
    """This process's running totals, sent to the display by a daemon thread."""

    def __init__(self, address: str):
        host, port = address.rsplit(":", 1)
        self.address = (host, int(port))
        self.sender_id = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.totals: dict[str, int] = {}
        self.version = 0
        self.lock = threading.Lock()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        threading.Thread(target=self._loop, name="newsbeam-progress", daemon=True).start()

    def note(self, name: str, n: int) -> None:
        with self.lock:
            self.totals[name] = self.totals.get(name, 0) + n
            self.version += 1

    def _loop(self) -> None:
        sent = 0
        while True:
            time.sleep(SEND_EVERY)
            with self.lock:
                if self.version == sent:
                    continue
                sent = self.version
                payload = json.dumps({"id": self.sender_id, "totals": self.totals}).encode()
            try:
                self.socket.sendto(payload, self.address)
            except OSError:  # the display went away: progress is best effort, never an error
                pass


_SENDER: _Sender | None = None
_SENDER_KEY: tuple | None = None
_SENDER_LOCK = threading.Lock()


def note(name: str, n: int = 1) -> None:
    """Count `n` more of counter `name` towards the live display, if one is listening."""
    address = os.environ.get(ENV)
    if not address or not tracked(name):
        return
    global _SENDER, _SENDER_KEY
    key = (os.getpid(), address)
    if _SENDER_KEY != key:
        with _SENDER_LOCK:
            if _SENDER_KEY != key:
                _SENDER, _SENDER_KEY = _Sender(address), key
    _SENDER.note(name, n)


class _Counter:
    """A Beam counter that also feeds the live progress of `newsbeam run`."""

    def __init__(self, name: str):
        self.name = name
        self._metric = Metrics.counter(NAMESPACE, name)

    def inc(self, n: int = 1) -> None:
        self._metric.inc(n)
        note(self.name, n)

    def dec(self, n: int = 1) -> None:
        self.inc(-n)


def counter(name: str):
    return _Counter(name)
