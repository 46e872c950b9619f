"""One request rate per host: the HTTP client's spacing of requests, and what a server asks of it.

`HostRateLimiter` spaces the threads of one process. `SharedHostRateLimiter` spaces every process that
names the same folder (the workers of one `newsbeam stream` run on one machine, which the run gives a
folder of its own): the next free slot of each host is a few bytes in a file of that folder, read and
moved under an exclusive `flock`. CLOCK_MONOTONIC, which `time.monotonic` reads on Linux, is one clock
for every process of a machine, so slots compare across them. Workers on other machines count apart.

A server's `Retry-After` (seconds, or an HTTP date) holds the host: no request goes to it before then.
"""
from __future__ import annotations

import email.utils
import hashlib
import os
import threading
import time


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` → seconds from now (≥ 0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HostHeld(Exception):
    """The host may not be asked for longer than the caller would wait (a long Retry-After)."""

    def __init__(self, seconds: float):
        super().__init__(f"held for {seconds:.0f} s")
        self.seconds = seconds


def _reserve(following: float, now: float, interval: float, max_wait: float | None):
    """(new next slot, slot taken or None when it is further away than `max_wait`)."""
    slot = max(now, following)
    if max_wait is not None and slot - now > max_wait:
        return following, None
    return slot + interval, slot


class HostRateLimiter:
    """At most one request start per `interval` seconds per host, across the threads of a process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def clear(self) -> None:
        with self._lock:
            self._next.clear()

    def _update(self, host: str, change):
        new, result = change(self._next.get(host, 0.0))
        self._next[host] = new
        return result

    def wait(self, host: str, interval: float, clock=time.monotonic, sleep=time.sleep,
             max_wait: float | None = None) -> float:
        """Block until `host` may be asked again; returns the seconds waited. HostHeld, without
        waiting, when that is more than `max_wait` seconds away."""
        with self._lock:   # threads of this process queue here (processes of a run on a flock, below)
            now = clock()
            state = {}

            def change(following):
                new, slot = _reserve(following, now, interval, max_wait)
                state["following"] = following
                return new, slot
            slot = self._update(host, change)
        if slot is None:
            raise HostHeld(state["following"] - now)
        delay = slot - now
        if delay > 0:
            sleep(delay)
        return delay

    def hold(self, host: str, until: float) -> None:
        """No request to `host` before `until` (monotonic seconds)."""
        with self._lock:
            self._update(host, lambda following: (max(following, until), None))


class SharedHostRateLimiter(HostRateLimiter):
    """The same spacing across the processes that share `directory`."""

    def __init__(self, directory: str):
        super().__init__()
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    def _update(self, host: str, change) -> float:
        """Apply `change(next slot) -> (new next slot, result)` to the host's file under its lock."""
        name = hashlib.sha1(host.encode("utf-8")).hexdigest()[:16]
        fd = os.open(os.path.join(self.directory, name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 64, 0).strip()
            new, result = change(float(raw) if raw else 0.0)
            os.pwrite(fd, f"{new:.6f}".ljust(32).encode("ascii"), 0)
            return result
        finally:
            os.close(fd)   # closing releases the lock


RATE_LIMITER = HostRateLimiter()
_SHARED: dict[str, SharedHostRateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def rate_limiter(directory: str | None) -> HostRateLimiter:
    """The process's limiter, or the one shared through `directory` (one instance per folder)."""
    if not directory:
        return RATE_LIMITER
    with _SHARED_LOCK:
        if directory not in _SHARED:
            _SHARED[directory] = SharedHostRateLimiter(directory)
        return _SHARED[directory]
