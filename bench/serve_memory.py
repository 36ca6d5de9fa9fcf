"""Benchmark (not a test): the preview server's memory, threads and open files over many rebuilds.

Starts `build.py serve` as its own process on a copy of the repository's content (or a
generated project), then saves edits one after another: a fact's statement, a page's text,
the stylesheet, and now and then a broken file that the next save repairs. After each save
it waits until the change is served (or the failure is logged). Every --every rebuilds it
reads the server's resident memory (VmRSS), peak (VmHWM), threads and open file
descriptors from /proc, and sends --clients concurrent requests to check they all succeed.

    python bench/serve_memory.py [--rebuilds 500] [--every 50] [--clients 200]
                                 [--pages N]   # a generated project instead of the real content
                                 [--kinds fact,page,style,broken]

A stylesheet edit renames the fingerprinted stylesheet, so it re-renders every page: on a
large generated project leave it out (--kinds fact,page,broken).

Target (issue 8): memory stays flat over 500 rebuilds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import default_sizes, generate  # noqa: E402
from serve_latency import Server, one_line_fact, real_project  # noqa: E402

POLL_SECONDS = 0.005
WAIT_SECONDS = 1800  # the longest a rebuild may take before the benchmark gives up
KINDS = ("fact", "page", "style", "broken")
SETTLE_SECONDS = 0.1  # after a save is served, before the next: one save, one rebuild


def proc_figures(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in kB, threads and open file descriptors of a running process."""
    status = Path(f"/proc/{pid}/status").read_text()
    figures = {key: int(re.search(rf"^{key}:\s+(\d+)", status, re.M).group(1)) for key in ("VmRSS", "VmHWM", "Threads")}
    figures["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return figures


def crowd(server: Server, paths: list[str], clients: int) -> tuple[int, float]:
    """`clients` concurrent GETs; return how many failed and the wall time in seconds."""
    failures: list[object] = []
    start = threading.Barrier(clients)

    def client(path: str) -> None:
        try:
            start.wait(timeout=60)
            if "</html>" not in server.get(path):
                failures.append(path)
        except Exception as exc:  # noqa: BLE001 (a benchmark counts every kind of failure)
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(paths[i % len(paths)],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return len(failures), time.perf_counter() - started


class Saves:
    """The saves a writer makes, one rebuild each, cycling through the kinds of change."""

    def __init__(self, project: Path, kinds: tuple[str, ...] = KINDS) -> None:
        self.kinds = [kind for kind in kinds if kind != "broken"]
        self.with_broken = "broken" in kinds
        self.fact_file, self.fact_id = one_line_fact(project)
        self.fact_text = self.fact_file.read_text(encoding="utf-8")
        match = re.search(rf"(- id: {re.escape(self.fact_id)}\n  statement: \"?)([^\n\"]*)", self.fact_text)
        assert match, f"no statement for {self.fact_id} in {self.fact_file}"
        self.statement = re.compile(re.escape(match.group(0)))
        self.statement_prefix = match.group(1)
        self.page_file = sorted((project / "content/pages").glob("*.md"))[0]
        self.page_text = self.page_file.read_text(encoding="utf-8")
        slug = re.search(r"^slug: *\"?([a-z0-9/-]+)", self.page_text, re.M).group(1)
        self.page_url = "/" if slug == "index" else f"/{slug}/"
        self.style_file = project / "static/style.css"
        self.style_text = self.style_file.read_text(encoding="utf-8")
        self.broken = False

    def restore(self) -> None:
        self.fact_file.write_text(self.fact_text, encoding="utf-8")
        self.page_file.write_text(self.page_text, encoding="utf-8")
        self.style_file.write_text(self.style_text, encoding="utf-8")

    def write(self, number: int) -> tuple[str, Path, str]:
        """Make save number `number`; return its kind, the file saved and the marker it put in."""
        marker = f"memory bench edit {number} {time.time_ns()}"
        if self.with_broken and number % 25 == 24:  # a broken save: the rebuild fails and the last good site stays
            self.fact_file.write_text(self.fact_text + "\n- id: [unclosed\n", encoding="utf-8")
            self.broken = True
            return "broken", self.fact_file, marker
        kind = "fact" if self.broken else self.kinds[number % len(self.kinds)]  # a fact save repairs the file
        self.broken = False
        if kind == "fact":
            self.fact_file.write_text(self.statement.sub(lambda m: self.statement_prefix + marker, self.fact_text, 1),
                                      encoding="utf-8")
            return kind, self.fact_file, marker
        if kind == "page":
            self.page_file.write_text(self.page_text + f"\n{marker}\n", encoding="utf-8")
            return kind, self.page_file, marker
        self.style_file.write_text(self.style_text + f"\n/* {marker} */\n", encoding="utf-8")
        return kind, self.style_file, marker


class Editor(Saves):
    """Saves made against a running server, each waited for until it is served (or its failure logged)."""

    def __init__(self, project: Path, server: Server, kinds: tuple[str, ...] = KINDS) -> None:
        super().__init__(project, kinds)
        self.server = server
        self.failures_logged = 0

    def save(self, number: int) -> str:
        """Make save number `number` and wait until it is served; return its kind."""
        kind, _, marker = self.write(number)
        if kind == "broken":
            self._wait(lambda: self._failures() > self.failures_logged, "the failed rebuild")
            self.failures_logged = self._failures()
        elif kind == "fact":
            self._wait(lambda: marker in self.server.get(f"/facts/{self.fact_id}/"), "the fact edit")
        elif kind == "page":
            self._wait(lambda: marker in self.server.get(self.page_url), "the page edit")
        else:
            self._wait(lambda: self.rebuilds_logged() >= number, "the stylesheet rebuild")
        return kind

    def _failures(self) -> int:
        return sum(1 for line in self.server.lines if line.startswith("Rebuild failed"))

    def rebuilds_logged(self) -> int:
        return sum(1 for line in self.server.lines if line.startswith(("Rebuilt ", "Rebuild failed")))

    def _wait(self, condition, what: str) -> None:
        started = time.perf_counter()
        while not condition():
            if time.perf_counter() - started > WAIT_SECONDS:
                raise RuntimeError(f"{what} was not served within {WAIT_SECONDS} s:\n" + "".join(self.server.lines[-10:]))
            time.sleep(POLL_SECONDS)
        time.sleep(SETTLE_SECONDS)


def run(project: Path, rebuilds: int, every: int, clients: int, kinds: tuple[str, ...] = KINDS) -> None:
    server = Server(project, startup_timeout=3600)
    editor = Editor(project, server, kinds)
    paths = ["/", f"/facts/{editor.fact_id}/", "/missing/"]
    rows = []
    counts: dict[str, int] = {}
    started = time.perf_counter()
    try:
        for number in range(rebuilds + 1):
            if number % every == 0:
                failed, seconds = crowd(server, paths, clients) if clients else (0, 0.0)
                rows.append((number, proc_figures(server.process.pid), failed, seconds))
            if number < rebuilds:
                kind = editor.save(number + 1)
                counts[kind] = counts.get(kind, 0) + 1
    finally:
        editor.restore()
        server.stop()
    elapsed = time.perf_counter() - started
    logged = editor.rebuilds_logged()
    print(f"\n{project.name}: {rebuilds} saves in {elapsed:.0f} s ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
          f"the server logged {logged} rebuilds")
    print(f"  {'rebuilds':>8} {'RSS MB':>8} {'peak MB':>8} {'threads':>8} {'open fds':>8}   {clients} concurrent GETs")
    for number, figures, failed, seconds in rows:
        crowd_text = f"{failed} failed, {seconds:.2f} s" if clients else "-"
        print(f"  {number:>8} {figures['VmRSS'] / 1024:>8.1f} {figures['VmHWM'] / 1024:>8.1f} "
              f"{figures['Threads']:>8} {figures['fds']:>8}   {crowd_text}")
    resident = [figures["VmRSS"] for _, figures, _, _ in rows]
    print(f"  RSS first {resident[0] / 1024:.1f} MB, last {resident[-1] / 1024:.1f} MB, "
          f"max {max(resident) / 1024:.1f} MB (of {len(rows)} samples); peak (VmHWM) {rows[-1][1]['VmHWM'] / 1024:.1f} MB")
    if len(rows) >= 3:
        warm, last = rows[1][1]["VmRSS"], rows[-1][1]["VmRSS"]
        span = rows[-1][0] - rows[1][0]
        print(f"  RSS after the first {rows[1][0]} rebuilds: {warm / 1024:.1f} MB; then {(last - warm) / 1024:+.1f} MB "
              f"over {span} rebuilds ({(last - warm) / 1024 / span * 100:+.2f} MB per 100)")
    settled = [(number, figures["VmRSS"] / 1024) for number, figures, _, _ in rows if number >= rows[-1][0] / 5]
    if len(settled) >= 3:  # the trend once the caches and the allocator have settled, not two samples' difference
        slope = statistics.linear_regression([n for n, _ in settled], [mb for _, mb in settled]).slope
        values = [mb for _, mb in settled]
        print(f"  from rebuild {settled[0][0]} on: RSS {min(values):.1f} to {max(values):.1f} MB, least-squares trend "
              f"{slope * 100:+.2f} MB per 100 rebuilds")


def add_save_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the memory benchmarks (this one and engine_memory.py): the saves and the project."""
    parser.add_argument("--rebuilds", type=int, default=500)
    parser.add_argument("--every", type=int, default=50, help="rebuilds between measurements")
    parser.add_argument("--pages", type=int, help="use a generated project of this many pages")
    parser.add_argument("--kinds", default=",".join(KINDS), help="the kinds of save to cycle through")


def chosen_kinds(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, ...]:
    kinds = tuple(args.kinds.split(","))
    if not set(kinds) <= set(KINDS) or not set(kinds) - {"broken"}:
        parser.error(f"--kinds: one or more of {', '.join(KINDS)}, not only broken")
    return kinds


@contextmanager
def benchmark_project(pages: int | None, prefix: str) -> Iterator[Path]:
    """A copy of the repository's content, or a generated project of `pages` pages, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
        folder = Path(temporary)
        yield generate(folder / "synthetic", default_sizes(pages)) if pages else real_project(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_save_arguments(parser)
    parser.add_argument("--clients", type=int, default=200, help="concurrent requests at each measurement (0: none)")
    args = parser.parse_args(argv)
    kinds = chosen_kinds(parser, args)
    with benchmark_project(args.pages, "explainer-memory-") as project:
        run(project, args.rebuilds, args.every, args.clients, kinds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
