"""Page weight: the bytes a reader downloads for each page (its HTML and the CSS and JS it loads).

Every page must stay within BUDGET and load nothing from elsewhere. `python -m explainer.budget
SITE_DIR` prints the table; tests/test_budget.py checks the repository's own site.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

BUDGET = 60_000  # bytes, uncompressed: HTML + CSS + JS


@dataclass(frozen=True)
class PageWeight:
    path: str                      # the HTML file, relative to the site folder
    html: int
    css: int
    js: int
    elsewhere: tuple[str, ...]     # stylesheets or scripts from another host (should be none)
    missing: tuple[str, ...]       # local stylesheets or scripts that are not in the site

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


class _AssetLinks(HTMLParser):
    """Collect the stylesheets and scripts a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").lower().split() and values.get("href"):
            self.assets.append(("css", values["href"]))
        elif tag == "script" and values.get("src"):
            self.assets.append(("js", values["src"]))


def assets_of(html: str) -> list[tuple[str, str]]:
    """(kind, URL) of each stylesheet and script a page loads, in order."""
    parser = _AssetLinks()
    parser.feed(html)
    return parser.assets


def is_elsewhere(url: str) -> bool:
    """True for an absolute or protocol-relative URL: something fetched from another host."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def resolve(site: Path, page: str, url: str) -> str | None:
    """The site file a local URL points at, or None. An absolute path (as on 404.html, which is
    served at any depth) starts with the site's base path, which is dropped."""
    path = urlsplit(url).path
    if path.startswith("/"):
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[i:]) for i in range(len(parts))]
    else:
        candidates = [posixpath.normpath(posixpath.join(posixpath.dirname(page), path))]
    for candidate in candidates:
        if not candidate.startswith("..") and (site / candidate).is_file():
            return candidate
    return None


def weigh_page(site: Path, relative: str) -> PageWeight:
    """Weigh one HTML file of a built site, counting each asset it loads once."""
    html = (site / relative).read_bytes()
    sizes = {"css": 0, "js": 0}
    elsewhere, missing, seen = [], [], set()
    for kind, url in assets_of(html.decode("utf-8")):
        if is_elsewhere(url):
            elsewhere.append(url)
            continue
        target = resolve(site, relative, url)
        if target is None:
            missing.append(url)
        elif target not in seen:
            seen.add(target)
            sizes[kind] += (site / target).stat().st_size
    return PageWeight(relative, len(html), sizes["css"], sizes["js"], tuple(elsewhere), tuple(missing))


def page_weights(site: Path) -> list[PageWeight]:
    """Every HTML page of a built site, heaviest first."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return sorted((weigh_page(site, page) for page in pages), key=lambda w: (-w.total, w.path))


def table(weights: list[PageWeight], limit: int | None = None) -> str:
    """A plain-text table of page weights (the heaviest `limit` pages)."""
    rows = [f"{'page':<52} {'HTML':>7} {'CSS':>6} {'JS':>6} {'total':>7}"]
    for w in weights[:limit]:
        rows.append(f"{w.path:<52} {w.html:>7} {w.css:>6} {w.js:>6} {w.total:>7}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.budget",
                                     description=f"Weigh every page of a built site against {BUDGET:,} bytes.")
    parser.add_argument("site", type=Path, help="a built site folder, e.g. site/")
    parser.add_argument("--top", type=int, default=None, metavar="N", help="show only the N heaviest pages")
    args = parser.parse_args(argv)
    weights = page_weights(args.site)
    print(table(weights, args.top))
    over = [w for w in weights if w.total > BUDGET or w.elsewhere or w.missing]
    for w in over:
        print(f"{w.path}: error: {w.total:,} bytes (budget {BUDGET:,})"
              + (f"; loads from elsewhere: {', '.join(w.elsewhere)}" if w.elsewhere else "")
              + (f"; missing: {', '.join(w.missing)}" if w.missing else ""), file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
