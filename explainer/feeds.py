"""The Atom feed of updates (feed.xml): updated pages, updated facts and corrections.

Every date comes from the content (`updated` on pages and facts, `date` on corrections), so
the same content always gives the same feed: no build-time clock is read.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .i18n import Messages
from .markup import plain_text
from .model import READING_ORDER, Correction, Site
from .output import SITE_FILE_PATHS, absolute_url, entry_path, page_path, xml_document

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = SITE_FILE_PATHS["feed"]
EPOCH = "1970-01-01"  # the feed's date when the content has no dated change at all
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str     # YYYY-MM-DD
    link: str
    summary: str


def correction_anchor(correction: Correction) -> str:
    """A stable id for a correction: its date and a hash of its summary."""
    digest = hashlib.sha256(correction.summary.encode("utf-8")).hexdigest()[:8]
    return f"correction-{correction.date}-{digest}"


def corrections_page_path(site: Site, include_drafts: bool = False) -> str | None:
    """The output path of the first page (by order) that shows the corrections log, in the site's edition."""
    showing = [p for p in site.pages if (include_drafts or not p.draft)
               and any(block.kind == "corrections" for block in p.blocks)]  # few: no need to sort every page
    if not showing:
        return None
    return site.config.prefix + page_path(min(showing, key=READING_ORDER).slug)


def feed_entries(site: Site, messages: Messages, include_drafts: bool = False) -> list[FeedEntry]:
    """Every dated change, newest first; for a translated edition, its words and its URLs."""
    base = site.config.base_url
    prefix = site.config.prefix
    entries = []
    for page in site.pages:
        if page.updated and (include_drafts or not page.draft):
            url = absolute_url(base, prefix + page_path(page.slug))
            entries.append(FeedEntry(f"{url}#updated-{page.updated}",
                                     messages.text("feed.updated_page", title=plain_text(page.title)),
                                     page.updated, url, plain_text(page.summary)))
    for fact in site.facts.values():
        if fact.updated:
            url = absolute_url(base, prefix + entry_path("fact", fact.id))
            statement = plain_text(fact.statement)
            entries.append(FeedEntry(f"{url}#updated-{fact.updated}",
                                     messages.text("feed.updated_fact", statement=statement),
                                     fact.updated, url, statement))
    log_path = corrections_page_path(site, include_drafts) or prefix + "index.html"
    for correction in site.corrections:
        anchor = correction_anchor(correction)
        url = f"{absolute_url(base, log_path)}#{anchor}"
        summary = plain_text(correction.summary)
        entries.append(FeedEntry(url, messages.text("feed.correction", summary=summary), correction.date, url, summary))
    return sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)


def latest_content_date(site: Site) -> str:
    """The newest full date the content records: the feed's own `updated`."""
    dates = [d for d in (*(p.updated for p in site.pages), *(f.updated for f in site.facts.values()),
                         *(c.date for c in site.corrections), *(s.accessed for s in site.sources.values()))
             if d and len(d) == 10]
    return max(dates, default=EPOCH)


def atom_time(date: str) -> str:
    return f"{date}T00:00:00Z"


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom_feed(site: Site, messages: Messages, include_drafts: bool = False) -> bytes:
    """feed.xml (es/feed.xml for the es edition): Atom 1.0, absolute URLs, newest entry first."""
    config = site.config
    prefix = config.prefix
    entries = feed_entries(site, messages, include_drafts)
    updated = max((e.updated for e in entries), default=latest_content_date(site))
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attributes)
        if text is not None:
            element.text = xml_text(text)
        return element

    add(feed, "id", absolute_url(config.base_url, prefix + "index.html"))
    add(feed, "title", plain_text(config.title))
    add(feed, "subtitle", plain_text(config.description))
    add(feed, "updated", atom_time(updated))
    add(feed, "link", rel="self", type="application/atom+xml", href=absolute_url(config.base_url, prefix + FEED_PATH))
    add(feed, "link", rel="alternate", type="text/html", href=absolute_url(config.base_url, prefix + "index.html"))
    author = add(feed, "author")
    add(author, "name", config.publisher)
    add(feed, "rights", config.license)
    add(feed, "generator", "explainer")
    for entry in entries:
        element = add(feed, "entry")
        add(element, "id", entry.id)
        add(element, "title", entry.title)
        add(element, "updated", atom_time(entry.updated))
        add(element, "link", rel="alternate", type="text/html", href=entry.link)
        add(element, "summary", entry.summary, type="text")
    return xml_document(feed)
