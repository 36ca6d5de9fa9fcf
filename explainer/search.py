"""The prebuilt search index: pages, facts, sources and actors as plain text for static/search.js.

The index is a script, not a JSON file, because browsers refuse fetch() on file:// and the
site must also work opened from disk. It comes in parts of PART_SIZE documents, each its own
fingerprinted file (static/search-index.0.<hash>.js, ...), which sets
`window.explainerSearchParts[N] = {"version", "part", "parts", "documents"}`; the search page
names every part and search.js joins them in order. A large site's index is tens of
megabytes: in parts, an edit rewrites one part, and a host keeps serving the others from
cache. URLs in it are relative to the site's root; the script resolves them against its own
address.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, Callable, Container, Iterable

from markdown import Markdown

from .markup import (_CONVERTED, DEFAULT_PERMALINK_TITLE, MARK_CLOSE, MARK_OPEN, FactsExtension, converted_body,
                     page_markdown, plain_text, without_blocks)
from .model import READING_ORDER, Actor, Fact, Page, Site, Source
from .output import entry_path, page_path
from .parallel import map_in_processes
from .pieces import PieceMaker, in_parts, made_now

INDEX_NAME = "static/search-index.js"  # its parts' source names: static/search-index.0.js, ... (-es for es)
INDEX_VERSION = 1
PART_SIZE = 500  # documents per part: ~1 MB of a page's text at the sizes bench/generate.py makes
DOCUMENTS_PER_PIECE = 100  # encoded together, and kept by the preview while their records stay the same


def index_name(language: str, default_language: str, part: int = 0) -> str:
    """The source name of one part of an edition's search index."""
    stem = INDEX_NAME.removesuffix(".js") + ("" if language == default_language else f"-{language}")
    return f"{stem}.{part}.js"


def index_parts(assets: Container[str], language: str, default_language: str) -> list[str]:
    """The source names of an edition's index parts among these assets, in order.

    Asks for each name in turn, up to the first that is missing: the live preview notes those
    names (the search page changes when a part is added or removed), not every asset.
    """
    parts: list[str] = []
    while (name := index_name(language, default_language, len(parts))) in assets:
        parts.append(name)
    return parts


_MARKERS = re.compile(f"{MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?)])")  # left where "Torres [@id]." lost its marker


class _TextCollector(HTMLParser):
    """Visible text of an HTML fragment; heading permalinks ('#') and scripts left out."""

    SKIPPED = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED or (tag == "a" and ("class", "headerlink") in attrs):
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and (tag in self.SKIPPED or tag == "a"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return " ".join(" ".join(collector.parts).split())


def page_text(page: Page, known: dict[str, str] | None = None, permalink_title: str = DEFAULT_PERMALINK_TITLE) -> str:
    """A page's own prose as plain text: blocks and reference markers left out (facts are indexed apart).

    `known` maps bodies to their texts: where a page that is a new object finds the text of an
    unchanged body. The conversion is kept for the page's renderer, which finds it when it labels
    heading links with the same `permalink_title` (the text leaves those links out).
    """
    text = page.__dict__.get(_TEXT_MEMO)
    if text is None:
        text = (known or {}).get(page.body)
        if text is None:
            md, facts = _text_markdown(permalink_title)
            html = without_blocks(converted_body(page, md, facts).html)
            text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", html_text(_MARKERS.sub("", html)))
        # Kept beside the record's fields, not as one of them: it lives as long as the Page, which
        # the live preview keeps while its file is unchanged and the build cache stores with it,
        # so every build and every save indexes every page but converts only the changed ones.
        object.__setattr__(page, _TEXT_MEMO, text)
    return text


_TEXT_MEMO = "_search_text"


def convert_in_processes(editions: Iterable[tuple[Site, str]], include_drafts: bool, jobs: int) -> None:
    """Give the pages the index will read their texts, converting their Markdown in `jobs` processes.

    Markdown is most of a build's work, and the index needs every page's text before anything
    is rendered: done here in parallel rather than one page after another in page_text. Each
    page keeps its converted body too (markup.converted_body), made with the label its edition
    gives heading links (each edition's Site with that label), so its renderer reads it next.
    """
    if jobs <= 1:
        return
    pages = [(page, title) for edition, title in editions for page in edition.pages
             if (include_drafts or not page.draft) and _TEXT_MEMO not in page.__dict__]
    for (page, _), made in zip(pages, map_in_processes(_converted_text, pages, jobs)):
        if made is not None:
            conversions, text = made
            page.__dict__.setdefault(_CONVERTED, {}).update(conversions)
            object.__setattr__(page, _TEXT_MEMO, text)


def _converted_text(item: tuple[Page, str]) -> tuple[dict, str] | None:
    """In a worker: the page's conversions and text, sent back to the build's process."""
    page, permalink_title = item
    try:
        text = page_text(page, permalink_title=permalink_title)
    except Exception:  # noqa: BLE001 - converted again in the build's process, which reports it as usual
        return None
    return page.__dict__.get(_CONVERTED, {}), text


# A translated edition's pages are new objects on every rebuild (editions.localize): they find
# their text by body among those of their edition's previous index. Each index replaces its
# edition's texts, so the text of a body that was edited away goes with it: a preview session
# of any length keeps one text per page.
_LAST_TEXTS: dict[str, dict[str, str]] = {}  # edition language -> page body -> text


def remembered_texts(language: str) -> int:
    """How many page texts the `language` edition's next index can reuse (stays at its page count)."""
    return len(_LAST_TEXTS.get(language, {}))


@lru_cache(maxsize=8)
def _text_markdown(permalink_title: str = DEFAULT_PERMALINK_TITLE) -> tuple[Markdown, FactsExtension]:
    """One converter per label for every page's text: building one costs about as much as converting a page."""
    return page_markdown(permalink_title)


def search_documents(site: Site, include_drafts: bool = False) -> list[dict[str, Any]]:
    """One document per page, fact, source and actor, in that order.

    `title` and `summary` are shown and searched, `text` is searched and quoted around a match,
    `keywords` is only searched. For a translated edition, `site` is its Site (editions.localize):
    its words, and URLs under its folder.
    """
    records, make = document_records(site, include_drafts)
    return [make(n) for n in range(len(records))]


def document_records(site: Site, include_drafts: bool) -> tuple[list[tuple], Callable[[int], dict[str, Any]]]:
    """The records each document is made from, in order, and what makes document n (its URL also
    reads the edition's prefix). Lists, not a maker per document: the preview asks on every save."""
    prefix = site.config.prefix
    known, texts = _LAST_TEXTS.get(site.config.language, {}), {}
    pages = [page for page in sorted(site.pages, key=READING_ORDER) if include_drafts or not page.draft]
    for page in pages:
        texts[page.body] = page_text(page, known)
    _LAST_TEXTS[site.config.language] = texts
    actors = site.actors
    facts = [site.facts[i] for i in sorted(site.facts)]

    def page_document(page: Page) -> dict[str, Any]:
        return {"type": "page", "url": prefix + page_path(page.slug), "title": plain_text(page.title),
                "summary": plain_text(page.summary), "text": texts[page.body], "keywords": ""}

    def fact_document(fact: Fact) -> dict[str, Any]:
        by = [actors[a].name for a in fact.by if a in actors]
        quotes = [f"“{c.quote}”" for c in fact.citations] + [f"“{c.translation}”" for c in fact.citations if c.translation]
        return {"type": fact.kind, "url": prefix + entry_path("fact", fact.id), "title": plain_text(fact.statement),
                "summary": ", ".join(by) + (f" ({fact.date})" if fact.date else ""),
                "text": " ".join(" ".join([*quotes, plain_text(fact.note)]).split()),
                "keywords": " ".join([*fact.topics, fact.id])}

    def source_document(source: Source) -> dict[str, Any]:
        return {"type": "source", "url": prefix + entry_path("source", source.id), "title": plain_text(source.title),
                "summary": ", ".join(filter(None, [source.publisher, source.published])),
                "text": plain_text(source.note), "keywords": " ".join([*source.authors, source.kind])}

    def actor_document(actor: Actor) -> dict[str, Any]:
        return {"type": "actor", "url": prefix + entry_path("actor", actor.id), "title": plain_text(actor.name),
                "summary": plain_text(actor.role), "text": plain_text(actor.description), "keywords": ""}

    sources = [site.sources[i] for i in sorted(site.sources)]
    listed_actors = [actors[i] for i in sorted(actors)]
    records = [(page,) for page in pages]
    records += [(fact, *[actors[a] for a in fact.by if a in actors]) if fact.by else (fact,)  # its actors' names
                for fact in facts]
    records += [(source,) for source in sources]
    records += [(actor,) for actor in listed_actors]
    makers = ([page_document] * len(pages) + [fact_document] * len(facts) + [source_document] * len(sources)
              + [actor_document] * len(listed_actors))  # document n's maker, beside its records
    return records, lambda n: makers[n](records[n][0])


def search_index_parts(site: Site, include_drafts: bool = False, piece: PieceMaker = made_now) -> list[bytes]:
    """The index's parts as scripts; ASCII-only JSON, so no character can end a string or a line early.

    Each part is a piece (explainer/pieces.py) of the pieces of its documents, a hundred at a time
    (pieces.in_parts): the preview makes again only the documents around the records a save read
    again (or that moved), and their parts. A site with nothing to index still has one part, empty.
    """
    records, make = document_records(site, include_drafts)
    count = max(1, -(-len(records) // PART_SIZE))
    return in_parts(piece, records, lambda n: json.dumps(make(n), ensure_ascii=True, separators=SEPARATORS),
                    (site.config.prefix, count), lambda part, texts: part_script(part, count, texts), PART_SIZE,
                    DOCUMENTS_PER_PIECE) or [part_script(0, 1, [])]


def part_script(part: int, count: int, documents: list[str]) -> bytes:
    data = f'{{"version":{INDEX_VERSION},"part":{part},"parts":{count},"documents":[{",".join(documents)}]}}'
    return (f"window.explainerSearchParts = window.explainerSearchParts || {{}};\n"
            f"window.explainerSearchParts[{part}] = {data};\n").encode("ascii")


SEPARATORS = (",", ":")
