#!/usr/bin/env python3
"""Run Lighthouse on every page of the built site and print its four scores per page.

Usage: python scripts/lighthouse.py [--only PATH ...] [--desktop] [--min 95] [--project DIR]
Builds the repository's site into a temporary folder, serves it on 127.0.0.1 and runs the
`lighthouse` npm package with Debian's Chromium (or $CHROME_PATH), headless, on each page in
turn (one Node process and one browser for all pages: scripts/lighthouse_pages.mjs).
Lighthouse is installed on first use with npm into .lighthouse/ (git-ignored). Each row also
shows the machine's load average when the page was measured: Lighthouse's performance score
suffers on a busy machine. Exits 1 if a score is below --min. It takes about ten seconds a
page on a quiet machine; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from local_site import REPO, chromium_path, served_site

LIGHTHOUSE_VERSION = "12"
INSTALL_DIR = REPO / ".lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Scores that may stay below --min, and why: printed, but they do not fail the run.
BY_DESIGN: dict[tuple[str, str], str] = {}  # none at present: every page must reach --min
log = logging.getLogger("lighthouse")


def lighthouse_install() -> Path:
    """The folder that holds node_modules/lighthouse, installed there with npm if it is not there yet."""
    if not (INSTALL_DIR / "node_modules" / "lighthouse" / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("error: npm not found: install Node.js and npm (apt-get install npm) to run Lighthouse")
        log.info("installing lighthouse@%s into %s ...", LIGHTHOUSE_VERSION, INSTALL_DIR)
        INSTALL_DIR.mkdir(exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(INSTALL_DIR), "--no-audit", "--no-fund",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, stdout=sys.stderr)
    return INSTALL_DIR


def page_scores(lighthouse_dir: Path, urls: list[str], desktop: bool) -> Iterator[tuple[dict[str, int | None], str | None]]:
    """Lighthouse's four category scores (0-100) and any error for each URL, in order, as each is measured."""
    node = shutil.which("node")
    if node is None:
        sys.exit("error: node not found: install Node.js (apt-get install nodejs) to run Lighthouse")
    command = [node, str(Path(__file__).with_name("lighthouse_pages.mjs")), str(lighthouse_dir),
               *(["--desktop"] if desktop else []), *urls]
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as run:
        for line in run.stdout:
            result = json.loads(line)
            yield result["scores"], result["error"]
    if run.returncode != 0:
        sys.exit(f"error: Lighthouse stopped with exit status {run.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="PATH", help="only these page paths (e.g. '' timeline/)")
    parser.add_argument("--desktop", action="store_true", help="desktop preset instead of Lighthouse's mobile default")
    parser.add_argument("--min", type=int, default=95, help="lowest acceptable score (default 95)")
    parser.add_argument("--project", type=Path, default=REPO, help="the project to build (default: this repository)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    lighthouse_dir = lighthouse_install()
    below, excused = [], []
    with served_site(args.project.resolve()) as (base, pages):
        chosen = [p for p in pages if args.only is None or p in args.only]
        print(f"{'page':<52} {'perf':>5} {'a11y':>5} {'b-p':>5} {'seo':>5} {'load':>5}", flush=True)
        measured = page_scores(lighthouse_dir, [base + path for path in chosen], args.desktop)
        for path, (result, error) in zip(chosen, measured, strict=True):
            shown = " ".join(f"{'-' if result[c] is None else result[c]:>5}" for c in CATEGORIES)
            print(f"{path or '(home)':<52} {shown} {os.getloadavg()[0]:>5.1f}", flush=True)
            if error:
                below.append(f"{path or '(home)'}: Lighthouse error: {error}")
            for category in CATEGORIES:
                if result[category] is not None and result[category] < args.min:
                    note = BY_DESIGN.get((path, category))
                    line = f"{path or '(home)'}: {category} {result[category]}"
                    (excused if note else below).append(f"{line} ({note})" if note else line)
    for line in excused:
        print(f"below {args.min} by design: {line}", file=sys.stderr)
    for line in below:
        print(f"below {args.min}: {line}", file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
