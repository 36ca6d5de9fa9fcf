"""Pages to HTML: one strict Jinja environment, and the context each template receives.

Template context (documented in the README):
  site      SiteConfig (title, description, language, base_url, publisher, license)
  nav       list of NavItem(title, url, current) for the pages, by `order` (on a site with
            more than NAV_LIMIT pages, a window: the first page and those around the current one)
  section   on Markdown pages: Section(number, count, previous, next) in reading order
  page      for Markdown pages: the Page plus `content` (HTML), `notes`, `toc`
  fact / source / actor   on their permalink pages
  url_for   path -> relative URL; fact_url, source_url, actor_url, page_url by id or slug
  asset_url source name of a static file -> relative URL of its fingerprinted copy
  canonical the absolute URL of the current file (base_url + path); None on 404.html
  og_type   Open Graph type: article or website
  json_ld   the page's JSON-LD, already escaped for a <script> element (or None)
  data_urls relative URLs of the data export: json, csv, schema; feed_url the Atom feed
Filters: md (inline Markdown from YAML, HTML escaped), plain, human_date.
Globals for citations (provenance.py): passage_url, robust_attrs, quote_check, source_mix,
corrections_of.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from .diagnostics import Diagnostic, Location, error
from .feeds import correction_anchor
from .markup import (InlineMarkdown, converted_body, fill_blocks, number_references, page_markdown, plain_text,
                     reference_marker)
from .metadata import actor_json_ld, fact_json_ld, page_json_ld, script_json, source_json_ld
from .model import (Actor, Block, Fact, Page, Site, Source, block_template, date_sort_key,
                    select_entries, select_facts)
from .output import (SITE_FILE_PATHS, Output, absolute_url, entry_path, page_path, relative_url,
                     root_relative_url)
from .provenance import provenance_globals
from .verify import Verification, unverified

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
KIND_LABELS = {"fact": "Fact", "claim": "Claim", "denial": "Denial", "quote": "Quote",
               "law": "Law", "ruling": "Ruling"}


class RenderError(Exception):
    """A template failed; carries the diagnostic pointing at the template line."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """The one Jinja environment: autoescaping, and a missing variable is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["plain"] = plain_text
    env.filters["human_date"] = human_date
    env.globals["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind.title())
    env.globals["correction_anchor"] = correction_anchor
    return env


def human_date(value: str | None) -> str:
    """2021-04-02 -> 2 April 2021; partial dates stay partial."""
    if not value:
        return ""
    parts = str(value).split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return str(value)
    return parts[0]


def template_problem(exc: BaseException, templates_dir: Path, what: str) -> Diagnostic:
    """Point a template failure at the template's own file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = Path(exc.filename) if exc.filename else templates_dir / (exc.name or "?")
        return error(Location(path, exc.lineno or 1, 1), f"template syntax error: {exc.message}")
    root = str(templates_dir.resolve())
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename and str(Path(f.filename).resolve()).startswith(root)]
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found: create templates/{exc.name}"
    elif isinstance(exc, jinja2.UndefinedError):
        # "'explainer.model.Actor object' has no attribute 'x'" -> "actor has no attribute 'x'"
        plain = re.sub(r"'(?:[\w.]+\.)?(\w+) object'", lambda m: m.group(1).lower(), exc.message or "")
        message = f"template error while rendering {what}: {plain}"
    else:
        message = f"template error while rendering {what}: {type(exc).__name__}: {exc}"
    if frames:
        frame = frames[-1]
        return error(Location(Path(frame.filename), frame.lineno or 1, 1), message)
    if isinstance(exc, jinja2.TemplateNotFound):  # a template the build itself asks for
        return Diagnostic(Location(templates_dir / str(exc.name), 1, 1), "error", message, source_line="")
    return error(Location(templates_dir, 0, 0), message)


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str
    current: bool


@dataclass(frozen=True)
class Section:
    """Where a page sits in reading order: "Section 2 of 7", and its neighbours for the pager."""

    number: int
    count: int
    previous: NavItem | None
    next: NavItem | None


# A header lists every section while they fit; past this, every page would carry a list as
# long as the site (quadratic in size and time), so it shows a window of NAV_WINDOW instead.
NAV_LIMIT = 30
NAV_WINDOW = 2


@dataclass(frozen=True)
class Note:
    number: int
    fact: Fact
    backlinks: tuple[str, ...]


@dataclass(frozen=True)
class PageView:
    """What a Markdown page's template sees as `page`."""

    page: Page
    content: Markup
    notes: tuple[Note, ...]
    toc: tuple[dict, ...]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    @property
    def cited_sources(self) -> tuple[str, ...]:
        """Source ids the notes cite, each once: the notes link to them instead of repeating URLs."""
        return tuple(dict.fromkeys(c.source for note in self.notes for c in note.fact.citations))


class SiteIndex:
    """Relations between records, computed once per build so templates stay simple."""

    def __init__(self, site: Site, include_drafts: bool) -> None:
        self.pages = [p for p in site.pages if include_drafts or not p.draft]
        self.responses: dict[str, list[Fact]] = {}
        self.by_actor: dict[str, list[Fact]] = {}
        self.by_source: dict[str, list[Fact]] = {}
        for fact in sorted(site.facts.values(), key=lambda f: (date_sort_key(f.date), f.id)):
            if fact.responds_to:
                self.responses.setdefault(fact.responds_to, []).append(fact)
            for actor in fact.by:
                self.by_actor.setdefault(actor, []).append(fact)
            for source in dict.fromkeys(c.source for c in fact.citations):
                self.by_source.setdefault(source, []).append(fact)
        self.actors_citing: dict[str, list[Actor]] = {}
        for actor in site.actors.values():
            for source in dict.fromkeys(c.source for c in actor.citations):
                self.actors_citing.setdefault(source, []).append(actor)
        self.reading_order = sorted(self.pages, key=lambda p: (p.order, p.slug))
        self.position = {page_path(p.slug): n for n, p in enumerate(self.reading_order)}
        self.by_slug = {p.slug: p for p in site.pages}
        self.pages_citing: dict[str, list[Page]] = {}
        for page in self.reading_order:
            for fact_id in dict.fromkeys(facts_shown_on(site, page)):
                self.pages_citing.setdefault(fact_id, []).append(page)

    def nav_pages(self, path: str) -> list[Page]:
        """The pages the header lists on the output at `path`: all of them while they fit."""
        pages = self.reading_order
        if len(pages) <= NAV_LIMIT:
            return pages
        here = self.position.get(path, 0)
        window = range(max(1, here - NAV_WINDOW), min(len(pages), max(here, 1) + NAV_WINDOW + 1))
        return [pages[0], *(pages[n] for n in window)]


def facts_shown_on(site: Site, page: Page) -> list[str]:
    """Fact ids a page references or embeds, in the order they appear."""
    shown: list[tuple[int, int, str]] = [(r.location.line, r.location.col, r.fact_id) for r in page.references]
    for block in page.blocks:
        if block.kind == "facts":
            shown += [(block.location.line, 0, f.id) for f in select_facts(site, block.options)]
    return [fact_id for _, _, fact_id in sorted(shown, key=lambda item: (item[0], item[1]))]


class Renderer:
    """Renders outputs of one site; reuses one Jinja environment and one Markdown converter."""

    def __init__(self, project: Path, site: Site, include_drafts: bool = False,
                 asset_urls: dict[str, str] | None = None, env: jinja2.Environment | None = None,
                 verification: Verification | None = None) -> None:
        self.templates_dir = project / "templates"
        # The live preview passes the previous build's environment while no template changed.
        self.env = env or make_environment(self.templates_dir)
        self.env.globals.update(provenance_globals(site, verification or unverified(site)))
        self.site = site
        self.index = SiteIndex(site, include_drafts)
        self.inline = InlineMarkdown()
        self.env.filters["md"] = self.inline
        self.md, self.facts_extension = page_markdown()
        self.facts_extension.known_facts = site.facts
        self.asset_urls = asset_urls or {}

    # -- entry point

    def render(self, output: Output) -> str:
        """Render one planned output to HTML; raises RenderError on a template failure."""
        try:
            if output.kind == "page":
                return self.render_page(self._page(output.key), output.path)
            url = self.canonical_url(output.path)
            if output.kind == "fact":
                fact = self.site.facts[output.key]
                return self._template("fact.html", output.path, fact=fact, title=_title_of(fact),
                                      description=plain_text(fact.statement),
                                      responses=self.index.responses.get(fact.id, []),
                                      cited_on=self.index.pages_citing.get(fact.id, []),
                                      json_ld=script_json(fact_json_ld(self.site, fact, url)))
            if output.kind == "source":
                source = self.site.sources[output.key]
                return self._template("source.html", output.path, source=source, title=source.title,
                                      description=f"{source.publisher}: {source.title}",
                                      facts=self.index.by_source.get(source.id, []),
                                      described_actors=self.index.actors_citing.get(source.id, []),
                                      json_ld=script_json(source_json_ld(self.site, source, url)))
            if output.kind == "actor":
                actor = self.site.actors[output.key]
                return self._template("actor.html", output.path, actor=actor, title=actor.name,
                                      description=plain_text(actor.description),
                                      facts=self.index.by_actor.get(actor.id, []),
                                      json_ld=script_json(actor_json_ld(self.site, actor, url)))
            if output.kind == "search":
                return self._template("search.html", output.path, title="Search",
                                      description=f"Search the pages, facts, sources and people of {self.site.config.title}.",
                                      og_type="website", search_form=False,
                                      pages=sorted(self.index.pages, key=lambda p: (p.order, p.slug)),
                                      all_facts=sorted(self.site.facts.values(), key=lambda f: (date_sort_key(f.date), f.id)))
            if output.kind == "not_found":
                return self._template("404.html", output.path, title="Page not found",
                                      description=self.site.config.description, og_type="website")
        except RenderError:
            raise
        except Exception as exc:  # a template raised: report it at the template's line
            raise RenderError(template_problem(exc, self.templates_dir, output.path)) from None
        raise ValueError(f"cannot render output kind {output.kind!r}")

    def _page(self, slug: str) -> Page:
        return self.index.by_slug[slug]

    # -- Markdown pages

    def render_page(self, page: Page, path: str) -> str:
        html, notes, toc = self.page_body(page, path)
        view = PageView(page, Markup(html), tuple(notes), tuple(toc))
        json_ld = page_json_ld(self.site, page, self.canonical_url(path), [note.fact for note in notes])
        return self._template("page.html", path, page=view, title=page.title,
                              description=plain_text(page.summary), json_ld=script_json(json_ld),
                              og_type="website" if page.is_home else "article")

    def page_body(self, page: Page, path: str) -> tuple[str, list[Note], list[dict]]:
        """Markdown -> HTML with blocks filled in and references numbered."""
        converted = converted_body(page, self.md, self.facts_extension, keep=False)
        html = fill_blocks(converted.html, lambda number: self.render_block(page.blocks[number], path), self.md)
        toc = list(converted.toc)
        numbered = number_references(html, _reference_link)
        notes = [Note(n, self.site.facts[fact_id], tuple(numbered.backlinks[fact_id]))
                 for n, fact_id in enumerate(numbered.order, start=1)]
        return _SPACE_BEFORE_MARKERS.sub("", numbered.html), notes, toc

    def block_items(self, block: Block) -> list:
        """The facts, actors, sources or corrections a block shows."""
        if block.kind == "facts":
            return select_facts(self.site, block.options)
        if block.kind == "actors":
            return select_entries(self.site.actors, block.options)
        if block.kind == "sources":
            return select_entries(self.site.sources, block.options)
        return sorted(self.site.corrections, key=lambda c: c.date, reverse=True)

    def render_block(self, block: Block, path: str) -> str:
        name = block_template(block)
        items = self.block_items(block)
        context = self._context(path, items=items, options=block.options, ref=reference_marker,
                                responses=self.index.responses, by_source=self.index.by_source,
                                by_actor=self.index.by_actor)
        return self.env.get_template(f"blocks/{name}.html").render(context)

    # -- shared

    def _template(self, name: str, path: str, **extra: Any) -> str:
        return self.env.get_template(name).render(self._context(path, **extra))

    def canonical_url(self, path: str) -> str | None:
        """The absolute URL of an output; none for 404.html, which is served at any address."""
        return None if path == SITE_FILE_PATHS["not_found"] else absolute_url(self.site.config.base_url, path)

    def asset_url_for(self, name: str, url_for: Callable[[str], str]) -> str:
        if name not in self.asset_urls:
            known = ", ".join(sorted(self.asset_urls)) or "none"
            raise ValueError(f"asset_url('{name}'): no such file in static/ (known: {known})")
        return url_for(self.asset_urls[name])

    def _context(self, path: str, **extra: Any) -> dict[str, Any]:
        base_url = self.site.config.base_url

        def url_for(target: str) -> str:
            if path == SITE_FILE_PATHS["not_found"]:  # served at any depth: links start from the site's root
                return root_relative_url(base_url, target)
            return relative_url(target, path)

        context: dict[str, Any] = {
            "site": self.site.config,
            "facts": self.site.facts,
            "sources": self.site.sources,
            "actors": self.site.actors,
            "nav": [nav_item(p, path, url_for) for p in self.index.nav_pages(path)],
            "section": self._section(path, url_for),
            "url_for": url_for,
            "page_url": lambda slug: url_for(page_path(slug)),
            "fact_url": lambda fact_id: url_for(entry_path("fact", fact_id)),
            "source_url": lambda source_id: url_for(entry_path("source", source_id)),
            "actor_url": lambda actor_id: url_for(entry_path("actor", actor_id)),
            "asset_url": lambda name: self.asset_url_for(name, url_for),
            "canonical": self.canonical_url(path),
            "og_type": "article",
            "json_ld": None,
            "feed_url": url_for(SITE_FILE_PATHS["feed"]),
            "search_url": url_for(SITE_FILE_PATHS["search"]),
            "search_form": True,
            "data_urls": {"json": url_for(SITE_FILE_PATHS["facts_json"]), "csv": url_for(SITE_FILE_PATHS["facts_csv"]),
                          "schema": url_for(SITE_FILE_PATHS["facts_schema"])},
            "output_path": path,
        }
        context.update(extra)
        return context

    def _section(self, path: str, url_for: Callable[[str], str]) -> Section | None:
        number = self.index.position.get(path)
        if number is None:
            return None
        pages = self.index.reading_order
        return Section(number + 1, len(pages),
                       nav_item(pages[number - 1], path, url_for) if number > 0 else None,
                       nav_item(pages[number + 1], path, url_for) if number + 1 < len(pages) else None)


def nav_item(page: Page, path: str, url_for: Callable[[str], str]) -> NavItem:
    target = page_path(page.slug)
    return NavItem(page.nav_title or page.title, url_for(target), target == path)


# Writers type "Torres [@id]"; the marker belongs against the word, as a footnote number does.
_SPACE_BEFORE_MARKERS = re.compile(r"[ \t\n]+(?=<sup class=\"refs\">)")


def _reference_link(number: int, fact_id: str, anchor: str) -> str:
    """The [n] marker: a plain link to its note (which names the fact), lean: a page may carry hundreds."""
    return f'<a class="ref" role="doc-noteref" id="{anchor}" href="#note-{number}" aria-label="Note {number}">[{number}]</a>'


def _title_of(fact: Fact) -> str:
    text = plain_text(fact.statement)
    return text if len(text) <= 70 else text[:67].rsplit(" ", 1)[0] + "…"
