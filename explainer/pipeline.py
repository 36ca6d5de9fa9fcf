"""build_site(): content -> model -> validation -> render -> output, in that order.

Everything is gathered and checked before anything is written; the output folder is
replaced in one step only when the whole site rendered without an error. Each kind of
output is made by the module named for it: render (HTML pages), feeds (feed.xml),
sitemap (sitemap.xml, robots.txt), export (facts.json, facts.csv), search (the index),
assets (fingerprinted CSS and JS).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from .assets import Asset, make_asset, plan_assets
from .content import FileLoader, _load_now, gather, is_ignored_name, loading_ahead, read_ahead
from .diagnostics import Diagnostic, has_errors, sort_diagnostics, warning
from .editions import localize, missing_in, missing_warnings
from .export import export_schema, facts_csv_parts, facts_json_parts
from .feeds import atom_feed
from .i18n import Messages, check_messages, load_messages, messages_path, template_key_uses
from .model import Site
from .options import BuildOptions, BuildResult
from .output import HTML_KINDS, Data, Output, StagingFolder, build_lock, plan_outputs, remove_stale_staging
from .parallel import map_in_processes
from .pieces import PieceCache, PieceMaker, maker_of
from .render import Renderer, RenderError, permalink_title
from .guard import guard_against
from .lock import describe_update, lock_path, lock_text, read_lock, updated_hashes, write_lock
from .search import convert_in_processes, index_name, search_index_parts
from .sitemap import robots_txt, sitemap_xml
from .validate import LastValidation, validate_site
from .verify import LastVerification, verification_for

log = logging.getLogger(__name__)


def static_files(project: Path) -> list[tuple[str, Path]]:
    """Files under PROJECT/static, published under static/."""
    folder = project / "static"
    if not folder.is_dir():
        return []
    return [(f"static/{p.relative_to(folder).as_posix()}", p) for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(is_ignored_name(part) for part in p.relative_to(folder).parts)]


def block_template_names(project: Path) -> list[str]:
    folder = project / "templates" / "blocks"
    return sorted(p.stem for p in folder.glob("*.html")) if folder.is_dir() else []


def load_and_check(options: BuildOptions, load: FileLoader | None = None,
                   prepare: Callable[[Site], None] | None = None, pieces: PieceCache | None = None,
                   last_validation: LastValidation | None = None, jobs: int = 1,
                   last_verification: LastVerification | None = None) -> BuildResult:
    """Gather and validate all content; nothing is rendered or written. Files are read, and
    pages' Markdown converted (for the search index; the renderers reuse it), in `jobs` processes.

    The live preview passes `load` (reuse unchanged files), `prepare` (attach its caches),
    `pieces` (keep the translated records, the search index's parts and the planned outputs of
    unchanged records), `last_validation` (check again only what a save changed) and
    `last_verification` (the same for the quote checks of a build without snapshots).
    """
    started = time.perf_counter()
    result = BuildResult()
    site, diagnostics = gather(options.project, load or loading_ahead(read_ahead(options.project, jobs)))
    if site is not None and prepare is not None:
        prepare(site)
    if site is not None:
        if options.base_url:
            site.config = dataclasses.replace(site.config, base_url=options.base_url)
        diagnostics += validate_site(site, block_template_names(options.project), last_validation)
        result.messages, problems = load_ui_strings(options.project, site, load or _load_now)
        diagnostics += problems
        result.editions = {"": site, **{language: localize(site, language, options.drafts,
                                                           maker_of(pieces, f"edition {language}"))
                                        for language in site.config.translations}}
        for language, edition in result.editions.items():
            if language:
                diagnostics += missing_warnings(missing_in(edition, site), site)
        result.verification = verification_for(site, options.project, options.snapshots, options.use_lock,
                                               last_verification)
        diagnostics += result.verification.diagnostics
        if options.against is not None:
            result.changes, problems = guard_against(site, options.against)
            diagnostics += problems
        assets = plan_assets(static_files(options.project))
        if not has_errors(diagnostics):  # the index reads every page; only worth it for good content
            convert_in_processes([(edition, permalink_title(result.messages.get(edition.config.language)))
                                  for edition in result.editions.values()], options.drafts, jobs)
            for language, edition in result.editions.items():
                assets += search_index_assets(edition, site, options.drafts,
                                              maker_of(pieces, f"search index {language}"),
                                              maker_of(pieces, f"search index assets {language}"))
        outputs, problems = plan_outputs(site, options.drafts, assets, maker_of(pieces, "outputs"))
        diagnostics += problems
        result.outputs = outputs
        result.assets = assets
    if options.strict:
        diagnostics = [dataclasses.replace(d, severity="error") for d in diagnostics]
    result.site = site
    result.diagnostics = diagnostics
    result.seconds = time.perf_counter() - started
    return result


def search_index_assets(edition: Site, site: Site, drafts: bool, piece: PieceMaker, asset_piece: PieceMaker) -> list[Asset]:
    """An edition's search index parts as assets; the preview keeps the asset (and its hash) of an unchanged part."""
    origin = site.config.location.path
    parts = search_index_parts(edition, drafts, piece)
    names = [index_name(edition.config.language, site.config.language, n) for n in range(len(parts))]
    return [asset_piece((data,), name, lambda name=name, data=data: make_asset(name, data, origin))
            for name, data in zip(names, parts)]


def load_ui_strings(project: Path, site: Site, load: FileLoader) -> tuple[dict[str, Messages], list[Diagnostic]]:
    """templates/i18n/LANG.yaml for every edition's language, checked against the keys the templates use."""
    templates = project / "templates"
    messages: dict[str, Messages] = {}
    problems: list[Diagnostic] = []
    for language in site.config.languages:
        loaded, found = load(load_messages, messages_path(templates, language), language)
        problems += found
        if loaded is not None:
            messages[language] = loaded
    uses = [use for path in sorted(templates.rglob("*.html")) if path.is_file()
            for use in load(template_key_uses, path)] if templates.is_dir() else []
    problems += check_messages(messages, site.config.language, uses)
    return messages, problems


def data_makers(result: BuildResult, drafts: bool, pieces: PieceCache | None = None) -> dict[str, Callable[[Output], Data]]:
    """Output kind -> what makes it, for every output that is not an HTML page (`pieces`: see load_and_check)."""
    site = result.site
    assert site is not None
    assets = {asset.path: asset.data for asset in result.assets}
    editions = result.editions

    def feed(output: Output) -> bytes:
        edition = editions[output.language]
        return atom_feed(edition, result.messages[edition.config.language], drafts)

    return {
        "feed": feed,
        "sitemap": lambda output: sitemap_xml(site, result.outputs, editions),
        "robots": lambda output: robots_txt(site),
        "facts_json": lambda output: facts_json_parts(site, editions, maker_of(pieces, "facts.json")),
        "facts_csv": lambda output: facts_csv_parts(site, editions, maker_of(pieces, "facts.csv")),
        "facts_schema": lambda output: export_schema(),
        "asset": lambda output: assets[output.path],
    }


def render_all(options: BuildOptions, result: BuildResult, staging: StagingFolder | None, jobs: int = 1) -> None:
    """Make every output (into staging when given), in `jobs` processes; template errors join the diagnostics."""
    assert result.site is not None
    renderers = make_renderers(options, result)
    makers = data_makers(result, options.drafts)

    def make(output: Output) -> tuple[None, Diagnostic | None]:
        if output.kind not in HTML_KINDS:
            data = makers[output.kind](output)
        else:
            try:
                data = renderers[output.language].render(output).encode("utf-8")
            except RenderError as exc:
                return None, exc.diagnostic
        if staging is not None:
            staging.write(output.path, data)
        return None, None

    for output, _ in made(result.outputs, make, jobs, result.diagnostics):
        if staging is not None:
            staging.written.add(output.path)  # a worker process wrote it


Made = TypeVar("Made")


def made(outputs: list[Output], make: Callable[[Output], tuple[Made, Diagnostic | None]], jobs: int,
         diagnostics: list[Diagnostic]) -> Iterator[tuple[Output, Made]]:
    """Each output with what make(output) gave, in order, made in `jobs` processes; the full
    build and the incremental one both make their outputs through here.

    An output that fails adds its problem to diagnostics and is left out; a template that
    does not compile stops the rest, as the same template would fail every other output too.
    """
    for output, (value, problem) in zip(outputs, map_in_processes(make, outputs, jobs)):
        if problem is None:
            yield output, value
            continue
        diagnostics.append(problem)
        if template_broken(problem):
            return


def make_renderers(options: BuildOptions, result: BuildResult) -> dict[str, Renderer]:
    """One Renderer per edition, by Output.language, sharing one Jinja environment."""
    renderers: dict[str, Renderer] = {}
    env = None
    for language, edition in result.editions.items():
        renderer = Renderer(options.project, edition, include_drafts=options.drafts, verification=result.verification,
                            asset_urls={asset.name: asset.path for asset in result.assets},
                            messages=result.messages, env=env)
        env = renderer.env
        renderers[language] = renderer
    return renderers


def template_broken(diagnostic: Diagnostic) -> bool:
    """A template that does not compile or is missing fails every output that uses it."""
    return "template syntax error" in diagnostic.message or "not found: create templates/" in diagnostic.message


def check_site(options: BuildOptions, jobs: int = 1) -> BuildResult:
    """Validate everything and render in memory, writing nothing."""
    started = time.perf_counter()
    result = load_and_check(options, jobs=jobs)
    if result.ok:
        render_all(options, result, staging=None, jobs=jobs)
    result.diagnostics = sort_diagnostics(result.diagnostics)
    result.seconds = time.perf_counter() - started
    return result


def build_site(options: BuildOptions, jobs: int = 1) -> BuildResult:
    """Build the site into a staging folder and swap it in if nothing failed; render in `jobs` processes."""
    started = time.perf_counter()
    result = load_and_check(options, jobs=jobs)
    if result.ok:
        out_dir = options.out_dir
        with build_lock(out_dir):
            remove_stale_staging(out_dir)
            staging = StagingFolder(out_dir)
            try:
                render_all(options, result, staging, jobs)
                if result.ok:
                    staging.publish()
            finally:
                staging.discard()
    result.diagnostics = sort_diagnostics(result.diagnostics)
    result.seconds = time.perf_counter() - started
    return result


def lock_snapshots(options: BuildOptions, today: str) -> tuple[BuildResult, str | None]:
    """Verify every quote against the snapshots, then record their hashes in content/snapshots.lock.

    Returns the check's result and, when the lock was written, what changed in it.
    """
    result = check_site(dataclasses.replace(options, use_lock=False))
    if not result.ok or result.verification is None:
        return result, None
    lock, problems = read_lock(options.project)
    result.diagnostics += [warning(p.location, f"{p.message}; writing the lock anew") for p in problems]
    hashes = updated_hashes(lock, result.verification.hashes, today)
    write_lock(lock_path(options.project), lock_text(hashes))
    return result, describe_update(lock, hashes)
