"""The forkserver a local run's child processes come from: the extraction child (text/extractor.py)
and the tagging helpers (analysis/tag_pool.py).

Children fork from a clean, single-threaded server, not from a Beam worker full of gRPC threads.
The server imports PRELOAD once, so each child starts with trafilatura and spaCy's code already
imported (a helper would otherwise spend 3-6 s of a busy core importing spaCy's language classes
while the run is reading). `start_early()` lets the command start the server before it builds the
pipeline: its imports then run on the core the command's own start-up leaves idle, instead of
delaying the first extraction.
"""
from __future__ import annotations

import multiprocessing
import threading

# Import order is start-up order: a module that fails to import is skipped (multiprocessing's rule),
# so a missing optional package costs nothing here.
PRELOAD = ["trafilatura", "transforms.text.extractor", "transforms.analysis.tag",
           "spacy.lang.en", "spacy.lang.fr", "natasha"]

_context = None
_lock = threading.Lock()


def context():
    """The forkserver context, its preload set (the same one for every caller in this process)."""
    global _context
    with _lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(PRELOAD)
        return _context


def start_early() -> None:
    """Start the server now (it would otherwise start with the first child)."""
    from multiprocessing import forkserver
    context()
    forkserver.ensure_running()
