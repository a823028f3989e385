"""Python's cyclic garbage collector, run less often while a document is built.

WeasyPrint's layout of a long document keeps hundreds of thousands of objects alive until it is drawn.
With CPython's default thresholds (700, 10, 10) the collector then runs a young collection every 700
allocations and a full one each time the live heap has grown by a quarter, scanning every object each
time: about a tenth of the 54-page treaty's build (bench/bench_engine.py, README Performance). A build
raises the thresholds while it runs and puts back what it found, however it ends, so that a program
calling communique keeps its own settings.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BUILD_THRESHOLDS = (50_000, 50, 10)
"""Young collections every 50,000 allocations and a middle one every 50 of them (measured on the
treaty, one process: 3.60 s with the defaults, 3.24 s with (10,000, 10, 10), 3.20 s with these; peak
memory 172 → 189 MB). Full collections keep CPython's own rule."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, the collector runs at BUILD_THRESHOLDS where they are higher than the program's
    own (a first threshold of 0, collection switched off, stays so)."""
    found = gc.get_threshold()
    if found[0]:
        gc.set_threshold(*(max(mine, theirs) for mine, theirs in zip(BUILD_THRESHOLDS, found, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*found)
