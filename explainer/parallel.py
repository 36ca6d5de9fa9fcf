"""Rendering in several processes: forked workers that inherit the loaded site and renderer.

A build gathers and validates everything in one process, then renders. Rendering is the
bulk of the work and each output is independent, so workers forked after gathering can
share the parent's memory (copy-on-write) and render contiguous chunks of the outputs;
the parent reads their results back in output order, so a build with `--jobs 4` writes
the same bytes and reports the same diagnostics as one with `--jobs 1`.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
from typing import Any, Callable, Iterator, Sequence, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items per worker, forking costs more than it saves.
MIN_ITEMS_PER_JOB = 64
# Small chunks keep both workers busy to the end; each costs one round trip to the parent.
CHUNK_SIZE = 32
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies

# The work of the current map: set before the pool forks, so workers inherit it instead of
# receiving the site and renderer through pickling.
_task: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def map_in_processes(function: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> Iterator[Result]:
    """function(item) for each item, in order; in `jobs` forked workers when that pays.

    `function` and whatever it reaches are inherited by the workers, not pickled; only
    its results travel back, so they must be picklable. Stopping the iteration early
    stops the workers.
    """
    jobs = min(jobs, len(items) // MIN_ITEMS_PER_JOB)
    if jobs <= 1 or not can_fork():
        yield from map(function, items)
        return
    global _task
    _task = (function, items)
    chunks = [range(start, min(start + CHUNK_SIZE, len(items))) for start in range(0, len(items), CHUNK_SIZE)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_die_with, initargs=(os.getpid(),)) as pool:
            for results in pool.imap(_run_chunk, chunks):
                yield from results
    finally:
        _task = None


def _die_with(parent: int) -> None:
    """Make a worker end when the build does, even on SIGKILL: an orphan would wait forever
    for work and keep writing into a staging folder the next build removes (Linux only)."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # libc is already loaded: no search, no subprocess
    except (OSError, AttributeError):
        return  # not Linux: workers end when the pool's pipes close
    if os.getppid() != parent:  # the build died before the line above took effect
        os._exit(1)


def _run_chunk(indices: range) -> list[Any]:
    assert _task is not None, "a worker must be forked from map_in_processes"
    function, items = _task
    return [function(items[index]) for index in indices]
