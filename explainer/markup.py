"""Markdown for pages and for YAML strings, with fact references and fact blocks.

Syntax, as documented in the README:
  [@fact-id]            a numbered reference to a fact (Pandoc's citation syntax)
  [@a; @b]              several references at one place
  ::: facts             a block of facts rendered through templates/blocks/<template>.html;
  template: timeline    its body is YAML (see explainer/schemas/block.schema.json)
  topics: [some-topic]
  :::
Blocks of actors, sources and corrections use `::: actors`, `::: sources`, `::: corrections`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from .diagnostics import Diagnostic, Location, did_you_mean, error
from .load import LocatedDict, parse_yaml
from .model import Block, Page, Reference

BLOCK_KINDS = ("facts", "actors", "sources", "corrections")
FACT_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"

# A reference starts with "[@"; a Markdown link such as [@handle](url) is not one.
_REF_CANDIDATE = re.compile(r"\[(@[^\]\n]*+)(\])?")
_REF_BODY = re.compile(rf"^\s*@({FACT_ID})\s*(?:;\s*@({FACT_ID})\s*)*$")
_REF_IDS = re.compile(rf"@({FACT_ID})")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_OPEN = re.compile(r"^:::[ \t]*([A-Za-z][\w-]*)[ \t]*$")
_BLOCK_CLOSE = re.compile(r"^:::[ \t]*$")

# Markers survive Markdown untouched and are numbered once the whole page is known,
# so numbers follow first appearance whether a fact is cited inline or in a block.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{MARK_OPEN}({FACT_ID}(?:;{FACT_ID})*){MARK_CLOSE}")


@dataclass
class PageScan:
    references: list[Reference] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _code_mask(lines: list[str]) -> list[bool]:
    """Which body lines are inside fenced code blocks."""
    mask, fence = [], None
    for line in lines:
        match = _FENCE_OPEN.match(line)
        if fence is None and match:
            fence = match.group(1)
            mask.append(True)
        elif fence is not None:
            mask.append(True)
            if line.strip().startswith(fence[0] * len(fence)) and line.strip().strip(fence[0]) == "":
                fence = None
        else:
            mask.append(False)
    return mask


def find_block_spans(lines: list[str]) -> list[tuple[str, int, int | None]]:
    """Every `::: kind` ... `:::` block outside fenced code: (kind, first line, closing line or None)."""
    in_code = _code_mask(lines)
    spans: list[tuple[str, int, int | None]] = []
    index = 0
    while index < len(lines):
        opened = None if in_code[index] else _BLOCK_OPEN.match(lines[index])
        if not opened:
            index += 1
            continue
        end = next((j for j in range(index + 1, len(lines))
                    if not in_code[j] and _BLOCK_CLOSE.match(lines[j])), None)
        spans.append((opened.group(1), index, end))
        index = (end if end is not None else len(lines) - 1) + 1
    return spans


def _blank_out(pattern: re.Pattern, text: str) -> str:
    """Replace matches by spaces (keeping newlines) so positions stay the same."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def scan_page(body: str, path: Path, first_line: int) -> PageScan:
    """Find fact references and blocks in a page body, with their lines and columns."""
    scan = PageScan()
    lines = body.split("\n")
    in_code = _code_mask(lines)
    prose_lines = ["" if in_code[i] else line for i, line in enumerate(lines)]
    for kind, start, end in find_block_spans(lines):
        _scan_block(kind, lines, start, end, path, first_line, scan)
        for i in range(start, (end if end is not None else len(lines) - 1) + 1):
            prose_lines[i] = ""
    prose = _blank_out(_HTML_COMMENT, _blank_out(_CODE_SPAN, "\n".join(prose_lines)))
    line_starts = [0]
    for match in re.finditer("\n", prose):
        line_starts.append(match.end())
    for match in _REF_CANDIDATE.finditer(prose):
        line_no = _line_of(line_starts, match.start())
        col = match.start() - line_starts[line_no] + 1
        location = Location(path, first_line + line_no, col)
        if match.group(2) and prose[match.end():match.end() + 1] in ("(", "["):
            continue  # a Markdown link such as [@handle](https://...)
        if match.group(2) is None:
            scan.diagnostics.append(error(location, "unterminated fact reference: close it with ']' "
                                                    "on the same line, as in [@fact-id]"))
            continue
        inner = match.group(1)
        if not _REF_BODY.match(inner):
            scan.diagnostics.append(error(location, f"malformed fact reference '[{inner}]': write [@fact-id] "
                                                    "or [@first-id; @second-id] with kebab-case ids"))
            continue
        for id_match in _REF_IDS.finditer(inner):
            id_col = col + 1 + id_match.start(1)
            scan.references.append(Reference(id_match.group(1), Location(path, first_line + line_no, id_col)))
    return scan


def _line_of(line_starts: list[int], offset: int) -> int:
    low, high = 0, len(line_starts) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if line_starts[mid] <= offset:
            low = mid
        else:
            high = mid - 1
    return low


def _scan_block(kind: str, lines: list[str], start: int, end: int | None, path: Path,
                first_line: int, scan: PageScan) -> None:
    location = Location(path, first_line + start, 1)
    if kind not in BLOCK_KINDS:
        scan.diagnostics.append(error(location, f"unknown block '::: {kind}'{did_you_mean(kind, BLOCK_KINDS)}; "
                                                f"blocks are: {', '.join(BLOCK_KINDS)}"))
    if end is None:
        scan.diagnostics.append(error(location, f"block '::: {kind}' is not closed: add a line ':::' after its options"))
        return
    yaml_text = "\n".join(lines[start + 1:end])
    options, problems = parse_yaml(yaml_text, path, first_line=first_line + start + 1) if yaml_text.strip() else ({}, [])
    scan.diagnostics.extend(problems)
    if problems:
        return
    if options is None:
        options = {}
    if not isinstance(options, dict):
        scan.diagnostics.append(error(Location(path, first_line + start + 1, 1),
                                      "block options must be 'name: value' lines (YAML), such as 'template: timeline'"))
        return
    if kind not in BLOCK_KINDS:
        return
    option_locations = dict(options.value_locations) if isinstance(options, LocatedDict) else {}
    from .schema import check_record  # late import: schema imports load, not markup
    problems = check_record("block", options, location, what="block")
    scan.diagnostics.extend(problems)
    if not problems:
        scan.blocks.append(Block(kind, dict(options), location, option_locations))


# ---------------------------------------------------------------- page Markdown

class _ReferenceProcessor(InlineProcessor):
    """Turn [@a; @b] into a marker that is numbered after the whole page is rendered."""

    def __init__(self, pattern: str, md: markdown.Markdown, extension: "FactsExtension") -> None:
        super().__init__(pattern, md)
        self.extension = extension

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        ids = [part.strip().lstrip("@") for part in m.group(1).split(";")]
        known = self.extension.known_facts
        if known is not None and any(i not in known for i in ids):
            return None, None, None
        marker = MARK_OPEN + ";".join(ids) + MARK_CLOSE
        return self.md.htmlStash.store(marker), m.start(0), m.end(0)


class _FactBlockProcessor(Preprocessor):
    """Replace each `::: kind` ... `:::` block by the HTML its template renders."""

    def __init__(self, md: markdown.Markdown, extension: "FactsExtension") -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        render = self.extension.render_block
        if render is None:
            return lines
        out = list(lines)
        spans = find_block_spans(lines)
        for number, (_, start, end) in reversed(list(enumerate(spans))):
            if end is None:
                continue
            placeholder = self.md.htmlStash.store(render(number).strip())
            out[start:end + 1] = ["", placeholder, ""]
        return out


class FactsExtension(Extension):
    """Fact references ([@id], [@a; @b]) and fact blocks (::: facts ... :::) for Python-Markdown.

    Before converting a page, set `render_block` to a callable that renders the page's
    n-th block to HTML; set `known_facts` so that unknown ids stay plain text.
    """

    def __init__(self, **kwargs) -> None:
        self.known_facts: set[str] | dict | None = None
        self.render_block: Callable[[int], str] | None = None
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        pattern = rf"\[@({FACT_ID}(?:\s*;\s*@{FACT_ID})*)\s*\](?![(\[])"
        # Above links (160) so [@a] is not read as a link label, below code spans (190).
        md.inlinePatterns.register(_ReferenceProcessor(pattern, md, self), "fact_reference", 175)
        # After whitespace normalisation (30), which keeps line numbers, and before fenced code (25).
        md.preprocessors.register(_FactBlockProcessor(md, self), "fact_blocks", 28)


# Typographic quotes and dashes as UTF-8 characters, not entities: the same text, fewer bytes.
SMARTY = {"substitutions": {"mdash": "—", "ndash": "–", "ellipsis": "…", "left-angle-quote": "«",
                            "right-angle-quote": "»", "left-single-quote": "‘", "right-single-quote": "’",
                            "left-double-quote": "“", "right-double-quote": "”"}}


DEFAULT_PERMALINK_TITLE = "Link to this section"  # without templates/i18n strings


def page_markdown(permalink_title: str = DEFAULT_PERMALINK_TITLE) -> tuple[markdown.Markdown, FactsExtension]:
    """One Markdown converter for pages, reused (and reset) from page to page.

    `permalink_title` labels the "#" link beside each heading, in the edition's language.
    """
    facts = FactsExtension()
    md = markdown.Markdown(
        extensions=["extra", "smarty", "sane_lists", "toc", facts],
        extension_configs={"smarty": SMARTY, "toc": {"slugify": slugify_unicode, "permalink": "#",
                                   "permalink_title": permalink_title, "toc_depth": "2-3"}},
        output_format="html")
    return md, facts


# While a body is converted, each of its blocks is a slot; the block's HTML fills it afterwards
# (fill_blocks). So one conversion serves the search index, which leaves blocks out, and the page.
BLOCK_SLOT_OPEN, BLOCK_SLOT_CLOSE = "\ue002", "\ue003"
_BLOCK_SLOT = re.compile(f"<p>{BLOCK_SLOT_OPEN}(\\d+){BLOCK_SLOT_CLOSE}</p>|{BLOCK_SLOT_OPEN}(\\d+){BLOCK_SLOT_CLOSE}")
_CONVERTED = "_converted_body"  # the attribute that keeps a Page's conversions (see converted_body)


@dataclass(frozen=True)
class ConvertedBody:
    """A page body as HTML with a slot per block and a marker per reference, and its headings (toc tokens)."""

    html: str
    toc: tuple[dict, ...]


def converted_body(page: Page, md: markdown.Markdown, facts: FactsExtension, keep: bool = True) -> ConvertedBody:
    """The page's body converted by md, once per page and converter settings: Markdown is most of a build.

    Kept beside the Page's fields, compressed (a site's worth of HTML is tens of megabytes,
    and the search index converts every page long before the renderer reads it); `keep=False`
    takes it away, for the last user. Pages are pickled without it (model.Page.__getstate__).
    """
    memo = page.__dict__.setdefault(_CONVERTED, {})
    key = md.treeprocessors["toc"].permalink_title  # the one setting that differs between converters
    kept = memo.get(key) if keep else memo.pop(key, None)
    if kept is not None:
        return ConvertedBody(zlib.decompress(kept[0]).decode("utf-8"), kept[1])
    facts.render_block = lambda number: f"{BLOCK_SLOT_OPEN}{number}{BLOCK_SLOT_CLOSE}"
    try:
        html = md.reset().convert(page.body)
    finally:
        facts.render_block = None
    converted = ConvertedBody(html, tuple(getattr(md, "toc_tokens", [])))
    if keep:
        memo[key] = (zlib.compress(html.encode("utf-8"), 1), converted.toc)
    return converted


def fill_blocks(html: str, render_block: Callable[[int], str], md: markdown.Markdown) -> str:
    """Put each block's HTML in its slot as Python-Markdown places raw HTML: a block-level element leaves its <p>."""
    slots = [int(wrapped or bare) for wrapped, bare in _BLOCK_SLOT.findall(html)]
    rendered = {number: render_block(number).strip() for number in sorted(set(slots), reverse=True)}
    is_block_level = md.postprocessors["raw_html"].isblocklevel

    def fill(match: re.Match) -> str:
        block = rendered[int(match.group(1) or match.group(2))]
        return block if match.group(2) is not None or is_block_level(block) else f"<p>{block}</p>"
    return _BLOCK_SLOT.sub(fill, html)


def without_blocks(html: str) -> str:
    return _BLOCK_SLOT.sub("", html)


def reference_marker(*fact_ids: str) -> Markup:
    """The marker a block template emits for a fact, numbered with the rest of the page."""
    return Markup(MARK_OPEN + ";".join(fact_ids) + MARK_CLOSE)


@dataclass
class NumberedReferences:
    html: str
    order: list[str]                       # fact ids by note number (1-based position)
    backlinks: dict[str, list[str]]        # fact id -> anchor ids of the places citing it


def number_references(html: str, make_link: Callable[[int, str, str], str]) -> NumberedReferences:
    """Number markers by first appearance; repeats reuse their number."""
    numbers: dict[str, int] = {}
    backlinks: dict[str, list[str]] = {}

    def replace(match: re.Match) -> str:
        links = []
        for fact_id in match.group(1).split(";"):
            number = numbers.setdefault(fact_id, len(numbers) + 1)
            anchors = backlinks.setdefault(fact_id, [])
            anchor = f"ref-{number}-{len(anchors) + 1}"
            anchors.append(anchor)
            links.append(make_link(number, fact_id, anchor))
        return '<sup class="refs">' + "".join(links) + "</sup>"

    out = _MARKER.sub(replace, html)
    return NumberedReferences(out, list(numbers), backlinks)


# ---------------------------------------------------------------- YAML strings

_SAFE_SCHEMES = {"http", "https", "mailto", ""}


class _SafeLinks(Treeprocessor):
    """Drop links and images whose URL could run script (javascript:, data:, ...)."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and urlsplit(value.strip()).scheme.lower() not in _SAFE_SCHEMES:
                    element.set(attribute, "#")


# Characters and runs that Python-Markdown (with smarty) could turn into markup or entities,
# or that need escaping. Text without any of them comes out exactly as it went in.
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]<>&'\"\x02\x03]|--|\.\.\.")


INLINE_CACHE_SIZE = 1 << 15  # texts whose HTML is kept (the least recently used go first)


class InlineMarkdown:
    """Render one-line Markdown from YAML fields; raw HTML is shown as text, never run."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["smarty"], extension_configs={"smarty": SMARTY},
                                    output_format="html")
        self.md.preprocessors.deregister("html_block")
        self.md.inlinePatterns.deregister("html")
        for name in ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist",
                     "quote", "reference"):
            self.md.parser.blockprocessors.deregister(name)
        self.md.treeprocessors.register(_SafeLinks(self.md), "safe_links", 0)
        self.cache: OrderedDict[str, Markup] = OrderedDict()

    def __call__(self, text: str | None) -> Markup:
        if text is None:
            return Markup("")
        cached = self.cache.get(text)
        if cached is not None:
            self.cache.move_to_end(text)
            return cached
        line = " ".join(str(text).split())
        if _INLINE_SYNTAX.search(line) is None:
            html = line  # plain words: Markdown would wrap them in <p> and change nothing
        else:
            html = self.md.reset().convert(line)
            if html.startswith("<p>") and html.endswith("</p>"):
                html = html[3:-4]
        # No block element can appear in inline text; anything else would be a bug.
        result = Markup(html)
        self.cache[text] = result
        if len(self.cache) > INLINE_CACHE_SIZE:
            self.cache.popitem(last=False)
        return result


@lru_cache(maxsize=1)
def shared_inline_markdown() -> InlineMarkdown:
    """One converter per process, its results kept across builds: the live preview renders the
    same statements after every edit (the search page shows them all)."""
    return InlineMarkdown()


@lru_cache(maxsize=1 << 15)
def plain_text(text: str | None) -> str:
    """Strip Markdown emphasis and links for places that take plain text (titles, meta).

    Kept for the same strings: the search index, the data export and every page's head ask
    for the same statements and titles (a bounded cache, so a long preview stays flat).
    """
    if not text:
        return ""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", str(text))
    text = re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)
    return " ".join(text.split())


def escape_text(text: str) -> Markup:
    return escape(text)
