"""Broken and hostile projects, built by the real command line: each gives its exact errors.

Every case is a small project: the base project of conftest.py with some files replaced,
removed or added (bytes are written as they are). For every case the build must exit 1
with exactly the pinned `path:line:col: error: message` lines, print no traceback, leave
the previous site/ untouched and finish in a few seconds. The cases under MUST_WORK are
unusual but valid (a byte-order mark, CRLF line ends, names with spaces and accents):
they must build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import ACTOR_YAML, FACTS_YAML, PAGE_MD, REPO, SITE_YAML, SOURCE_YAML, base_files

log = logging.getLogger(__name__)

FACTS = "content/facts/weather.yaml"
PAGE = "content/pages/index.md"
SITE = "content/site.yaml"
SOURCE = "content/sources/paper.yaml"
ACTOR = "content/actors/alice.yaml"
TIMEOUT_SECONDS = 60  # generous: a case that takes more than a few seconds shows in the durations

FileText = str | bytes | None


@dataclass(frozen=True)
class Case:
    """A broken project: files over the base project and an optional setup step (its errors are in ERRORS)."""

    name: str
    files: dict[str, FileText]
    setup: Callable[[Path], None] | None = field(default=None, compare=False)
    needs_non_root: bool = False  # root reads files whatever their permissions


def replaced(text: str, old: str, new: str) -> str:
    """text with old replaced once; the corpus fails loudly if the base files drift."""
    assert old in text, f"{old!r} is not in the base text"
    return text.replace(old, new, 1)


def page(body: str = "[@sky-blue] [@alice-says-rain]\n", front: str = "title: Home\nslug: index\n"
         "summary: The home page.\norder: 1\n") -> str:
    return f"---\n{front}---\n\n{body}"


# ---------------------------------------------------------------- setup steps

def outside_file(project: Path) -> Path:
    """A file beside the project (outside it) holding valid-looking content and a secret."""
    secret = project.parent / "outside-secret.yaml"
    secret.write_text(FACTS_YAML.replace("sky-blue", "leaked").replace("alice-says-rain", "leaked-too")
                      + "# SECRET-OUTSIDE-THE-PROJECT\n", encoding="utf-8")
    return secret


def link_fact_file_outside(project: Path) -> None:
    (project / "content/facts/leak.yaml").symlink_to(outside_file(project))


def link_fact_folder_outside(project: Path) -> None:
    folder = project.parent / "outside-folder"
    folder.mkdir()
    shutil.copy(outside_file(project), folder / "more.yaml")
    (project / "content/facts/linked").symlink_to(folder, target_is_directory=True)


def link_static_file_outside(project: Path) -> None:
    (project / "static/leak.css").symlink_to(outside_file(project))


def link_template_outside(project: Path) -> None:
    outside = project.parent / "outside-404.html"
    outside.write_text("SECRET-OUTSIDE-THE-PROJECT\n", encoding="utf-8")
    (project / "templates/404.html").unlink()
    (project / "templates/404.html").symlink_to(outside)


def link_site_yaml_outside(project: Path) -> None:
    outside = project.parent / "outside-site.yaml"
    outside.write_text(SITE_YAML, encoding="utf-8")
    (project / SITE).unlink()
    (project / SITE).symlink_to(outside)


def link_corrections_outside(project: Path) -> None:
    outside = project.parent / "outside-corrections.yaml"
    outside.write_text("- date: '2022-12-01'\n  summary: SECRET-OUTSIDE-THE-PROJECT\n", encoding="utf-8")
    (project / "content/corrections.yaml").symlink_to(outside)


def dangling_link(project: Path) -> None:
    (project / "content/facts/gone.yaml").symlink_to(project / "content/facts/nowhere.yaml")


def fifty_megabytes(relative: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        path = project / relative
        with open(path, "wb") as handle:
            handle.write(b"- id: big\n  statement: '")
            chunk = b"x" * (1024 * 1024)
            for _ in range(50):
                handle.write(chunk)
            handle.write(b"'\n")
    return setup


def remove_template(name: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        (project / "templates" / name).unlink()
    return setup


def templated(page_main: str) -> str:
    """A small page template of our own, so the pinned template lines do not move when the real ones change."""
    return '{% extends "base.html" %}\n{% block main %}\n' + page_main + "\n{% endblock %}\n"


def page_folder(project: Path) -> None:
    (project / "content/pages/about.md").mkdir()
    (project / "content/pages/about.md/notes.txt").write_text("not a page\n", encoding="utf-8")


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(ord("b"), ord("j") + 1):
        previous = chr(level - 1)
        lines.append(f"{chr(level)}: &{chr(level)} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def deeply_nested(depth: int) -> str:
    return "- id: deep\n  statement: " + "[" * depth + "]" * depth + "\n"


CASES: list[Case] = []
MUST_WORK: list[Case] = []


def case(name: str, files: dict[str, FileText] | None = None,
         setup: Callable[[Path], None] | None = None, needs_non_root: bool = False) -> None:
    CASES.append(Case(name, files or {}, setup, needs_non_root))


# ---- YAML syntax
case("tab-indentation", {FACTS: replaced(FACTS_YAML, "  statement: The sky", "\tstatement: The sky")})
case("unclosed-double-quote", {FACTS: replaced(FACTS_YAML, "statement: The sky was blue on Tuesday.",
                                               'statement: "The sky was blue on Tuesday.')})
case("unclosed-single-quote", {SOURCE: replaced(SOURCE_YAML, "title: A newspaper article",
                                                "title: 'A newspaper article")})
case("unclosed-bracket", {FACTS: replaced(FACTS_YAML, "topics: [weather]", "topics: [weather")})
case("duplicate-key-in-a-fact", {FACTS: replaced(FACTS_YAML, "  kind: fact\n",
                                                 "  kind: fact\n  statement: Overwritten?\n")})
case("duplicate-key-in-site-yaml", {SITE: SITE_YAML + "title: Another title\n"})
case("duplicate-key-in-front-matter", {PAGE: replaced(PAGE_MD, "order: 1\n", "order: 1\ntitle: Again\n")})
case("colon-in-an-unquoted-value", {FACTS: replaced(FACTS_YAML, "statement: Alice said it would rain.",
                                                    "statement: Alice said: it would rain.")})
case("bad-indentation", {ACTOR: replaced(ACTOR_YAML, "role: Mayor", "  role: Mayor")})
case("two-documents-in-one-file", {SOURCE: SOURCE_YAML + "---\nid: other\n"})
case("nul-byte", {FACTS: replaced(FACTS_YAML, "on Tuesday", "on \x00Tuesday")})

# ---- wrong types and shapes
case("statement-is-a-list", {FACTS: replaced(FACTS_YAML, "statement: The sky was blue on Tuesday.",
                                             "statement: [The sky, was blue]")})
case("order-is-text", {PAGE: replaced(PAGE_MD, "order: 1", "order: first")})
case("citations-is-a-mapping", {ACTOR: replaced(ACTOR_YAML, "citations:\n  - source: paper\n    quote: Alice is the mayor.",
                                                "citations:\n  source: paper\n  quote: Alice is the mayor.")})
case("statement-is-empty", {FACTS: replaced(FACTS_YAML, "statement: The sky was blue on Tuesday.", "statement:")})
case("by-is-a-number", {FACTS: replaced(FACTS_YAML, "by: alice", "by: 42")})
case("draft-is-text", {PAGE: replaced(PAGE_MD, "order: 1\n", "order: 1\ndraft: perhaps\n")})
case("fact-list-holds-a-string", {FACTS: FACTS_YAML + "- just a sentence, not a fact\n"})
case("facts-file-is-a-string", {"content/facts/more.yaml": "Just some words.\n"})
case("site-yaml-is-a-string", {SITE: "My explainer\n"})
case("site-yaml-is-a-list", {SITE: "- title: My explainer\n"})
case("front-matter-is-a-list", {PAGE: page(front="- title: Home\n")})
case("deeply-nested-yaml", {"content/facts/deep.yaml": deeply_nested(100_000)})
case("unknown-field", {SOURCE: SOURCE_YAML + "pubisher: Typo Press\n"})
case("unknown-source", {FACTS: replaced(FACTS_YAML, "- source: paper", "- source: papers")})
case("impossible-date", {FACTS: replaced(FACTS_YAML, 'date: "2022-11-01"', 'date: "2022-02-30"')})
case("base-url-is-not-http", {SITE: replaced(SITE_YAML, "https://example.org/", "javascript:alert(1)")})
case("slug-climbs-out", {"content/pages/about.md": page(front="title: A\nslug: ../../etc\nsummary: S.\norder: 2\n")})
case("unknown-block-template", {PAGE: PAGE_MD + "\n::: facts\ntemplate: timelin\ntopics: [weather]\n:::\n"})

# ---- empty and missing files
case("empty-site-yaml", {SITE: ""})
case("missing-site-yaml", {SITE: None})
case("empty-fact-file", {"content/facts/empty.yaml": ""})
case("comment-only-fact-file", {"content/facts/todo.yaml": "# TODO: write the facts\n"})
case("empty-page", {"content/pages/about.md": ""})
case("empty-front-matter", {"content/pages/about.md": "---\n---\nText.\n"})

# ---- encodings
case("invalid-utf8-in-yaml", {FACTS: replaced(FACTS_YAML, "Tuesday", "Tu\xe9sday").encode("latin-1")})
case("invalid-utf8-in-a-page", {PAGE: replaced(PAGE_MD, "Alice disagreed", "Alice d\xe9sagreed").encode("latin-1")})
case("utf16-file", {SOURCE: SOURCE_YAML.encode("utf-16")})
case("crlf-with-an-error", {FACTS: replaced(FACTS_YAML, "source: paper\n      quote: It will",
                                            "source: papr\n      quote: It will").replace("\n", "\r\n")})

# ---- hostile YAML
case("alias-bomb", {"content/facts/lol.yaml": alias_bomb()})
case("python-object-tag", {FACTS: replaced(FACTS_YAML, "statement: The sky was blue on Tuesday.",
                                           "statement: !!python/object/apply:os.system ['touch pwned']")})
case("python-name-tag-in-front-matter", {PAGE: replaced(PAGE_MD, "title: Home", "title: !!python/name:os.system")})
case("custom-tag", {SOURCE: replaced(SOURCE_YAML, "title: A newspaper article", "title: !include other.yaml")})
case("merge-key", {SOURCE: replaced(SOURCE_YAML, "kind: news", "<<: {kind: news}")})
case("backslash-in-double-quotes", {SOURCE: replaced(SOURCE_YAML, "title: A newspaper article",
                                                     'title: "C:\\temp\\quotes"')})
case("value-starts-with-a-backtick", {FACTS: replaced(FACTS_YAML, "statement: Alice said it would rain.",
                                                      "statement: `rain` said Alice.")})
case("fifty-megabyte-yaml", {}, setup=fifty_megabytes("content/facts/big.yaml"))
case("fifty-megabyte-page", {}, setup=fifty_megabytes("content/pages/big.md"))

# ---- ids and references
case("id-with-spaces-and-capitals", {ACTOR: replaced(ACTOR_YAML, "id: alice", "id: Alice Example")})
case("id-with-a-path", {SOURCE: replaced(SOURCE_YAML, "id: paper", "id: ../../etc/passwd")})
case("id-with-html", {FACTS: replaced(FACTS_YAML, "id: sky-blue", "id: '<b>sky</b>'")})
case("id-with-accents", {FACTS: replaced(FACTS_YAML, "id: sky-blue", "id: ciel-bleu-été")})
case("reference-with-odd-characters", {PAGE: replaced(PAGE_MD, "[@sky-blue].", "[@Sky_Blue!].")})
case("same-id-for-a-fact-and-a-source", {"content/facts/paper.yaml": "id: paper\nstatement: S.\nkind: fact\n"
                                                                    "citations: [{source: paper, quote: q}]\n"})
case("same-fact-id-in-two-files", {"content/facts/again.yaml": "id: sky-blue\nstatement: S.\nkind: fact\n"
                                                               "citations: [{source: paper, quote: q}]\n"})
case("responds-to-cycle", {FACTS: replaced(FACTS_YAML, "  kind: fact\n", "  kind: fact\n  responds_to: alice-says-rain\n")
                           + "  responds_to: sky-blue\n"})
case("responds-to-itself", {FACTS: FACTS_YAML + "  responds_to: alice-says-rain\n"})

# ---- templates
case("missing-page-template", {}, setup=remove_template("page.html"))
case("missing-base-template", {"templates/404.html": templated("<h1>{{ title }}</h1>")},
     setup=remove_template("base.html"))
case("template-syntax-error", {"templates/404.html": templated("<h1>{{ title }</h1>")})
case("block-template-syntax-error", {PAGE: PAGE_MD + "\n::: facts\ntemplate: timeline\ntopics: [weather]\n:::\n",
                                     "templates/blocks/timeline.html": "<ol>\n{% for for fact in items %}\n</ol>\n"})
case("template-raises", {"templates/fact.html": templated("<h1>{{ 1 // 0 }}</h1>")})
case("template-undefined-variable", {"templates/actor.html": templated("<h1>{{ actor.nickname }}</h1>")})

# ---- Markdown pages
case("unterminated-front-matter", {PAGE: "---\ntitle: Home\nslug: index\nsummary: S.\norder: 1\n\nBody [@sky-blue].\n"})
case("front-matter-not-first", {"content/pages/about.md": "\n" + page()})
case("open-reference-at-end-of-file", {PAGE: PAGE_MD + "And finally [@"})
case("open-reference-with-id-at-end-of-file", {PAGE: PAGE_MD + "And finally [@sky-blue"})
case("unclosed-block-at-end-of-file", {PAGE: PAGE_MD + "\n::: facts\ntopics: [weather]"})
case("page-is-a-folder", {}, setup=page_folder)

# ---- links out of the project
case("symlinked-fact-file-outside", {}, setup=link_fact_file_outside)
case("symlinked-folder-outside", {}, setup=link_fact_folder_outside)
case("symlinked-static-file-outside", {}, setup=link_static_file_outside)
case("symlinked-template-outside", {}, setup=link_template_outside)
case("symlinked-site-yaml-outside", {}, setup=link_site_yaml_outside)
case("symlinked-corrections-outside", {}, setup=link_corrections_outside)
case("dangling-symlink", {}, setup=dangling_link)
case("unreadable-file", {"content/facts/locked.yaml": "id: locked\nstatement: S.\nkind: fact\n"
                                                    "citations: [{source: paper, quote: q}]\n"},
     setup=lambda project: (project / "content/facts/locked.yaml").chmod(0), needs_non_root=True)

# ---- names and output paths
case("slugs-differ-only-in-case", {"content/pages/about.md": page(front="title: A\nslug: about\nsummary: S.\norder: 2\n"),
                                   "content/pages/about2.md": page(front="title: B\nslug: About\nsummary: S.\norder: 3\n")})
case("two-pages-same-slug", {"content/pages/copy.md": PAGE_MD})
case("page-slug-is-a-fact-permalink", {"content/pages/clash.md": page(front="title: C\nslug: facts/sky-blue\n"
                                                                                "summary: S.\norder: 2\n")})
case("error-in-a-file-with-spaces-and-accents", {"content/facts/météo du jour.yaml": "id: x\nstatement: S.\n"})


# The exact errors each case gives, all of them, in the order they are printed.
ERRORS: dict[str, tuple[str, ...]] = {
    'tab-indentation': (
        'content/facts/weather.yaml:2:1: error: tab character: indent YAML with spaces, not tabs',
    ),
    'unclosed-double-quote': (
        'content/facts/weather.yaml:2:14: error: this quoted text is not closed on its line: add the closing quote (YAML read on to line 4 and stopped there)',
    ),
    'unclosed-single-quote': (
        'content/sources/paper.yaml:2:8: error: this quoted text is never closed: add the closing quote',
    ),
    'unclosed-bracket': (
        "content/facts/weather.yaml:5:11: error: this list ('[') is not closed: add the closing ']' (and quote items that contain ',' or ']')",
    ),
    'duplicate-key-in-a-fact': (
        "content/facts/weather.yaml:4:3: error: duplicate key 'statement' (first set at line 2); remove one of them",
    ),
    'duplicate-key-in-site-yaml': (
        "content/site.yaml:7:1: error: duplicate key 'title' (first set at line 1); remove one of them",
    ),
    'duplicate-key-in-front-matter': (
        "content/pages/index.md:6:1: error: duplicate key 'title' (first set at line 2); remove one of them",
    ),
    'colon-in-an-unquoted-value': (
        'content/facts/weather.yaml:10:24: error: unexpected \':\' here: quote values that contain \': \' (for example statement: "...")',
    ),
    'bad-indentation': (
        "content/actors/alice.yaml:3:7: error: unexpected ':' here: is this line indented more than the line above, or does the value above contain ': ' and need quotes?",
    ),
    'two-documents-in-one-file': (
        "content/sources/paper.yaml:8:1: error: a second YAML document starts here: a content file holds one document, remove this '---'",
    ),
    'nul-byte': (
        'content/facts/weather.yaml:2:34: error: control character U+0000 is not allowed in YAML: remove it',
    ),
    'statement-is-a-list': (
        'content/facts/weather.yaml:2:14: error: \'statement\' must be text, got a list ["The sky", "was blue"]',
    ),
    'order-is-text': (
        "content/pages/index.md:5:8: error: 'order' must be a whole number, got text 'first'",
    ),
    'citations-is-a-mapping': (
        'content/actors/alice.yaml:6:3: error: \'citations\' must be a list, got a mapping {"source": "paper", "quote": "Alice is the mayor."}',
    ),
    'statement-is-empty': (
        "content/facts/weather.yaml:2:13: error: 'statement' must be text, got nothing",
    ),
    'by-is-a-number': (
        "content/facts/weather.yaml:12:7: error: 'by' must be text, got a number 42",
    ),
    'draft-is-text': (
        "content/pages/index.md:6:8: error: 'draft' must be true or false, got text 'perhaps'",
    ),
    'fact-list-holds-a-string': (
        "content/facts/weather.yaml:18:3: error: the fact must be a mapping of fields, got text 'just a sentence, not a fact'",
    ),
    'facts-file-is-a-string': (
        "content/facts/more.yaml:1:1: error: the fact must be a mapping of fields, got text 'Just some words.'",
    ),
    'site-yaml-is-a-string': (
        "content/site.yaml:1:1: error: the site settings must be a mapping of fields, got text 'My explainer'",
    ),
    'site-yaml-is-a-list': (
        'content/site.yaml:1:1: error: the site settings must be a mapping of fields, got a list [{"title": "My explainer"}]',
    ),
    'front-matter-is-a-list': (
        "content/pages/index.md:2:1: error: front matter must be 'name: value' lines (title, slug, summary, order)",
    ),
    'deeply-nested-yaml': (
        'content/facts/deep.yaml:2:44: error: the YAML nests more than 32 levels deep here: content needs only a few levels',
    ),
    'unknown-field': (
        "content/sources/paper.yaml:8:1: error: unknown field 'pubisher' (did you mean 'publisher'?); allowed fields: id, title, publisher, authors, published, accessed, url, archive_url, archive_date, kind, language, snapshot, note",
    ),
    'unknown-source': (
        "content/facts/weather.yaml:7:15: error: unknown source 'papers' (did you mean 'paper'?)",
    ),
    'impossible-date': (
        "content/facts/weather.yaml:4:9: error: 'date' is not a real date: '2022-02-30'",
    ),
    'base-url-is-not-http': (
        "content/site.yaml:4:11: error: 'base_url' is not valid: 'javascript:alert(1)'; expected an absolute http(s) URL",
    ),
    'slug-climbs-out': (
        "content/pages/about.md:3:7: error: 'slug' is not valid: '../../etc'; expected the page's URL path: 'index' for the home page, else kebab-case words separated by /",
    ),
    'unknown-block-template': (
        "content/pages/index.md:11:11: error: no block template 'templates/blocks/timelin.html' (did you mean 'timeline'?)",
    ),
    'empty-site-yaml': (
        'content/site.yaml:1:1: error: the site settings must be a mapping of fields, got nothing',
    ),
    'missing-site-yaml': (
        'content/site.yaml:1:1: error: missing site settings: create content/site.yaml with title, description, language, base_url, publisher and license',
    ),
    'empty-fact-file': (
        'content/facts/empty.yaml:1:1: error: empty file: it holds no fact; write one fact (or a list), or delete the file',
    ),
    'comment-only-fact-file': (
        'content/facts/todo.yaml:1:1: error: empty file: it holds no fact; write one fact (or a list), or delete the file',
    ),
    'empty-page': (
        "content/pages/about.md:1:1: error: a page must start with YAML front matter: a line '---', the fields (title, slug, summary, order), then '---'",
    ),
    'empty-front-matter': (
        'content/pages/about.md:2:1: error: front matter is empty: add title, slug, summary and order',
    ),
    'invalid-utf8-in-yaml': (
        'content/facts/weather.yaml:2:36: error: file is not valid UTF-8 (byte 0xe9); save it as UTF-8',
    ),
    'invalid-utf8-in-a-page': (
        'content/pages/index.md:8:38: error: file is not valid UTF-8 (byte 0xe9); save it as UTF-8',
    ),
    'utf16-file': (
        'content/sources/paper.yaml:1:1: error: file is saved as UTF-16: save it as UTF-8',
    ),
    'crlf-with-an-error': (
        "content/facts/weather.yaml:16:15: error: unknown source 'papr' (did you mean 'paper'?)",
    ),
    'alias-bomb': (
        'content/facts/lol.yaml:1:4: error: anchors and aliases (&name, *name) are not supported in content files',
    ),
    'python-object-tag': (
        "content/facts/weather.yaml:2:14: error: tag '!!python/object/apply:os.system' is not allowed: content files hold plain text, numbers, lists and mappings",
    ),
    'python-name-tag-in-front-matter': (
        "content/pages/index.md:2:8: error: tag '!!python/name:os.system' is not allowed: content files hold plain text, numbers, lists and mappings",
    ),
    'custom-tag': (
        "content/sources/paper.yaml:2:8: error: tag '!include' is not allowed: content files hold plain text, numbers, lists and mappings",
    ),
    'merge-key': (
        'content/sources/paper.yaml:7:1: error: merge keys (<<) are not supported in content files',
    ),
    'backslash-in-double-quotes': (
        "content/sources/paper.yaml:2:16: error: backslash escape not allowed here: in double quotes '\\' starts an escape; use single quotes for text with backslashes",
    ),
    'value-starts-with-a-backtick': (
        "content/facts/weather.yaml:10:14: error: a plain value cannot start with '`': put the value in quotes",
    ),
    'fifty-megabyte-yaml': (
        'content/facts/big.yaml:1:1: error: file is too large (50.0 MB; content files may be at most 5 MB)',
    ),
    'fifty-megabyte-page': (
        'content/pages/big.md:1:1: error: file is too large (50.0 MB; content files may be at most 5 MB)',
    ),
    'id-with-spaces-and-capitals': (
        "content/actors/alice.yaml:1:5: error: 'id' is not valid: 'Alice Example'; expected kebab-case: lowercase letters and digits separated by single hyphens, e.g. bukele-tweet-2021",
        "content/facts/weather.yaml:12:7: error: unknown actor 'alice' in 'by'",
    ),
    'id-with-a-path': (
        "content/actors/alice.yaml:6:13: error: unknown source 'paper'",
        "content/facts/weather.yaml:7:15: error: unknown source 'paper'",
        "content/facts/weather.yaml:16:15: error: unknown source 'paper'",
        "content/sources/paper.yaml:1:5: error: 'id' is not valid: '../../etc/passwd'; expected kebab-case: lowercase letters and digits separated by single hyphens, e.g. bukele-tweet-2021",
    ),
    'id-with-html': (
        "content/facts/weather.yaml:1:7: error: 'id' is not valid: '<b>sky</b>'; expected kebab-case: lowercase letters and digits separated by single hyphens, e.g. bukele-tweet-2021",
        "content/pages/index.md:8:20: error: unknown fact 'sky-blue'",
        "content/pages/index.md:8:67: error: unknown fact 'sky-blue'",
    ),
    'id-with-accents': (
        "content/facts/weather.yaml:1:7: error: 'id' is not valid: 'ciel-bleu-été'; expected kebab-case: lowercase letters and digits separated by single hyphens, e.g. bukele-tweet-2021",
        "content/pages/index.md:8:20: error: unknown fact 'sky-blue'",
        "content/pages/index.md:8:67: error: unknown fact 'sky-blue'",
    ),
    'reference-with-odd-characters': (
        "content/pages/index.md:8:18: error: malformed fact reference '[@Sky_Blue!]': write [@fact-id] or [@first-id; @second-id] with kebab-case ids",
    ),
    'same-id-for-a-fact-and-a-source': (
        "content/sources/paper.yaml:1:5: error: id 'paper' is already used by the fact at content/facts/paper.yaml:1:1",
    ),
    'same-fact-id-in-two-files': (
        "content/facts/weather.yaml:1:7: error: duplicate id 'sky-blue': already used at content/facts/again.yaml:1:1",
    ),
    'responds-to-cycle': (
        "content/facts/weather.yaml:4:16: error: 'responds_to' goes round in a circle: sky-blue -> alice-says-rain -> sky-blue",
    ),
    'responds-to-itself': (
        'content/facts/weather.yaml:18:16: error: a fact cannot respond to itself',
    ),
    'missing-page-template': (
        "templates/page.html:1:1: error: template 'page.html' not found: create templates/page.html",
    ),
    'missing-base-template': (
        "templates/404.html:1:1: error: template 'base.html' not found: create templates/base.html",
    ),
    'template-syntax-error': (
        "templates/404.html:3:1: error: template syntax error: unexpected '}'",
    ),
    'block-template-syntax-error': (
        "templates/blocks/timeline.html:2:1: error: template syntax error: expected token 'in', got 'fact'",
    ),
    'template-raises': (
        'templates/fact.html:3:1: error: template error while rendering facts/alice-says-rain/index.html: ZeroDivisionError: integer division or modulo by zero',
        'templates/fact.html:3:1: error: template error while rendering facts/sky-blue/index.html: ZeroDivisionError: integer division or modulo by zero',
    ),
    'template-undefined-variable': (
        "templates/actor.html:3:1: error: template error while rendering actors/alice/index.html: actor has no attribute 'nickname'",
    ),
    'unterminated-front-matter': (
        "content/pages/index.md:1:1: error: front matter is not closed: add a line '---' after the fields",
    ),
    'front-matter-not-first': (
        "content/pages/about.md:1:1: error: a page must start with YAML front matter: a line '---', the fields (title, slug, summary, order), then '---'",
    ),
    'open-reference-at-end-of-file': (
        "content/pages/index.md:9:13: error: unterminated fact reference: close it with ']' on the same line, as in [@fact-id]",
    ),
    'open-reference-with-id-at-end-of-file': (
        "content/pages/index.md:9:13: error: unterminated fact reference: close it with ']' on the same line, as in [@fact-id]",
    ),
    'unclosed-block-at-end-of-file': (
        "content/pages/index.md:10:1: error: block '::: facts' is not closed: add a line ':::' after its options",
    ),
    'page-is-a-folder': (
        "content/pages/about.md:1:1: error: 'about.md' is a folder, not a file: rename it, or move its files out of it",
    ),
    'symlinked-fact-file-outside': (
        'content/facts/leak.yaml:1:1: error: symbolic link to a file outside the project: explainer reads only files inside the project folder; copy the file in instead of linking to it',
    ),
    'symlinked-folder-outside': (
        'content/facts/linked:1:1: error: symbolic link to a folder outside the project: explainer reads only files inside the project folder; copy the folder in instead of linking to it',
    ),
    'symlinked-static-file-outside': (
        'static/leak.css:1:1: error: symbolic link to a file outside the project: explainer reads only files inside the project folder; copy the file in instead of linking to it',
    ),
    'symlinked-template-outside': (
        'templates/404.html:1:1: error: symbolic link to a file outside the project: explainer reads only files inside the project folder; copy the file in instead of linking to it',
    ),
    'symlinked-site-yaml-outside': (
        'content/site.yaml:1:1: error: symbolic link to a file outside the project: explainer reads only files inside the project folder; copy the file in instead of linking to it',
    ),
    'symlinked-corrections-outside': (
        'content/corrections.yaml:1:1: error: symbolic link to a file outside the project: explainer reads only files inside the project folder; copy the file in instead of linking to it',
    ),
    'dangling-symlink': (
        'content/facts/gone.yaml:1:1: error: broken symbolic link: the file it points to does not exist',
    ),
    'slugs-differ-only-in-case': (
        "content/pages/about2.md:3:7: error: 'slug' is not valid: 'About'; expected the page's URL path: 'index' for the home page, else kebab-case words separated by /",
    ),
    'two-pages-same-slug': (
        "content/pages/index.md:3:7: error: slug 'index' is already used by the page at content/pages/copy.md:3:7",
    ),
    'page-slug-is-a-fact-permalink': (
        "content/facts/weather.yaml:1:3: error: output path 'facts/sky-blue/index.html' is also written by the page 'facts/sky-blue' at content/pages/clash.md:3:7",
    ),
    'error-in-a-file-with-spaces-and-accents': (
        "content/facts/météo du jour.yaml:1:1: error: missing required field 'citations'",
        "content/facts/météo du jour.yaml:1:1: error: missing required field 'kind'",
    ),
    'unreadable-file': (
        'content/facts/locked.yaml:1:1: error: cannot read file: Permission denied',
    ),
}


# ---------------------------------------------------------------- valid but unusual

def works(name: str, files: dict[str, FileText], setup: Callable[[Path], None] | None = None) -> None:
    MUST_WORK.append(Case(name, files, setup))


works("utf8-bom-everywhere", {path: b"\xef\xbb\xbf" + text.encode() for path, text in base_files().items()})
works("crlf-everywhere", {path: text.replace("\n", "\r\n").encode() for path, text in base_files().items()})
works("old-mac-line-ends", {path: text.replace("\n", "\r").encode() for path, text in base_files().items()})
works("names-with-spaces-and-accents", {FACTS: None, "content/facts/météo du jour.yaml": FACTS_YAML,
                                        ACTOR: None, "content/actors/Älice Ünïcode.yaml": ACTOR_YAML,
                                        PAGE: None, "content/pages/über uns.md": PAGE_MD})
works("symlink-inside-the-project", {FACTS: None, "shared/weather.yaml": FACTS_YAML},
      setup=lambda project: (project / FACTS).symlink_to(project / "shared/weather.yaml"))


# ---------------------------------------------------------------- running a case

def write_case(project: Path, case: Case) -> None:
    for relative, text in case.files.items():
        path = project / relative
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if case.setup is not None:
        case.setup(project)


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under folder (symlinks not followed) and a hash of its bytes."""
    digest = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            digest[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


@dataclass
class Outcome:
    returncode: int
    stderr: str
    seconds: float

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if ": error: " in line]


def run_build(project: Path) -> Outcome:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--project", str(project)],
                          cwd=project, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    return Outcome(done.returncode, done.stderr, time.perf_counter() - started)


def staging_leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".site-build-"))


SECRETS = ("SECRET-OUTSIDE-THE-PROJECT", "leaked")


@pytest.fixture(scope="module")
def base_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base project built once by the command line: every case starts from a copy of its site/."""
    project = write_project(tmp_path_factory.mktemp("base"))
    outcome = run_build(project)
    assert outcome.returncode == 0, outcome.stderr
    return project / "site"


def write_project(root: Path, case: Case | None = None, site: Path | None = None) -> Path:
    """The base project (with the repository's templates and CSS), a previous site/, then the case."""
    project = root / "project"
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "static", project / "static")
    for relative, text in base_files().items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    if site is not None:
        shutil.copytree(site, project / "site")
    if case is not None:
        write_case(project, case)
    return project


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert sorted(ERRORS) == sorted(c.name for c in CASES), "every case pins its errors, and only cases do"
    assert len({c.name for c in CASES + MUST_WORK}) == len(CASES) + len(MUST_WORK)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_broken_project_fails_with_its_exact_errors(case: Case, base_site: Path, tmp_path: Path):
    if case.needs_non_root and os.geteuid() == 0:
        pytest.skip("running as root: root can read a file whatever its permissions")
    project = write_project(tmp_path, case, site=base_site)
    before = tree_digest(project / "site")
    outcome = run_build(project)
    log.info("%s: exit %s in %.2f s", case.name, outcome.returncode, outcome.seconds)
    assert outcome.returncode == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.errors == list(ERRORS[case.name]), outcome.stderr
    assert "Built nothing:" in outcome.stderr
    assert not any(secret in outcome.stderr for secret in SECRETS), outcome.stderr
    assert tree_digest(project / "site") == before
    assert staging_leftovers(project) == []
    assert not (project / "pwned").exists()


@pytest.mark.parametrize("case", MUST_WORK, ids=[c.name for c in MUST_WORK])
def test_unusual_but_valid_projects_build_the_same_site(case: Case, base_site: Path, tmp_path: Path):
    project = write_project(tmp_path, case)
    outcome = run_build(project)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.errors == [] and "warning" not in outcome.stderr, outcome.stderr
    assert tree_digest(project / "site") == tree_digest(base_site)
