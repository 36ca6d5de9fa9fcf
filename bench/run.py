"""Benchmark (not a test): full and incremental builds of generated projects, against the floor.

For each size it generates a project (bench/generate.py: 400-800-word pages citing 5-20
facts each, two facts per page, a source per eight pages) and measures, each build in a
fresh process as a writer runs it:

  floor          the pages' Markdown through Python-Markdown and a trivial Jinja template,
                 written to disk, in one process (bench/floor.py);
  full builds    `build.py --no-cache` in one process and in --jobs processes, and the
                 first `build.py` (which also fills the build cache);
  rebuilds       `build.py` again with no change, then after a one-fact, a one-page and a
                 one-template edit (bench/edits.py), using the build cache;
  preview        the same edits through the live preview's in-process engine
                 (bench/engine.py), median of --repeat runs each.

Peak memory is the ru_maxrss of the build's process (os.wait4), the largest of its worker
processes included. Every figure is printed as a ratio to the floor measured in the same
run, next to its target (performance issue). At the end the cached output is compared
with a fresh `build.py --no-cache` of the edited project: they must be identical.

    python bench/run.py                    # 1,000 and 4,000 pages
    python bench/run.py --pages 250        # other sizes
    python bench/run.py --quick            # 40 pages, three runs per edit: a minute at most
    python bench/run.py --keep DIR         # keep the projects and sites in DIR
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]
from edits import EDITS  # noqa: E402
from generate import default_sizes, generate  # noqa: E402

from explainer.parallel import default_jobs  # noqa: E402

PYTHON = sys.executable
BUILD = str(REPO / "build.py")


@dataclass
class Run:
    """One process, measured from outside."""

    wall: float           # seconds
    user: float           # CPU seconds in user mode, worker processes included
    system: float         # CPU seconds in the kernel (for a build, mostly making its folders and files)
    peak_mb: float        # the largest resident set of the process or any of its workers
    output: str


def measure(*args: str) -> Run:
    """Run a command to completion; fail loudly if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen([*args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {process.returncode}:\n{output[-3000:]}")
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, output)


def build(project: Path, out: Path, *options: str) -> Run:
    return measure(PYTHON, BUILD, "--project", str(project), "--out", str(out), *options)


def same_tree(left: Path, right: Path) -> bool:
    """Same files with the same bytes."""
    def files(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    names = files(left)
    return names == files(right) and all(filecmp.cmp(left / n, right / n, shallow=False) for n in names)


# ---------------------------------------------------------------- printing

class Table:
    """Rows of figures, each with its ratio to a reference and its target."""

    def __init__(self, floor: Run, pages: int) -> None:
        self.floor, self.pages = floor, pages
        print(f"  {'':44} {'wall':>9} {'ms/page':>8} {'user':>8} {'system':>8} {'peak':>8}  {'ratio':>16}  target")

    def row(self, name: str, run: Run | None = None, seconds: float | None = None, ratio: str = "",
            target: str = "", met: bool | None = None, per_page: bool = True) -> None:
        wall = run.wall if run else seconds or 0.0
        cpu = f"{run.user:7.2f}s {run.system:7.2f}s" if run else f"{'':8} {'':8}"
        peak = f"{run.peak_mb:6.0f}MB" if run else ""
        page = f"{wall * 1000 / self.pages:8.1f}" if per_page else ""
        verdict = "" if met is None else (" met" if met else " NOT MET")
        print(f"  {name:44} {format_seconds(wall):>9} {page:>8} {cpu} {peak:>8}  {ratio:>16}  {target}{verdict}")

    def vs_floor(self, run: Run) -> float:
        return run.wall / self.floor.wall


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def load_average() -> str:
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- one size

def bench_size(pages: int, folder: Path, jobs: int, repeat: int) -> dict:
    """Measure everything for one generated project; print the table; return the figures."""
    sizes = default_sizes(pages)
    project = generate(folder / f"project-{pages}", sizes)
    site, reference = folder / f"site-{pages}", folder / f"reference-{pages}"
    print(f"\n{pages:,} pages, {sizes.facts:,} facts, {sizes.sources:,} sources, {sizes.actors:,} actors "
          f"({jobs} CPUs; load average before: {load_average()})")
    floor = measure(PYTHON, str(BENCH / "floor.py"), str(project), str(folder / f"floor-{pages}"))
    table = Table(floor, pages)
    table.row("floor: Markdown + trivial template, 1 process", floor, ratio="1.00x floor")

    single = build(project, folder / "scratch-1", "--no-cache", "--jobs", "1")
    table.row("full build, 1 process, --no-cache", single, ratio=f"{table.vs_floor(single):.2f}x floor",
              target="<= 1.3x floor", met=table.vs_floor(single) <= 1.3)
    parallel = build(project, folder / "scratch-n", "--no-cache", "--jobs", str(jobs))
    table.row(f"full build, {jobs} processes, --no-cache", parallel, ratio=f"{table.vs_floor(parallel):.2f}x floor",
              target="< 1x floor (2+ cores)", met=table.vs_floor(parallel) < 1 if jobs > 1 else None)
    first = build(project, site, "--jobs", str(jobs))
    table.row(f"first build with the cache, {jobs} processes", first, ratio=f"{table.vs_floor(first):.2f}x floor")
    first_single = build(project, folder / "scratch-1c", "--jobs", "1")
    table.row("first build with the cache, 1 process", first_single, ratio=f"{table.vs_floor(first_single):.2f}x floor",
              target="peak <= 300 MB", met=first_single.peak_mb <= 300 if pages >= 4000 else None)
    # The scratch sites stay until the run ends: removing tens of thousands of files makes the disk
    # slower for a while (much slower where it is mounted with `discard`), and the rebuilds below
    # would pay for it.

    # Rebuilds use --jobs like the full build they are compared with.
    unchanged = build(project, site, "--jobs", str(jobs))
    share = unchanged.wall / parallel.wall
    table.row("no-change rebuild (cache)", unchanged, ratio=f"{share:.1%} of full", target="<= 5% of full",
              met=share <= 0.05, per_page=False)
    cli: dict[str, Run] = {}
    for name, edit in EDITS.items():
        edit(project, 1000)
        cli[name] = build(project, site, "--jobs", str(jobs))
        table.row(f"{name} edit, new process (cache)", cli[name], ratio=f"{cli[name].wall / parallel.wall:.1%} of full",
                  per_page=False)
        print(f"  {'':46}{rendered_note(cli[name].output)}")

    engine_out = folder / f"preview-{pages}"
    engine_run = measure(PYTHON, str(BENCH / "engine.py"), str(project), str(engine_out), "--repeat", str(repeat))
    engine = json.loads(engine_run.output.strip().splitlines()[-1])
    print(f"  in the preview's engine, one process (median of {repeat}; first build "
          f"{format_seconds(engine['first']['ms'][0] / 1000)}, peak {engine['peak_mb']:.0f} MB):")
    for name in ("no-change", *EDITS):
        runs = engine[name]["ms"]
        median = statistics.median(runs) / 1000
        target, met = ("<= 100 ms at 4,000 pages", median <= 0.1) if name == "one-fact" else ("", None)
        table.row(f"  {name} edit" if name != "no-change" else "  no-change rebuild", seconds=median,
                  ratio=f"{engine[name]['rendered']} rendered", target=target,
                  met=met if pages >= 4000 or met is None else None, per_page=False)
        print(f"  {'':46}runs: {' '.join(f'{ms:.0f}' for ms in runs)} ms")

    # The engine edited the project after the last cached build: bring the site up to date first.
    build(project, site, "--jobs", str(jobs))
    check = build(project, reference, "--no-cache", "--jobs", str(jobs))
    identical = same_tree(site, reference)
    identical_preview = same_tree(engine_out, reference)
    print(f"  output check: the cached site {'equals' if identical else 'DIFFERS FROM'} a fresh --no-cache build; "
          f"the preview engine's {'equals' if identical_preview else 'DIFFERS FROM'} it too")
    if not (identical and identical_preview):
        raise SystemExit("the benchmark's sites differ: see above")
    return {"pages": pages, "floor": floor.wall, "single": single.wall, "parallel": parallel.wall,
            "first": first.wall, "unchanged": unchanged.wall, "peak_mb": first_single.peak_mb,
            "check": check.wall, **{f"cli {k}": v.wall for k, v in cli.items()},
            **{f"engine {k}": statistics.median(engine[k]["ms"]) for k in ("no-change", *EDITS)}}


def rendered_note(output: str) -> str:
    """The build's own summary of what it rendered, from its last lines."""
    for line in output.splitlines():
        if line.startswith("Built "):
            return line.split(" in ", 1)[-1]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="1000,4000", help="comma-separated project sizes (default: 1000,4000)")
    parser.add_argument("--quick", action="store_true", help="one small project (40 pages), three runs per edit")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes for the parallel builds")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each edit in the preview's engine")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the projects and sites in DIR (must not exist)")
    args = parser.parse_args(argv)
    sizes = [40] if args.quick else [int(n) for n in args.pages.split(",")]
    repeat = 3 if args.quick else args.repeat
    print(f"explainer benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load_average()}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="explainer-bench-"))
    if args.keep:
        folder.mkdir(parents=True)
    try:
        for pages in sizes:
            bench_size(pages, folder, args.jobs, repeat)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
