"""Where each output goes, relative links between outputs, and the one safe writer.

Nothing is written into the output folder directly: a build is written into a staging
folder beside it and swapped in at once, so readers and the dev server only ever see
a complete site.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import posixpath
import secrets
import shutil
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Union
from urllib.parse import urlsplit

from .assets import Asset
from .diagnostics import Diagnostic, Location, error
from .model import Site, edition_prefix
from .pieces import PieceMaker, in_chunks, made_now


@dataclass(frozen=True)
class Output:
    """One file of the built site and what it is made from."""

    path: str          # POSIX path relative to the output folder
    kind: str          # page | fact | source | actor | asset, or one of SITE_FILES' kinds
    key: str           # slug, id, asset name or the site file's path
    origin: Location   # the content that produces it, for error messages
    language: str = ""  # the translation it belongs to ("es"); "" for the default edition and site-wide files


# Files made from the whole site rather than from one record: path -> kind.
SITE_FILES = {
    "404.html": "not_found",
    "search/index.html": "search",
    "feed.xml": "feed",
    "sitemap.xml": "sitemap",
    "robots.txt": "robots",
    "facts.json": "facts_json",
    "facts.csv": "facts_csv",
    "facts.schema.json": "facts_schema",
}
SITE_FILE_PATHS = {kind: path for path, kind in SITE_FILES.items()}
# Of those, the ones every edition has its own of, under its folder (es/feed.xml).
EDITION_FILES = ("search/index.html", "feed.xml")
HTML_KINDS = ("page", "fact", "source", "actor", "not_found", "search")


def page_path(slug: str) -> str:
    return "index.html" if slug == "index" else f"{slug}/index.html"


def entry_path(kind: str, entry_id: str) -> str:
    return f"{kind}s/{entry_id}/index.html"


def plan_outputs(site: Site, include_drafts: bool = False, assets: Iterable[Asset] = (),
                 piece: PieceMaker = made_now) -> tuple[list[Output], list[Diagnostic]]:
    """List every output file; two things writing the same path is an error naming both."""
    outputs = edition_outputs(site, include_drafts, "", "", piece)
    for language in site.config.translations:
        outputs += edition_outputs(site, include_drafts, language, edition_prefix(language, site.config.language),
                                   piece)
    outputs += [Output(path, kind, path, site.config.location) for path, kind in SITE_FILES.items()
                if path not in EDITION_FILES]
    outputs += [Output(a.path, "asset", a.name, Location(a.origin, 0, 0)) for a in assets]
    problems, seen = [], {}
    for output in outputs:
        # Compare case-folded: many hosts and laptops have case-insensitive file systems.
        folded = output.path.casefold()
        if folded in seen:
            first = seen[folded]
            if first.kind == output.kind == "page" and first.key == output.key:
                continue  # the same slug twice: validate.check_pages reports it
            problems.append(error(output.origin, f"output path '{output.path}' is also written by "
                                                 f"the {first.kind} '{first.key}' at {first.origin}"))
        else:
            seen[folded] = output
    return sorted(outputs, key=lambda o: o.path), problems


def relative_path(target: str, start: str) -> str:
    """posixpath.relpath for clean paths inside the site, without its cost (it asks for the cwd twice)."""
    target_parts = target.split("/") if target else []
    start_parts = start.split("/") if start and start != "." else []
    common = 0
    for mine, theirs in zip(target_parts, start_parts):
        if mine != theirs:
            break
        common += 1
    parts = [".."] * (len(start_parts) - common) + target_parts[common:]
    return "/".join(parts) or "."


def edition_outputs(site: Site, include_drafts: bool, language: str, prefix: str,
                    piece: PieceMaker = made_now) -> list[Output]:
    """The pages of one edition: every page, fact, source and actor, its search page and its feed.

    The Outputs of a hundred records are a piece (explainer/pieces.py): the preview keeps those
    whose records are the same objects, since making 12,000 frozen Outputs took ~35 ms of every
    save, and one piece per record still ~19 ms.
    """
    def planned(kind: str, records: list, output_of: Callable[[Any], Output]) -> list[Output]:
        chunks = in_chunks(piece, [(r,) for r in records], lambda n: output_of(records[n]), (kind, language, prefix),
                           lambda _, made: made)
        return list(chain.from_iterable(chunks))

    outputs = planned("page", [p for p in site.pages if include_drafts or not p.draft],
                      lambda p: Output(prefix + page_path(p.slug), "page", p.slug,
                                       p.field_locations.get("slug", p.location), language))
    for kind, records in (("fact", site.facts), ("source", site.sources), ("actor", site.actors)):
        outputs += planned(kind, list(records.values()),
                           lambda r, kind=kind: Output(prefix + entry_path(kind, r.id), kind, r.id, r.location, language))
    outputs += [Output(prefix + path, SITE_FILES[path], prefix + path, site.config.location, language)
                for path in EDITION_FILES]
    return outputs


def relative_url(target: str, from_path: str) -> str:
    """A link from one output file to another that works at a domain root, under a sub-path and from disk.

    Links name index.html explicitly: a browser reading site/ from disk (file://) does not
    open a folder's index.html, while every static host serves `dir/index.html` as it is.
    """
    return relative_path(target, posixpath.dirname(from_path))


def clean_path(target: str) -> str:
    """The public path of an output: `legal/index.html` -> `legal/`, `index.html` -> ``."""
    if target == "index.html":
        return ""
    return target[: -len("index.html")] if target.endswith("/index.html") else target


def absolute_url(base_url: str, target: str) -> str:
    """The absolute, canonical URL of an output, for canonical links, sitemap, feed and Open Graph."""
    return base_url.rstrip("/") + "/" + clean_path(target)


def root_relative_url(base_url: str, target: str) -> str:
    """A link that works from any depth (404.html is served at any missing address)."""
    return (urlsplit(base_url).path.rstrip("/") or "") + "/" + clean_path(target)


def xml_document(root: ET.Element) -> bytes:
    """An indented UTF-8 XML file with its declaration (the sitemap, the feed)."""
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def safe_join(root: Path, relative: str) -> Path:
    """Join a relative output path to root, refusing anything that would leave it."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or "\\" in relative or "\x00" in relative or not pure.parts:
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return root.joinpath(*pure.parts)


def make_staging_folder(out_dir: Path) -> Path:
    """A new, uniquely named folder beside out_dir with the usual permissions.

    Not tempfile.mkdtemp: its folders are private (mode 0700), and after the swap the
    published site would be unreadable to a web server running as another user.
    """
    while True:
        candidate = out_dir.parent / f".{out_dir.name}-build-{secrets.token_hex(6)}"
        try:
            candidate.mkdir()  # 0777 less the umask, like every folder inside it
        except FileExistsError:
            continue
        return candidate


# An output's bytes, or its parts in order: the megabytes of facts.json are written part after
# part, never joined into one more copy of themselves.
Data = Union[bytes, list[bytes]]


def write_data(path: Path, data: Data) -> None:
    with open(path, "wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            handle.writelines(data)


class StagingFolder:
    """A folder beside the output where one build is written before the swap."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.root = make_staging_folder(out_dir)
        self.written: set[str] = set()

    def write(self, relative: str, data: Data) -> None:
        if relative in self.written:
            raise ValueError(f"output path written twice: {relative}")
        target = safe_join(self.root, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_data(target, data)
        self.written.add(relative)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def publish(self) -> None:
        """Swap the staged build in for the output folder in one step."""
        if self.out_dir.exists():
            swap_directories(self.root, self.out_dir)
            shutil.rmtree(self.root, ignore_errors=True)  # now holds the previous site
        else:
            os.rename(self.root, self.out_dir)


_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def swap_directories(first: Path, second: Path) -> None:
    """Exchange two directories atomically (Linux renameat2); elsewhere, two quick renames."""
    if _renameat2 is not None:
        at_fdcwd = -100
        result = _renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE)
        if result == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(second))
    aside = second.with_name(second.name + ".old-" + first.name[-8:])
    os.rename(second, aside)
    os.rename(first, second)
    os.rename(aside, first)


def remove_stale_staging(out_dir: Path) -> None:
    """Remove staging folders left by builds that were killed before they finished."""
    for stale in out_dir.parent.glob(f".{out_dir.name}-build-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Let one build at a time write beside a given output folder."""
    import fcntl

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
