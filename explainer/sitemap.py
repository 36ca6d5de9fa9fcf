"""sitemap.xml (the sitemaps.org protocol, 0.9) and the robots.txt that points at it.

A site with translations lists every edition's pages, each with `xhtml:link rel="alternate"
hreflang` links to itself in every language and an `x-default` (the default language), as
search engines document for localized pages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .model import Site, edition_prefix
from .output import SITE_FILE_PATHS, Output, absolute_url, xml_document

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
SITEMAP_PATH = SITE_FILE_PATHS["sitemap"]
LISTED_KINDS = ("page", "fact", "source", "actor")  # what readers arrive at; not 404 or search


def last_modified(site: Site) -> dict[tuple[str, str], str]:
    """(kind, key) -> the newest `updated` or correction date that concerns it."""
    dates: dict[tuple[str, str], str] = {}

    def note(key: tuple[str, str], date: str | None) -> None:
        if date and date > dates.get(key, ""):
            dates[key] = date

    for page in site.pages:
        note(("page", page.slug), page.updated)
    for fact in site.facts.values():
        note(("fact", fact.id), fact.updated)
    for correction in site.corrections:
        for fact_id in correction.facts:
            note(("fact", fact_id), correction.date)
        for slug in correction.pages:
            note(("page", slug), correction.date)
    return dates


def sitemap_xml(site: Site, outputs: list[Output], editions: dict[str, Site] | None = None) -> bytes:
    """Every page a reader can land on, with its canonical URL, its last change when known, and its translations."""
    editions = editions or {"": site}
    dates = {language: last_modified(edition) for language, edition in editions.items()}
    config = site.config
    attributes = {"xmlns": SITEMAP_NS}
    if config.translations:
        attributes["xmlns:xhtml"] = XHTML_NS
    urlset = ET.Element("urlset", attributes)
    for output in outputs:
        if output.kind not in LISTED_KINDS:
            continue
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = absolute_url(config.base_url, output.path)
        date = dates.get(output.language, {}).get((output.kind, output.key))
        if date and len(date) == 10:  # the schema takes full dates only
            ET.SubElement(url, "lastmod").text = date
        if config.translations:
            base = output.path[len(edition_prefix(output.language or config.language, config.language)):]
            for language in (*config.languages, "x-default"):
                target = edition_prefix(config.language if language == "x-default" else language, config.language) + base
                ET.SubElement(url, "xhtml:link", {"rel": "alternate", "hreflang": language,
                                                  "href": absolute_url(config.base_url, target)})
    return xml_document(urlset)


def robots_txt(site: Site) -> bytes:
    """Allow everything and name the sitemap (crawlers read robots.txt only at a domain's root)."""
    return (f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url(site.config.base_url, SITEMAP_PATH)}\n"
            ).encode("utf-8")
