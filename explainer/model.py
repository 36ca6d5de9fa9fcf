"""The content model: plain dataclasses that remember where they came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Callable, Hashable, Iterable

from .diagnostics import Location, pickled_by_fields

FACT_KINDS = ("fact", "claim", "denial", "quote", "law", "ruling")
KINDS_NEEDING_BY = ("claim", "denial", "quote")
# Primary: the law itself, a court's own words, officials' own statements, and people's own
# words (their release, post, filing or interview). Secondary: reports about them (news,
# commentary, reports, videos); a video or report that is itself the primary record is rare
# enough that its kind says "secondary" until an editor needs otherwise.
PRIMARY_SOURCE_KINDS = frozenset({
    "press-release", "social-post", "statute", "regulation", "court-ruling", "court-filing",
    "government-statement", "agency-guidance", "interview"})


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str
    language: str              # the language of this edition (a translation's config says "es")
    base_url: str
    publisher: str
    license: str
    location: Location
    translations: tuple[str, ...] = ()   # the other editions' languages, from site.yaml
    default_language: str = ""           # the language of the default edition (the English one)
    snapshots: str = ""                  # the snapshots folder, relative to the project (site.yaml)
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """Every edition's language, the default one first."""
        return (self.default_language or self.language, *self.translations)

    @property
    def prefix(self) -> str:
        """This edition's folder in the built site: "" for the default language, "es/" for Spanish."""
        return edition_prefix(self.language, self.default_language or self.language)


def edition_prefix(language: str, default_language: str) -> str:
    return "" if language == default_language else f"{language}/"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    quote: str
    location: Location
    locator: str | None = None
    translation: str | None = None
    note: str | None = None
    source_location: Location | None = None
    quote_location: Location | None = None
    untranslated: frozenset[str] = frozenset()  # fields shown in the default language in a translation


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str
    accessed: str
    kind: str
    location: Location
    published: str | None = None  # None when the document carries no date (a statute's current text)
    authors: tuple[str, ...] = ()
    archive_url: str | None = None
    archive_date: str | None = None
    language: str | None = None
    snapshot: str | None = None
    note: str | None = None
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)
    untranslated: frozenset[str] = frozenset()

    @property
    def is_primary(self) -> bool:
        return self.kind in PRIMARY_SOURCE_KINDS


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str
    kind: str
    citations: tuple[Citation, ...]
    location: Location
    by: tuple[str, ...] = ()
    date: str | None = None
    updated: str | None = None
    topics: tuple[str, ...] = ()
    responds_to: str | None = None
    note: str | None = None
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)
    untranslated: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    role: str
    description: str
    citations: tuple[Citation, ...]
    location: Location
    kind: str | None = None
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)
    untranslated: frozenset[str] = frozenset()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Reference:
    """One `[@fact-id]` (or one id inside `[@a; @b]`) in a page."""

    fact_id: str
    location: Location


@dataclass(frozen=True)
class Block:
    """A `::: facts` (or actors, sources, corrections) block in a page."""

    kind: str
    options: dict
    location: Location
    option_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)

    @property
    def selection(self) -> str:
        """selection_key(self.options), worked out once per block: the preview asks for every page on every save."""
        key = self.__dict__.get("_selection")
        if key is None:
            key = selection_key(self.options)
            object.__setattr__(self, "_selection", key)
        return key


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    order: int
    body: str
    path: Path
    body_first_line: int
    location: Location
    nav_title: str | None = None
    draft: bool = False
    updated: str | None = None
    references: tuple[Reference, ...] = ()
    blocks: tuple[Block, ...] = ()
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)
    untranslated: frozenset[str] = frozenset()  # "title", "summary", "body": shown in the default language

    @property
    def is_home(self) -> bool:
        return self.slug == "index"

    def __getstate__(self) -> dict:
        """Pickled (the build cache) without its converted body (markup.converted_body): large, and redone at will."""
        return {name: value for name, value in self.__dict__.items() if name != "_converted_body"}


@dataclass(frozen=True)
class Correction:
    date: str
    summary: str
    location: Location
    facts: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    untranslated: frozenset[str] = frozenset()


# ---------------------------------------------------------------- translations (content/LANG/)

@dataclass(frozen=True)
class CitationText:
    """A translator's words for one citation: our translation of its quote, its note, its locator."""

    source: str
    location: Location
    translation: str | None = None
    note: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class FactText:
    """A fact's statement and note in another language (content/LANG/facts/*.yaml)."""

    id: str
    statement: str
    location: Location
    note: str | None = None
    citations: tuple[CitationText, ...] = ()
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ActorText:
    """An actor's role and description (and, for an organisation, its name) in another language."""

    id: str
    role: str
    description: str
    location: Location
    name: str | None = None
    citations: tuple[CitationText, ...] = ()
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class SourceText:
    """A source's note in another language; its title stays the document's own."""

    id: str
    note: str
    location: Location
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class SettingsText:
    """content/LANG/site.yaml: the site's title, description and licence in another language."""

    title: str
    description: str
    location: Location
    license: str | None = None


@dataclass(frozen=True)
class CorrectionText:
    """A correction's summary in another language; entries follow the log's order, by date."""

    date: str
    summary: str
    location: Location


@dataclass
class Translation:
    """Everything content/LANG/ says: the words of one other edition, keyed by the default content's ids."""

    language: str
    folder: Path
    settings: SettingsText | None = None
    facts: dict[str, FactText] = field(default_factory=dict)
    actors: dict[str, ActorText] = field(default_factory=dict)
    sources: dict[str, SourceText] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)   # each carries the slug of the page it translates
    corrections: list[CorrectionText] | None = None   # None: no content/LANG/corrections.yaml


@dataclass
class Site:
    """Everything the content says, gathered before anything is written."""

    project: Path
    config: SiteConfig
    facts: dict[str, Fact] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    # Ids of entries that exist but failed to load: their own error is reported, references to them are not.
    unloaded_ids: set[str] = field(default_factory=set)
    # Fact ids each block selection gave, kept by the live preview between rebuilds
    # (incremental.SelectionCache); None: select_facts selects afresh every time.
    selection_cache: dict[str, list[str]] | None = field(default=None, compare=False, repr=False)
    # What each page shows, kept by the preview (see facts_shown_on); None: worked out every time.
    shown_cache: Callable[[tuple, Hashable, Callable[[], list[str]]], list[str]] | None = field(
        default=None, compare=False, repr=False)
    # The other editions' words by language (content/LANG/); empty in a translated edition's Site.
    translations: dict[str, Translation] = field(default_factory=dict)
    # Each topic's facts with their place in `facts`, made on first use (facts_with_topics) and
    # marked with which facts dict and size it indexes; not copied by dataclasses.replace, so an
    # edition never reads another's.
    topic_index: tuple[tuple[int, int], dict[str, list[tuple[int, Fact]]]] | None = field(
        default=None, init=False, compare=False, repr=False)

    @property
    def nav_pages(self) -> list[Page]:
        return sorted((p for p in self.pages if not p.draft), key=READING_ORDER)


@dataclass(frozen=True)
class SourceMix:
    """How many citations rest on primary sources and how many on secondary reports."""

    primary: int
    secondary: int

    @property
    def total(self) -> int:
        return self.primary + self.secondary


def source_mix(site: Site, facts: Iterable[Fact]) -> SourceMix:
    """Count the citations of these facts (each fact once) by the kind of their source."""
    primary = secondary = 0
    for fact in dict.fromkeys(facts):
        for citation in fact.citations:
            source = site.sources.get(citation.source)
            if source is None:
                continue
            if source.is_primary:
                primary += 1
            else:
                secondary += 1
    return SourceMix(primary, secondary)


DEFAULT_BLOCK_TEMPLATES = {"facts": "list", "actors": "actors", "sources": "sources",
                           "corrections": "corrections"}


def block_template(block: Block) -> str:
    return block.options.get("template") or DEFAULT_BLOCK_TEMPLATES[block.kind]


def date_sort_key(date: str | None) -> str:
    """Sort ISO dates, partial ones included; undated items go last."""
    return date or "9999"


READING_ORDER = attrgetter("order", "slug")  # pages go by their order, then slug (the sort key, made in C)


def fact_order(fact: Fact) -> tuple[str, str]:
    """Lists of facts go by date, undated ones last, then by id."""
    return (date_sort_key(fact.date), fact.id)


def fact_filter(options: dict) -> Callable[[Fact], bool]:
    """The test a `::: facts` block applies to each fact: its ids, topics and kinds."""
    ids, topics, kinds = (frozenset(options.get(name) or ()) for name in ("ids", "topics", "kinds"))
    return lambda fact: ((not ids or fact.id in ids) and (not topics or not topics.isdisjoint(fact.topics))
                         and (not kinds or fact.kind in kinds))


def facts_shown_on(site: Site, page: Page) -> list[str]:
    """Fact ids a page references or embeds, in the order they appear.

    The preview keeps the answer (site.shown_cache, a pieces.PieceMaker) while the page is the
    same object and its blocks still have the very selections they had (a selection is
    forgotten when an edited fact could change it): a large site has thousands of pages, and
    the site index and the checks ask for every one of them on every save.
    """
    if not any(block.kind == "facts" for block in page.blocks):  # then the page alone says: kept beside it
        shown = page.__dict__.get("_facts_shown")
        if shown is None:
            shown = _facts_shown_on(site, page)
            object.__setattr__(page, "_facts_shown", shown)
        return shown
    piece, selections = site.shown_cache, site.selection_cache
    if piece is None or selections is None:
        return _facts_shown_on(site, page)
    chosen = tuple(selections.get(b.selection) for b in page.blocks if b.kind == "facts")
    if None in chosen:  # a selection not made yet: making it fills the cache
        return _facts_shown_on(site, page)
    return piece((page, *chosen), "shown", lambda: _facts_shown_on(site, page))


def _facts_shown_on(site: Site, page: Page) -> list[str]:
    shown: list[tuple[int, int, str]] = [(r.location.line, r.location.col, r.fact_id) for r in page.references]
    for block in page.blocks:
        if block.kind == "facts":
            shown += [(block.location.line, 0, f.id) for f in select_facts(site, block.options)]
    return [fact_id for _, _, fact_id in sorted(shown, key=lambda item: (item[0], item[1]))]


def selection_key(options: dict) -> str:
    return json.dumps(options, sort_keys=True)


def select_facts(site: Site, options: dict) -> list[Fact]:
    """The facts a `::: facts` block shows, in the order it shows them."""
    cache = site.selection_cache
    if cache is None:
        return _select_facts(site, options)
    key = selection_key(options)
    ids = cache.get(key)
    if ids is None:
        chosen = _select_facts(site, options)
        cache[key] = [f.id for f in chosen]
        return chosen
    return [site.facts[i] for i in ids]


def _select_facts(site: Site, options: dict) -> list[Fact]:
    ids, topics = options.get("ids"), options.get("topics")
    if ids:
        chosen = [site.facts[i] for i in ids if i in site.facts]
    elif topics:
        chosen = facts_with_topics(site, topics)
    else:
        chosen = list(site.facts.values())
    chosen = list(filter(fact_filter(options), chosen))
    sort = options.get("sort") or ("listed" if ids else "date")
    if sort == "date":
        chosen.sort(key=fact_order)
    return chosen


def facts_with_topics(site: Site, topics: Iterable[str]) -> list[Fact]:
    """The facts that have any of these topics, in the order of site.facts.

    A large site has thousands of facts and hundreds of blocks that each pick a topic's few:
    an index by topic spares every block a pass over all of them. It is made when first asked
    (gather has filled site.facts by then), and again if site.facts is another dict or size.
    """
    indexed = (id(site.facts), len(site.facts))
    if site.topic_index is None or site.topic_index[0] != indexed:
        index: dict[str, list[tuple[int, Fact]]] = {}
        for place, fact in enumerate(site.facts.values()):
            for topic in fact.topics:
                index.setdefault(topic, []).append((place, fact))
        site.topic_index = (indexed, index)
    found = dict(entry for topic in topics for entry in site.topic_index[1].get(topic, ()))
    return [found[place] for place in sorted(found)]


def select_entries(entries: dict, options: dict) -> list:
    """The actors or sources a block shows: the listed ids, or all of them."""
    ids = options.get("ids")
    return [entries[i] for i in ids if i in entries] if ids else list(entries.values())
