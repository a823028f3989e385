"""Python's cyclic garbage collector, run less often while a document is built.

WeasyPrint's layout of a long document keeps hundreds of thousands of objects alive until it is drawn.
With CPython's default thresholds (700, 10, 10) the collector moves them through its middle generation
every 7,000 allocations and runs a full collection each time the live heap has grown by a quarter,
scanning every object each time: about a tenth of the 54-page treaty's build (README Performance). A
build raises the thresholds while it runs, never lowering one, and puts back what it found however it
ends, so that a program calling communique keeps its own settings.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BUILD_THRESHOLDS = (700, 1000, 10)
"""Young collections as CPython makes them (short-lived garbage goes at once), middle ones a hundred times
less often, so that the long-lived layout rarely reaches a full collection. Measured warm, a new process
per setting, alternating (medians): the treaty 3.40 s with the defaults, 3.14 s with these, 3.15 s with
(50,000, 50, 10); four-languages 652 → 598 ms; the two-page seed's median 167 → 172 ms but its mean 176 →
173 ms (the defaults' occasional full collection is what a median leaves out). The treaty's peak memory
172 → 189 MB."""


_lock = threading.Lock()
_builds = 0
"""Builds running in this process (threads, or one build inside another): the first raises the thresholds,
the last out puts back what the first found."""
_found: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, the collector runs at BUILD_THRESHOLDS where they are higher than the program's
    own (a first threshold of 0, collection switched off, stays so)."""
    global _builds, _found
    with _lock:
        if not _builds:
            _found = gc.get_threshold()
            if _found[0]:
                gc.set_threshold(
                    *(max(mine, theirs) for mine, theirs in zip(BUILD_THRESHOLDS, _found, strict=True))
                )
        _builds += 1
    try:
        yield
    finally:
        with _lock:
            _builds -= 1
            if not _builds:
                gc.set_threshold(*_found)
