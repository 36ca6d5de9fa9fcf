"""Helpers that read a built site the way hosts, browsers and validators do (used by several test files)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Elements and attributes whose URL a browser fetches by itself (not links a reader follows).
FETCHING_ATTRIBUTES = {
    ("script", "src"), ("link", "href"), ("img", "src"), ("img", "srcset"), ("iframe", "src"),
    ("source", "src"), ("source", "srcset"), ("video", "src"), ("video", "poster"), ("audio", "src"),
    ("embed", "src"), ("object", "data"), ("track", "src"), ("input", "src"), ("image", "href"),
    ("use", "href"), ("form", "action"),
}
LINK_ATTRIBUTES = FETCHING_ATTRIBUTES | {("a", "href"), ("area", "href")}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def validators_required() -> bool:
    """CI sets EXPLAINER_REQUIRE_VALIDATORS=1: a missing validator fails instead of skipping."""
    return os.environ.get("EXPLAINER_REQUIRE_VALIDATORS") == "1"


def skip_or_fail(reason: str) -> None:
    if validators_required():
        pytest.fail(f"{reason} (EXPLAINER_REQUIRE_VALIDATORS=1 is set)")
    pytest.skip(reason)


def linkchecker_command() -> str | None:
    beside_python = Path(sys.executable).parent / "linkchecker"
    return str(beside_python) if beside_python.exists() else shutil.which("linkchecker")


class PageLinks(HTMLParser):
    """Every URL-bearing attribute of a page (tag, attribute, value, rel), its ids and inline CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str, str]] = []
        self.ids: set[str] = set()
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        for name, value in values.items():
            if (tag, name) in LINK_ATTRIBUTES:
                candidates = [part.strip().split()[0] for part in value.split(",") if part.strip()] \
                    if name == "srcset" else [value]
                self.urls += [(tag, name, candidate, values.get("rel", "")) for candidate in candidates]
        if "style" in values:
            self.css.append(values["style"])
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = values.get("content", "").partition("url=")[2]
            if target:
                self.urls.append(("meta", "content", target.strip(), ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)


def page_links(html: str) -> PageLinks:
    parser = PageLinks()
    parser.feed(html)
    parser.close()
    return parser


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def is_absolute(url: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("//")


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class Head(HTMLParser):
    """A page's editions: the html lang, the hreflang links, the language switcher's links, every element's lang."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = None
        self.hreflang: dict[str, str] = {}
        self.switcher: list[dict] = []
        self.in_switcher = False
        self.langs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "link" and values.get("rel") == "alternate" and "hreflang" in values:
            self.hreflang[values["hreflang"]] = values["href"]
        if tag == "nav" and values.get("class") == "languages":
            self.in_switcher = True
        elif tag == "a" and self.in_switcher:
            self.switcher.append(values)
        if "lang" in values and tag != "html":
            self.langs.append((tag, values["lang"]))

    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_switcher = False


def head(html: str) -> Head:
    parser = Head()
    parser.feed(html)
    return parser
