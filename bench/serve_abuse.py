"""Benchmark (not a test): the preview server under malformed requests, crowds and bursts of saves.

Starts `build.py serve` as its own process on a copy of the repository's content (or a
generated project) and prints figures for what issue 8 asks the server to survive:

- malformed requests: every malformed request of tests/test_serve_robustness.py, sent
  --rounds times, 50 at once; how each was answered, and whether the site is still served
  the same afterwards;
- --clients concurrent clients, each fetching five addresses at once, while as many
  event streams (the reload connections of open pages) stay open: failures, wall time
  and the time per request (median, 95th percentile, max);
- --changes rapid saves of one fact file, one right after the other (and once more with
  --interval seconds between saves): the time from the first save until the last one is
  served, the rebuilds and failed rebuilds the server logged, and whether every file then
  served equals a fresh `build.py build` of the same content (the reload script aside).

    python bench/serve_abuse.py [--clients 200] [--changes 100] [--interval 0.1] [--rounds 4]
                                [--pages N]   # a generated project instead of the real content
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path[1:1] = [str(BENCH.parent), str(BENCH.parent / "tests")]  # explainer, and the malformed requests of the tests
from generate import default_sizes, generate  # noqa: E402
from serve_latency import REPO, Server, one_line_fact, real_project  # noqa: E402
from test_serve_robustness import MALFORMED, exchange, status  # noqa: E402

RELOAD_SCRIPT = re.compile(rb'<script id="explainer-live-reload">.*?</script>', re.S)
WAIT_SECONDS = 600


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def rebuild_lines(server: Server) -> tuple[int, int]:
    """How many rebuilds, and how many failed rebuilds, the server has logged so far."""
    rebuilt = sum(1 for line in server.lines if line.startswith("Rebuilt "))
    failed = sum(1 for line in server.lines if line.startswith("Rebuild failed"))
    return rebuilt, failed


def malformed(server: Server, rounds: int) -> None:
    home = fetch(server.port, "/")
    payloads = [(name, payload) for name, (payload, _) in MALFORMED.items()] * rounds
    started = time.perf_counter()

    def send(item: tuple[str, bytes]) -> str:
        try:
            return status(exchange(server.port, item[1])) or "closed without an answer"
        except OSError as exc:
            return f"client error: {type(exc).__name__}"

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = Counter(pool.map(send, payloads))
    seconds = time.perf_counter() - started
    after = fetch(server.port, "/")
    print(f"\nMalformed requests: {len(payloads)} ({len(MALFORMED)} kinds x {rounds}, 50 at once) in {seconds:.2f} s")
    print("  answers: " + ", ".join(f"{answer}: {count}" for answer, count in sorted(answers.items())))
    print(f"  afterwards: GET / -> {after[0]}, same page as before: {after == home}, "
          f"server process alive: {server.process.poll() is None}")


class EventStreams:
    """Open reload connections, as open pages keep them."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=60)
            connection.sendall(b"GET /__explainer__/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.sockets.append(connection)
        self.answered = sum(1 for connection in self.sockets if b"event: state" in self._first_bytes(connection))

    @staticmethod
    def _first_bytes(connection: socket.socket) -> bytes:
        data = b""
        while b"event: state" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        for connection in self.sockets:
            connection.close()


def crowd(server: Server, clients: int, paths: list[str]) -> None:
    streams = EventStreams(server.port, clients)
    start = threading.Barrier(clients + 1)
    times: list[float] = []
    failures: list[str] = []

    def client() -> None:
        try:
            start.wait(timeout=120)
            for path in paths:
                began = time.perf_counter()
                code, body = fetch(server.port, path)
                times.append(time.perf_counter() - began)
                if code != (404 if path == "/missing/" else 200) or not body.rstrip().endswith(b"</html>"):
                    failures.append(f"{path}: {code}")
        except Exception as exc:  # noqa: BLE001 (a benchmark counts every kind of failure)
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait(timeout=120)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    seconds = time.perf_counter() - started
    streams.close()
    times.sort()
    print(f"\n{clients} concurrent clients x {len(paths)} requests ({', '.join(paths)}), "
          f"with {clients} event streams open ({streams.answered} answered)")
    print(f"  {len(times)} responses, {len(failures)} failures, wall time {seconds:.2f} s; per request: median "
          f"{statistics.median(times) * 1000:.0f} ms, 95th percentile {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms")
    for failure in failures[:5]:
        print(f"  failure: {failure}")


def rapid_changes(server: Server, fact_file: Path, fact_id: str, changes: int, interval: float) -> None:
    original = fact_file.read_text(encoding="utf-8")
    statement = re.compile(rf"(- id: {re.escape(fact_id)}\n  statement: \"?)([^\n\"]*)")
    assert statement.search(original), f"no statement for {fact_id} in {fact_file}"
    rebuilt_before, failed_before = rebuild_lines(server)
    marker = ""
    started = time.perf_counter()
    for number in range(1, changes + 1):
        marker = f"Rapid change {number} of {changes} {time.time_ns()}"
        text = statement.sub(lambda m: m.group(1) + marker, original, count=1)
        if number % 10 == 5:  # now and then a half-written file, as a save caught mid-write
            text = text[: len(text) // 2]
        fact_file.write_text(text, encoding="utf-8")
        if interval:
            time.sleep(interval)
    written = time.perf_counter() - started
    page = f"/facts/{fact_id}/"
    while marker.encode() not in fetch(server.port, page)[1]:
        if time.perf_counter() - started > WAIT_SECONDS:
            raise RuntimeError("the last change was not served:\n" + "".join(server.lines[-10:]))
        time.sleep(0.005)
    served = time.perf_counter() - started
    time.sleep(1.0)  # any rebuild still to come shows in the log
    rebuilt, failed = rebuild_lines(server)
    print(f"\n{changes} rapid saves of {fact_file.name}, {interval * 1000:.0f} ms apart "
          f"(every tenth one half-written), written in {written:.2f} s")
    print(f"  last save served {served:.2f} s after the first save; the server logged "
          f"{rebuilt - rebuilt_before} rebuilds, {failed - failed_before} of them failed ones, "
          f"errors now: {'none' if server_has_no_errors(server) else 'some'}")


def server_has_no_errors(server: Server) -> bool:
    """The last rebuild line the server logged is a success."""
    last = next((line for line in reversed(server.lines) if line.startswith(("Rebuilt ", "Rebuild failed"))), "")
    return last.startswith("Rebuilt ")


def compare_with_fresh_build(server: Server, project: Path, folder: Path) -> None:
    """Fetch every file of a fresh build from the server; compare bytes with the reload script taken out."""
    out = folder / "fresh"
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--project", str(project), "--out",
                           str(out), "--base-url", f"http://127.0.0.1:{server.port}/"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  fresh build failed:\n{done.stderr}")
        return
    files = sorted(p for p in out.rglob("*") if p.is_file())
    differ = []
    for path in files:
        relative = path.relative_to(out).as_posix()
        code, body = fetch(server.port, "/" + relative)
        if code != 200 or RELOAD_SCRIPT.sub(b"", body) != path.read_bytes():
            differ.append(relative)
    print(f"  served files equal to a fresh build: {len(files) - len(differ)} of {len(files)}"
          + (f"; differ: {', '.join(differ[:5])}" if differ else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between saves in the second burst")
    parser.add_argument("--rounds", type=int, default=4, help="times each malformed request is sent")
    parser.add_argument("--pages", type=int, help="use a generated project of this many pages")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="explainer-abuse-") as temporary:
        folder = Path(temporary)
        project = generate(folder / "synthetic", default_sizes(args.pages)) if args.pages else real_project(folder)
        fact_file, fact_id = one_line_fact(project)
        page = sorted((project / "content/pages").glob("*.md"))[0].read_text(encoding="utf-8")
        slug = re.search(r"^slug: *\"?([a-z0-9/-]+)", page, re.M).group(1)
        server = Server(project, startup_timeout=3600)
        try:
            print(f"{project.name}: " + next((line.strip() for line in server.lines if line.startswith("Built ")), ""))
            malformed(server, args.rounds)
            crowd(server, args.clients, ["/", f"/facts/{fact_id}/", "/" if slug == "index" else f"/{slug}/",
                                         "/missing/", "/"])
            for interval in (0.0, args.interval):
                rapid_changes(server, fact_file, fact_id, args.changes, interval)
                compare_with_fresh_build(server, project, folder / f"after-{interval}")
        finally:
            server.stop()
        print(f"\nserver stopped with exit status {server.process.returncode}; "
              f"tracebacks in its log: {sum('Traceback' in line for line in server.lines)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
