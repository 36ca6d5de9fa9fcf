"""The preview's memory between rebuilds: the garbage collector and the C allocator.

A long-lived preview holds the whole site, its indexes and caches: a few million Python
objects at 4,000 pages. CPython's full garbage collection walks every one of them
(~0.35 s there), and it starts one every few rebuilds, in the middle of the rebuild a
writer is waiting for. So after each build the objects then alive are frozen out of the
collector's reach (gc.freeze): later collections walk only what is newer. Frozen objects
that die are still freed by reference counting; only the rare cycle among them waits for
a full collection, which runs when the preview is idle or, at the latest, every
COLLECT_EVERY builds.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

IDLE_SECONDS = 1.0     # no change for this long: the writer is reading, collect now
COLLECT_EVERY = 50     # builds between full collections when there is never an idle moment
REBUILD_THRESHOLD = 50_000  # new objects between automatic collections while a rebuild runs (rebuilding)


# The collector's threshold is one for the whole process: rebuilds that overlap (two previews in
# one test process, one that outlived its stop()) raise it once, and the last one out puts back
# what was there before, unless somebody set another value meanwhile.
_threshold_lock = threading.Lock()
_rebuilds_running = 0
_threshold_before: tuple[int, ...] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's automatic collections every REBUILD_THRESHOLD new objects instead of every 700."""
    global _rebuilds_running, _threshold_before
    with _threshold_lock:
        if not _rebuilds_running:
            _threshold_before = gc.get_threshold()
            gc.set_threshold(REBUILD_THRESHOLD, *_threshold_before[1:])
        _rebuilds_running += 1
    try:
        yield
    finally:
        with _threshold_lock:
            _rebuilds_running -= 1
            if not _rebuilds_running and gc.get_threshold() == (REBUILD_THRESHOLD, *_threshold_before[1:]):
                gc.set_threshold(*_threshold_before)


class Heap:
    """When to collect garbage in a long-lived process that rebuilds (the preview)."""

    def __init__(self) -> None:
        self.builds_since_collection = 0
        self.frozen = False
        self.built = False  # a build succeeded: its objects are frozen, and later rebuilds change a part

    def after_build(self, ok: bool = True) -> None:
        """Collect what the build left (only objects made since the last freeze are walked), then
        freeze the rest and return freed memory; the first build, and every COLLECT_EVERY-th,
        walks everything. `ok`: the build succeeded."""
        self.builds_since_collection += 1
        self.built = self.built or ok
        if not self.frozen or self.builds_since_collection >= COLLECT_EVERY:
            self.collect()
        else:
            gc.collect()
            gc.freeze()
            release_free_memory()

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Automatic collections every REBUILD_THRESHOLD new objects instead of every 700, while a
        rebuild runs (fewer_collections); after_build collects what it left anyway.

        A one-fact save at 4,000 pages made about seventy young-generation collections, and each
        walked the rebuild's new dicts and lists, whose entries are thousands of the site's frozen,
        long untouched objects: 125 -> 118 ms a save. The collector is not turned off: a rebuild
        of every page (a base template edited) leaves hundreds of thousands of cyclic objects,
        which this threshold keeps to about ten megabytes. Until a build has succeeded, a rebuild
        loads and renders the whole site and keeps the usual threshold.
        """
        if not self.built:
            yield
            return
        with fewer_collections():
            yield

    def idle_wait(self) -> float | None:
        """How long to wait for a change before collecting; None: nothing to collect."""
        return IDLE_SECONDS if self.builds_since_collection else None

    def collect(self) -> None:
        """A full collection of everything, then freeze the survivors and return freed memory."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.frozen = True
        self.builds_since_collection = 0
        release_free_memory()

    def release(self) -> None:
        """Hand every object back to the collector (the preview stopped; tests run many in one process)."""
        gc.unfreeze()
        self.frozen = False
        self.builds_since_collection = 0


def release_free_memory() -> None:
    """Give the memory a rebuild freed back to the system (glibc's malloc_trim; elsewhere nothing).

    Python frees a rebuild's objects, but the C allocator keeps the freed pages between
    live ones, and over hundreds of rebuilds the preview's resident memory crept up.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library is already loaded: no search
    except (OSError, AttributeError, TypeError):  # TypeError: Windows has no CDLL(None)
        return None
