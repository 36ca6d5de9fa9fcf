"""Pages to HTML: one strict Jinja environment, and the context each template receives.

Template context (documented in the README):
  site      SiteConfig of this edition (title, description, language, base_url, publisher, license)
  t         t("group.key", name=value): a UI string of this edition's language (templates/i18n/LANG.yaml)
  local     local(entry, "field"): a record's text in this edition, marked lang="..." where it is
            shown in the default language for want of a translation (plain=true: no Markdown)
  alternates  the same page in every edition: Alternate(language, name, href, url, current)
  default_language  the default edition's language
  nav       list of NavItem(title, url, current, lang) for the pages, by `order` (on a site with
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

import bisect
import functools
import json
import re
import traceback
from dataclasses import dataclass
from operator import is_
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup, escape

from .diagnostics import Diagnostic, Location, error
from .feeds import correction_anchor
from .i18n import MessageError, Messages
from .markup import (DEFAULT_PERMALINK_TITLE, converted_body, fill_blocks, number_references, page_markdown,
                     plain_text, reference_marker, shared_inline_markdown)
from .metadata import actor_json_ld, fact_json_ld, page_json_ld, script_json, source_json_ld
from .model import (READING_ORDER, Actor, Block, Fact, FACT_KINDS, Page, Site, block_template,
                    edition_prefix, fact_order, facts_shown_on, select_entries, select_facts)
from .output import (SITE_FILE_PATHS, Output, absolute_url, entry_path, page_path, relative_url,
                     root_relative_url)
from .pieces import replaced, same_objects
from .provenance import provenance_globals
from .search import index_parts
from .verify import Verification, unverified

# Where a translated page says that some of its text is shown in the default language; filled
# in once the page is rendered and it is known whether anything was (see Renderer.render).
NOTICE_SLOT = "<!--explainer:fallback-notice-->"


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
    env.globals["correction_anchor"] = correction_anchor
    return env


@jinja2.pass_context
def human_date(context: jinja2.runtime.Context, value: str | None) -> str:
    """2021-04-02 -> "2 April 2021" in the current edition's language; partial dates stay partial."""
    return context["i18n"].human_date(value)


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
    elif isinstance(exc, MessageError):
        message = f"{exc.message} (while rendering {what})"
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
    lang: str | None = None   # the default language, when the title is shown untranslated


@dataclass(frozen=True)
class Alternate:
    """The current page in one edition: for hreflang links and the language switcher."""

    language: str
    name: str        # the language's name in itself (Español)
    href: str        # absolute, for <link rel="alternate" hreflang>
    url: str         # relative, for the switcher
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


def by_key(mapping: dict[str, list]) -> dict[str, list]:
    return dict(sorted(mapping.items()))


class SiteIndex:
    """Relations between records, computed once per build so templates stay simple.

    The live preview passes the index of its last rebuild as `previous`: the records of files
    it did not read again are the very same objects, so only the entries of the facts that are
    other objects, and of the pages whose selections changed, are worked out again. Entries are
    copied before they change (the preview compares them by identity with the last build's).
    """

    def __init__(self, site: Site, include_drafts: bool, previous: SiteIndex | None = None) -> None:
        self.include_drafts = include_drafts
        self.site_facts, self.site_pages = site.facts, site.pages  # what it is made from, for the next one
        self.shown: dict[int, tuple[Page, list[str]]] = {}          # by id(page): the facts it shows
        same_pages = (previous is not None and previous.include_drafts == include_drafts
                      and same_objects(previous.site_pages, site.pages))
        if previous is not None and same_pages:
            self.pages, self.reading_order = previous.pages, previous.reading_order
            self.position, self.by_slug = previous.position, previous.by_slug
        else:
            self.pages = [p for p in site.pages if include_drafts or not p.draft]
            self.reading_order = sorted(self.pages, key=READING_ORDER)
            self.position = {page_path(p.slug): n for n, p in enumerate(self.reading_order)}
            self.by_slug = {p.slug: p for p in site.pages}
        self.responses: dict[str, list[Fact]] = {}
        self.by_actor: dict[str, list[Fact]] = {}
        self.by_source: dict[str, list[Fact]] = {}
        if previous is None or not self._facts_from(previous, site.facts):
            self.facts_in_order = sorted(site.facts.values(), key=fact_order)
            for fact in self.facts_in_order:
                for mapping, key in self._keys_of(fact):
                    mapping.setdefault(key, []).append(fact)
            # Keys in order, whichever way the entries were made (a template may list them).
            self.responses, self.by_actor, self.by_source = map(by_key, (self.responses, self.by_actor, self.by_source))
        self.actors_citing: dict[str, list[Actor]] = {}
        for actor in site.actors.values():
            for source in dict.fromkeys(c.source for c in actor.citations):
                self.actors_citing.setdefault(source, []).append(actor)
        self.pages_citing: dict[str, list[Page]] = {}
        if previous is not None and same_pages:
            self._pages_citing_from(previous, site)
        else:
            for page in self.reading_order:
                shown = facts_shown_on(site, page)
                self.shown[id(page)] = (page, shown)
                for fact_id in dict.fromkeys(shown):
                    self.pages_citing.setdefault(fact_id, []).append(page)
            self.pages_citing = by_key(self.pages_citing)
        self.actors_citing = by_key(self.actors_citing)

    def _keys_of(self, fact: Fact) -> list[tuple[dict[str, list[Fact]], str]]:
        """The entries a fact is listed in."""
        keys = [(self.responses, fact.responds_to)] if fact.responds_to else []
        keys += [(self.by_actor, actor) for actor in fact.by]
        keys += [(self.by_source, source) for source in dict.fromkeys(c.source for c in fact.citations)]
        return keys

    def _facts_from(self, previous: SiteIndex, facts: dict[str, Fact]) -> bool:
        """The fact entries as `previous` has them, with the facts that are other objects moved; False: too many."""
        old = previous.site_facts
        changed = replaced(old, facts)
        if len(changed) > max(64, len(facts) // 8):  # then making them all is quicker
            return False
        self.responses, self.by_actor, self.by_source = (
            dict(previous.responses), dict(previous.by_actor), dict(previous.by_source))
        gone = {id(old[i]) for i in changed if i in old}
        self.facts_in_order = [f for f in previous.facts_in_order if id(f) not in gone] if gone else \
            list(previous.facts_in_order)
        copied: set[tuple[int, str]] = set()

        def entry(mapping: dict[str, list], key: str) -> list:
            if (id(mapping), key) not in copied:
                copied.add((id(mapping), key))
                mapping[key] = list(mapping.get(key, ()))
            return mapping[key]

        for fact_id in changed:
            before, after = old.get(fact_id), facts.get(fact_id)
            for mapping, key in self._keys_of(before) if before is not None else ():
                entry(mapping, key)[:] = [f for f in entry(mapping, key) if f is not before]
            for mapping, key in self._keys_of(after) if after is not None else ():
                bisect.insort(entry(mapping, key), after, key=fact_order)
            if after is not None:
                bisect.insort(self.facts_in_order, after, key=fact_order)
        for mapping in (self.responses, self.by_actor, self.by_source):
            for key in [key for key, facts_there in mapping.items() if not facts_there]:
                del mapping[key]
        keys_changed = any(key not in previous_mapping for mapping, previous_mapping in (
            (self.responses, previous.responses), (self.by_actor, previous.by_actor), (self.by_source, previous.by_source))
            for key in mapping)
        if keys_changed:
            self.responses, self.by_actor, self.by_source = map(by_key, (self.responses, self.by_actor, self.by_source))
        return True

    def _pages_citing_from(self, previous: SiteIndex, site: Site) -> None:
        """pages_citing as `previous` has it, with the pages whose shown facts changed moved."""
        self.pages_citing = dict(previous.pages_citing)
        order = None
        for page in self.reading_order:
            shown = facts_shown_on(site, page)
            known = previous.shown.get(id(page))
            self.shown[id(page)] = (page, shown)
            if known is not None and known[1] is shown:
                continue
            before, after = dict.fromkeys(known[1] if known is not None else ()), dict.fromkeys(shown)
            if order is None:
                order = {id(p): n for n, p in enumerate(self.reading_order)}
            for fact_id in before.keys() - after.keys():
                pages = [p for p in self.pages_citing[fact_id] if p is not page]
                if pages:
                    self.pages_citing[fact_id] = pages
                else:
                    del self.pages_citing[fact_id]
            for fact_id in after.keys() - before.keys():
                pages = list(self.pages_citing.get(fact_id, ()))
                bisect.insort(pages, page, key=lambda p: order[id(p)])
                self.pages_citing[fact_id] = pages
        if list(self.pages_citing) != list(previous.pages_citing):  # a key added, or removed and added again
            self.pages_citing = by_key(self.pages_citing)

    def nav_pages(self, path: str) -> list[Page]:
        """The pages the header lists on the output at `path`: all of them while they fit."""
        pages = self.reading_order
        if len(pages) <= NAV_LIMIT:
            return pages
        here = self.position.get(path, 0)
        window = range(max(1, here - NAV_WINDOW), min(len(pages), max(here, 1) + NAV_WINDOW + 1))
        return [pages[0], *(pages[n] for n in window)]


def call_site(caller: Any) -> tuple[int, Any] | None:
    """Where a `{% call %}` block's body is in the templates, by identity: code objects compare by
    value, and the same body in two templates is two places. The code object rides along, so
    while a key holds it no other can take its id. None when the caller is no template body."""
    code = getattr(getattr(caller, "_func", None), "__code__", None)
    return None if code is None else (id(code), code)


def permalink_title(i18n: Messages | None) -> str:
    """The label of the "#" link beside each heading, in an edition's language."""
    return i18n.text("toc.permalink") if i18n else DEFAULT_PERMALINK_TITLE


class Renderer:
    """Renders the outputs of one edition; reuses one Jinja environment and one Markdown converter.

    `site` is the edition's Site (editions.localize makes a translation's); `messages` holds
    the UI strings of every edition's language, for the language switcher and 404.html.
    """

    def __init__(self, project: Path, site: Site, include_drafts: bool = False,
                 asset_urls: dict[str, str] | None = None, env: jinja2.Environment | None = None,
                 verification: Verification | None = None, messages: dict[str, Messages] | None = None,
                 previous_index: SiteIndex | None = None) -> None:
        self.templates_dir = project / "templates"
        # The live preview passes the previous build's environment while no template changed.
        self.env = env or make_environment(self.templates_dir)
        # In the context, not the environment's globals: editions share one environment.
        self.provenance = provenance_globals(site, verification or unverified(site))
        self.site = site
        self.index = SiteIndex(site, include_drafts, previous_index)
        self.inline = shared_inline_markdown()
        self.env.filters["md"] = self.inline
        self.messages = messages or {}
        self.language = site.config.language
        self.default_language = site.config.default_language or self.language
        self.prefix = site.config.prefix
        self.i18n = self.messages[self.language] if self.language in self.messages else None
        self.md, self.facts_extension = page_markdown(permalink_title(self.i18n))
        self.facts_extension.known_facts = site.facts
        self.asset_urls = asset_urls or {}
        self.fallbacks = 0  # text shown in the default language in the output being rendered
        self._shared: dict[tuple, tuple[tuple, Markup, int]] = {}  # see shared()
        self._sharing = True   # not while rendering 404.html
        self.links_made = 0    # url_for calls: a body that made a link is not shared
        # A build renders each page once and frees its conversion; the live preview keeps it
        # (compressed, beside the Page) for the next save that renders the page again.
        self.keep_conversions = False

    # -- entry point

    def render(self, output: Output) -> str:
        """Render one planned output to HTML; raises RenderError on a template failure."""
        self.fallbacks = 0
        self._sharing = output.path != SITE_FILE_PATHS["not_found"]
        try:
            html = self._render(output)
        except RenderError:
            raise
        except Exception as exc:  # a template raised: report it at the template's line
            raise RenderError(template_problem(exc, self.templates_dir, output.path)) from None
        return self._fill_notice(html, output)

    def _render(self, output: Output) -> str:
        i18n = self._i18n()
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
            return self._template("search.html", output.path, title=i18n.text("search.title"),
                                  description=i18n.text("search.description", site=plain_text(self.site.config.title)),
                                  og_type="website", search_form=False,
                                  search_index=index_parts(self.asset_urls, self.language, self.default_language),
                                  search_messages=self.search_messages(),
                                  pages=self.pages_in_order(), all_facts=self.facts_in_order())
        if output.kind == "not_found":
            return self._template("404.html", output.path, title=i18n.text("not_found.title"),
                                  description=self.site.config.description, og_type="website")
        raise ValueError(f"cannot render output kind {output.kind!r}")

    def _i18n(self) -> Messages:
        if self.i18n is None:
            raise MessageError(f"no UI strings for '{self.language}': create templates/i18n/{self.language}.yaml")
        return self.i18n

    def _fill_notice(self, html: str, output: Output) -> str:
        """Say, at the top of a translated page, that some of it is shown in the default language."""
        if NOTICE_SLOT not in html:
            return html
        notice = ""
        whole = output.kind == "page" and "body" in self._page(output.key).untranslated
        if whole or self.fallbacks:
            words = self._i18n().markup("fallback.page" if whole else "fallback.parts")
            notice = f'<p class="fallback-notice" lang="{self.language}">{words}</p>'
        return html.replace(NOTICE_SLOT, notice, 1)

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
        converted = converted_body(page, self.md, self.facts_extension, keep=self.keep_conversions)
        html = fill_blocks(converted.html, lambda number: self.render_block(page.blocks[number], path), self.md)
        toc = list(converted.toc)
        numbered = number_references(html, self._reference_link)
        notes = [Note(n, self.site.facts[fact_id], tuple(numbered.backlinks[fact_id]))
                 for n, fact_id in enumerate(numbered.order, start=1)]
        return _SPACE_BEFORE_MARKERS.sub("", numbered.html), notes, toc

    def _reference_link(self, number: int, fact_id: str, anchor: str) -> str:
        """The [n] marker: a plain link to its note (which names the fact), lean: a page may carry hundreds."""
        label = escape(self._i18n().text("notes.marker", number=number))
        return f'<a role="doc-noteref" id="{anchor}" href="#note-{number}" aria-label="{label}">[{number}]</a>'

    def pages_in_order(self) -> list[Page]:
        """The pages a reader can reach, in reading order (the site index keeps them sorted)."""
        return self.index.reading_order

    def facts_in_order(self) -> list[Fact]:
        """Every fact by date, then id (the site index keeps them sorted, and moves only replaced facts)."""
        return self.index.facts_in_order

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

    def cached(self, path: str, *key: Any, caller: Callable[[], str]) -> Markup:
        """`{% call cached("name", record) %}...{% endcall %}`: the body's HTML, rendered here every time.

        The live preview (incremental.TrackingRenderer) keeps it between rebuilds while the
        records named in the key, and everything else the body read, stay the same: on a large
        site the search page's list of every fact is most of a one-fact rebuild.
        """
        return Markup(caller())

    def shared(self, *key: Any, caller: Callable[[], str]) -> Markup:
        """`{% call shared("name", record) %}...{% endcall %}`: the body's HTML, the same on every output.

        Rendered once per edition for a call site and the same record objects, like Hugo's
        partialCached: a fact cited on forty pages has the quotes of its note rendered once, not
        forty times (notes are most of a page's rendering). The body may show only the records
        and values in its key and what the whole edition shares (sources, UI strings, quote
        checks). A body that makes a link (url_for and the *_url helpers) or shows one
        (_OUTPUT_LINK), and any body on 404.html, whose links start from the root, is rendered
        every time instead, as its text depends on where the output lies.
        """
        site = call_site(caller)
        if site is None or not self._sharing:
            return Markup(caller())
        name = (site, *map(id, key))
        known = self._shared.get(name)
        if known is not None and all(map(is_, known[0], key)):
            self.fallbacks += known[2]
            return known[1]
        fallbacks, links = self.fallbacks, self.links_made
        html = Markup(caller())
        if self.links_made == links and not _OUTPUT_LINK.search(html.lower()):
            self._shared[name] = (key, html, self.fallbacks - fallbacks)  # the key's objects kept: no id is reused
        return html

    # -- text in this edition's language

    def local(self, entry: Any, name: str, plain: bool = False, notice: bool = True) -> Markup:
        """A record's text (inline Markdown unless plain), in lang="..." when it is untranslated."""
        value = getattr(entry, name)
        html = escape(value or "") if plain else self.inline(value)
        if name not in getattr(entry, "untranslated", ()):
            return html
        if notice:
            self.fallbacks += 1
        return Markup('<span lang="{}">{}</span>').format(self.default_language, html)

    def topic(self, topic: str) -> Markup:
        """A topic's name from the UI strings; its id, in the default language, when it has none."""
        name = self.i18n.topic_name(topic) if self.i18n is not None else None
        if name is not None:
            return escape(name)
        if self.language == self.default_language:
            return escape(topic)
        return Markup('<span lang="{}">{}</span>').format(self.default_language, topic)

    def search_messages(self) -> Markup:
        """The search script's words, as JSON for a data attribute (results and kinds are labelled by it)."""
        i18n = self._i18n()
        labels = {kind: i18n.text(f"kind.{kind}") for kind in FACT_KINDS}
        labels.update({kind: i18n.text(f"search.type.{kind}") for kind in ("page", "source", "actor")})
        data = {"labels": labels, **{name: i18n.raw(f"search.{name}")
                                     for name in ("no_results", "results", "first", "failed")}}
        return Markup(escape(json.dumps(data, ensure_ascii=False, separators=(",", ":"))))

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

    def alternates(self, path: str, url_for: Callable[[str], str]) -> list[Alternate]:
        """This output in every edition (none for 404.html, or when the site has one language)."""
        config = self.site.config
        if not config.translations or path == SITE_FILE_PATHS["not_found"] or not path.startswith(self.prefix):
            return []
        base = path[len(self.prefix):]
        out = []
        for language in config.languages:
            target = edition_prefix(language, self.default_language) + base
            name = self.messages[language].text("language_name") if language in self.messages else language
            out.append(Alternate(language, name, absolute_url(config.base_url, target), url_for(target),
                                 language == self.language))
        return out

    def _context(self, path: str, **extra: Any) -> dict[str, Any]:
        base_url = self.site.config.base_url
        prefix = self.prefix
        here = path[len(prefix):] if path.startswith(prefix) else path  # the path in the default edition

        def url_for(target: str) -> str:
            self.links_made += 1
            if path == SITE_FILE_PATHS["not_found"]:  # served at any depth: links start from the site's root
                return root_relative_url(base_url, target)
            return relative_url(target, path)

        i18n = self.i18n
        context: dict[str, Any] = {
            "site": self.site.config,
            "facts": self.site.facts,
            "sources": self.site.sources,
            "actors": self.site.actors,
            "nav": [self._nav_item(p, here, url_for) for p in self.index.nav_pages(here)],
            "section": self._section(here, url_for),
            "url_for": url_for,
            "page_url": lambda slug: url_for(prefix + page_path(slug)),
            "fact_url": lambda fact_id: url_for(prefix + entry_path("fact", fact_id)),
            "source_url": lambda source_id: url_for(prefix + entry_path("source", source_id)),
            "actor_url": lambda actor_id: url_for(prefix + entry_path("actor", actor_id)),
            "asset_url": lambda name: self.asset_url_for(name, url_for),
            "canonical": self.canonical_url(path),
            "og_type": "article",
            "json_ld": None,
            "feed_url": url_for(prefix + SITE_FILE_PATHS["feed"]),
            "search_url": url_for(prefix + SITE_FILE_PATHS["search"]),
            "search_form": True,
            "data_urls": {"json": url_for(SITE_FILE_PATHS["facts_json"]), "csv": url_for(SITE_FILE_PATHS["facts_csv"]),
                          "schema": url_for(SITE_FILE_PATHS["facts_schema"])},
            "output_path": path,
            "i18n": i18n,
            "t": i18n.markup if i18n is not None else _no_messages(self.language),
            "kind_label": i18n.kind_label if i18n is not None else _no_messages(self.language),
            "local": self.local,
            "topic": self.topic,
            "cached": functools.partial(self.cached, path),
            "shared": self.shared,
            "default_language": self.default_language,
            "alternates": self.alternates(path, url_for),
            "other_editions": [(language, self.messages[language], url_for(edition_prefix(language, self.default_language)
                                                                             + page_path("index")))
                               for language in self.site.config.translations if language in self.messages],
            "fallback_notice": Markup(NOTICE_SLOT) if prefix else Markup(""),
            **self.provenance,
        }
        context.update(extra)
        return context

    def _section(self, here: str, url_for: Callable[[str], str]) -> Section | None:
        """Where the page at `here` (its path in the default edition) sits in reading order."""
        number = self.index.position.get(here)
        if number is None:
            return None
        pages = self.index.reading_order
        return Section(number + 1, len(pages),
                       self._nav_item(pages[number - 1], here, url_for) if number > 0 else None,
                       self._nav_item(pages[number + 1], here, url_for) if number + 1 < len(pages) else None)

    def _nav_item(self, page: Page, here: str, url_for: Callable[[str], str]) -> NavItem:
        target = page_path(page.slug)
        return NavItem(page.nav_title or page.title, url_for(self.prefix + target), target == here,
                       self.default_language if "title" in page.untranslated else None)


def _no_messages(language: str) -> Callable[..., Markup]:
    def fail(*args: Any, **kwargs: Any) -> Markup:
        raise MessageError(f"no UI strings for '{language}': create templates/i18n/{language}.yaml")
    return fail


# A link whose text depends on the output it is in: any URL but a fragment or one with a scheme
# (https:, mailto:), in a link attribute (any case, data-url, formaction, xlink:href; srcset
# always) or in CSS url(). A backstop for links made before the body (nav, feed_url).
_OUTPUT_LINK = re.compile(r"""(?:href|src|action|poster|data|cite|background|ping|longdesc|url)\s*=\s*["']?"""
                          r"""(?!["'#]|[a-z][a-z0-9+.-]*:)|srcset\s*=|url\(\s*["']?(?!#|[a-z][a-z0-9+.-]*:)""")  # on lower-case text

# Writers type "Torres [@id]"; the marker belongs against the word, as a footnote number does.
_SPACE_BEFORE_MARKERS = re.compile(r"[ \t\n]+(?=<sup class=\"refs\">)")


def _title_of(fact: Fact) -> str:
    text = plain_text(fact.statement)
    return text if len(text) <= 70 else text[:67].rsplit(" ", 1)[0] + "…"
