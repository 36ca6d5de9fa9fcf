#!/usr/bin/env python3
"""Run Lighthouse on every page of the built site and print its four scores per page.

Usage: python scripts/lighthouse.py [--only PATH ...] [--desktop] [--min 95] [--project DIR]
Builds the repository's site into a temporary folder, serves it on 127.0.0.1 and runs the
`lighthouse` npm package with Debian's Chromium (or $CHROME_PATH), headless, once per page.
Lighthouse is installed on first use with npm into .lighthouse/ (git-ignored). Exits 1 if a
score is below --min. It takes about ten seconds a page; it is not part of the test suite.
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

from local_site import REPO, chromium_path, served_site

LIGHTHOUSE_VERSION = "12"
INSTALL_DIR = REPO / ".lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Scores that may stay below --min, and why: printed, but they do not fail the run.
BY_DESIGN = {("404.html", "seo"): "404.html carries noindex on purpose (Lighthouse: 'Page is blocked from indexing')"}
log = logging.getLogger("lighthouse")


def lighthouse_command() -> str:
    """The lighthouse executable, installed into .lighthouse/ with npm if it is not there yet."""
    executable = INSTALL_DIR / "node_modules" / ".bin" / "lighthouse"
    if not executable.exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("error: npm not found: install Node.js and npm (apt-get install npm) to run Lighthouse")
        log.info("installing lighthouse@%s into %s ...", LIGHTHOUSE_VERSION, INSTALL_DIR)
        INSTALL_DIR.mkdir(exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(INSTALL_DIR), "--no-audit", "--no-fund",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, stdout=sys.stderr)
    return str(executable)


def scores(lighthouse: str, url: str, desktop: bool) -> dict[str, int]:
    """Lighthouse's four category scores (0-100) for one URL."""
    command = [lighthouse, url, "--quiet", "--output=json", "--output-path=stdout",
               f"--only-categories={','.join(CATEGORIES)}",
               "--chrome-flags=--headless --no-sandbox --disable-gpu"]
    if desktop:
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    report = json.loads(done.stdout)
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="PATH", help="only these page paths (e.g. '' timeline/)")
    parser.add_argument("--desktop", action="store_true", help="desktop preset instead of Lighthouse's mobile default")
    parser.add_argument("--min", type=int, default=95, help="lowest acceptable score (default 95)")
    parser.add_argument("--project", type=Path, default=REPO, help="the project to build (default: this repository)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    lighthouse = lighthouse_command()
    below, excused = [], []
    with served_site(args.project.resolve()) as (base, pages):
        chosen = [p for p in pages if args.only is None or p in args.only]
        print(f"{'page':<52} {'perf':>5} {'a11y':>5} {'b-p':>5} {'seo':>5}", flush=True)
        for path in chosen:
            result = scores(lighthouse, base + path, args.desktop)
            print(f"{path or '(home)':<52} " + " ".join(f"{result[c]:>5}" for c in CATEGORIES), flush=True)
            for category in CATEGORIES:
                if result[category] < args.min:
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
