"""Benchmark (not a test): from saving a one-fact edit to the rebuilt page being served.

Starts `build.py serve` as its own process, edits one fact's statement, and waits until
the fact's page is served with the new text; repeats, then prints the median, the spread,
min, max and N, and the server's own rebuild times (the pages, then the site-wide data
files it makes after the page is served: preview.DEFERRED_KINDS). It does this on the repository's
content and on a generated project (bench/generate.py, 4,000 pages by default).

    python bench/serve_latency.py [--runs 12] [--pages 4000] [--only real|synthetic]
                                  [--synthetic DIR]   # reuse a generated project
                                  [--wait events|poll]

By default it waits as a browser does: for the server's reload event, then one GET of the
page (--wait poll polls the page every 2 ms instead; on a busy machine the polling itself
slows the server). It also prints the server's CPU time per save, which, unlike the
latency, hardly depends on what else the machine is doing.

Target (issue 4): under 150 ms on the 4,000-page project.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import default_sizes, generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.002
WAIT_SECONDS = 600


class Server:
    """`build.py serve` in a child process; its log lines are collected as they come."""

    def __init__(self, project: Path, startup_timeout: float) -> None:
        self.process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--project", str(project),
                                         "--port", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(startup_timeout):
            self.stop()
            raise RuntimeError("the server did not start:\n" + "".join(self.lines[-20:]))
        url = next(line for line in self.lines if line.startswith("Serving on ")).split()[2]
        self.port = int(url.rstrip("/").rsplit(":", 1)[1])

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith("Serving on "):
                self.ready.set()

    def get(self, path: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            return connection.getresponse().read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def rebuild_times(self) -> list[float]:
        return [float(m.group(1)) for line in self.lines if (m := re.search(r"^Rebuilt .* in (\d+) ms", line))]

    def deferred_times(self) -> list[float]:
        """The site-wide data files each save makes after its pages are served (preview.DEFERRED_KINDS)."""
        return [float(m.group(1)) for line in self.lines
                if (m := re.search(r"^Then \d+ site-wide data files in (\d+) ms", line))]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Events:
    """The server's reload events, as an open page receives them."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
        self.socket.sendall(b"GET /__explainer__/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.buffer = b""

    def next_state(self) -> dict:
        while True:
            while b"\n\n" not in self.buffer:
                chunk = self.socket.recv(65536)
                if not chunk:
                    raise ConnectionError("the event stream ended")
                self.buffer += chunk
            message, self.buffer = self.buffer.split(b"\n\n", 1)
            if b"event: state" in message:
                return json.loads(message.split(b"data: ", 1)[1])

    def close(self) -> None:
        self.socket.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_by_polling(server: Server, page: str, marker: str, saved: float) -> None:
    while marker not in server.get(page):
        if time.perf_counter() - saved > WAIT_SECONDS:
            raise RuntimeError("the edit was not served in time:\n" + "".join(server.lines[-10:]))
        time.sleep(POLL_SECONDS)


def wait_for_event(server: Server, events: Events, page: str, marker: str) -> None:
    """As a browser does: wait for the reload event, then fetch the page (again if it is not the new one yet)."""
    while True:
        state = events.next_state()
        if state["errors"]:
            raise RuntimeError("the rebuild failed: " + "; ".join(state["errors"]))
        if marker in server.get(page):
            return


def measure(project: Path, fact_file: Path, fact_id: str, runs: int, startup_timeout: float, wait: str) -> dict:
    """Edit the statement of fact_id `runs` times; return the latencies in ms and the server's figures."""
    started = time.perf_counter()
    server = Server(project, startup_timeout)
    startup = time.perf_counter() - started
    page = f"/facts/{fact_id}/"
    original = fact_file.read_text(encoding="utf-8")
    statement = re.compile(rf"(- id: {re.escape(fact_id)}\n  statement: \"?)([^\n\"]*)")
    assert statement.search(original), f"no statement for {fact_id} in {fact_file}"
    latencies: list[float] = []
    cpu: list[float] = []
    events = Events(server.port)
    events.next_state()  # the state at connection time
    try:
        for run in range(runs):
            marker = f"Edited for the latency benchmark, run {run} {time.time_ns()}"
            text = statement.sub(lambda m: m.group(1) + marker, original, count=1)
            cpu_before = cpu_seconds(server.process.pid)
            fact_file.write_text(text, encoding="utf-8")
            saved = time.perf_counter()
            if wait == "poll":
                wait_by_polling(server, page, marker, saved)
            else:
                wait_for_event(server, events, page, marker)
            latencies.append((time.perf_counter() - saved) * 1000)
            time.sleep(0.3)  # let the watcher settle, and the server finish, before the next save
            cpu.append((cpu_seconds(server.process.pid) - cpu_before) * 1000)
    finally:
        events.close()
        fact_file.write_text(original, encoding="utf-8")
        server.stop()
    return {"latencies": latencies, "cpu": cpu, "rebuilds": server.rebuild_times(),
            "deferred": server.deferred_times(), "startup": startup,
            "summary": next((line.strip() for line in server.lines if line.startswith("Built ")), ""),
            "wait": wait, "load": os.getloadavg()}


def report(name: str, figures: dict) -> None:
    values = figures["latencies"]
    quartiles = statistics.quantiles(values, n=4) if len(values) >= 2 else [values[0]] * 3
    print(f"\n{name}")
    print(f"  first build: {figures['summary']} (server ready after {figures['startup']:.1f} s)")
    print(f"  waiting by {'polling the page every 2 ms' if figures['wait'] == 'poll' else 'the reload event, then one GET'}; "
          f"load average at the end {' '.join(f'{v:.2f}' for v in figures['load'])} on {os.cpu_count()} CPUs")
    print(f"  save -> served: median {statistics.median(values):.0f} ms, min {min(values):.0f} ms, "
          f"max {max(values):.0f} ms, interquartile {quartiles[0]:.0f}-{quartiles[2]:.0f} ms, "
          f"stdev {statistics.pstdev(values):.0f} ms, N = {len(values)}")
    rebuilds = figures["rebuilds"]
    if rebuilds:
        print(f"  of which the rebuild itself (server log): median {statistics.median(rebuilds):.0f} ms, "
              f"min {min(rebuilds):.0f} ms, max {max(rebuilds):.0f} ms")
    deferred = figures["deferred"]
    if deferred:
        print(f"  then, after the page was served, the site-wide data files (server log): median "
              f"{statistics.median(deferred):.0f} ms, min {min(deferred):.0f} ms, max {max(deferred):.0f} ms")
    print("  runs (ms): " + " ".join(f"{v:.0f}" for v in values))
    cpu = figures["cpu"]
    print(f"  the server's CPU time per save, all it caused (user + system, 10 ms ticks): "
          f"median {statistics.median(cpu):.0f} ms, "
          f"min {min(cpu):.0f} ms, max {max(cpu):.0f} ms")


def one_line_fact(project: Path) -> tuple[Path, str]:
    """The first fact (by file name) whose statement is written on one line: its file and id."""
    for path in sorted((project / "content/facts").glob("*.yaml")):
        match = re.search(r"^- id: ([a-z0-9-]+)\n  statement: (?![>|])", path.read_text(encoding="utf-8"), re.M)
        if match:
            return path, match.group(1)
    raise RuntimeError(f"no fact in {project}/content/facts has its statement on one line")


def real_project(folder: Path) -> Path:
    project = folder / "real"
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, project / name)
    return project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--only", choices=("real", "synthetic"))
    parser.add_argument("--synthetic", type=Path, help="a project made by bench/generate.py to reuse")
    parser.add_argument("--wait", choices=("events", "poll"), default="events",
                        help="how to see the new page: the reload event then one GET (as a browser), or polling")
    parser.add_argument("--startup-timeout", type=float, default=3600, help="seconds to wait for the first build")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="explainer-latency-") as temporary:
        folder = Path(temporary)
        if args.only != "synthetic":
            project = real_project(folder)
            fact_file, fact_id = one_line_fact(project)
            report(f"Real content ({project.name}), editing fact {fact_id}",
                   measure(project, fact_file, fact_id, args.runs, args.startup_timeout, args.wait))
        if args.only != "real":
            project = args.synthetic or generate(folder / "synthetic", default_sizes(args.pages))
            fact_file = project / "content/facts/facts-0004.yaml"
            fact_id = "fact-00042"
            pages = len(list((project / "content/pages").glob("*.md")))
            report(f"Generated project ({pages} pages), editing fact {fact_id}",
                   measure(project, fact_file, fact_id, args.runs, args.startup_timeout, args.wait))
    return 0


if __name__ == "__main__":
    sys.exit(main())
