"""sitemap.xml (the sitemaps.org protocol, 0.9) and the robots.txt that points at it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .model import Site
from .output import SITE_FILE_PATHS, Output, absolute_url, xml_document

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
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


def sitemap_xml(site: Site, outputs: list[Output]) -> bytes:
    """Every page a reader can land on, with its canonical URL and, when known, its last change."""
    dates = last_modified(site)
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for output in outputs:
        if output.kind not in LISTED_KINDS:
            continue
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = absolute_url(site.config.base_url, output.path)
        date = dates.get((output.kind, output.key))
        if date and len(date) == 10:  # the schema takes full dates only
            ET.SubElement(url, "lastmod").text = date
    return xml_document(urlset)


def robots_txt(site: Site) -> bytes:
    """Allow everything and name the sitemap (crawlers read robots.txt only at a domain's root)."""
    return (f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url(site.config.base_url, SITEMAP_PATH)}\n"
            ).encode("utf-8")
