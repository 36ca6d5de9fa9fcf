"""Build the repository's site into a temporary folder and serve it on 127.0.0.1 (for the scripts).

The server, the browser lookup and the page list are the browser tests' own (tests/browser_support.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_support import find_chromium, site_pages, static_server  # noqa: E402


def chromium_path() -> str:
    """The browser to drive: $CHROME_PATH, else Debian's chromium; exit with a message if none."""
    path = os.environ.get("CHROME_PATH") or find_chromium()
    if not path or not Path(path).exists():
        sys.exit("error: no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROME_PATH")
    return path


def base_path(project: Path) -> str:
    """The path part of the site's base_url ('explainer' for https://example.org/explainer/)."""
    config = yaml.safe_load((project / "content" / "site.yaml").read_text(encoding="utf-8"))
    return urlsplit(str(config.get("base_url", "/"))).path.strip("/")


@contextmanager
def served_site(project: Path = REPO) -> Iterator[tuple[str, list[str]]]:
    """Build PROJECT into a temporary folder, serve it at its base_url's path (where 404.html's
    links expect it), and yield (base URL, page paths)."""
    with tempfile.TemporaryDirectory(prefix="explainer-site-") as tmp:
        prefix = base_path(project)
        site = Path(tmp, "www", *prefix.split("/"))
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--project", str(project),
                        "--out", str(site)], check=True, stdout=sys.stderr)
        with static_server(Path(tmp, "www")) as base:
            yield base + (prefix + "/" if prefix else ""), site_pages(site)
