"""Shared fixtures for tests that need a real HTTP server or a real browser (Chromium)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import struct
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def find_chromium() -> str | None:
    configured = os.environ.get("EXPLAINER_CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def browser_required() -> bool:
    """CI sets EXPLAINER_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping."""
    return os.environ.get("EXPLAINER_REQUIRE_BROWSER") == "1"


def skip_or_fail(reason: str) -> None:
    if browser_required():
        pytest.fail(f"{reason} (EXPLAINER_REQUIRE_BROWSER=1 is set)")
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict[str, str] = {}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()


@contextmanager
def static_server(root: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1 and a free port; yield the base URL.

    `headers` are added to every response (e.g. `LinkChecker`, which lifts linkchecker's
    politeness delay for a host that asks for it).
    """
    handler_class = type("_Handler", (_QuietHandler,), {"extra_headers": dict(headers or {})})
    handler = functools.partial(handler_class, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def site_pages(site: Path) -> list[str]:
    """The URL path of every page of a built site, relative to its root ('' for the home page)."""
    paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return [p.removesuffix("index.html") for p in paths]


def is_permalink_page(path: str) -> bool:
    """Fact, source and actor pages (the rest are the writers' Markdown pages and 404.html)."""
    return path.startswith(("facts/", "sources/", "actors/"))


@pytest.fixture(scope="session")
def chromium():
    """A Playwright Chromium browser for the whole session (Debian's chromium)."""
    executable = find_chromium()
    if executable is None:
        skip_or_fail("no Chromium found: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser page in its own context."""
    context = chromium.new_context()
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def png_pixels(png: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit, non-interlaced RGB(A) PNG (what Chromium's screenshots are): width, height, bytes per pixel, rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, compressed = 8, b""
    width = height = channels = 0
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += data
    raw, stride = zlib.decompress(compressed), width * channels
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, up_left = previous[x], (previous[x - channels] if x >= channels else 0)
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - up_left
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left))
                line[x] = (line[x] + nearest[2]) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def count_colour(png: bytes, rgb: tuple[int, int, int]) -> int:
    """How many pixels of a screenshot are exactly this colour (a highlight painted in a test colour)."""
    width, _, channels, rows = png_pixels(png)
    wanted = bytes(rgb)
    return sum(1 for row in rows for x in range(0, width * channels, channels) if row[x:x + 3] == wanted)
