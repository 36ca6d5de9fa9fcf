"""Gather the content folder into a Site: find files, load them, check each record's shape."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

from .diagnostics import Diagnostic, Location, error, warning
from .load import LocatedDict, LocatedList, MarkdownFile, MAX_FILE_BYTES, digest, load_markdown, load_yaml
from .markup import scan_page
from .parallel import map_in_processes
from .model import (Actor, ActorText, Citation, CitationText, Correction, CorrectionText, Fact, FactText, Page,
                    SettingsText, Site, SiteConfig, Source, SourceText, Translation)
from .schema import check_record

ENTRY_FOLDERS = {"facts": "fact", "sources": "source", "actors": "actor"}
# content/LANG/ mirrors content/: the same folders, holding each record's words in LANG.
TRANSLATION_FOLDERS = {"facts": "fact-translation", "sources": "source-translation", "actors": "actor-translation"}
LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
YAML_SUFFIXES = (".yaml", ".yml")
PROJECT_FOLDERS = ("content", "templates", "static")


def is_ignored_name(name: str) -> bool:
    """Editor droppings and hidden files: swap files, backups, lock files, vim's 4913."""
    return (name.startswith(".") or name.endswith("~") or name.startswith("#")
            or name.endswith((".swp", ".swx", ".tmp", ".bak")) or name == "4913")


@dataclass
class ContentFiles:
    site: Path
    corrections: Path | None
    entries: dict[str, list[Path]] = field(default_factory=dict)  # kind -> files
    pages: list[Path] = field(default_factory=list)
    stray: list[Path] = field(default_factory=list)
    misnamed_folders: list[Path] = field(default_factory=list)  # folders named like content files


def discover(content_dir: Path, project: Path | None = None, kinds: dict[str, str] = ENTRY_FOLDERS) -> ContentFiles:
    """List content files in a stable order; links leaving the project are left out (and reported).

    For a translation, content_dir is content/LANG/ and kinds are TRANSLATION_FOLDERS.
    """
    project = project or content_dir.parent
    corrections = content_dir / "corrections.yaml"
    linked_out = leaves_project(corrections, project)  # reported by links_out_of_project
    files = ContentFiles(site=content_dir / "site.yaml",
                         corrections=corrections if corrections.exists() and not linked_out else None)
    for folder, kind in kinds.items():
        files.entries[kind] = _files_under(content_dir / folder, YAML_SUFFIXES, files, project)
    files.pages = _files_under(content_dir / "pages", (".md",), files, project)
    return files


def discover_translation(folder: Path) -> ContentFiles:
    """List the files of content/LANG/: site.yaml, facts/, actors/, sources/, pages/, corrections.yaml."""
    files = discover(folder, folder.parent.parent, TRANSLATION_FOLDERS)
    known = {"site.yaml", "corrections.yaml", *TRANSLATION_FOLDERS, "pages"}
    if folder.is_dir():
        files.stray += [p for p in sorted(folder.iterdir())
                        if p.name not in known and not is_ignored_name(p.name)]
    return files


def language_folders(content_dir: Path) -> list[Path]:
    """Folders of content/ named like a language code (es, pt-BR): where translations live."""
    if not content_dir.is_dir():
        return []
    return [p for p in sorted(content_dir.iterdir()) if p.is_dir() and LANGUAGE_FOLDER.match(p.name)]


def _files_under(folder: Path, suffixes: tuple[str, ...], files: ContentFiles, project: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        relative_parts = path.relative_to(folder).parts
        if any(is_ignored_name(part) for part in relative_parts) or leaves_project(path, project):
            continue
        if path.is_dir():
            if path.suffix in suffixes:
                files.misnamed_folders.append(path)
            continue
        (found if path.suffix in suffixes else files.stray).append(path)
    return found


def leaves_project(path: Path, project: Path) -> bool:
    """Whether path (a link, or a file inside a linked folder) resolves outside the project."""
    try:
        path.resolve().relative_to(project.resolve())
    except ValueError:
        return True
    return False


def links_out_of_project(project: Path) -> list[Diagnostic]:
    """Symbolic links in content/, templates/ or static/ that point outside the project.

    Nothing is read through them: a build must not publish or quote files from elsewhere
    on the machine. The error shows no line of the target.
    """
    problems = []
    for name in PROJECT_FOLDERS:
        for root, folders, names in os.walk(project / name):
            for entry in sorted(folders + names):
                path = Path(root, entry)
                if path.is_symlink() and leaves_project(path, project):
                    what = "folder" if path.is_dir() else "file"
                    problems.append(Diagnostic(
                        Location(path, 1, 1), "error",
                        f"symbolic link to a {what} outside the project: explainer reads only files inside "
                        f"the project folder; copy the {what} in instead of linking to it", source_line=""))
    return problems


# ---------------------------------------------------------------- one file each

def load_site_config(path: Path) -> tuple[SiteConfig | None, list[Diagnostic]]:
    if not path.exists():
        return None, [error(Location(path, 1, 1), "missing site settings: create content/site.yaml "
                                                  "with title, description, language, base_url, publisher and license")]
    record, problems = load_yaml(path)
    if problems:
        return None, problems
    fallback = getattr(record, "location", Location(path, 1, 1))
    problems = check_record("site", record, fallback, what="site settings")
    if problems:
        return None, problems
    translations = tuple(record.get("translations", ()))
    if record["language"] in translations:
        where = record.location_of("translations") if isinstance(record, LocatedDict) else fallback
        return None, [error(where, f"'{record['language']}' is the default language ('language'); "
                                   "'translations' lists only the other editions' languages")]
    return SiteConfig(**{k: record[k] for k in ("title", "description", "language", "base_url",
                                                 "publisher", "license")},
                      location=fallback, translations=translations, default_language=record["language"],
                      snapshots=record.get("snapshots", ""),
                      field_locations=_fields(record) if isinstance(record, LocatedDict) else {}), []


@dataclass
class LoadedEntries:
    """What one file of facts, sources or actors gave: entries, problems, ids that failed to load."""

    entries: list[Any] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    unloaded_ids: set[str] = field(default_factory=set)


_ID_LINE = re.compile(r"""^[ -]*id:[ \t]*["']?([a-z0-9]+(?:-[a-z0-9]+)*)["']?[ \t]*(?:#.*)?\r?$""", re.M)


def ids_in_unreadable_file(path: Path) -> set[str]:
    """Ids a broken YAML file appears to define, so references to them are not reported as well."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return set()
        data = path.read_bytes()
    except OSError:
        return set()
    text = data.decode("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig", errors="replace")
    return set(_ID_LINE.findall(text))


def load_entries(path: Path, kind: str) -> LoadedEntries:
    """Load a file of facts, sources or actors: one mapping, or a list of them."""
    data, problems = load_yaml(path)
    if problems:
        return LoadedEntries(problems=problems, unloaded_ids=ids_in_unreadable_file(path))
    if data is None:
        what = kind.replace("-translation", " translation")
        return LoadedEntries(problems=[error(Location(path, 1, 1), f"empty file: it holds no {what}; "
                                                                   f"write one {what} (or a list), or delete the file")])
    records = list(data) if isinstance(data, LocatedList) else [data]
    locations = data.item_locations if isinstance(data, LocatedList) else [getattr(data, "location", Location(path, 1, 1))]
    loaded = LoadedEntries()
    builder = _BUILDERS[kind]
    for record, location in zip(records, locations):
        record_problems = check_record(kind, record, location)
        loaded.problems.extend(record_problems)
        if not record_problems:
            loaded.entries.append(builder(record, path))
        elif isinstance(record, dict) and isinstance(record.get("id"), str):
            loaded.unloaded_ids.add(record["id"])
    return loaded


def _fields(record: LocatedDict) -> dict[str, Location]:
    return dict(record.value_locations)


def _citation_texts(records: LocatedList | None) -> tuple[CitationText, ...]:
    return tuple(CitationText(source=c["source"], location=c.location, translation=c.get("translation"),
                              note=c.get("note"), locator=c.get("locator"))
                 for c in records or ())


def fact_text_from_record(record: LocatedDict, path: Path) -> FactText:
    return FactText(id=record["id"], statement=record["statement"], location=record.location,
                    note=record.get("note"), citations=_citation_texts(record.get("citations")),
                    field_locations=_fields(record))


def actor_text_from_record(record: LocatedDict, path: Path) -> ActorText:
    return ActorText(id=record["id"], role=record["role"], description=record["description"],
                     location=record.location, name=record.get("name"),
                     citations=_citation_texts(record.get("citations")), field_locations=_fields(record))


def source_text_from_record(record: LocatedDict, path: Path) -> SourceText:
    return SourceText(id=record["id"], note=record["note"], location=record.location, field_locations=_fields(record))


def _citations(records: LocatedList) -> tuple[Citation, ...]:
    return tuple(
        Citation(source=c["source"], quote=c["quote"], location=c.location,
                 locator=c.get("locator"), translation=c.get("translation"), note=c.get("note"),
                 source_location=c.location_of("source"), quote_location=c.location_of("quote"))
        for c in records)


def _as_tuple(value: str | list | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def fact_from_record(record: LocatedDict, path: Path) -> Fact:
    return Fact(id=record["id"], statement=record["statement"], kind=record["kind"],
                citations=_citations(record["citations"]), location=record.location,
                by=_as_tuple(record.get("by")), date=record.get("date"), updated=record.get("updated"),
                topics=tuple(record.get("topics", ())), responds_to=record.get("responds_to"),
                note=record.get("note"), field_locations=_fields(record))


def source_from_record(record: LocatedDict, path: Path) -> Source:
    return Source(id=record["id"], title=record["title"], publisher=record["publisher"],
                  published=record.get("published"), url=record["url"], accessed=record["accessed"],
                  kind=record["kind"], location=record.location,
                  authors=tuple(record.get("authors", ())), archive_url=record.get("archive_url"),
                  archive_date=record.get("archive_date"), language=record.get("language"),
                  snapshot=record.get("snapshot"), note=record.get("note"), field_locations=_fields(record))


def actor_from_record(record: LocatedDict, path: Path) -> Actor:
    return Actor(id=record["id"], name=record["name"], role=record["role"],
                 description=record["description"], citations=_citations(record["citations"]),
                 location=record.location, kind=record.get("kind"), field_locations=_fields(record))


_BUILDERS: dict[str, Callable[[LocatedDict, Path], Any]] = {
    "fact": fact_from_record, "source": source_from_record, "actor": actor_from_record,
    "fact-translation": fact_text_from_record, "source-translation": source_text_from_record,
    "actor-translation": actor_text_from_record}


def load_page(path: Path, kind: str = "page") -> tuple[Page | None, list[Diagnostic]]:
    """A Markdown page; kind "page-translation" for a page of content/LANG/pages/ (order optional)."""
    loaded, problems = load_markdown(path)
    if loaded is None or problems:
        return None, problems
    return page_from_markdown(loaded, kind)


def page_from_markdown(loaded: MarkdownFile, kind: str = "page") -> tuple[Page | None, list[Diagnostic]]:
    front, path = loaded.front_matter, loaded.path
    fallback = getattr(front, "location", Location(path, 1, 1))
    if not isinstance(front, dict):
        return None, [error(Location(path, 2, 1), "front matter must be 'name: value' lines "
                                                  "(title, slug, summary, order)")]
    problems = check_record(kind, front, fallback, what="front matter")
    scan = scan_page(loaded.body, path, loaded.body_first_line)
    if problems:
        return None, problems + scan.diagnostics
    # A translation takes its order from the page it translates (editions.localize).
    page = Page(slug=front["slug"], title=front["title"], summary=front["summary"], order=front.get("order", 0),
                body=loaded.body, path=path, body_first_line=loaded.body_first_line, location=fallback,
                nav_title=front.get("nav_title"), draft=bool(front.get("draft", False)),
                updated=front.get("updated"), references=tuple(scan.references), blocks=tuple(scan.blocks),
                field_locations=_fields(front))
    return page, scan.diagnostics


def load_translation_settings(path: Path) -> tuple[SettingsText | None, list[Diagnostic]]:
    record, problems = load_yaml(path)
    if problems:
        return None, problems
    fallback = getattr(record, "location", Location(path, 1, 1))
    problems = check_record("site-translation", record, fallback, what="translated site settings")
    if problems:
        return None, problems
    return SettingsText(title=record["title"], description=record["description"], location=fallback,
                        license=record.get("license")), []


def _checked_list(path: Path, schema: str, what: str) -> tuple[list, list[Diagnostic]]:
    """A YAML list checked against its schema: the records, or the problems (an empty file is an empty list)."""
    data, problems = load_yaml(path)
    if problems or data is None:
        return [], problems
    problems = check_record(schema, data, getattr(data, "location", Location(path, 1, 1)), what=what)
    return ([], problems) if problems else (data, [])


def load_translated_corrections(path: Path) -> tuple[list[CorrectionText], list[Diagnostic]]:
    records, problems = _checked_list(path, "corrections-translation", "translated corrections log")
    return [CorrectionText(date=r["date"], summary=r["summary"], location=r.location) for r in records], problems


def load_corrections(path: Path) -> tuple[list[Correction], list[Diagnostic]]:
    records, problems = _checked_list(path, "corrections", "corrections log")
    return [Correction(date=r["date"], summary=r["summary"], location=r.location,
                       facts=tuple(r.get("facts", ())), pages=tuple(r.get("pages", ())))
            for r in records], problems


# ---------------------------------------------------------------- the whole folder

Made = TypeVar("Made")


class FileLoader(Protocol):
    """Runs a loader on a file; the live preview passes one that reuses unchanged files' results."""

    def __call__(self, loader: Callable[..., Any], path: Path, *args: Any) -> Any: ...


def _load_now(loader: Callable[..., Any], path: Path, *args: Any) -> Any:
    return loader(path, *args)


def load_each(load: FileLoader, loader: Callable[..., Any], paths: list[Path], *args: Any) -> list[Any]:
    """load(loader, path, *args) for each path. The preview's loader answers for all of them at once
    (LoadCache.each), with the very list it gave last time while none of the files changed."""
    each = getattr(load, "each", None)
    return each(loader, paths, *args) if each is not None else [load(loader, path, *args) for path in paths]


def remembered(load: FileLoader, name: Any, made_from: Any, make: Callable[[Any], Made]) -> Made:
    """make(made_from); the preview's loader keeps it while made_from is the very same object
    (LoadCache.remembered): a save that changes a fact collects the 4,000 pages of a large site
    again only if one of their files changed."""
    remember = getattr(load, "remembered", None)
    return remember(name, made_from, make) if remember is not None else make(made_from)


@dataclass(frozen=True)
class Collected:
    """The records of one kind's files, by id in file order, and what loading them found."""
    records: dict[str, Any]
    problems: list[Diagnostic]
    unloaded_ids: frozenset[str]
    duplicates: list[tuple[Any, Any]]  # (entry, the entry that has its id already)


def collected(files: list[LoadedEntries]) -> Collected:
    records: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    duplicates: list[tuple[Any, Any]] = []
    for loaded in files:
        problems += loaded.problems
        _collect(loaded, records, duplicates)
    return Collected(records, problems, frozenset().union(*(loaded.unloaded_ids for loaded in files)), duplicates)


def load_kind(load: FileLoader, paths: list[Path], kind: str, folder: Path) -> Collected:
    """Every file of one kind (facts, sources, ... of the edition in `folder`), loaded and collected."""
    return remembered(load, (kind, folder), load_each(load, load_entries, paths, kind), collected)


def load_kinds(load: FileLoader, entries: dict[str, list[Path]], targets: dict[str, dict],
               folder: Path) -> tuple[list[Diagnostic], frozenset[str], list[tuple[Any, Any]]]:
    """Each kind's files (facts, sources, ... of the edition in `folder`) into targets[kind]; their
    problems, the ids of records that did not load, and the duplicated ids, over every kind."""
    problems: list[Diagnostic] = []
    unloaded: frozenset[str] = frozenset()
    duplicates: list[tuple[Any, Any]] = []
    for kind, paths in entries.items():
        loaded = load_kind(load, paths, kind, folder)
        targets[kind].update(loaded.records)
        problems += loaded.problems
        unloaded |= loaded.unloaded_ids
        duplicates += loaded.duplicates
    return problems, unloaded, duplicates


def loaded_pages(results: list[tuple[Page | None, list[Diagnostic]]]) -> tuple[list[Page], list[Diagnostic]]:
    """The pages that loaded, in file order, and every file's problems."""
    return [page for page, _ in results if page is not None], [p for _, problems in results for p in problems]


def load_pages(load: FileLoader, paths: list[Path], folder: Path, *args: str) -> tuple[list[Page], list[Diagnostic]]:
    """Every page of the edition in `folder`, loaded (load_page(path, *args)) and collected."""
    return remembered(load, ("pages", folder), load_each(load, load_page, paths, *args), loaded_pages)


def _file_problems(files: ContentFiles, folder: Path) -> list[Diagnostic]:
    """Files that are not content where content is expected, and folders named like files."""
    label = "content/" if folder.name == "content" else f"content/{folder.name}/"
    problems = []
    for path in files.stray:
        parts = path.relative_to(folder).parts
        what = (f"{label}{parts[0]}/ holds only .yaml files (or .md pages)" if len(parts) > 1
                else f"{label} holds site.yaml, corrections.yaml, facts/, actors/, sources/ and pages/")
        problems.append(warning(Location(path, 1, 1), f"ignored file: {what}"))
    problems += [error(Location(p, 1, 1), f"'{p.name}' is a folder, not a file: rename it, "
                                          "or move its files out of it")
                 for p in files.misnamed_folders]
    return problems


def _collect(loaded: LoadedEntries, target: dict, duplicates: list[tuple[Any, Any]]) -> None:
    for entry in loaded.entries:
        existing = target.get(entry.id)
        if existing is not None:
            duplicates.append((entry, existing))
        else:
            target[entry.id] = entry


# A loader call as gather() makes it, load(loader, path, *args), and what read_ahead gives for it:
# the digest of the bytes the loader read and its result.
LoaderCall = tuple[Callable[..., Any], Path, tuple]
ReadAhead = dict[LoaderCall, tuple[str, Any]]


def read_ahead(project: Path, jobs: int) -> ReadAhead:
    """gather()'s loads of the files of facts, sources, actors and pages, run in `jobs` processes.

    They are most of a site's files, each parsed and checked on its own: in parallel, a large
    site is gathered in about 1/jobs of the time. gather() then takes their results through
    loading_ahead (or the preview's LoadCache) instead of loading each file in turn.
    """
    if jobs <= 1:
        return {}
    content_dir = project / "content"
    files = discover(content_dir)
    calls: list[LoaderCall] = [(load_entries, path, (kind,)) for kind, paths in files.entries.items() for path in paths]
    calls += [(load_page, path, ()) for path in files.pages]
    ahead: ReadAhead = {(discover, content_dir, ()): ("", files)}  # a folder's listing has no bytes to digest
    ahead.update((call, made) for call, made in zip(calls, map_in_processes(_load_with_digest, calls, jobs))
                 if made is not None)
    return ahead


def _load_with_digest(call: LoaderCall) -> tuple[str, Any] | None:
    """In a worker: one load and the digest of the bytes it read.

    None when the build's process had better load the file itself: unreadable or too large (it
    reports why, without reading it), or changed while it was read here (read again then).
    """
    loader, path, args = call
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        before = path.read_bytes()
        result = loader(path, *args)
        if path.read_bytes() != before:
            return None
    except OSError:
        return None
    return digest(before), result


def loading_ahead(ahead: ReadAhead) -> FileLoader:
    """A FileLoader that gives each result of read_ahead once, and loads anything else itself."""
    def load(loader: Callable[..., Any], path: Path, *args: Any) -> Any:
        made = ahead.pop((loader, path, args), None)
        return made[1] if made is not None else loader(path, *args)
    return load


def gather(project: Path, load: FileLoader = _load_now) -> tuple[Site | None, list[Diagnostic]]:
    """Load every content file; return the Site and every problem found on the way."""
    content_dir = project / "content"
    files = load(discover, content_dir)
    diagnostics: list[Diagnostic] = list(load(links_out_of_project, project))  # a walk: kept while nothing is added
    diagnostics += _file_problems(files, content_dir)
    outside = leaves_project(files.site, project)  # reported by links_out_of_project
    config, problems = (None, []) if outside else load(load_site_config, files.site)
    diagnostics.extend(problems)
    site = Site(project=project, config=config)  # type: ignore[arg-type]
    problems, unloaded, duplicates = load_kinds(
        load, files.entries, {"fact": site.facts, "source": site.sources, "actor": site.actors}, content_dir)
    diagnostics += problems
    site.unloaded_ids |= unloaded
    pages, problems = load_pages(load, files.pages, content_dir)
    site.pages += pages
    diagnostics += problems
    if files.corrections:
        site.corrections, problems = load(load_corrections, files.corrections)
        diagnostics.extend(problems)
    for entry, existing in duplicates:
        diagnostics.append(error(entry.field_locations.get("id", entry.location),
                                 f"duplicate id '{entry.id}': already used at {existing.location}"))
    if config is not None:
        for language in config.translations:
            translation, problems = gather_translation(content_dir / language, language, load)
            site.translations[language] = translation
            diagnostics += problems
        diagnostics += [unread_language_folder(folder, config) for folder in load(language_folders, content_dir)
                        if folder.name not in config.translations]
    return (site if config is not None else None), diagnostics


def unread_language_folder(folder: Path, config: SiteConfig) -> Diagnostic:
    if folder.name == config.language:
        why = (f"'{folder.name}' is the default language, whose content is content/facts/, content/pages/ "
               "and the other folders of content/")
    else:
        why = f"'{folder.name}' is not listed in 'translations' in content/site.yaml"
    return warning(Location(folder, 0, 0), f"content/{folder.name}/ is not read: {why}")


def gather_translation(folder: Path, language: str, load: FileLoader = _load_now
                       ) -> tuple[Translation, list[Diagnostic]]:
    """Load content/LANG/: the words of one other edition."""
    translation = Translation(language=language, folder=folder)
    files = load(discover_translation, folder)
    diagnostics = _file_problems(files, folder)
    if files.site.is_file() and not leaves_project(files.site, folder.parent.parent):
        translation.settings, problems = load(load_translation_settings, files.site)
        diagnostics += problems
    targets = {"fact-translation": translation.facts, "source-translation": translation.sources,
               "actor-translation": translation.actors}
    problems, _, duplicates = load_kinds(load, files.entries, targets, folder)
    diagnostics += problems
    pages, problems = load_pages(load, files.pages, folder, "page-translation")
    translation.pages += pages
    diagnostics += problems
    if files.corrections:
        translation.corrections, problems = load(load_translated_corrections, files.corrections)
        diagnostics += problems
    for entry, existing in duplicates:
        diagnostics.append(error(entry.field_locations.get("id", entry.location),
                                 f"'{entry.id}' is translated twice: already at {existing.location}"))
    return translation, diagnostics
