"""Shared fixtures for tests that need a real HTTP server or a real browser (Chromium)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
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
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1 and a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
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
