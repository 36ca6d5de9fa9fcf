"""Benchmark (not a test): the preview engine's memory over many rebuilds, in one process, without HTTP.

Makes the saves of bench/serve_memory.py (a fact, a page, the stylesheet, a broken save and
its repair) on a copy of the repository's content (or a generated project), and after each
one rebuilds with explainer.incremental.IncrementalBuilder and moves the changes into the
output folder and settles the heap (explainer/heap.py), as `build.py serve` does. Every --every rebuilds it prints the resident
memory (VmRSS), the memory blocks Python has allocated (every live object, strings too), the
objects the garbage collector tracks and the entries of the bounded text caches (markup,
fragments, i18n: a new statement adds its HTML and plain text until the bound is reached);
with --trace N also the memory tracemalloc traces and the tracebacks (N frames) whose memory
grew most since the previous row (a dict that is resized shows as growth where it was
resized; the total is what counts). A minute for 500
rebuilds of the real content, against serve_memory.py's twenty; with --trace, rebuilds are
some ten to thirty times slower.

Flat blocks after the first rows mean nothing piles up from one rebuild to the next (read
them without --trace: the snapshot kept for comparison is blocks too); RSS also moves with
how the allocator keeps freed memory.

    python bench/engine_memory.py [--rebuilds 500] [--every 50] [--pages N] [--kinds fact,page,style,broken]
                                  [--trace FRAMES [--top 5]]
"""

from __future__ import annotations

import argparse
import gc
import linecache
import os
import sys
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]
from serve_memory import Saves, add_save_arguments, benchmark_project, chosen_kinds, proc_figures  # noqa: E402

from explainer import fragments, i18n, markup  # noqa: E402
from explainer.heap import Heap  # noqa: E402
from explainer.incremental import IncrementalBuilder  # noqa: E402
from explainer.options import BuildOptions  # noqa: E402


def rebuild(builder: IncrementalBuilder, out: Path, changed: set[Path] | None, should_fail: bool,
            heap: Heap) -> None:
    """One rebuild, its changes moved into out, the heap settled as the preview settles it; a broken
    save must fail and any other must succeed."""
    with heap.rebuilding():  # as explainer/serve.py runs its builder
        done = builder.rebuild(changed)
    assert done.ok != should_fail, [d.format() for d in done.result.diagnostics if d.is_error]
    if done.changes is not None:
        done.changes.apply(out)
    heap.after_build(done.ok)


def cached_texts() -> int:
    """Entries in the process-wide text caches; each has a fixed bound, so they stop growing once full."""
    return (len(markup.shared_inline_markdown().cache) + markup.plain_text.cache_info().currsize
            + fragments.passage_url.cache_info().currsize + i18n._pieces.cache_info().currsize)


def row(number: int, previous: tracemalloc.Snapshot | None, top: int) -> tracemalloc.Snapshot | None:
    """Print the figures after `number` rebuilds; return the snapshot to compare the next row with."""
    gc.collect()  # what is not frozen (explainer/heap.py); the frozen objects are counted beside
    line = (f"  {number:>8} {proc_figures(os.getpid())['VmRSS'] / 1024:>8.1f} {sys.getallocatedblocks():>10} "
            f"{len(gc.get_objects()) + gc.get_freeze_count():>10} {len(gc.garbage):>8} {cached_texts():>8}")
    if not tracemalloc.is_tracing():
        print(line, flush=True)
        return None
    line += f" {tracemalloc.get_traced_memory()[0] / 1024:>10.0f}"
    # Leave out the benchmark's own bookkeeping: snapshots, and the source lines read to print tracebacks.
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__),
                                                          tracemalloc.Filter(False, linecache.__file__)])
    print(line, flush=True)
    if previous is not None:
        for stat in [s for s in snapshot.compare_to(previous, "traceback") if s.size_diff > 0][:top]:
            print(f"           {stat.size_diff / 1024:+.1f} kB in {stat.count_diff:+} blocks, allocated at:")
            print("\n".join(f"             {text}" for text in stat.traceback.format(most_recent_first=True)))
    return snapshot


def run(project: Path, rebuilds: int, every: int, kinds: tuple[str, ...], frames: int | None, top: int) -> None:
    out = project.parent / "preview"
    builder = IncrementalBuilder(BuildOptions(project, out=out, base_url="http://127.0.0.1:8000/"), long_lived=True)
    saves = Saves(project, kinds)
    header = f"  {'rebuilds':>8} {'RSS MB':>8} {'blocks':>10} {'gc objects':>10} {'garbage':>8} {'cached':>8}"
    print(header + (f" {'traced kB':>10}" if frames else ""))
    if frames:
        tracemalloc.start(frames)
    heap = Heap()
    rebuild(builder, out, None, should_fail=False, heap=heap)
    snapshot = None
    try:
        for number in range(rebuilds + 1):
            if number % every == 0:
                snapshot = row(number, snapshot, top)
            if number < rebuilds:
                kind, path, _ = saves.write(number + 1)
                rebuild(builder, out, {path}, should_fail=kind == "broken", heap=heap)
    finally:
        saves.restore()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_save_arguments(parser)
    parser.add_argument("--trace", type=int, metavar="FRAMES", help="trace allocations, grouped by FRAMES frames")
    parser.add_argument("--top", type=int, default=5, help="with --trace: how many growing tracebacks to show")
    args = parser.parse_args(argv)
    kinds = chosen_kinds(parser, args)
    with benchmark_project(args.pages, "explainer-engine-memory-") as project:
        run(project, args.rebuilds, args.every, kinds, args.trace, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
