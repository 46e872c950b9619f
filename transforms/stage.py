"""What every stage shares: a DoFn that turns a failure into a dead letter instead of a crash.

A stage's logic lives in plain functions; its DoFn subclasses `StageDoFn`, implements
`process_element` and lets `process` do the bookkeeping: count what goes in, out and dead, and route
any exception (or a `Rejected` raised on purpose) to the `DEAD` output with the stage's name.
"""
from __future__ import annotations

import logging

import apache_beam as beam

from schemas.dead_letter import DEAD, dead_letter
from transforms.runtime import counter

LOG = logging.getLogger(__name__)


class Rejected(Exception):
    """An input a stage refuses for a known reason (too large, no article in it, ...)."""

    def __init__(self, reason: str, message: str = "", excerpt: bytes | str | None = None):
        super().__init__(message or reason)
        self.reason = reason
        self.excerpt = excerpt


def input_ref(element) -> str:
    """The reference a dead letter carries: the article's source, else a file path."""
    if isinstance(element, dict):
        return str(element.get("source") or element.get("path") or element.get("url") or "?")
    path = getattr(element, "path", None)  # a whole input file (transforms.read.InputFile)
    return str(path) if path else str(element)[:300]


class StageDoFn(beam.DoFn):
    """Subclasses set `stage` and implement `process_element(element)` (a generator or a list).

    By default an element's outputs are collected first, so that an element that fails part-way
    is one dead letter and nothing else. A stage with many outputs per element (a file of many
    documents) sets `stream_outputs = True`: each output is passed on as soon as it is made, and a
    failure part-way keeps what came before and adds a dead letter for the rest."""

    stage = "stage"
    stream_outputs = False

    def __init__(self):
        super().__init__()
        self._out = counter(f"{self.stage}.out")
        self._dead = counter(f"dead.{self.stage}")

    def process_element(self, element):  # pragma: no cover - abstract
        raise NotImplementedError

    def process(self, element):
        try:
            outputs = self.process_element(element)
            for out in (outputs if self.stream_outputs else list(outputs)):
                if not isinstance(out, beam.pvalue.TaggedOutput):
                    self._out.inc()
                yield out
        except Rejected as why:
            yield self._reject(element, why.reason, str(why), excerpt=why.excerpt)
        except Exception as error:  # noqa: BLE001 - one bad article must never stop the run
            LOG.debug("%s failed on %s", self.stage, input_ref(element), exc_info=True)
            yield self._reject(element, "error", error=error)

    def _reject(self, element, reason: str, message: str = "", *, error=None, excerpt=None):
        self._dead.inc()
        counter(f"dead.{self.stage}.{reason}").inc()
        return beam.pvalue.TaggedOutput(
            DEAD, dead_letter(input_ref(element), self.stage, reason, message, error=error, excerpt=excerpt))

    def dead(self, element, reason: str, message: str = "", *, excerpt=None):
        """For DoFns that emit several outputs per element and lose only some of them."""
        return self._reject(element, reason, message, excerpt=excerpt)


def apply_stage(pcoll, label: str, dofn: StageDoFn):
    """ParDo with the main output and the DEAD output, e.g. `ok, dead = apply_stage(...)`."""
    results = pcoll | label >> beam.ParDo(dofn).with_outputs(DEAD, main="ok")
    return results.ok, results[DEAD]
