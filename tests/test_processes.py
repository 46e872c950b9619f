"""The run's forkserver: one context for the extraction child and the tagging helpers, whose
children start with spaCy's and trafilatura's code already imported."""
import sys

from transforms import processes


def _preloaded(_):
    return sorted(name for name in processes.PRELOAD if name in sys.modules)


def test_one_context_for_every_child():
    assert processes.context() is processes.context()


def test_children_start_with_the_preload_imported():
    from concurrent.futures import ProcessPoolExecutor

    processes.start_early()
    with ProcessPoolExecutor(1, mp_context=processes.context()) as pool:
        imported = pool.submit(_preloaded, None).result(timeout=120)
    assert imported == sorted(processes.PRELOAD)
