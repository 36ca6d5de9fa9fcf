"""The data export: facts.json (versioned, with a JSON Schema) and facts.csv, for reuse.

facts.json holds every fact with its citations, every source, actor and correction; its
shape is explainer/schemas/facts-export.schema.json, published beside it as
facts.schema.json. `version` changes only when a field is removed or changes meaning; new
fields may appear without a new version. facts.csv has one row per citation.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

from .feeds import correction_anchor, corrections_page_path
from .markup import plain_text
from .model import Actor, Citation, Fact, Site, Source
from .output import SITE_FILE_PATHS, absolute_url, entry_path

FORMAT = "explainer-facts"
VERSION = 1
SCHEMA_PATH = SITE_FILE_PATHS["facts_schema"]
CSV_COLUMNS = ("fact_id", "fact_url", "kind", "statement", "by", "date", "updated", "topics", "responds_to",
               "source_id", "source_title", "source_publisher", "source_published", "source_kind",
               "source_url", "source_archive_url", "quote", "locator", "translation")
LIST_SEPARATOR = "; "


def export_schema() -> bytes:
    """The JSON Schema of facts.json, as shipped in explainer/schemas/."""
    return (resources.files("explainer") / "schemas" / "facts-export.schema.json").read_bytes()


def citation_record(citation: Citation) -> dict[str, Any]:
    return {"source": citation.source, "quote": citation.quote, "locator": citation.locator,
            "translation": citation.translation, "note": citation.note}


def fact_record(site: Site, fact: Fact) -> dict[str, Any]:
    return {"id": fact.id, "url": absolute_url(site.config.base_url, entry_path("fact", fact.id)),
            "statement": fact.statement, "statement_text": plain_text(fact.statement), "kind": fact.kind,
            "by": list(fact.by), "date": fact.date, "updated": fact.updated, "topics": list(fact.topics),
            "responds_to": fact.responds_to, "note": fact.note,
            "citations": [citation_record(c) for c in fact.citations]}


def source_record(site: Site, source: Source) -> dict[str, Any]:
    return {"id": source.id, "page_url": absolute_url(site.config.base_url, entry_path("source", source.id)),
            "title": source.title, "publisher": source.publisher, "authors": list(source.authors),
            "published": source.published, "accessed": source.accessed, "kind": source.kind,
            "primary": source.is_primary, "url": source.url, "archive_url": source.archive_url,
            "archive_date": source.archive_date, "language": source.language, "note": source.note}


def actor_record(site: Site, actor: Actor) -> dict[str, Any]:
    return {"id": actor.id, "url": absolute_url(site.config.base_url, entry_path("actor", actor.id)),
            "name": actor.name, "role": actor.role, "description": actor.description, "kind": actor.kind,
            "citations": [citation_record(c) for c in actor.citations]}


def export_data(site: Site) -> dict[str, Any]:
    """The whole export as plain data, every list in a stable order."""
    config = site.config
    log_path = corrections_page_path(site)
    corrections = [{"date": c.date, "summary": c.summary, "facts": list(c.facts), "pages": list(c.pages),
                    "url": f"{absolute_url(config.base_url, log_path)}#{correction_anchor(c)}" if log_path else None}
                   for c in sorted(site.corrections, key=lambda c: (c.date, c.summary), reverse=True)]
    return {
        "$schema": absolute_url(config.base_url, SCHEMA_PATH),
        "format": FORMAT,
        "version": VERSION,
        "site": {"title": config.title, "description": config.description, "url": config.base_url,
                 "language": config.language, "publisher": config.publisher, "license": config.license},
        "facts": [fact_record(site, site.facts[i]) for i in sorted(site.facts)],
        "sources": [source_record(site, site.sources[i]) for i in sorted(site.sources)],
        "actors": [actor_record(site, site.actors[i]) for i in sorted(site.actors)],
        "corrections": corrections,
    }


def facts_json(site: Site) -> bytes:
    return (json.dumps(export_data(site), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_rows(site: Site) -> list[dict[str, str]]:
    """One row per citation: the fact's fields repeated beside each source and quote."""
    rows = []
    for fact_id in sorted(site.facts):
        fact = site.facts[fact_id]
        for citation in fact.citations:
            source = site.sources[citation.source]  # validation guarantees it exists
            rows.append({
                "fact_id": fact.id, "fact_url": absolute_url(site.config.base_url, entry_path("fact", fact.id)),
                "kind": fact.kind, "statement": plain_text(fact.statement), "by": LIST_SEPARATOR.join(fact.by),
                "date": fact.date or "", "updated": fact.updated or "", "topics": LIST_SEPARATOR.join(fact.topics),
                "responds_to": fact.responds_to or "", "source_id": source.id, "source_title": source.title,
                "source_publisher": source.publisher, "source_published": source.published or "",
                "source_kind": source.kind, "source_url": source.url, "source_archive_url": source.archive_url or "",
                "quote": citation.quote, "locator": citation.locator or "", "translation": citation.translation or ""})
    return rows


def facts_csv(site: Site) -> bytes:
    """RFC 4180 CSV in UTF-8 with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_rows(site))
    return buffer.getvalue().encode("utf-8")
