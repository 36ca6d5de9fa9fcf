"""The data export: facts.json (versioned, with a JSON Schema) and facts.csv, for reuse.

facts.json holds every fact with its citations, every source, actor and correction; its
shape is explainer/schemas/facts-export.schema.json, published beside it as
facts.schema.json. `version` changes only when a field is removed or changes meaning; new
fields may appear without a new version. facts.csv has one row per citation.

A site with translations exports the default language's words as before and, beside them,
`translations`: by language, whatever content/LANG/ translates (a fact's statement and note,
a citation's translation of its quote, an actor's role, ...), never a fallback. facts.csv
gains a `statement_LANG` and a `translation_LANG` column per language.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any, Callable

from .feeds import correction_anchor, corrections_page_path
from .markup import plain_text
from .model import Actor, Citation, Correction, Fact, Site, Source
from .output import SITE_FILE_PATHS, absolute_url, entry_path
from .pieces import PieceMaker, in_chunks, made_now

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


def _translated(entry: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a translated edition's record that its translation really gives (no fallbacks)."""
    return {name: getattr(entry, name) for name in names
            if name not in entry.untranslated and getattr(entry, name) is not None}


def _translations(editions: dict[str, Site], pick) -> dict[str, Any]:
    """language -> what pick(edition) found translated there; languages with nothing are left out."""
    out = {}
    for language, edition in editions.items():
        if language:
            found = pick(edition)
            if found:
                out[language] = found
    return out


def citation_record(citation: Citation, translated: dict[str, Citation] | None = None) -> dict[str, Any]:
    """One citation; `translated` holds the same citation in each other edition, by language."""
    record = {"source": citation.source, "quote": citation.quote, "locator": citation.locator,
              "translation": citation.translation, "note": citation.note, "translations": {}}
    for language, other in (translated or {}).items():
        found = {"translation": other.translation} if other.translation else {}
        found.update(_translated(other, ("note", "locator")))
        if found:
            record["translations"][language] = found
    return record


def _citations(entry: Fact | Actor, kind: str, editions: dict[str, Site]) -> list[dict[str, Any]]:
    others = {language: getattr(edition, kind)[entry.id] for language, edition in editions.items() if language}
    return [citation_record(c, {language: other.citations[n] for language, other in others.items()})
            for n, c in enumerate(entry.citations)]


def fact_record(site: Site, fact: Fact, editions: dict[str, Site] | None = None) -> dict[str, Any]:
    editions = editions or {"": site}
    base = site.config.base_url

    def translated(edition: Site) -> dict[str, Any]:
        other = edition.facts[fact.id]
        if "statement" in other.untranslated:
            return {}
        return {"url": absolute_url(base, edition.config.prefix + entry_path("fact", fact.id)),
                "statement": other.statement, "statement_text": plain_text(other.statement),
                "note": other.note if "note" not in other.untranslated else None}

    return {"id": fact.id, "url": absolute_url(base, entry_path("fact", fact.id)),
            "statement": fact.statement, "statement_text": plain_text(fact.statement), "kind": fact.kind,
            "by": list(fact.by), "date": fact.date, "updated": fact.updated, "topics": list(fact.topics),
            "responds_to": fact.responds_to, "note": fact.note,
            "citations": _citations(fact, "facts", editions),
            "translations": _translations(editions, translated)}


def source_record(site: Site, source: Source, editions: dict[str, Site] | None = None) -> dict[str, Any]:
    editions = editions or {"": site}

    def translated(edition: Site) -> dict[str, Any]:
        other = edition.sources[source.id]
        if not other.note or "note" in other.untranslated:
            return {}
        return {"page_url": absolute_url(site.config.base_url, edition.config.prefix + entry_path("source", source.id)),
                "note": other.note}

    return {"id": source.id, "page_url": absolute_url(site.config.base_url, entry_path("source", source.id)),
            "title": source.title, "publisher": source.publisher, "authors": list(source.authors),
            "published": source.published, "accessed": source.accessed, "kind": source.kind,
            "primary": source.is_primary, "url": source.url, "archive_url": source.archive_url,
            "archive_date": source.archive_date, "language": source.language, "note": source.note,
            "translations": _translations(editions, translated)}


def actor_record(site: Site, actor: Actor, editions: dict[str, Site] | None = None) -> dict[str, Any]:
    editions = editions or {"": site}

    def translated(edition: Site) -> dict[str, Any]:
        other = edition.actors[actor.id]
        if "description" in other.untranslated:
            return {}
        return {"url": absolute_url(site.config.base_url, edition.config.prefix + entry_path("actor", actor.id)),
                "name": other.name, "role": other.role, "description": other.description}

    return {"id": actor.id, "url": absolute_url(site.config.base_url, entry_path("actor", actor.id)),
            "name": actor.name, "role": actor.role, "description": actor.description, "kind": actor.kind,
            "citations": _citations(actor, "actors", editions),
            "translations": _translations(editions, translated)}


def correction_record(site: Site, correction: Correction, number: int, log_path: str | None,
                      editions: dict[str, Site]) -> dict[str, Any]:
    config = site.config

    def translated(edition: Site) -> dict[str, Any]:
        other = edition.corrections[number]
        return {} if other.untranslated else {"summary": other.summary}

    return {"date": correction.date, "summary": correction.summary, "facts": list(correction.facts),
            "pages": list(correction.pages),
            "url": f"{absolute_url(config.base_url, log_path)}#{correction_anchor(correction)}" if log_path else None,
            "translations": _translations(editions, translated)}


def export_data(site: Site, editions: dict[str, Site] | None = None, piece: PieceMaker = made_now) -> dict[str, Any]:
    """The whole export, every list in a stable order; the facts, sources and actors are already
    their bytes in facts.json, a hundred at a time (EncodedRecords), pieces (explainer/pieces.py)
    that the preview reuses while their records are the same objects."""
    config = site.config
    editions = editions or {"": site}
    log_path = corrections_page_path(site)
    numbered = sorted(enumerate(site.corrections), key=lambda item: (item[1].date, item[1].summary), reverse=True)
    translations = {language: {"title": edition.config.title, "description": edition.config.description,
                               "url": absolute_url(config.base_url, edition.config.prefix),
                               "license": edition.config.license}
                    for language, edition in editions.items() if language}
    urls = (config.base_url, tuple((language, edition.config.prefix) for language, edition in editions.items()))

    def records(kind: str, make_record: Callable[[Site, Any, dict[str, Site]], dict[str, Any]]) -> list:
        ids = sorted(getattr(site, kind))
        # Each record with its translations, by id: the default edition's first.
        records = list(zip(*([table[i] for i in ids] for table in (getattr(edition, kind) for edition in editions.values()))))
        return in_chunks(piece, records, lambda n: encoded_record(make_record(site, records[n][0], editions)),
                         (kind, urls), lambda _, texts: EncodedRecords(RECORD_SEPARATOR.join(texts).encode("utf-8")))

    return {
        "$schema": absolute_url(config.base_url, SCHEMA_PATH),
        "format": FORMAT,
        "version": VERSION,
        "site": {"title": config.title, "description": config.description, "url": config.base_url,
                 "language": config.language, "publisher": config.publisher, "license": config.license,
                 "languages": list(config.languages), "translations": translations},
        "facts": records("facts", fact_record),
        "sources": records("sources", source_record),
        "actors": records("actors", actor_record),
        "corrections": [correction_record(site, c, n, log_path, editions) for n, c in numbered],
    }


def facts_json(site: Site, editions: dict[str, Site] | None = None, piece: PieceMaker = made_now) -> bytes:
    return b"".join(facts_json_parts(site, editions, piece))


def facts_json_parts(site: Site, editions: dict[str, Site] | None = None, piece: PieceMaker = made_now) -> list[bytes]:
    """facts.json as parts to write one after the other (output.write_data), never joined into megabytes."""
    return indented_json_parts(export_data(site, editions, piece), end="\n")


RECORD_LISTS = ("facts", "sources", "actors", "corrections")


class EncodedRecords(bytes):
    """Records of facts.json already encoded, as indented_json would encode them, in UTF-8
    (several: joined by RECORD_SEPARATOR). The preview keeps them: a save that changes one fact
    joins the file's megabytes once, instead of joining text and encoding it again."""


RECORD_SEPARATOR = ",\n    "


def encoded_record(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n    ")


def indented_json(data: dict[str, Any]) -> str:
    """json.dumps(data, ensure_ascii=False, indent=2), with the records of the lists encoded one by one
    (those that are EncodedRecords already are)."""
    return b"".join(indented_json_parts(data)).decode("utf-8")


def indented_json_parts(data: dict[str, Any], end: str = "") -> list[bytes]:
    """indented_json(data) + end in UTF-8, as parts to join once: facts.json is megabytes, and each `+` copies it all."""
    def record(value: Any) -> bytes:
        return value if isinstance(value, EncodedRecords) else encoded_record(value).encode("utf-8")

    if not data:
        return [b"{}", end.encode("utf-8")]
    parts = [b"{\n"]
    for number, (name, value) in enumerate(data.items()):
        if number:
            parts.append(b",\n")
        parts.append(f"  {json.dumps(name, ensure_ascii=False)}: ".encode("utf-8"))
        if name in RECORD_LISTS and value:
            parts.append(b"[\n    ")
            for index, item in enumerate(value):
                if index:
                    parts.append(RECORD_SEPARATOR.encode("utf-8"))
                parts.append(record(item))
            parts.append(b"\n  ]")
        else:
            parts.append(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ").encode("utf-8"))
    parts += [b"\n}", end.encode("utf-8")]
    return parts


def csv_columns(site: Site) -> tuple[str, ...]:
    return CSV_COLUMNS + tuple(f"{name}_{language}" for language in site.config.translations
                               for name in ("statement", "translation"))


def fact_rows(site: Site, fact: Fact, editions: dict[str, Site]) -> list[dict[str, str]]:
    """One row per citation of the fact: its fields repeated beside each source and quote."""
    rows = []
    for number, citation in enumerate(fact.citations):
        source = site.sources[citation.source]  # validation guarantees it exists
        rows.append({
            "fact_id": fact.id, "fact_url": absolute_url(site.config.base_url, entry_path("fact", fact.id)),
            "kind": fact.kind, "statement": plain_text(fact.statement), "by": LIST_SEPARATOR.join(fact.by),
            "date": fact.date or "", "updated": fact.updated or "", "topics": LIST_SEPARATOR.join(fact.topics),
            "responds_to": fact.responds_to or "", "source_id": source.id, "source_title": source.title,
            "source_publisher": source.publisher, "source_published": source.published or "",
            "source_kind": source.kind, "source_url": source.url, "source_archive_url": source.archive_url or "",
            "quote": citation.quote, "locator": citation.locator or "", "translation": citation.translation or ""})
        for language, edition in editions.items():
            if language:
                other = edition.facts[fact.id]
                rows[-1][f"statement_{language}"] = ("" if "statement" in other.untranslated
                                                     else plain_text(other.statement))
                rows[-1][f"translation_{language}"] = other.citations[number].translation or ""
    return rows


def facts_csv(site: Site, editions: dict[str, Site] | None = None, piece: PieceMaker = made_now) -> bytes:
    return b"".join(facts_csv_parts(site, editions, piece))


def facts_csv_parts(site: Site, editions: dict[str, Site] | None = None, piece: PieceMaker = made_now) -> list[bytes]:
    """RFC 4180 CSV in UTF-8 with a header row, one row per citation, as parts to write one after the other.

    The lines of a hundred facts are a piece (explainer/pieces.py): the preview reuses them while
    those facts, their translations and their sources are the same objects.
    """
    editions = editions or {"": site}
    columns = csv_columns(site)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()

    def lines(fact: Fact) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(fact_rows(site, fact, editions))
        return buffer.getvalue()

    header = buffer.getvalue().encode("utf-8")
    facts = [fact for _, fact in sorted(site.facts.items())]
    translated = [edition.facts for language, edition in editions.items() if language]
    sources = site.sources
    records = [(fact, *[facts_of[fact.id] for facts_of in translated], *[sources[c.source] for c in fact.citations])
               for fact in facts]
    chunks = in_chunks(piece, records, lambda n: lines(facts[n]), (site.config.base_url, columns),
                       lambda _, texts: "".join(texts).encode("utf-8"))
    return [header, *chunks]
