"""Checks across records: ids unique and resolvable, dates real, pages and blocks sound."""

from __future__ import annotations

import datetime as dt
from typing import Iterable
from urllib.parse import urlsplit

from .diagnostics import Diagnostic, Location, did_you_mean, error, warning
from .editions import translation_problems
from .model import Actor, Fact, Page, Site, Source, Translation, block_template, facts_shown_on, select_facts
from .pieces import same_objects


def validate_site(site: Site, block_templates: Iterable[str] = (),
                  last: LastValidation | None = None) -> list[Diagnostic]:
    """Every cross-reference problem in the site, in one list (quotes are checked by verify.py).

    `last`: the live preview's previous validation, which checks again only what a save can
    have changed (LastValidation).
    """
    if last is not None:
        return last.validate(site, frozenset(block_templates))
    return all_problems(site, set(block_templates), facts_used_by_pages(site))


def all_problems(site: Site, block_templates: set[str], used: set[str]) -> list[Diagnostic]:
    problems = check_unique_ids(site)
    for fact in site.facts.values():
        problems += fact_problems(site, fact, used)
    problems += _response_cycles(site)
    problems += _citation_problems(site, site.actors.values())
    problems += check_dates_and_urls(site)
    problems += check_pages(site, block_templates)
    problems += check_source_usage(site)
    problems += translation_problems(site)
    return problems


def fact_problems(site: Site, fact: Fact, used: set[str]) -> list[Diagnostic]:
    """What is wrong with one fact on its own: what it names, its dates, whether a page uses it."""
    problems = _citation_problems(site, [fact])
    for actor in fact.by:
        if actor not in site.actors and actor not in site.unloaded_ids:
            problems.append(error(fact.field_locations.get("by", fact.location),
                                  f"unknown actor '{actor}' in 'by'{did_you_mean(actor, site.actors)}"))
    if fact.responds_to is not None:
        where = fact.field_locations.get("responds_to", fact.location)
        if fact.responds_to == fact.id:
            problems.append(error(where, "a fact cannot respond to itself"))
        elif fact.responds_to not in site.facts and fact.responds_to not in site.unloaded_ids:
            problems.append(error(where, f"unknown fact '{fact.responds_to}' in 'responds_to'"
                                         f"{did_you_mean(fact.responds_to, site.facts)}"))
    elif fact.kind == "denial":
        problems.append(warning(fact.location, "a denial should name the claim it answers in 'responds_to'"))
    for name in ("date", "updated"):
        problems += _date_problem(getattr(fact, name), fact.field_locations.get(name, fact.location), name)
    if fact.id not in used:
        problems.append(warning(fact.location, f"fact '{fact.id}' is not used by any page"))
    return problems


def shape(fact: Fact) -> tuple:
    """What of a fact the checks of other records read: what it names, its kind, topics and dates."""
    return (fact.id, fact.kind, fact.by, fact.responds_to, fact.topics, fact.date, fact.updated,
            tuple(c.source for c in fact.citations))


class LastValidation:
    """The preview's last validation, reused while a save leaves the site's shape as it was.

    The common save edits a fact's words. Then every other record is the very same object
    (the loader keeps the records of files it did not read again), the facts keep their ids,
    order and shape (what other records' checks read of them), and the problems are those of
    the last validation, except that each fact read again is checked again on its own (its
    file's lines may have moved). Anything else, or a last validation with errors, checks all.
    """

    def __init__(self) -> None:
        self.site: Site | None = None
        self.templates: frozenset[str] = frozenset()
        self.problems: list[Diagnostic] = []
        self.used: set[str] = set()

    def validate(self, site: Site, block_templates: frozenset[str]) -> list[Diagnostic]:
        changed = self._changed_facts(site, block_templates)
        if changed is None:
            self.used = facts_used_by_pages(site)
            self.problems = all_problems(site, set(block_templates), self.used)
        else:
            files = {fact.location.path for pair in changed for fact in pair}
            self.problems = [d for d in self.problems if d.location.path not in files]
            for _, fact in changed:
                self.problems += fact_problems(site, fact, self.used)
        self.site, self.templates = site, block_templates
        return list(self.problems)

    def _changed_facts(self, site: Site, block_templates: frozenset[str]) -> list[tuple[Fact, Fact]] | None:
        """The facts that are other objects (as they were, as they are), when nothing else changed; else None."""
        last = self.site
        if (last is None or block_templates != self.templates or any(d.is_error for d in self.problems)
                or not _same_entries(last.sources, site.sources) or not _same_entries(last.actors, site.actors)
                or not same_objects(last.pages, site.pages) or not same_objects(last.corrections, site.corrections)
                or not _same_translations(last.translations, site.translations)
                or last.config != site.config or last.unloaded_ids != site.unloaded_ids
                or list(last.facts) != list(site.facts)):
            return None
        changed = [(last.facts[fact_id], fact) for fact_id, fact in site.facts.items() if last.facts[fact_id] is not fact]
        if any(shape(before) != shape(after) for before, after in changed):
            return None
        return changed


def _same_translations(old: dict[str, Translation], new: dict[str, Translation]) -> bool:
    """Each edition's words are the same objects (a Translation itself is made afresh by every gather)."""
    return list(old) == list(new) and all(
        a.folder == b.folder and a.settings is b.settings and _same_entries(a.facts, b.facts)
        and _same_entries(a.actors, b.actors) and _same_entries(a.sources, b.sources) and same_objects(a.pages, b.pages)
        and (a.corrections is b.corrections or (a.corrections is not None and b.corrections is not None
                                                and same_objects(a.corrections, b.corrections)))
        for a, b in zip(old.values(), new.values()))


def _same_entries(old: dict, new: dict) -> bool:
    return list(old) == list(new) and same_objects(list(old.values()), list(new.values()))


def check_unique_ids(site: Site) -> list[Diagnostic]:
    """Ids are unique across facts, sources and actors, so any of them can be named alone.

    Of the records sharing an id, the first in file order keeps it; each later one is an error.
    Only shared ids are sorted (comparing locations costs more than the rest of the check).
    """
    by_id: dict[str, list[tuple[str, Fact | Source | Actor]]] = {}
    for kind, records in (("fact", site.facts), ("source", site.sources), ("actor", site.actors)):
        for entry in records.values():
            by_id.setdefault(entry.id, []).append((kind, entry))
    problems = []
    for shared in (entries for entries in by_id.values() if len(entries) > 1):
        (first_kind, first), *later = sorted(shared, key=lambda item: item[1].location)
        problems += [error(entry.field_locations.get("id", entry.location),
                           f"id '{entry.id}' is already used by the {first_kind} at {first.location}")
                     for _, entry in later]
    return sorted(problems, key=lambda d: d.location)


def _citation_problems(site: Site, entries: Iterable[Fact | Actor]) -> list[Diagnostic]:
    problems = []
    for entry in entries:
        for citation in entry.citations:
            if citation.source not in site.sources and citation.source not in site.unloaded_ids:
                problems.append(error(citation.source_location or citation.location,
                                      f"unknown source '{citation.source}'"
                                      f"{did_you_mean(citation.source, site.sources)}"))
    return problems


def _response_cycles(site: Site) -> list[Diagnostic]:
    problems, reported = [], set()
    for start in site.facts.values():
        chain, current = [], start
        while current is not None and current.id not in chain:
            chain.append(current.id)
            current = site.facts.get(current.responds_to) if current.responds_to else None
        # A fact answering itself is reported by check_facts on its own.
        if current is not None and current.id == start.id and len(chain) > 1 and not reported.intersection(chain):
            reported.update(chain)
            problems.append(error(start.field_locations.get("responds_to", start.location),
                                  "'responds_to' goes round in a circle: "
                                  + " -> ".join(chain + [start.id])))
    return problems


def is_valid_date(text: str) -> bool:
    parts = text.split("-")
    try:
        if len(parts) == 3:
            dt.date.fromisoformat(text)
        elif len(parts) == 2:
            dt.date(int(parts[0]), int(parts[1]), 1)
        else:
            int(parts[0])
    except ValueError:
        return False
    return True


def _date_problem(value: str | None, where: Location, name: str) -> list[Diagnostic]:
    if value is not None and not is_valid_date(value):
        return [error(where, f"'{name}' is not a real date: '{value}'")]
    return []


def _url_problem(value: str | None, where: Location, name: str) -> list[Diagnostic]:
    if value is None:
        return []
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        return [error(where, f"'{name}' must be an absolute http(s) URL, got '{value}'")]
    return []


def check_dates_and_urls(site: Site) -> list[Diagnostic]:
    """Of everything but facts (fact_problems checks theirs)."""
    problems = []
    for source in site.sources.values():
        for name in ("published", "accessed", "archive_date"):
            problems += _date_problem(getattr(source, name), source.field_locations.get(name, source.location), name)
        for name in ("url", "archive_url"):
            problems += _url_problem(getattr(source, name), source.field_locations.get(name, source.location), name)
        if source.archive_url and source.archive_url == source.url:
            problems.append(warning(source.field_locations.get("archive_url", source.location),
                                    "'archive_url' is the same as 'url': give the address of an archived copy"))
    for page in site.pages:
        problems += _date_problem(page.updated, page.field_locations.get("updated", page.location), "updated")
    for correction in site.corrections:
        problems += _date_problem(correction.date, correction.location, "date")
    problems += _url_problem(site.config.base_url, site.config.location, "base_url")
    return problems


def check_pages(site: Site, block_templates: set[str]) -> list[Diagnostic]:
    problems = []
    by_slug: dict[str, Location] = {}
    topics = sorted({t for f in site.facts.values() for t in f.topics})
    for page in site.pages:
        slug_at = page.field_locations.get("slug", page.location)
        if page.slug in by_slug:
            problems.append(error(slug_at, f"slug '{page.slug}' is already used by the page at {by_slug[page.slug]}"))
        else:
            by_slug[page.slug] = slug_at
        problems += check_page_body(site, page, block_templates, topics)
    for translation in site.translations.values():  # a translation's own references and blocks
        for page in translation.pages:
            problems += check_page_body(site, page, block_templates, topics)
            problems += _date_problem(page.updated, page.field_locations.get("updated", page.location), "updated")
    return problems


def check_page_body(site: Site, page: Page, block_templates: set[str], topics: list[str]) -> list[Diagnostic]:
    """References resolve; blocks name templates, ids and topics that exist."""
    problems = []
    for reference in page.references:
        if reference.fact_id not in site.facts and reference.fact_id not in site.unloaded_ids:
            problems.append(error(reference.location, f"unknown fact '{reference.fact_id}'"
                                                      f"{did_you_mean(reference.fact_id, site.facts)}"))
    for block in page.blocks:
        before = len(problems)
        where = block.option_locations
        name = block_template(block)
        if block_templates and name not in block_templates:
            problems.append(error(where.get("template", block.location),
                                  f"no block template 'templates/blocks/{name}.html'"
                                  f"{did_you_mean(name, block_templates)}"))
        entries = {"facts": site.facts, "actors": site.actors, "sources": site.sources}.get(block.kind, {})
        for fact_id in block.options.get("ids", ()):
            if fact_id not in entries and fact_id not in site.unloaded_ids:
                problems.append(error(where.get("ids", block.location),
                                      f"unknown {block.kind[:-1]} '{fact_id}' in block"
                                      f"{did_you_mean(fact_id, entries)}"))
        for topic in block.options.get("topics", ()):
            if topic not in topics:
                problems.append(error(where.get("topics", block.location),
                                      f"no fact has the topic '{topic}'{did_you_mean(topic, topics)}"))
        if block.kind == "facts" and len(problems) == before and not select_facts(site, block.options):
            problems.append(warning(block.location, "this block selects no facts"))
    return problems


def facts_used_by_pages(site: Site) -> set[str]:
    used: set[str] = set()
    for page in site.pages:
        used.update(facts_shown_on(site, page))
    return used


def check_source_usage(site: Site) -> list[Diagnostic]:
    """Unused sources are not errors, but they are worth a look (unused facts: fact_problems)."""
    problems = []
    cited = {c.source for e in [*site.facts.values(), *site.actors.values()] for c in e.citations}
    for source in site.sources.values():
        if source.id not in cited:
            problems.append(warning(source.location, f"source '{source.id}' is not cited by any fact or actor"))
    return problems


def facts_citing(site: Site, source_id: str) -> list[Fact]:
    return [f for f in site.facts.values() if any(c.source == source_id for c in f.citations)]
