#!/usr/bin/env python3
"""Screenshots of the home page at 375 and 1280 px wide, light and dark, into screenshots/.

Usage: python scripts/screenshots.py [--out DIR] [--page PATH] [--project DIR]
Builds the repository's site into a temporary folder, serves it on 127.0.0.1 and drives
Debian's Chromium (or $CHROME_PATH) through Playwright. The output folder is git-ignored.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from local_site import REPO, chromium_path, served_site

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
log = logging.getLogger("screenshots")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots", help="output folder (default: screenshots/)")
    parser.add_argument("--page", default="", help="page path to shoot, e.g. timeline/ (default: the home page)")
    parser.add_argument("--project", type=Path, default=REPO, help="the project to build (default: this repository)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    name = args.page.strip("/").replace("/", "-") or "home"
    with served_site(args.project.resolve()) as (base, _pages), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        for width in WIDTHS:
            for scheme in SCHEMES:
                context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
                tab = context.new_page()
                tab.goto(base + args.page)
                target = args.out / f"{name}-{width}-{scheme}.png"
                tab.screenshot(path=str(target), full_page=True)
                context.close()
                log.info("%s", target)
        browser.close()


if __name__ == "__main__":
    main()
