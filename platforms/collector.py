"""Python's cyclic garbage collector paused around work that makes many short-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collections_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (reference counting still frees what is
    dropped), then resumed if it was running. Also a decorator: ``@collections_paused()``.

    Work that allocates many objects at once (the impact walk's 10,000 rows, an import's few
    million records, instances and plan items) sets off collections counted by allocations,
    each going over everything still alive and, every few runs, a full collection of all the
    process holds, finding almost nothing to free. The collector is the process's: another
    thread may resume it before this work ends, which only lets collections run as before."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
