"""Structured data for search engines and link previews: JSON-LD (schema.org) for each page.

Markdown pages are a `NewsArticle`, fact pages an `Article`, both with a `citation` for every
source they rest on (type, title, URL and date: the visible notes carry the rest, and every
byte counts against the page budget); source pages are a `WebPage` about the source, actor pages a
`ProfilePage`. `ClaimReview` is not used: it rates a claim, and an explainer does not.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from markupsafe import Markup

from .markup import plain_text
from .model import Actor, Fact, Page, Site, SiteConfig, Source

SCHEMA_ORG = "https://schema.org"
HEADLINE_LIMIT = 110  # the longest headline search engines show

# schema.org types for the kinds of source; anything else is a plain CreativeWork.
SOURCE_TYPES = {"news": "NewsArticle", "social-post": "SocialMediaPosting", "statute": "Legislation",
                "regulation": "Legislation", "report": "Report", "video": "VideoObject"}

# Inside <script>, "</script>" or "<!--" in a string would end or confuse the element, and
# U+2028/U+2029 end lines in older JavaScript parsers: write them all as JSON escapes.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> Markup:
    """JSON that is safe inside a <script> element, whatever the content says."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(character, escaped)
    return Markup(text)


def headline(text: str) -> str:
    return text if len(text) <= HEADLINE_LIMIT else text[: HEADLINE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def organization(name: str) -> dict[str, str]:
    return {"@type": "Organization", "name": name}


def website(config: SiteConfig) -> dict[str, str]:
    return {"@type": "WebSite", "name": plain_text(config.title), "url": config.base_url}


def source_work(source: Source) -> dict[str, Any]:
    """A source as a schema.org CreativeWork, in full: what a source page is about."""
    work = cited_work(source)
    work["publisher"] = organization(source.publisher)
    if source.authors:
        work["author"] = [{"@type": "Person", "name": name} for name in source.authors]
    if source.archive_url:
        work["archivedAt"] = source.archive_url
    if source.language:
        work["inLanguage"] = source.language
    return work


def cited_work(source: Source) -> dict[str, Any]:
    """A `citation` entry: type, title, address and date; the page's notes show the rest."""
    work: dict[str, Any] = {"@type": SOURCE_TYPES.get(source.kind, "CreativeWork"),
                            "name": plain_text(source.title), "url": source.url}
    if source.published:
        work["datePublished"] = source.published
    return work


def cited_sources(site: Site, facts: Iterable[Fact]) -> list[Source]:
    """The sources of these facts' citations, each once, in order of first citation."""
    ids = dict.fromkeys(c.source for fact in facts for c in fact.citations)
    return [site.sources[i] for i in ids if i in site.sources]


def _article(kind: str, site: Site, title: str, description: str, url: str,
             sources: list[Source], updated: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"@context": SCHEMA_ORG, "@type": kind, "headline": headline(title),
                            "description": description, "url": url, "mainEntityOfPage": url,
                            "inLanguage": site.config.language,
                            "publisher": organization(site.config.publisher),
                            "isPartOf": website(site.config)}
    if updated:
        data["dateModified"] = updated
    data["citation"] = [cited_work(s) for s in sources]
    return data


def page_json_ld(site: Site, page: Page, url: str, facts: Iterable[Fact]) -> dict[str, Any]:
    """A Markdown page: a NewsArticle citing the sources of every fact it shows."""
    return _article("NewsArticle", site, plain_text(page.title), plain_text(page.summary), url,
                    cited_sources(site, facts), page.updated)


def fact_json_ld(site: Site, fact: Fact, url: str) -> dict[str, Any]:
    """A fact's permalink page: an Article citing the fact's sources."""
    statement = plain_text(fact.statement)
    return _article("Article", site, statement, statement, url, cited_sources(site, [fact]), fact.updated)


def source_json_ld(site: Site, source: Source, url: str) -> dict[str, Any]:
    return {"@context": SCHEMA_ORG, "@type": "WebPage", "name": plain_text(source.title), "url": url,
            "inLanguage": site.config.language, "isPartOf": website(site.config), "about": source_work(source)}


def actor_json_ld(site: Site, actor: Actor, url: str) -> dict[str, Any]:
    entity = {"@type": "Organization" if actor.kind == "organization" else "Person",
              "name": plain_text(actor.name), "description": plain_text(actor.role)}
    return {"@context": SCHEMA_ORG, "@type": "ProfilePage", "name": plain_text(actor.name), "url": url,
            "inLanguage": site.config.language, "isPartOf": website(site.config), "mainEntity": entity}
