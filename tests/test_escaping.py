"""Everything from YAML is escaped: no field can inject markup or break an attribute."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ACTOR_YAML, FACTS_YAML, PAGE_MD, SITE_YAML, SOURCE_YAML, build, messages

HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'
YAML_HOSTILE = "'" + HOSTILE.replace("'", "''") + "'"

ALLOWED_ATTRIBUTES = {"lang", "charset", "name", "content", "rel", "href", "class", "id", "aria-label",
                      "aria-labelledby", "aria-current", "role", "datetime",
                      "cite", "scope", "title", "src", "alt", "defer", "tabindex", "type", "property", "hidden",
                      "action", "method", "for", "autocomplete", "data-search-index", "data-search-page",
                      "data-search-status", "data-search-results", "data-search-browse",
                      "data-search-messages", "data-popover-more", "hreflang",
                      # Robust Links: the archived copy beside each link to a live source
                      "data-versionurl", "data-versiondate", "data-originalurl"}


class Collector(HTMLParser):
    """Tags and attribute names of the built pages, and every script element with its text."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.scripts, self.in_script = [], set(), [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag == "script":
            self.scripts.append([dict(attrs), ""])
            self.in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1][1] += data

    def injected_scripts(self) -> list:
        """Scripts that are neither our JSON-LD (valid JSON) nor one of our own static scripts."""
        bad = []
        for attrs, text in self.scripts:
            if attrs == {"type": "application/ld+json"}:
                try:
                    json.loads(text)
                    continue
                except ValueError:
                    pass
            elif set(attrs) == {"src", "defer"} and "static/" in attrs["src"] and not text:
                continue
            bad.append((attrs, text))
        return bad


def parse_site(site: Path) -> Collector:
    collector = Collector()
    for path in site.rglob("*.html"):
        collector.feed(path.read_text(encoding="utf-8"))
    return collector


def replace_line(text, key, value):
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip(" -")
        if stripped.startswith(f"{key}:"):
            prefix = line[: len(line) - len(stripped)]
            line = f"{prefix}{key}: {value}"
        lines.append(line)
    return "\n".join(lines) + "\n"


FIELDS = [
    ("content/site.yaml", SITE_YAML, key) for key in ("title", "description", "publisher", "license")
] + [
    ("content/sources/paper.yaml", SOURCE_YAML, key) for key in ("title", "publisher")
] + [
    ("content/actors/alice.yaml", ACTOR_YAML, key) for key in ("name", "role", "description", "quote")
] + [
    ("content/facts/weather.yaml", FACTS_YAML, key) for key in ("statement", "quote")
]


@pytest.mark.parametrize("path, text, key", FIELDS, ids=[f"{p.split('/')[-1]}:{k}" for p, _, k in FIELDS])
def test_hostile_text_in_a_yaml_field_is_escaped(make_project, path, text, key):
    project = make_project({path: replace_line(text, key, YAML_HOSTILE)})
    result = build(project)
    assert result.ok, messages(result)
    collector = parse_site(project / "site")
    assert collector.injected_scripts() == []
    assert collector.tags.count("script") == len(collector.scripts)
    assert collector.attributes <= ALLOWED_ATTRIBUTES, collector.attributes - ALLOWED_ATTRIBUTES
    assert any("&lt;script&gt;" in p.read_text() for p in (project / "site").rglob("*.html"))


def test_hostile_optional_fields(make_project):
    source = SOURCE_YAML + f"authors: [{YAML_HOSTILE}]\nnote: {YAML_HOSTILE}\n" \
                           "archive_url: 'https://archive.org/x\"onmouseover=\"alert(1)'\n"
    facts = FACTS_YAML.replace("      quote: The sky was blue.",
                               f"      quote: The sky was blue.\n      locator: {YAML_HOSTILE}\n"
                               f"      translation: {YAML_HOSTILE}\n      note: {YAML_HOSTILE}")
    facts = facts.replace("  topics: [weather]\n  citations:\n    - source: paper\n      quote: The sky",
                          f"  topics: [weather]\n  note: {YAML_HOSTILE}\n  citations:\n    - source: paper\n      quote: The sky", 1)
    page = PAGE_MD.replace("title: Home", f"title: {YAML_HOSTILE}").replace("summary: The home page.", f"summary: {YAML_HOSTILE}")
    page += f"\n::: facts\ntemplate: claims\ntitle: {YAML_HOSTILE}\nids: [alice-says-rain]\n:::\n"
    corrections = f"- date: '2022-12-01'\n  summary: {YAML_HOSTILE}\n  facts: [sky-blue]\n"
    page += "\n::: corrections\n:::\n"
    project = make_project({"content/sources/paper.yaml": source, "content/facts/weather.yaml": facts,
                            "content/pages/index.md": page, "content/corrections.yaml": corrections})
    result = build(project)
    assert result.ok, messages(result)
    collector = parse_site(project / "site")
    assert collector.injected_scripts() == []
    assert collector.tags.count("script") == len(collector.scripts)
    assert collector.attributes <= ALLOWED_ATTRIBUTES, collector.attributes - ALLOWED_ATTRIBUTES


def test_markdown_links_in_yaml_cannot_run_script(make_project):
    facts = FACTS_YAML.replace("statement: The sky was blue on Tuesday.",
                               "statement: 'The sky [was](javascript:alert(1)) blue <img src=x onerror=alert(1)>.'")
    project = make_project({"content/facts/weather.yaml": facts})
    assert build(project).ok
    html = (project / "site/facts/sky-blue/index.html").read_text()
    assert "javascript:" not in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_page_markdown_may_contain_html(make_project):
    project = make_project({"content/pages/index.md": PAGE_MD + '\n<aside class="box">Writers are trusted.</aside>\n'})
    assert build(project).ok
    assert '<aside class="box">Writers are trusted.</aside>' in (project / "site/index.html").read_text()
