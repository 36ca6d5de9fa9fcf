"""The preview server under abuse: malformed requests, slow clients, crowds, bursts of saves.

Every test runs the real preview (an IncrementalBuilder behind the PreviewServer) on
127.0.0.1 and a free port, talks to it over raw sockets and then checks that it still
serves the right pages. These tests check survival and correctness only; the figures
(memory over many rebuilds, threads, open files) come from bench/serve_memory.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import pytest

from conftest import REPO, build
from explainer import heap, serve
from explainer.heap import _malloc_trim
from explainer.serve import BuildReport, PreviewHandler
from test_corpus import tree_digest
from test_serve import WIND_PAGE, EventStream, edit, get, port_of, raw_request, running, wait_until

CLIENTS = 200
RAPID_CHANGES = 100


@pytest.fixture
def project(make_project):
    return make_project({"content/pages/wind.md": WIND_PAGE})


def exchange(port: int, payload: bytes, timeout: float = 20) -> bytes:
    """Send payload, close our side, return everything the server sent before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data


def status(response: bytes) -> str:
    """'HTTP/1.0 404' (the reason phrase is the standard library's, and varies), or '' for no answer."""
    return " ".join(response.split(b"\r\n", 1)[0].decode("latin-1").split()[:2])


# What the server answers to each malformed request: a status, or "" for closing quietly.
MALFORMED = {
    "nothing at all": (b"", ""),
    "a blank line": (b"\r\n\r\n", ""),
    "binary garbage": (b"\x00\x01\x02 garbage \xff\xfe\r\n\r\n", "HTTP/1.0 400"),
    "a TLS handshake": (bytes.fromhex("16030102000100") + b"\x00" * 50, "HTTP/1.0 400"),
    "an unknown method": (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 501"),
    "CONNECT": (b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 501"),
    "POST with a body": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "HTTP/1.0 405"),
    "HTTP/9.9": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.0 505"),
    "HTTP/2.0 in plain text": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.0 505"),
    "a bad version": (b"GET / HTXP/1.1\r\n\r\n", "HTTP/1.0 400"),
    "an HTTP/0.9 request": (b"GET /\r\n\r\n", "HTTP/1.0 200"),
    "a cut-off request line": (b"GET / HT", "HTTP/1.0 400"),
    "cut-off headers": (b"GET / HTTP/1.1\r\nHost: x\r\n", "HTTP/1.0 200"),
    "a 70 kB request line": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", "HTTP/1.0 414"),
    "a 70 kB header": (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", "HTTP/1.0 431"),
    "200 headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n",
                    "HTTP/1.0 431"),
    "a header without a colon": (b"GET / HTTP/1.1\r\nnot a header\r\n\r\n", "HTTP/1.0 200"),
    "a NUL in a header": (b"GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n", "HTTP/1.0 200"),
    "bad percent-escapes": (b"GET /%zz%ff%00 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 404"),
    "a path that is not UTF-8": (b"GET /\xff\xfe/ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 404"),
    "a climb out of the folder": (b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 404"),
    "an absolute URI": (b"GET http://evil.example/../../etc/passwd HTTP/1.1\r\n\r\n", "HTTP/1.0 404"),
    "Content-Length: -1": (b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "HTTP/1.0 200"),
    "a garbled chunked body": (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzzz\r\n", "HTTP/1.0 200"),
    "bare LF line ends": (b"GET / HTTP/1.1\nHost: x\n\n", "HTTP/1.0 200"),
    "HEAD on the event stream": (b"HEAD /__explainer__/events HTTP/1.1\r\n\r\n", "HTTP/1.0 404"),
}


def test_malformed_requests_get_a_plain_answer_and_the_server_serves_on(project):
    with running(project) as server:
        port = port_of(server)
        home = get(server, "/")
        answers = {name: status(exchange(port, payload)) for name, (payload, _) in MALFORMED.items()}
        assert answers == {name: expected for name, (_, expected) in MALFORMED.items()}
        # A client that resets the connection at once.
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        assert get(server, "/") == home


def test_slow_partial_requests_do_not_block_other_clients(project):
    """Slowloris: many connections that send a request a byte at a time never starve the others."""
    with running(project) as server:
        port = port_of(server)
        slow = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(100)]
        try:
            for connection in slow:
                connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            for round_number in range(3):
                for connection in slow:
                    connection.sendall(b"a")  # a byte now and then keeps each one just alive
                status, _, body = get(server, "/wind/")
                assert status == 200 and "It was windy" in body, round_number
        finally:
            for connection in slow:
                connection.close()


def test_a_client_that_stops_sending_is_dropped_after_the_timeout(project, monkeypatch):
    monkeypatch.setattr(PreviewHandler, "timeout", 1)  # 30 s in use; the mechanism is the same
    with running(project) as server:
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=20) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            started = time.monotonic()
            assert connection.recv(65536) == b""  # the server closed it
            assert time.monotonic() - started < 15
        assert get(server, "/")[0] == 200


def page_is_whole(status: int, headers: dict, body: bytes) -> bool:
    return (status == 200 and int(headers["content-length"]) == len(body) and body.rstrip().endswith(b"</html>")
            and b'id="explainer-live-reload"' in body)


def test_200_concurrent_clients_get_whole_pages_while_the_site_rebuilds(project):
    with running(project) as server:
        port = port_of(server)
        streams = [EventStream(port) for _ in range(CLIENTS)]
        assert all(stream.next_state()["errors"] == [] for stream in streams)
        start = threading.Barrier(CLIENTS + 1)
        failures: list[object] = []
        texts: set[str] = set()

        def client() -> None:
            try:
                start.wait(timeout=60)
                for path in ("/", "/wind/", "/facts/sky-blue/", "/missing/", "/wind/"):
                    status, headers, body = raw_request(port, path, timeout=60)
                    if path == "/missing/":
                        if status != 404:
                            failures.append((path, status))
                    elif not page_is_whole(status, headers, body):
                        failures.append((path, status, len(body)))
                    elif path == "/wind/":
                        texts.add("windy" if b"It was windy" in body else "calm" if b"It was calm" in body else "?")
            except (OSError, threading.BrokenBarrierError) as exc:
                failures.append(exc)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        start.wait(timeout=60)
        edit(project / "content/pages/wind.md", "It was windy", "It was calm")  # a rebuild in the middle
        for thread in threads:
            thread.join(timeout=120)
        assert failures == [] and texts <= {"windy", "calm"}
        assert all(stream.next_state()["generation"] >= 2 for stream in streams)
        for stream in streams:
            stream.close()
        assert "It was calm" in get(server, "/wind/")[2]


def test_100_rapid_changes_end_in_exactly_the_site_a_fresh_build_makes(project, tmp_path):
    wind, facts = project / "content/pages/wind.md", project / "content/facts/weather.yaml"
    facts_text = facts.read_text(encoding="utf-8")
    with running(project) as server:
        builds_before = server.builds
        for number in range(1, RAPID_CHANGES + 1):
            if number % 10 == 5:  # a half-saved file now and then: the build must not stick on it
                wind.write_text(WIND_PAGE[: len(WIND_PAGE) // 2], encoding="utf-8")
            elif number % 2:
                wind.write_text(WIND_PAGE.replace("It was windy", f"Change {number} was windy"), encoding="utf-8")
            else:
                facts.write_text(facts_text.replace("on Tuesday", f"on day {number}"), encoding="utf-8")
        wind.write_text(WIND_PAGE.replace("It was windy", "The last change was windy"), encoding="utf-8")
        wait_until(lambda: "The last change was windy" in get(server, "/wind/")[2]
                   and f"on day {RAPID_CHANGES}" in get(server, "/facts/sky-blue/")[2], what="the last change")
        wait_until(lambda: server.hub.state.errors == (), what="the errors of half-saved files to clear")
        assert server.idle(), "the server still rebuilding after 30 s"  # its deferred data files too
        assert server.builds > builds_before
        served = tree_digest(server.root)
        base_url = server.url
    assert build(project, out=tmp_path / "fresh", base_url=base_url).ok
    assert served == tree_digest(tmp_path / "fresh")


def test_many_rebuilds_leave_no_threads_or_open_files_behind(project):
    """Survival over many rebuilds (bench/serve_memory.py measures memory over 500)."""
    wind = project / "content/pages/wind.md"
    with running(project) as server:
        get(server, "/")
        threads_before, files_before = threading.active_count(), len(os.listdir("/proc/self/fd"))
        for number in range(40):
            generation = server.hub.state.generation
            wind.write_text(WIND_PAGE.replace("It was windy", f"Edit {number}"), encoding="utf-8")
            wait_until(lambda: server.hub.state.generation > generation, what=f"rebuild {number}")
            assert f"Edit {number}" in get(server, "/wind/")[2]
        assert threading.active_count() <= threads_before + 2
        assert len(os.listdir("/proc/self/fd")) <= files_before + 5
        # Each rebuild's staging folder (and the replaced files it keeps until readers reload) goes.
        wait_until(lambda: not [p for p in server.root.parent.iterdir() if f"{server.root.name}-preview-" in p.name],
                   what="the staging folders to be removed")


FREED_AMONG_LIVE = """
from explainer.heap import release_free_memory
def rss_mb():
    return int(next(line for line in open("/proc/self/status") if line.startswith("VmRSS")).split()[1]) // 1024
blocks = [bytes(1000) for _ in range(150_000)]  # 150 MB from the C allocator (over Python's 512-byte limit)
kept = blocks[::50]                              # a few stay alive among the freed ones, as after a rebuild
del blocks
before = rss_mb()
RELEASE
print(before, rss_mb())
"""


def test_the_preview_releases_freed_memory_after_every_build(monkeypatch, tmp_path):
    calls: list[str] = []
    monkeypatch.setattr(heap, "release_free_memory", lambda: calls.append("released"))  # the server's Heap calls it
    reports = iter([BuildReport(ok=True), BuildReport(ok=False, errors=["x.yaml:1:1: error: broken"]),
                    BuildReport(ok=True)])
    http_server, _ = serve.bind("127.0.0.1", 0)
    try:
        preview = serve.PreviewServer(tmp_path, lambda changed: next(reports), http_server)
        for _ in range(3):
            preview.build(None)
    finally:
        http_server.server_close()
    assert calls == ["released"] * 3  # after a failed build too


@pytest.mark.skipif(_malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_release_free_memory_gives_memory_freed_among_live_blocks_back_to_the_system():
    """Without it, freed pages between live ones stay resident, and a long preview's memory crept up."""
    def run(release: str) -> tuple[int, int]:
        done = subprocess.run([sys.executable, "-c", FREED_AMONG_LIVE.replace("RELEASE", release)],
                              capture_output=True, text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == 0, done.stderr
        before, after = map(int, done.stdout.split())
        return before, after

    before, after = run("pass")
    assert before > 140 and after > before - 10  # the control: freed, but still resident
    before, after = run("release_free_memory()")
    assert before > 140 and after < before - 100
