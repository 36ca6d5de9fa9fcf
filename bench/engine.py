"""The live preview's rebuilds, timed in one process as `build.py serve` runs them.

Builds PROJECT into OUT with explainer.incremental.IncrementalBuilder (the engine behind
the preview), then times each edit of bench/edits.py REPEAT times: edit the file, rebuild
with its path (as the watcher passes it), apply the staged files to OUT. Prints one line of
JSON: milliseconds per run of each edit, the outputs each rendered, the first build's
seconds and the process's peak resident memory.

    python bench/engine.py PROJECT OUT [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]
from edits import EDITS  # noqa: E402

from explainer.heap import Heap  # noqa: E402
from explainer.incremental import IncrementalBuilder  # noqa: E402
from explainer.options import BuildOptions  # noqa: E402


def timed_rebuild(builder: IncrementalBuilder, out: Path, changed: set[Path], heap: Heap) -> tuple[float, int]:
    """Milliseconds from the call to the files being in place, and how many outputs were rendered.

    During and after each, the garbage collector is set as the preview sets it (explainer/heap.py);
    the edits follow each other without the idle moment in which the preview collects.
    """
    started = time.perf_counter()
    with heap.rebuilding():  # as explainer/serve.py runs its builder
        rebuild = builder.rebuild(changed)
    assert rebuild.ok, [d.format() for d in rebuild.result.diagnostics if d.is_error]
    if rebuild.changes is not None:
        rebuild.changes.apply(out)
    ms = (time.perf_counter() - started) * 1000
    heap.after_build()
    return ms, len(rebuild.rendered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    builder = IncrementalBuilder(BuildOptions(args.project.resolve(), out=args.out.resolve()), long_lived=True)
    heap = Heap()
    first_ms, first_rendered = timed_rebuild(builder, args.out, set(), heap)
    figures: dict = {"first": {"ms": [first_ms], "rendered": first_rendered}}
    for name, edit in [("no-change", None), *EDITS.items()]:
        runs, rendered = [], 0
        for run in range(args.repeat):
            changed = {edit(args.project.resolve(), run)} if edit is not None else set()
            ms, rendered = timed_rebuild(builder, args.out, changed, heap)
            runs.append(ms)
        figures[name] = {"ms": runs, "rendered": rendered}
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
