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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_support import find_chromium, site_pages, static_server  # noqa: E402


def chromium_path() -> str:
    """The browser to drive: $CHROME_PATH, else Debian's chromium; exit with a message if none."""
    path = os.environ.get("CHROME_PATH") or find_chromium()
    if not path or not Path(path).exists():
        sys.exit("error: no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROME_PATH")
    return path


@contextmanager
def served_site(project: Path = REPO) -> Iterator[tuple[str, list[str]]]:
    """Build PROJECT into a temporary folder, serve it, and yield (base URL, page paths)."""
    with tempfile.TemporaryDirectory(prefix="explainer-site-") as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--project", str(project),
                        "--out", str(site)], check=True, stdout=sys.stderr)
        with static_server(site) as base:
            yield base, site_pages(site)
