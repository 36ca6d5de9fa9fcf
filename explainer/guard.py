"""The change guard: no published fact changes or disappears without a correction.

`check --against OLD/facts.json` compares the content with an export the site published
before (facts.json, shaped as explainer/schemas/facts-export.schema.json: `facts` with `id`
and `statement`, and `corrections`). Every fact whose statement changed, and every fact that
is gone, must be named under `facts:` in a correction the old export did not already list
for it; otherwise it is an error. The same goes for a published translation of a statement
(`translations.LANG.statement`) that changed or is gone: readers of that edition read it. The
log must also be on a page (a `::: corrections` block), or readers would never see it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Location, error
from .editions import language_name
from .export import FORMAT as EXPORT_FORMAT
from .model import Correction, Site

CHANGED, REMOVED = "changed", "removed"


@dataclass(frozen=True)
class PublishedFact:
    id: str
    statement: str
    location: Location   # where its id is in the old export
    translations: dict[str, str] = field(default_factory=dict, hash=False)  # language -> published statement


@dataclass(frozen=True)
class Published:
    """What an earlier export said: its facts, and which facts each of its corrections named."""

    path: Path
    facts: dict[str, PublishedFact]
    corrected: dict[tuple[str, str], frozenset[str]]   # (date, summary) -> fact ids


@dataclass(frozen=True)
class FactChange:
    fact_id: str
    kind: str                         # CHANGED or REMOVED
    old_statement: str
    covered_by: Correction | None
    language: str = ""                # a translation's statement ("es"); "" for the default language


def read_export(path: Path) -> tuple[Published | None, list[Diagnostic]]:
    """Read a published facts.json; every problem points into that file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, [error(Location(path, 0, 0), f"cannot read the published export: {exc.strerror or exc}")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [error(Location(path, exc.lineno, exc.colno), f"the published export is not JSON: {exc.msg}")]
    problem = _shape_problem(data)
    if problem:
        return None, [error(Location(path, 1, 1), f"{problem}: is this the facts.json of a built site?")]
    facts = {}
    for record in data["facts"]:
        translations = record.get("translations")
        statements = {language: t["statement"] for language, t in translations.items()
                      if isinstance(t, dict) and isinstance(t.get("statement"), str)} \
            if isinstance(translations, dict) else {}
        facts[record["id"]] = PublishedFact(record["id"], record["statement"], _location_of_id(text, record["id"], path),
                                            statements)
    corrected: dict[tuple[str, str], frozenset[str]] = {}
    for record in data.get("corrections") or []:
        if isinstance(record, dict):
            key = (str(record.get("date")), str(record.get("summary")))
            corrected[key] = corrected.get(key, frozenset()) | frozenset(record.get("facts") or ())
    return Published(path, facts, corrected), []


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the published export is not a JSON object"
    if data.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        return f"the published export's format is {data.get('format')!r}, not '{EXPORT_FORMAT}'"
    facts = data.get("facts")
    if not isinstance(facts, list) or not all(
            isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("statement"), str)
            for f in facts):
        return "the published export has no list of 'facts' with 'id' and 'statement'"
    return None


def _location_of_id(text: str, fact_id: str, path: Path) -> Location:
    """Where `"id": "fact_id"` stands in the export (ids are unique across facts, sources and actors)."""
    found = re.search(r'"id"\s*:\s*"' + re.escape(fact_id) + '"', text)
    if found is None:
        return Location(path, 1, 1)
    line = text.count("\n", 0, found.start()) + 1
    return Location(path, line, found.start() - text.rfind("\n", 0, found.start()))


def _same_words(a: str, b: str) -> bool:
    return a.split() == b.split()


def fact_changes(site: Site, published: Published) -> list[FactChange]:
    """Every published fact whose statement changed or that is gone, with the correction that covers it."""
    changes = []
    for fact_id, old in sorted(published.facts.items()):
        current = site.facts.get(fact_id)
        if current is None or not _same_words(current.statement, old.statement):
            changes.append(FactChange(fact_id, REMOVED if current is None else CHANGED, old.statement,
                                      _covering(site, published, fact_id)))
        if current is None:
            continue
        for language, old_statement in sorted(old.translations.items()):
            translation = site.translations.get(language)
            text = translation.facts.get(fact_id) if translation is not None else None
            if text is None or not _same_words(text.statement, old_statement):
                changes.append(FactChange(fact_id, REMOVED if text is None else CHANGED, old_statement,
                                          _covering(site, published, fact_id), language))
    return changes


def _covering(site: Site, published: Published, fact_id: str) -> Correction | None:
    """The newest correction that names the fact and was not already published naming it."""
    for correction in sorted(site.corrections, key=lambda c: c.date, reverse=True):
        if fact_id in correction.facts and \
                fact_id not in published.corrected.get((correction.date, correction.summary), frozenset()):
            return correction
    return None


def change_problems(site: Site, published: Published, changes: list[FactChange]) -> list[Diagnostic]:
    """An error for each change no new correction covers; and one if the log is on no page."""
    problems = []
    for change in changes:
        if change.covered_by is not None:
            continue
        fix = f"add a correction to content/corrections.yaml that lists '{change.fact_id}' under facts"
        if change.language:
            problems.append(_translation_problem(site, published, change, fix))
        elif change.kind == CHANGED:
            fact = site.facts[change.fact_id]
            problems.append(error(fact.field_locations.get("statement", fact.location),
                                  f"the statement of fact '{change.fact_id}' differs from the one published in "
                                  f"{published.path.name} (\"{_short(change.old_statement)}\"); {fix}"))
        else:
            problems.append(error(published.facts[change.fact_id].location,
                                  f"published fact '{change.fact_id}' is no longer in the content; {fix}"))
    covered = [c for c in changes if c.covered_by is not None]
    shown = any(block.kind == "corrections" for page in site.pages if not page.draft for block in page.blocks)
    if covered and not shown:
        problems.append(error(covered[0].covered_by.location,  # type: ignore[union-attr]
                              "no published page shows the corrections log, so readers would not see this "
                              "correction: add a '::: corrections' block to a page"))
    return problems


def _translation_problem(site: Site, published: Published, change: FactChange, fix: str) -> Diagnostic:
    which = f"{language_name(change.language)} ({change.language}) statement of fact '{change.fact_id}'"
    if change.kind == CHANGED:
        text = site.translations[change.language].facts[change.fact_id]
        return error(text.field_locations.get("statement", text.location),
                     f"the {which} differs from the one published in {published.path.name} "
                     f"(\"{_short(change.old_statement)}\"); {fix}")
    return error(published.facts[change.fact_id].location,
                 f"the published {which} is no longer in content/{change.language}/ (the edition would show "
                 f"the fact in the default language); {fix}")


def guard_against(site: Site, export: Path) -> tuple[list[FactChange], list[Diagnostic]]:
    """Compare the content with a published export: the changes found, and the errors they cause."""
    published, problems = read_export(export)
    if published is None:
        return [], problems
    changes = fact_changes(site, published)
    return changes, change_problems(site, published, changes)


def _short(text: str, limit: int = 80) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + "…"


def describe(change: FactChange) -> str:
    """One line for the log: which fact changed and which correction covers it."""
    what = "statement changed" if change.kind == CHANGED else "removed"
    if change.language:
        what = f"{language_name(change.language)} ({change.language}) statement " + (
            "changed" if change.kind == CHANGED else "removed")
    cover = change.covered_by
    return (f"fact '{change.fact_id}' {what} since the published export; "
            + (f"covered by the correction of {cover.date}" if cover else "not covered by a correction"))
