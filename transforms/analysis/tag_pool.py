"""Helper processes that tag batches beside the worker, so that one local worker uses a second core.

On a local run the worker's own process carries reading, language, tagging and the shuffles while
trafilatura runs in its child (text/extractor.py) and waits for it half the time; tagging is most
of the worker's work. With `--tag_processes 2` the tagging DoFn hands every other batch to a helper
process and parses the next one itself meanwhile. The helper runs the same tagging code (a
`factory(*args)` callable made once in it) and sends back only the tag fields, so counters and dead
letters stay with the worker. A helper that dies is replaced; its batch is tagged in the worker.

A helper has one batch at a time; the next waits here and is sent (from the executor's thread) the
moment the helper answers, so it never idles while the worker is busy. A batch still waiting here
can be taken back (`reclaim`): at the end of the input the worker tags it itself, beside the
helper's last batch, instead of waiting for the helper to do both on one core.

Processes come from the run's forkserver (transforms/processes.py), as the extraction child does.
"""
from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import CancelledError, Future

from transforms import processes

LOG = logging.getLogger(__name__)
_WORKER = None   # in a helper process: the callable that tags a batch


class HelperError(Exception):
    """An article a helper process could not tag: its error's type and message."""


def _start(factory, args) -> None:
    global _WORKER
    _WORKER = factory(*args)


def _tag(batch: list) -> list:
    return _WORKER(batch)


def _warm(languages: list) -> list:
    return _WORKER.warm(languages)


class TagPool:
    """`helpers` processes, each with its own models (loaded by `warm`, else on first use of a language)."""

    def __init__(self, helpers: int, factory, args: tuple):
        self.helpers, self.factory, self.args = helpers, factory, args
        self._executor = None
        self._lock = threading.RLock()   # re-entered when a batch answers before its callback is set
        self._waiting: collections.deque = collections.deque()   # (future, batch) not yet at a helper
        self._busy = 0                                             # batches at the helpers

    def _pool(self):
        with self._lock:
            if self._executor is None:
                from concurrent.futures import ProcessPoolExecutor
                self._executor = ProcessPoolExecutor(self.helpers, mp_context=processes.context(),
                                                     initializer=_start, initargs=(self.factory, self.args))
            return self._executor

    def warm(self, languages: list) -> list:
        """Start the helpers now, loading these languages' models, so that they are ready for the
        batches to come (on the core the worker's own model loads leave to extraction). Futures of
        the languages each helper has loaded."""
        return [self._pool().submit(_warm, languages) for _ in range(self.helpers)]

    def submit(self, batch: list) -> Future:
        """A future of the batch's [("ok", fields) | ("error", message)], one per article."""
        future = Future()
        with self._lock:
            self._waiting.append((future, batch))
            self._send()
        return future

    def reclaim(self, future: Future) -> bool:
        """Take back a batch no helper has started: True if it was still waiting (the caller tags it)."""
        with self._lock:
            for index, (waiting, _) in enumerate(self._waiting):
                if waiting is future:
                    del self._waiting[index]
                    future.cancel()
                    return True
        return False

    def _send(self) -> None:
        with self._lock:
            while self._waiting and self._busy < self.helpers:
                future, batch = self._waiting.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                self._busy += 1
                try:
                    answer = self._pool().submit(_tag, batch)
                except Exception as error:  # noqa: BLE001 - a broken pool: the caller tags the batch
                    self._busy -= 1
                    future.set_exception(error)
                    continue
                answer.add_done_callback(lambda done, future=future: self._answered(future, done))

    def _answered(self, future: Future, done: Future) -> None:
        with self._lock:
            self._busy -= 1
            error = CancelledError() if done.cancelled() else done.exception()
            if error is None:
                future.set_result(done.result())
            else:
                future.set_exception(error)
            if self._executor is not None:
                self._send()

    def lost(self) -> None:
        """A helper died (or the pool broke): start afresh on the next submit."""
        LOG.warning("a tagging helper process stopped; its batch is tagged in the worker")
        self.close()

    def close(self) -> None:
        with self._lock:
            for future, _ in self._waiting:   # their callers tag them (a cancelled future raises)
                future.cancel()
            self._waiting.clear()
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
