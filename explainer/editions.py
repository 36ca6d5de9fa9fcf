"""Editions: the site in each of its languages.

The default edition is the content as written (content/facts/, content/pages/, ...). Each
language listed in site.yaml's `translations` is another edition, built under /LANG/ from
the same records with the words of content/LANG/ put in: `localize` makes that edition's
Site. Whatever content/LANG/ does not translate is shown in the default language, marked
in each record's `untranslated` fields (templates wrap it in lang="..." and a notice), and
listed by `missing_translations`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .diagnostics import Diagnostic, Location, did_you_mean, error, warning
from .model import (READING_ORDER, Actor, ActorText, Citation, CitationText, Correction, Fact, FactText, Page,
                    Site, Source, Translation)
from .pieces import PieceMaker, made_now

# For messages to writers, which are in English; a language not listed is named by its code.
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "pt": "Portuguese", "de": "German",
                  "it": "Italian", "ca": "Catalan", "nl": "Dutch", "zh": "Chinese", "ar": "Arabic"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split("-")[0], f"'{code}'")


# ---------------------------------------------------------------- making an edition

def localize(site: Site, language: str, include_drafts: bool = False, piece: PieceMaker = made_now) -> Site:
    """The Site of the `language` edition: the same records, in that language where translated.

    Each translated record is a piece (explainer/pieces.py): the preview keeps the very object
    while the record, its translation and the sources it quotes are unchanged, so whatever is
    keyed on records (fingerprints, the pieces of facts.json) finds it again.
    """
    translation = site.translations[language]
    config = site.config
    default = config.language
    settings = translation.settings
    edition_config = dataclasses.replace(
        config, language=language, title=settings.title if settings else config.title,
        description=settings.description if settings else config.description,
        license=(settings.license or config.license) if settings else config.license)
    sources = {i: piece((s, text), "source", lambda s=s, text=text: localize_source(s, text))
               for i, s, text in ((i, s, translation.sources.get(i)) for i, s in site.sources.items())}

    def quote_language(citation: Citation) -> str:
        source = site.sources.get(citation.source)
        return (source.language if source is not None and source.language else default)

    def translated(kind: str, entries: dict[str, Any], texts: dict[str, Any], localize_one: Callable) -> dict:
        """Facts or actors in this language; a piece depends on the sources whose language quote_language reads."""
        out = {}
        for i, entry in entries.items():
            text, quoted = texts.get(i), tuple(site.sources.get(c.source) for c in entry.citations)
            out[i] = piece((entry, text, *quoted), (kind, language, default),
                           lambda entry=entry, text=text: localize_one(entry, text, language, quote_language))
        return out

    facts = translated("fact", site.facts, translation.facts, localize_fact)
    actors = translated("actor", site.actors, translation.actors, localize_actor)
    return dataclasses.replace(
        site, config=edition_config, facts=facts, sources=sources, actors=actors,
        pages=[piece((p, text), "page", lambda p=p, text=text: localize_page(p, text))
               for p, text in ((p, translated_page(translation, p.slug, include_drafts)) for p in site.pages)],
        corrections=localize_corrections(site.corrections, translation), translations={})


def translated_page(translation: Translation, slug: str, include_drafts: bool) -> Page | None:
    """The translation of the page with this slug, unless it is a draft and drafts are not built."""
    return next((p for p in translation.pages if p.slug == slug and (include_drafts or not p.draft)), None)


def localize_page(page: Page, translated: Page | None) -> Page:
    if translated is None:
        return dataclasses.replace(page, untranslated=frozenset({"title", "summary", "body"}))
    # Navigation order and draft state belong to the page; the words and their dates to the translation.
    return dataclasses.replace(translated, order=page.order, draft=page.draft)


def localize_fact(fact: Fact, text: FactText | None, language: str, quote_language) -> Fact:
    untranslated = set()
    statement, note = fact.statement, fact.note
    if text is None:
        untranslated.add("statement")
    else:
        statement = text.statement
    if text is not None and text.note:
        note = text.note
    elif fact.note:
        untranslated.add("note")
    citations = localize_citations(fact.citations, text.citations if text else (), language, quote_language)
    return dataclasses.replace(fact, statement=statement, note=note, citations=citations,
                               untranslated=frozenset(untranslated))


def localize_actor(actor: Actor, text: ActorText | None, language: str, quote_language) -> Actor:
    citations = localize_citations(actor.citations, text.citations if text else (), language, quote_language)
    if text is None:
        return dataclasses.replace(actor, citations=citations, untranslated=frozenset({"role", "description"}))
    return dataclasses.replace(actor, name=text.name or actor.name, role=text.role, description=text.description,
                               citations=citations)


def localize_source(source: Source, text) -> Source:
    if text is not None:
        return dataclasses.replace(source, note=text.note)
    return dataclasses.replace(source, untranslated=frozenset({"note"})) if source.note else source


def localize_citations(citations: tuple[Citation, ...], texts: tuple[CitationText, ...], language: str,
                       quote_language) -> tuple[Citation, ...]:
    """Each citation with the translator's words: texts line up with citations by position (and source)."""
    out = []
    for number, citation in enumerate(citations):
        text = texts[number] if number < len(texts) and texts[number].source == citation.source else None
        untranslated = set()
        note, locator = citation.note, citation.locator
        if text is not None and text.note:
            note = text.note
        elif citation.note:
            untranslated.add("note")
        if text is not None and text.locator:
            locator = text.locator
        elif citation.locator:
            untranslated.add("locator")
        # A quote is shown in its own language; a translation only where that is not this edition's.
        translation = text.translation if text is not None and quote_language(citation) != language else None
        out.append(dataclasses.replace(citation, note=note, locator=locator, translation=translation,
                                       untranslated=frozenset(untranslated)))
    return tuple(out)


def localize_corrections(corrections: list[Correction], translation: Translation) -> list[Correction]:
    """Corrections line up with content/LANG/corrections.yaml by position (and date)."""
    texts = translation.corrections or []
    out = []
    for number, correction in enumerate(corrections):
        text = texts[number] if number < len(texts) and texts[number].date == correction.date else None
        out.append(dataclasses.replace(correction, summary=text.summary) if text is not None
                   else dataclasses.replace(correction, untranslated=frozenset({"summary"})))
    return out


# ---------------------------------------------------------------- what is missing

@dataclass
class Missing:
    """What one edition shows in the default language, by kind of record."""

    language: str
    pages: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    facts_partly: list[str] = field(default_factory=list)       # "id (note, citation 2 locator)"
    actors: list[str] = field(default_factory=list)
    actors_partly: list[str] = field(default_factory=list)
    source_notes: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    settings: bool = False

    def __bool__(self) -> bool:
        return bool(self.pages or self.facts or self.facts_partly or self.actors or self.actors_partly
                    or self.source_notes or self.corrections or self.settings)


def missing_in(edition: Site, site: Site) -> Missing:
    """List what the edition `edition` (made by localize) shows untranslated."""
    missing = Missing(edition.config.language)
    missing.settings = site.translations[edition.config.language].settings is None
    missing.pages = [p.slug for p in sorted(edition.pages, key=READING_ORDER)
                     if "body" in p.untranslated and not p.draft]
    for fact in edition.facts.values():
        if "statement" in fact.untranslated:
            missing.facts.append(fact.id)
        elif parts := _missing_parts(fact):
            missing.facts_partly.append(f"{fact.id} ({parts})")
    for actor in edition.actors.values():
        if "description" in actor.untranslated:
            missing.actors.append(actor.id)
        elif parts := _missing_parts(actor):
            missing.actors_partly.append(f"{actor.id} ({parts})")
    missing.source_notes = [s.id for s in edition.sources.values() if "note" in s.untranslated]
    missing.corrections = [f"{c.date} (entry {n})" for n, c in enumerate(edition.corrections, start=1)
                           if c.untranslated]
    return missing


def _missing_parts(entry: Fact | Actor) -> str:
    parts = sorted(entry.untranslated - {"statement", "role", "description"})
    for number, citation in enumerate(entry.citations, start=1):
        parts += [f"citation {number} {name}" for name in sorted(citation.untranslated)]
    return ", ".join(parts)


def missing_warnings(missing: Missing, site: Site) -> list[Diagnostic]:
    """One warning per kind of record, listing every id shown in the default language."""
    config = site.config
    where = config.field_locations.get("translations", config.location)
    edition = f"{language_name(missing.language)} ({missing.language}) edition"
    shown = f"shown in {language_name(config.language)}"
    out = []

    def report(items: list[str], total: int, what: str, how: str = f"not translated ({shown})") -> None:
        if items:
            count = f"{len(items)} of {total} {what}" if total else f"{len(items)} {what}"
            out.append(warning(where, f"{edition}: {count} {how}: {', '.join(items)}"))

    if missing.settings:
        out.append(warning(where, f"{edition}: no content/{missing.language}/site.yaml: the site's title and "
                                  f"description are {shown}"))
    report(missing.pages, sum(1 for p in site.pages if not p.draft), "pages")
    report(missing.facts, len(site.facts), "facts")
    report(missing.facts_partly, 0, "facts", f"only partly translated (the rest {shown})")
    report(missing.actors, len(site.actors), "actors")
    report(missing.actors_partly, 0, "actors", f"only partly translated (the rest {shown})")
    report(missing.source_notes, sum(1 for s in site.sources.values() if s.note), "source notes")
    report(missing.corrections, len(site.corrections), "corrections")
    return out


# ---------------------------------------------------------------- checks of content/LANG/

def translation_problems(site: Site) -> list[Diagnostic]:
    """Translations of things that do not exist, citations out of line, pages that disagree with their original."""
    problems: list[Diagnostic] = []
    for translation in site.translations.values():
        language = translation.language
        problems += _entry_problems(translation.facts, site.facts, "fact", site, language)
        problems += _entry_problems(translation.actors, site.actors, "actor", site, language)
        problems += _entry_problems(translation.sources, site.sources, "source", site, language)
        problems += _page_problems(translation, site)
        problems += _correction_problems(translation, site)
    return problems


def _entry_problems(texts: dict, originals: dict, kind: str, site: Site, language: str) -> list[Diagnostic]:
    problems = []
    for text in texts.values():
        original = originals.get(text.id)
        if original is None:
            if text.id not in site.unloaded_ids:
                problems.append(error(text.field_locations.get("id", text.location),
                                      f"no {kind} '{text.id}' to translate{did_you_mean(text.id, originals)}"))
            continue
        if citations := getattr(text, "citations", ()):     # a source's translation has none
            problems += _citation_problems(citations, original, kind, site, language)
    return problems


def _citation_problems(texts: tuple[CitationText, ...], original: Fact | Actor, kind: str,
                       site: Site, language: str) -> list[Diagnostic]:
    problems = []
    count = len(original.citations)
    for number, text in enumerate(texts, start=1):
        if number > count:
            problems.append(error(text.location, f"{kind} '{original.id}' has {count} citation{'s' * (count != 1)}; "
                                                 f"this translates a citation number {number}"))
            continue
        cited = original.citations[number - 1].source
        if text.source != cited:
            problems.append(error(text.location, f"citation {number} of {kind} '{original.id}' cites '{cited}', "
                                                 f"not '{text.source}': list the citations in the same order "
                                                 "as the original"))
            continue
        source = site.sources.get(cited)
        if text.translation and source is not None and source.language == language:
            problems.append(warning(text.location, f"the quote of citation {number} is already in "
                                                   f"{language_name(source.language)} (source '{cited}'): "
                                                   "its translation is not shown"))
    return problems


def _page_problems(translation: Translation, site: Site) -> list[Diagnostic]:
    problems = []
    originals = {p.slug: p for p in site.pages}
    seen: dict[str, Location] = {}
    for page in translation.pages:
        slug_at = page.field_locations.get("slug", page.location)
        original = originals.get(page.slug)
        if original is None:
            problems.append(error(slug_at, f"no page with slug '{page.slug}' to translate"
                                           f"{did_you_mean(page.slug, originals)}"))
            continue
        if page.slug in seen:
            problems.append(error(slug_at, f"page '{page.slug}' is translated twice: already at {seen[page.slug]}"))
            continue
        seen[page.slug] = slug_at
        if "order" in page.field_locations and page.order != original.order:
            problems.append(error(page.field_locations["order"],
                                  f"'order' is {page.order} here but {original.order} in the page this translates: "
                                  "leave it out (a translation takes its place in the navigation from the original)"))
        problems += _cited_differently(page, original, site)
    return problems


def _cited_differently(page: Page, original: Page, site: Site) -> list[Diagnostic]:
    """A translation should cite the facts its original cites: the same statements, in another language."""
    mine = {r.fact_id for r in page.references}
    theirs = {r.fact_id for r in original.references}
    problems = []
    left_out = sorted(theirs - mine)
    added = sorted(f for f in mine - theirs if f in site.facts)
    where = page.field_locations.get("slug", page.location)
    if left_out:
        problems.append(warning(where, f"this translation does not cite {', '.join(left_out)}, which "
                                       f"{_display(original.path)} cites"))
    if added:
        problems.append(warning(where, f"this translation cites {', '.join(added)}, which "
                                       f"{_display(original.path)} does not"))
    return problems


def _display(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("content"):]) if "content" in parts else path.name


def _correction_problems(translation: Translation, site: Site) -> list[Diagnostic]:
    problems = []
    for number, text in enumerate(translation.corrections or [], start=1):
        if number > len(site.corrections):
            problems.append(error(text.location, f"content/corrections.yaml has {len(site.corrections)} "
                                                 f"entr{'y' if len(site.corrections) == 1 else 'ies'}; "
                                                 f"this translates an entry number {number}"))
        elif site.corrections[number - 1].date != text.date:
            problems.append(error(text.location, f"correction {number} is dated {site.corrections[number - 1].date} "
                                                 f"in content/corrections.yaml, not {text.date}: list the "
                                                 "translations in the same order as the log"))
    return problems
