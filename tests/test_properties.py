"""Property tests: arbitrary text in any string field never breaks the HTML or the JSON-LD.

A project using every optional field and every block is built once with plain text (the
baseline) and then, by Hypothesis, with arbitrary text in the string fields of site.yaml,
the source, the actor, the facts and their citations, the pages' front matter and body.
Every output is parsed the way browsers parse HTML (html5lib) and must keep the baseline's
skeleton: the same elements in <head> and as children of <body>, the same number of
<script>, <style>, <iframe>, <form>, <meta>, <link>, <title> and <base> elements, only
element and attribute names the templates or Markdown produce, only safe link schemes,
every JSON-LD block valid JSON, and a citation's quote shown as the text it is.

The page body is Markdown, which may hold raw HTML, attribute lists and links to any
address by design (writers are trusted); its text leaves out '<', '{' and link targets, and
the reference and block syntax, which have tests of their own. Everything else is
arbitrary Unicode.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, build, messages

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTED_TAGS = ("script", "style", "iframe", "object", "embed", "form", "input", "meta", "link", "title", "base",
                "main", "header", "footer", "nav")
# Markdown can make these from text in YAML (inline) or in a page body.
MARKDOWN_TAGS = {"p", "em", "strong", "code", "a", "img", "br", "hr", "ul", "ol", "li", "blockquote", "pre",
                 "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt",
                 "dd", "sup", "div", "abbr", "span"}
MARKDOWN_ATTRIBUTES = {"href", "src", "alt", "title", "id", "class", "align", "style"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
HTML = "{http://www.w3.org/1999/xhtml}"

HOSTILE_PIECES = ["<script>alert(1)</script>", "</script>", "</main>", "<!--", "-->", '"', "'", "&", "&amp;",
                  "&#x3c;", "]]>", "<![CDATA[", "{{ site }}", "{% raw %}", "[x](javascript:alert(1))",
                  "![i](data:text/html,x)", "*", "_", "`", "\\", "\u2028", "\u0085", "\x00", "\r", "\t",
                  "\ufeff", "\u202e", "<img src=x onerror=alert(1)>", '" onmouseover="x', "</title>",
                  "</style>", "\n\n", "# ", "- ", "1. ", "> ", "---", "</textarea>", "\U0001f600"]


def hostile_text(min_size: int = 1) -> st.SearchStrategy[str]:
    """Arbitrary Unicode mixed with pieces that have broken HTML generators before."""
    piece = st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE_PIECES))
    return st.lists(piece, min_size=1, max_size=6).map("".join).filter(lambda s: len(s) >= min_size)


def markdown_body_text() -> st.SearchStrategy[str]:
    """Page body text: arbitrary, less raw HTML, attribute lists, fact references and blocks."""
    def tame(text: str) -> str:
        text = text.replace("<", "").replace("{", "").replace("[@", "[ @").replace("[^", "[ ^")
        text = text.replace("](", "] (").replace("]:", "] :")  # a link's target is the writer's, like raw HTML
        return "\n".join(" " + line if line.lstrip().startswith(":::") else line for line in text.split("\n"))
    return hostile_text().map(tame)


def url_suffix() -> st.SearchStrategy[str]:
    """The part of a URL after the host: anything without whitespace (the schema's rule)."""
    return hostile_text(0).map(lambda s: "".join(c for c in s if not c.isspace() and c != "\x00"))


# ---------------------------------------------------------------- the project

def site_yaml(t: dict) -> dict:
    return {"title": t["site_title"], "description": t["site_description"], "language": "en",
            "base_url": "https://example.org/x/" + t["base_url"], "publisher": t["site_publisher"],
            "license": t["site_license"]}


def source_yaml(t: dict) -> dict:
    return {"id": "paper", "title": t["source_title"], "publisher": t["source_publisher"],
            "authors": [t["author"], "Second Author"], "published": "2022-11-28",
            "url": "https://example.com/" + t["url"], "archive_url": "https://archive.example/" + t["archive_url"],
            "accessed": "2026-11-01", "kind": "news", "language": "es", "note": t["source_note"]}


def actor_yaml(t: dict) -> dict:
    return {"id": "alice", "name": t["actor_name"], "role": t["actor_role"], "description": t["actor_description"],
            "kind": "person", "citations": [{"source": "paper", "quote": t["actor_quote"], "locator": t["locator"]}]}


def facts_yaml(t: dict) -> list:
    return [
        {"id": "sky-blue", "statement": t["statement"], "kind": "fact", "date": "2022-11-01", "topics": ["weather"],
         "note": t["fact_note"],
         "citations": [{"source": "paper", "quote": t["quote"], "locator": t["locator"],
                        "translation": t["translation"], "note": t["citation_note"]}]},
        {"id": "alice-says-rain", "statement": t["claim"], "kind": "claim", "by": "alice", "date": "2022-11-02",
         "topics": ["weather"], "citations": [{"source": "paper", "quote": "It will rain, Alice said."}]},
        {"id": "sky-denial", "statement": t["denial"], "kind": "denial", "by": "alice", "date": "2022-11-03",
         "topics": ["weather"], "responds_to": "alice-says-rain",
         "citations": [{"source": "paper", "quote": "No rain."}]},
    ]


def corrections_yaml(t: dict) -> list:
    return [{"date": "2022-12-01", "summary": t["correction"], "facts": ["sky-blue"], "pages": ["index"]}]


def page_md(front: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n" + body + "\n"


BLOCKS = """
::: facts
template: timeline
topics: [weather]
:::

::: facts
template: claims
kinds: [claim, denial]
:::

::: actors
:::

::: sources
:::

::: corrections
:::
"""


def project_files(t: dict) -> dict[str, str]:
    dump = lambda data: yaml.safe_dump(data, sort_keys=False)  # noqa: E731 (escapes what YAML cannot hold raw)
    index = page_md({"title": t["page_title"], "slug": "index", "summary": t["page_summary"], "order": 1,
                     "nav_title": t["nav_title"], "updated": "2022-12-01"},
                    t["body"] + "\n\nThe sky was blue [@sky-blue]. Alice [@alice-says-rain; @sky-denial].\n" + BLOCKS)
    about = page_md({"title": t["about_title"], "slug": "about/us", "summary": t["page_summary"], "order": 2},
                    t["about_body"] + "\n\nAgain [@sky-blue].\n")
    return {"content/site.yaml": dump(site_yaml(t)), "content/sources/paper.yaml": dump(source_yaml(t)),
            "content/actors/alice.yaml": dump(actor_yaml(t)), "content/facts/weather.yaml": dump(facts_yaml(t)),
            "content/corrections.yaml": dump(corrections_yaml(t)), "content/pages/index.md": index,
            "content/pages/about.md": about}


PLAIN = {"site_title": "Test explainer", "site_description": "A tiny explainer.", "site_publisher": "Newsroom",
         "site_license": "CC BY 4.0", "base_url": "", "source_title": "An article", "source_publisher": "The Paper",
         "author": "Ann Author", "url": "article", "archive_url": "copy", "source_note": "A note.",
         "actor_name": "Alice Example", "actor_role": "Mayor", "actor_description": "The mayor.",
         "actor_quote": "Alice is the mayor.", "locator": "paragraph 2", "statement": "The sky was blue.",
         "fact_note": "Context.", "quote": "The sky was blue.", "translation": "El cielo.", "citation_note": "Checked.",
         "claim": "Alice said it would rain.", "denial": "Alice denied it.", "correction": "Fixed a date.",
         "page_title": "Home", "page_summary": "The home page.", "nav_title": "Start", "body": "Some *prose*.",
         "about_title": "About", "about_body": "About us."}


def build_project(texts: dict, root: Path) -> Path:
    project = root / "project"
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, project / folder)
    for relative, text in project_files(texts).items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    result = build(project)
    assert result.ok, messages(result)
    return project / "site"


# ---------------------------------------------------------------- what must hold

def parse(path: Path):
    return html5lib.parse(path.read_bytes(), transport_encoding="utf-8", namespaceHTMLElements=True)


def local(tag: str) -> str:
    return tag[len(HTML):] if tag.startswith(HTML) else tag


def signature(element) -> list[tuple[str, tuple[str, ...]]]:
    return [(local(child.tag), tuple(sorted(child.attrib))) for child in element if isinstance(child.tag, str)]


def skeleton(document) -> dict:
    """What content must never change: head and body children, counts of structural elements."""
    head, body = document.find(f"{HTML}head"), document.find(f"{HTML}body")
    counts = Counter(local(e.tag) for e in document.iter() if isinstance(e.tag, str))
    return {"head": signature(head), "body": signature(body), "counts": {t: counts[t] for t in COUNTED_TAGS}}


def vocabulary(document) -> tuple[set[str], set[str]]:
    tags, attributes = set(), set()
    for element in document.iter():
        if isinstance(element.tag, str):
            tags.add(local(element.tag))
            attributes.update(element.attrib)
    return tags, attributes


def json_ld_blocks(document) -> list[str]:
    return [e.text or "" for e in document.iter(f"{HTML}script") if e.get("type") == "application/ld+json"]


def visible_text(document) -> str:
    return normalise("".join(document.find(f"{HTML}body").itertext()))


def normalise(text: str) -> str:
    """Compare text as a reader sees it: control characters as spaces (NUL dropped, as browsers do), NFC."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text.replace("\x00", ""))
    return " ".join(unicodedata.normalize("NFC", text).replace("\ufeff", "").split())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    site = build_project(PLAIN, tmp_path_factory.mktemp("baseline"))
    pages = {p.relative_to(site).as_posix(): parse(p) for p in sorted(site.rglob("*.html"))}
    tags, attributes = set(), set()
    for document in pages.values():
        found = vocabulary(document)
        tags |= found[0]
        attributes |= found[1]
    return {"skeletons": {path: skeleton(d) for path, d in pages.items()}, "tags": tags | MARKDOWN_TAGS,
            "attributes": attributes | MARKDOWN_ATTRIBUTES}


def check_site(site: Path, baseline: dict, texts: dict) -> None:
    paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert paths == sorted(baseline["skeletons"])
    for path in paths:
        document = parse(site / path)
        assert skeleton(document) == baseline["skeletons"][path], path
        tags, attributes = vocabulary(document)
        assert tags <= baseline["tags"], (path, tags - baseline["tags"])
        assert attributes <= baseline["attributes"], (path, attributes - baseline["attributes"])
        for element in document.iter():
            for name in ("href", "src"):
                value = element.get(name) if isinstance(element.tag, str) else None
                if value is not None:
                    assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES, (path, value)
        for block in json_ld_blocks(document):
            assert isinstance(json.loads(block), (dict, list)), path
    fact_page = parse(site / "facts/sky-blue/index.html")
    quote = normalise(texts["quote"])
    if quote:
        assert quote in visible_text(fact_page)
    # Text in JSON-LD survives exactly, whatever it holds (</script>, U+2028, NUL, quotes ...).
    source_data = json.loads(json_ld_blocks(parse(site / "sources/paper/index.html"))[0])
    assert source_data["about"]["publisher"]["name"] == texts["source_publisher"]
    assert texts["author"] in [person["name"] for person in source_data["about"]["author"]]


TEXT_FIELDS = [name for name in PLAIN if name not in ("base_url", "url", "archive_url", "body", "about_body")]


@SETTINGS
@given(st.fixed_dictionaries({name: hostile_text() for name in TEXT_FIELDS
                              if name.startswith(("site_", "source_", "author", "actor_", "locator"))}),
       st.fixed_dictionaries({"base_url": url_suffix(), "url": url_suffix(), "archive_url": url_suffix()}))
def test_any_text_in_site_source_and_actor_fields_keeps_the_html_whole(baseline, fields, urls):
    texts = {**PLAIN, **fields, **urls}
    with tempfile.TemporaryDirectory() as folder:
        check_site(build_project(texts, Path(folder)), baseline, texts)


@SETTINGS
@given(st.fixed_dictionaries({name: hostile_text() for name in
                              ("statement", "fact_note", "quote", "translation", "citation_note", "claim",
                               "denial", "correction")}))
def test_any_text_in_facts_and_citations_keeps_the_html_whole(baseline, fields):
    texts = {**PLAIN, **fields}
    with tempfile.TemporaryDirectory() as folder:
        check_site(build_project(texts, Path(folder)), baseline, texts)


@SETTINGS
@given(st.fixed_dictionaries({name: hostile_text() for name in ("page_title", "page_summary", "nav_title",
                                                                 "about_title")}),
       st.fixed_dictionaries({"body": markdown_body_text(), "about_body": markdown_body_text()}))
def test_any_text_in_pages_keeps_the_html_whole(baseline, fields, bodies):
    texts = {**PLAIN, **fields, **bodies}
    with tempfile.TemporaryDirectory() as folder:
        check_site(build_project(texts, Path(folder)), baseline, texts)


def test_the_checks_catch_an_injected_element(baseline, tmp_path):
    """The property is not vacuous: raw HTML in a page body (allowed for writers) is noticed."""
    texts = {**PLAIN, "body": "<script>alert(1)</script>"}
    with pytest.raises(AssertionError):
        check_site(build_project(texts, tmp_path), baseline, texts)
