"""The build cache: PROJECT/.explainer-cache, so that `build` renders only what changed.

For each output folder the cache holds two files, written after every successful build:

  OUT-KEY.json     the manifest: the settings the site was built with (options, the code
                   and library versions, the snapshots when --snapshots is given), the
                   content hash of every file under content/, templates/ and static/, the
                   stat of every file the build wrote, and the build's warnings;
  OUT-KEY.pickle   the incremental engine (explainer/incremental.py) as the build left it:
                   each file's loaded records by content hash, each output's dependency key
                   and the content hashes of everything it read.

A build hashes every input file and stats the output folder. When the settings, every
hash and every output file are as the manifest says, the site is already what a full
build would write: nothing is loaded or rendered. Otherwise the engine is restored, told
which files' bytes changed (whatever their timestamps say) and which outputs are no longer
as written, and renders just the outputs whose dependency key changed; the new site is
staged beside the old one (unchanged files hard-linked from it) and swapped in at once,
as a full build is.

Anything unexpected (a missing, truncated, foreign or older cache, a change of settings,
code or library versions) means a full build: the cache can make a build faster, never
different. tests/test_cache.py checks that against builds without it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterable, Iterator

from .diagnostics import Diagnostic, Location
from .options import BuildOptions, BuildResult
from .output import StagingFolder, build_lock, remove_stale_staging, safe_join

# The engine, and with it every stage of the build, is imported only when something must be
# rendered: a build that finds nothing changed is over before those imports would be.
if TYPE_CHECKING:
    from .incremental import Changeset, IncrementalBuilder

log = logging.getLogger(__name__)

CACHE_FOLDER = ".explainer-cache"
FORMAT = 1
INPUT_FOLDERS = ("content", "templates", "static")
PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("jinja2", "markupsafe", "markdown", "pyyaml", "jsonschema")  # they shape the output too


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# ---------------------------------------------------------------- what the build read and wrote

def input_hashes(project: Path) -> dict[str, str]:
    """Content hash of every file under content/, templates/ and static/, by path from the project."""
    hashes = {}
    for folder in INPUT_FOLDERS:
        for relative, path in _walk_files(project, folder):
            try:
                with open(path, "rb") as handle:
                    hashes[relative] = digest(handle.read())
            except OSError:
                hashes[relative] = "unreadable"
    return hashes


def _walk_files(root: Path, folder: str = "") -> Iterator[tuple[str, str]]:
    """(path from root with /, path) of every file under root/folder; plain strings, as a build
    that finds nothing changed spends most of its time here."""
    base = os.path.join(root, folder) if folder else str(root)
    cut = len(str(root)) + 1
    for directory, _, names in os.walk(base):
        for name in names:
            path = os.path.join(directory, name)
            yield path[cut:], path


def changed_inputs(before: dict[str, str], now: dict[str, str]) -> set[str]:
    """Files added, removed, or whose bytes differ."""
    return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}


def output_signatures(out_dir: Path) -> dict[str, list[int]]:
    """Inode, size and times of every file in the output folder: a file written since differs."""
    signatures = {}
    for relative, path in _walk_files(out_dir):
        try:
            st = os.lstat(path)
        except OSError:
            continue
        signatures[relative] = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    return signatures


def code_version() -> str:
    """The generator's own files and the libraries that shape its output."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    parts = [(p.relative_to(PACKAGE).as_posix(), digest(p.read_bytes())) for p in files]
    return digest(repr((parts, sys.version, [_version(name) for name in LIBRARIES])).encode("utf-8"))


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def settings_key(options: BuildOptions) -> str:
    """Everything besides the input files that decides the output; any change means a full build."""
    snapshots = None
    if options.snapshots is not None:
        # The engine does not watch snapshots or their lock: a change to them rebuilds everything.
        lock = options.project / "content" / "snapshots.lock"
        snapshots = (str(options.snapshots), sorted(input_files_hashes(options.snapshots)),
                     digest(lock.read_bytes()) if lock.is_file() else None)
    against = None
    if options.against is not None:
        against = (str(options.against), digest(options.against.read_bytes()) if options.against.is_file() else None)
    return digest(repr((FORMAT, code_version(), str(options.project), str(options.out_dir), options.base_url,
                        options.drafts, options.strict, snapshots, against)).encode("utf-8"))


def input_files_hashes(folder: Path) -> Iterable[tuple[str, str]]:
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            try:
                yield path.relative_to(folder).as_posix(), digest(path.read_bytes())
            except OSError:
                yield path.relative_to(folder).as_posix(), "unreadable"


# ---------------------------------------------------------------- the two cache files

@dataclass
class Manifest:
    settings: str
    generation: str                       # the same in both files: they were written together
    inputs: dict[str, str]
    outputs: dict[str, list[int]]
    counts: str
    warnings: list[list[Any]] = field(default_factory=list)  # [path, line, col, message]

    def warning_diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(Location(Path(path), line, col), "warning", message)
                for path, line, col, message in self.warnings]


@lru_cache(maxsize=1)
def _state_classes() -> frozenset[tuple[str, str]]:
    """The engine's own state classes; besides them, a cache file may hold the plain records of the
    content (dataclasses, and dict or list subclasses, of explainer's modules). Nothing else."""
    from . import incremental  # and with it every module whose records a cache file holds
    return frozenset((cls.__module__, cls.__qualname__) for cls in (
        incremental.IncrementalBuilder, incremental.LoadCache, incremental.FileHashes, incremental.Fingerprints,
        incremental.TemplateState, incremental.SelectionCache))


_SAFE_BUILTINS = {("pathlib", "PosixPath"), ("pathlib", "PurePosixPath"), ("builtins", "set"),
                  ("builtins", "frozenset")}


class _CacheUnpickler(pickle.Unpickler):
    """Loads only the engine's own plain classes: a planted cache file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _state_classes() or (module, name) in _SAFE_BUILTINS or _is_record_class(module, name):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the build cache")


def _is_record_class(module: str, name: str) -> bool:
    """A dataclass or container class defined in one of explainer's modules (already imported)."""
    loaded = sys.modules.get(module) if module.startswith(f"{__package__}.") else None
    value = getattr(loaded, name, None) if "." not in name else None
    return (isinstance(value, type) and value.__module__ == module
            and (dataclasses.is_dataclass(value) or issubclass(value, (dict, list, tuple))))


class BuildCache:
    """The cache files of one output folder."""

    def __init__(self, options: BuildOptions) -> None:
        self.folder = options.project / CACHE_FOLDER
        name = "site-" + digest(str(options.out_dir).encode("utf-8"))[:16]
        self.manifest_path = self.folder / f"{name}.json"
        self.state_path = self.folder / f"{name}.pickle"

    def read_manifest(self) -> Manifest | None:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if data.pop("format") != FORMAT:
                return None
            return Manifest(**data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def read_engine(self, manifest: Manifest) -> IncrementalBuilder | None:
        """The engine saved with this manifest, or None when it is missing or not what was saved."""
        from .incremental import IncrementalBuilder
        try:
            with open(self.state_path, "rb") as handle:
                generation, engine, count = _CacheUnpickler(handle).load()
                if generation != manifest.generation or not isinstance(engine, IncrementalBuilder):
                    return None
                engine.loads.restore(_CacheUnpickler(handle).load() for _ in range(count))
        except Exception as exc:  # a broken cache is a full build, whatever is wrong with it
            if not isinstance(exc, FileNotFoundError):
                log.debug(f"build cache unreadable ({type(exc).__name__}: {exc}): building everything")
            return None
        return engine

    def write(self, engine: IncrementalBuilder, manifest: Manifest) -> None:
        """Write the engine, then the manifest that vouches for it; each replaces its file at once."""
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# explainer's build cache: safe to delete\n*\n", encoding="utf-8")
            # Straight to the file, each content file's records in a pickle of their own: a pickler
            # remembers every object it wrote, which for the whole site at once is a lot of memory.
            with _replaced(self.state_path) as handle:
                entries = engine.loads.entries()
                pickle.dump((manifest.generation, engine, len(entries)), handle, protocol=pickle.HIGHEST_PROTOCOL)
                for entry in entries:
                    pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
            with _replaced(self.manifest_path) as handle:
                handle.write(json.dumps({"format": FORMAT, **asdict(manifest)}).encode("utf-8"))
        except OSError as exc:
            log.warning(f"warning: could not write the build cache in {self.folder}: {exc.strerror or exc}")

    def clear(self) -> None:
        for path in (self.manifest_path, self.state_path):
            try:
                path.unlink()
            except OSError:
                pass


@contextmanager
def _replaced(path: Path) -> Iterator[BinaryIO]:
    """A file to write that takes path's place, at once, only when fully written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            yield handle
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------- the build

def cached_build(options: BuildOptions, jobs: int = 1) -> BuildResult:
    """build_site's result and output, rendering only what the cache cannot vouch for."""
    started = time.perf_counter()
    out_dir = options.out_dir
    cache = BuildCache(options)
    with build_lock(out_dir):
        remove_stale_staging(out_dir)
        settings, inputs, written = settings_key(options), input_hashes(options.project), output_signatures(out_dir)
        manifest = cache.read_manifest()
        if manifest is not None and manifest.settings != settings:
            manifest = None
        # With --against the build must compare the content with the export every time, to list the changes.
        if (manifest is not None and manifest.inputs == inputs and manifest.outputs == written and written
                and options.against is None):
            return BuildResult(diagnostics=manifest.warning_diagnostics(), counts=manifest.counts,
                               seconds=time.perf_counter() - started, detail=" (nothing changed since the last build)")
        from .incremental import IncrementalBuilder
        engine = cache.read_engine(manifest) if manifest is not None else None
        if engine is None:
            engine, changed = IncrementalBuilder(options), None  # None: read every file
        else:
            engine.options = options
            changed = {options.project / path for path in changed_inputs(manifest.inputs, inputs)}
            engine.forget_files(changed)
            engine.forget_outputs(path for path, signature in manifest.outputs.items() if written.get(path) != signature)
        rebuild = engine.rebuild(changed, jobs=jobs)
        result = rebuild.result
        try:
            if not rebuild.ok:
                return result
            planned = [output.path for output in result.outputs]
            if rebuild.changes is not None or set(written) != set(planned):
                publish(out_dir, planned, rebuild.changes)
            if rebuild.changes is not None and rebuild.changes.on_applied is not None:
                rebuild.changes.on_applied()  # the engine remembers what the output folder now holds
        finally:
            if rebuild.changes is not None:
                rebuild.changes.discard()
        warnings = [[str(d.location.path), d.location.line, d.location.col, d.message]
                    for d in result.diagnostics if not d.is_error]
        cache.write(engine, Manifest(settings, uuid.uuid4().hex, inputs, output_signatures(out_dir),
                                     result.content_counts() or "", warnings))
    result.seconds = time.perf_counter() - started
    if len(rebuild.rendered) < len(planned):
        result.detail = f" (rendered {len(rebuild.rendered)} of {len(planned)} files; the rest were unchanged)"
    return result


def publish(out_dir: Path, planned: list[str], changes: Changeset | None) -> None:
    """Stage the new site, new files from the changeset and the others linked from the current site; swap it in."""
    staged = set(changes.written) if changes is not None else set()
    staging = StagingFolder(out_dir)
    try:
        for relative in planned:
            target = safe_join(staging.root, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            if relative in staged:
                os.replace(safe_join(changes.staging, relative), target)  # type: ignore[union-attr]
            else:
                _link_or_copy(safe_join(out_dir, relative), target)
        staging.publish()
    finally:
        staging.discard()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
