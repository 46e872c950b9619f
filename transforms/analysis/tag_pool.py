"""Helper processes that tag batches beside the worker, so that one local worker uses a second core.

On a local run the worker's own process carries reading, language, tagging and the shuffles while
trafilatura runs in its child (text/extractor.py) and waits for it half the time; tagging is most
of the worker's work. With `--tag_processes 2` the tagging DoFn hands every other batch to a helper
process and parses the next one itself meanwhile. The helper runs the same tagging code (a
`factory(*args)` callable made once in it) and sends back only the tag fields, so counters and dead
letters stay with the worker. A helper that dies is replaced; its batch is tagged in the worker.

Processes come from the run's forkserver (transforms/processes.py), as the extraction child does.
"""
from __future__ import annotations

import logging

from transforms import processes

LOG = logging.getLogger(__name__)
_WORKER = None   # in a helper process: the callable that tags a batch


def _start(factory, args) -> None:
    global _WORKER
    _WORKER = factory(*args)


def _tag(batch: list) -> list:
    return _WORKER(batch)


def _warm(languages: list) -> list:
    return _WORKER.warm(languages)


class TagPool:
    """`helpers` processes, each with its own models (loaded on first use of a language)."""

    def __init__(self, helpers: int, factory, args: tuple):
        self.helpers, self.factory, self.args = helpers, factory, args
        self._executor = None

    def _pool(self):
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

    def submit(self, batch: list):
        """A future of the batch's [("ok", fields) | ("error", message)], one per article."""
        return self._pool().submit(_tag, batch)

    def lost(self) -> None:
        """A helper died (or the pool broke): start afresh on the next submit."""
        LOG.warning("a tagging helper process stopped; its batch is tagged in the worker")
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
