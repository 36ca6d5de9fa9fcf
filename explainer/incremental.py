"""Incremental builds for the live preview: re-read what changed, re-render what depends on it.

One `IncrementalBuilder` lives as long as the preview. Each rebuild:

1. gathers the content through a `LoadCache`, which re-reads a file only when its bytes
   changed (a stat signature decides whether to look; a content hash decides whether it
   changed), so an edit re-parses one file;
2. validates and plans the whole site exactly as `pipeline.build_site` does;
3. gives every planned output a dependency key: the content hashes of everything its
   rendering read. Page, fact, source and actor records, entries of the site index
   (responses, citing pages, ...), block selections and asset names are recorded while the
   output renders, through mappings that note each lookup; templates are the closure of
   the ones it loaded over extends/include/import (jinja2.meta), plus the UI strings of its
   language (templates/i18n/LANG.yaml); the global part is site.yaml, every edition's
   navigation and the build options. A translated edition's outputs read that edition's
   records (editions.localize), so their tokens carry its language ("facts:es"). An output
   is rendered again only if its key changed: equivalently, if one of its recorded inputs
   has a new hash;
4. stages the new bytes beside the output folder; `Changeset.apply` moves them in,
   deletes outputs that are no longer planned, and only then lets the builder remember
   the new keys (changes that never got in are made again by the next rebuild).

Block selections are kept between rebuilds too (`SelectionCache`), and with the watcher's
list of changed files only those files are read again (`LoadCache`).

`pipeline.build_site` stays the reference: the tests check that any sequence of edits
leaves the same bytes as a fresh full build. Keys are content hashes, so an on-disk cache
can store them (and the rendered bytes) as they are.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import logging
import operator
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import jinja2
import jinja2.meta
from markupsafe import Markup

from .content import ReadAhead, read_ahead
from .diagnostics import Diagnostic, sort_diagnostics
from .load import digest
from .model import Fact, Site, fact_filter, select_entries, select_facts
from .output import HTML_KINDS, Data, Output, safe_join, write_data
from .options import BuildOptions, BuildResult, missing_project_problem
from .pieces import CHUNK, PieceCache, maker_of, replaced, same_objects
from .pipeline import data_makers, load_and_check, made
from .render import Renderer, RenderError, SiteIndex, call_site, make_environment
from .sitemap import LISTED_KINDS
from .validate import LastValidation
from .verify import LastVerification, QuoteCheck, Verification

log = logging.getLogger(__name__)

Token = tuple  # what an output read: ("facts", id), ("facts", "*"), ("page", slug), ("template", name), ...
ALL = "*"
RACY_SECONDS = 2.0  # a file modified this recently is hashed again even if its stat looks the same
LOCATION_FIELDS = frozenset({"location", "field_locations", "option_locations", "source_location",
                             "quote_location", "body_first_line"})
INDEX_MAPPINGS = ("responses", "by_actor", "by_source", "actors_citing", "pages_citing")
# Tokens of one record or one index entry: their value changes only when that record, or an
# entry's records, are other objects than at the last applied build (TokenValues.changed_tokens).
RECORD_KINDS = ("facts", "sources", "actors", "page")
KINDS_BY_IDENTITY = frozenset(RECORD_KINDS + INDEX_MAPPINGS)
# What the files made from the whole site read: all the content, the planned outputs and their
# dates (the sitemap), or only the settings. An asset reads its own bytes (the token ("asset_file",
# path)); the export's schema file reads nothing that changes.
DATA_TOKENS = {"feed": frozenset({("content",)}), "sitemap": frozenset({("sitemap",)}),
               "facts_json": frozenset({("content",)}), "facts_csv": frozenset({("content",)}),
               "robots": frozenset({("global",)}), "facts_schema": frozenset()}


# ---------------------------------------------------------------- reading files once

@dataclass
class _Loaded:
    signature: tuple[int, ...]
    content_hash: str
    result: Any
    modified: float


def stat_signature(path: Path) -> tuple[int, ...] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


class LoadCache:
    """Loader results per file, kept while the file's bytes stay the same.

    Without hints every file's stat is checked (and its bytes hashed when the stat moved or
    is too recent to trust). With hints from the watcher that name only existing files it
    already knows (an edit, the common case), only those are read again: the watcher
    reports every change, and the content folder's listing is kept as it was.
    """

    def __init__(self) -> None:
        self._files: dict[tuple[str, Path, tuple], _Loaded] = {}
        self._paths: dict[Path, set[tuple[str, Path, tuple]]] = {}  # the keys of _files by path
        self._seen: set[tuple[str, Path, tuple]] = set()
        # each(): per list of paths (by identity), the paths and the results it gave last time;
        # remembered(): per name, what a result was made from and the result.
        self._lists: dict[tuple, tuple[list[Path], frozenset[Path], list[Any]]] = {}
        self._remembered: dict[Any, tuple[Any, Any]] = {}
        self._used: set[Any] = set()  # the keys of both that this build asked for
        self.reloaded: list[Path] = []
        self.suspect: set[Path] = set()  # paths the watcher named: always hashed again
        self.trusting = False
        self.ahead: ReadAhead = {}  # loads run ahead in worker processes (content.read_ahead), taken once

    def begin(self, hints: Iterable[Path] | None = None) -> None:
        self._seen = set()
        self._used = set()
        self.reloaded = []
        self.suspect = {Path(p) for p in hints or ()}
        # A symbolic link among them could now point elsewhere: then look again at everything
        # (content.links_out_of_project walks the folders only when not trusting).
        self.trusting = hints is not None and all(p in self._paths and p.is_file() and not p.is_symlink()
                                                  for p in self.suspect)

    def forget(self, paths: set[Path]) -> None:
        self.restore([(key, loaded) for key, loaded in self._files.items() if key[1] not in paths])

    def each(self, loader: Callable[..., Any], paths: list[Path], *args: Any) -> list[Any]:
        """self(loader, path, *args) for each path (content.load_each).

        While trusting the watcher, a list of paths that is the very list of the last build (the
        folder's listing is kept) and holds none of the files it named gives the very same results:
        the list of them is given back as it was, without a lookup per file.
        """
        key = (loader.__name__, args, id(paths))  # no other list takes the id: the entry holds this one
        self._used.add(key)
        known = self._lists.get(key)
        if known is not None and self.trusting and self.suspect.isdisjoint(known[1]):
            return known[2]
        results = [self(loader, path, *args) for path in paths]
        if known is not None and same_objects(known[2], results):
            return known[2]
        self._lists[key] = (paths, known[1] if known is not None else frozenset(paths), results)
        return results

    def remembered(self, name: Any, made_from: Any, make: Callable[[Any], Any]) -> Any:
        """make(made_from), kept while made_from is the very same object (content.remembered)."""
        self._used.add(name)
        known = self._remembered.get(name)
        if known is None or known[0] is not made_from:
            known = self._remembered[name] = (made_from, make(made_from))
        return known[1]

    # explainer/cache.py stores the files' results one by one: pickling the whole site at once
    # needs memory for every object of it.
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_files": {}, "_paths": {}, "_lists": {}, "_remembered": {}, "_used": set(),
                "_seen": set()}

    def entries(self) -> list[tuple[tuple[str, Path, tuple], _Loaded]]:
        return list(self._files.items())

    def restore(self, entries: Iterable[tuple[tuple[str, Path, tuple], _Loaded]]) -> None:
        self._files = dict(entries)
        self._paths = {}
        for key in self._files:
            self._paths.setdefault(key[1], set()).add(key)
        self._lists, self._remembered = {}, {}

    def finish(self) -> None:
        """Forget files that were not asked for this time (deleted, renamed, moved).

        While trusting the watcher, the folders' listings were kept, and each() answered for
        whole lists without asking for their files one by one: nothing was deleted or moved.
        Only the files the watcher named and this build did not read are forgotten (a language
        a setting no longer translates, a broken site.yaml): their results are out of date, and
        they must be read again when a later build reads them. A file only a setting stopped
        reading, and that did not change, stays known until a build that looks at every file.
        """
        self.ahead = {}
        self._lists = {key: known for key, known in self._lists.items() if key in self._used}
        self._remembered = {name: known for name, known in self._remembered.items() if name in self._used}
        if self.trusting:
            unread = [key for path in self.suspect for key in self._paths.get(path, ()) if key not in self._seen]
        else:
            unread = list(set(self._files) - self._seen)
        for key in unread:
            self._drop(key)

    def _drop(self, key: tuple[str, Path, tuple]) -> None:
        if self._files.pop(key, None) is not None:
            keys = self._paths[key[1]]
            keys.discard(key)
            if not keys:
                del self._paths[key[1]]

    def _keep(self, key: tuple[str, Path, tuple], loaded: _Loaded) -> None:
        self._paths.setdefault(key[1], set()).add(key)
        self._files[key] = loaded

    def __call__(self, loader: Callable[..., Any], path: Path, *args: Any) -> Any:
        key = (loader.__name__, path, args)
        self._seen.add(key)
        cached = self._files.get(key)
        if cached is not None and self.trusting and path not in self.suspect:
            return cached.result
        if path.is_dir():  # the listing of a folder (content.discover), made just before when read ahead
            ahead = self.ahead.pop((loader, path, args), None)
            result = ahead[1] if ahead is not None else loader(path, *args)
            self._keep(key, _Loaded((), "", result, 0.0))
            return result
        signature = stat_signature(path)
        now = time.time()
        if (cached is not None and signature == cached.signature and path not in self.suspect
                and now - cached.modified > RACY_SECONDS):
            return cached.result
        try:
            content_hash = digest(path.read_bytes())
        except OSError:
            self._drop(key)
            return loader(path, *args)  # the loader reports the problem
        if cached is not None and cached.content_hash == content_hash:
            cached.signature = signature or ()
            cached.modified = signature[0] / 1e9 if signature else now
            return cached.result
        ahead = self.ahead.pop((loader, path, args), None)
        # Read ahead from the very bytes hashed here, or loaded again: the file may have changed since.
        result = ahead[1] if ahead is not None and ahead[0] == content_hash else loader(path, *args)
        self.reloaded.append(path)
        self._keep(key, _Loaded(signature or (), content_hash, result, signature[0] / 1e9 if signature else now))
        return result


class FileHashes:
    """Content hashes of plain files (templates, static files), re-read only when their stat changes."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[tuple[int, ...], str, float]] = {}

    def forget(self, paths: set[Path]) -> None:
        for path in paths:
            self._known.pop(path, None)

    def hash(self, path: Path, force: bool = False) -> str | None:
        signature = stat_signature(path)
        if signature is None:
            self._known.pop(path, None)
            return None
        known = self._known.get(path)
        now = time.time()
        if known is not None and known[0] == signature and not force and now - known[2] > RACY_SECONDS:
            return known[1]
        try:
            value = digest(path.read_bytes())
        except OSError:
            return None
        self._known[path] = (signature, value, signature[0] / 1e9)
        return value


# ---------------------------------------------------------------- fingerprints of records

def canonical(value: Any) -> Any:
    """A record as nested tuples, leaving out where it came from (rendering never shows that)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(
            (f.name, canonical(getattr(value, f.name))) for f in dataclasses.fields(value)
            if f.name not in LOCATION_FIELDS)
    if isinstance(value, dict):
        return ("{",) + tuple((str(k), canonical(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ("[",) + tuple(canonical(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    return value


PRUNE_SLACK = 1000  # hashes of replaced records kept before Fingerprints.keep_only walks them all


class Fingerprints:
    """Content hashes of record objects; unchanged files keep their objects, so this is mostly lookups."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"_by_id": {}}  # keyed by id(): meaningless in another process

    def of(self, record: Any) -> str:
        if record is None:
            return "-"
        known = self._by_id.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        value = digest(repr(canonical(record)).encode("utf-8"))
        self._by_id[id(record)] = (record, value)
        return value

    def keep_only(self, records: Callable[[], Iterable[Any]], alive: int) -> None:
        """Forget the hashes of records that are gone, once they are more than a few.

        A save replaces only the records of the files it changed, so pruning on every save
        would walk every record for a handful; `alive` is how many records there are now.
        """
        if len(self._by_id) <= alive + max(PRUNE_SLACK, alive // 8):
            return
        ids = {id(r) for r in records()}
        self._by_id = {k: v for k, v in self._by_id.items() if k in ids}


class SelectionCache:
    """Which facts each block selection gave, kept while no changed fact could alter it.

    Validation, the site index and rendering all ask for the same selections; on a large
    site asking afresh (every fact against every block) is most of a rebuild.
    """

    def __init__(self, fingerprints: Fingerprints) -> None:
        self.fingerprints = fingerprints
        self.ids: dict[str, list[str]] = {}
        self._facts: dict[str, Fact] = {}

    def prepare(self, site: Site) -> None:
        """Forget selections a new, removed or edited fact (as it was or as it is) could be in."""
        fp = self.fingerprints.of
        old, new = self._facts, site.facts
        changed = [fact for fact_id, fact in new.items()
                   if fact is not old.get(fact_id) and fp(fact) != fp(old.get(fact_id))]
        changed += [fact for fact_id, fact in old.items()
                    if fact_id not in new or (new[fact_id] is not fact and fp(new[fact_id]) != fp(fact))]
        reordered = list(old) != list(new)  # `sort: listed` without ids follows the files' order
        if changed or reordered:
            for key in list(self.ids):
                options = json.loads(key)
                selects = fact_filter(options)
                if any(selects(fact) for fact in changed) or (
                        reordered and not options.get("ids") and options.get("sort") == "listed"):
                    del self.ids[key]
        self._facts = dict(new)
        site.selection_cache = self.ids


# ---------------------------------------------------------------- recording what a render reads

class Recorder:
    """The tokens read while one output renders; inactive between renders."""

    def __init__(self) -> None:
        self.tokens: set[Token] | None = None

    def add(self, token: Token) -> None:
        if self.tokens is not None:
            self.tokens.add(token)

    @contextmanager
    def recording(self) -> Iterator[set[Token]]:
        """A fresh set of tokens; a recording inside another (a cached fragment) gives the outer one back after."""
        saved, self.tokens = self.tokens, set()
        try:
            yield self.tokens
        finally:
            self.tokens = saved

    @contextmanager
    def paused(self) -> Iterator[None]:
        saved, self.tokens = self.tokens, None
        try:
            yield
        finally:
            self.tokens = saved


class RecordingMapping(Mapping):
    """A read-only view of a dict that notes each key looked up (and whole-collection reads)."""

    def __init__(self, name: str, data: Mapping, recorder: Recorder) -> None:
        self._name, self._data, self._recorder = name, data, recorder

    def __getitem__(self, key: Any) -> Any:
        self._recorder.add((self._name, key))
        return self._data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._recorder.add((self._name, key))
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._recorder.add((self._name, key))
        return key in self._data

    def __iter__(self) -> Iterator:
        self._recorder.add((self._name, ALL))
        return iter(self._data)

    def __len__(self) -> int:
        self._recorder.add((self._name, ALL))
        return len(self._data)

    def keys(self):  # type: ignore[override]
        self._recorder.add((self._name, ALL))
        return self._data.keys()

    def values(self):  # type: ignore[override]
        self._recorder.add((self._name, ALL))
        return self._data.values()

    def items(self):  # type: ignore[override]
        self._recorder.add((self._name, ALL))
        return self._data.items()


class RecordingList(list):
    """A list that notes when it is read as a whole (the site's pages)."""

    def __init__(self, name: str, items: Iterable, recorder: Recorder) -> None:
        super().__init__(items)
        self._name, self._recorder = name, recorder

    def __iter__(self) -> Iterator:
        self._recorder.add((self._name, ALL))
        return super().__iter__()

    def __len__(self) -> int:
        self._recorder.add((self._name, ALL))
        return super().__len__()

    def __getitem__(self, index: Any) -> Any:
        self._recorder.add((self._name, ALL))
        return super().__getitem__(index)


def freeze(value: Any) -> Any:
    """Block options as a hashable, order-keeping value that `thaw` turns back."""
    if isinstance(value, dict):
        return ("{",) + tuple((k, freeze(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ("[",) + tuple(freeze(v) for v in value)
    return value


def thaw(frozen: Any) -> Any:
    if isinstance(frozen, tuple) and frozen[:1] == ("{",):
        return {k: thaw(v) for k, v in frozen[1:]}
    if isinstance(frozen, tuple) and frozen[:1] == ("[",):
        return [thaw(v) for v in frozen[1:]]
    return frozen


def edition_token(kind: str, language: str) -> str:
    """The token kind of an edition's records: "facts" in the default edition, "facts:es" in Spanish."""
    return f"{kind}:{language}" if language else kind


def tracked_site(site: Site, recorder: Recorder, language: str = "") -> Site:
    def name(kind: str) -> str:
        return edition_token(kind, language)
    return dataclasses.replace(site, facts=RecordingMapping(name("facts"), site.facts, recorder),
                               sources=RecordingMapping(name("sources"), site.sources, recorder),
                               actors=RecordingMapping(name("actors"), site.actors, recorder),
                               pages=RecordingList(name("pages"), site.pages, recorder),
                               corrections=RecordingList(name("corrections"), site.corrections, recorder))


@dataclass
class Fragment:
    """The HTML of one `cached` body and what it read: tokens with their values then, and fallbacks."""

    html: str
    read: tuple[tuple[Token, Any], ...]
    fallbacks: int


class FragmentStore:
    """The preview's cached fragments, by output path; an output keeps those its last render used."""

    def __init__(self) -> None:
        self.by_output: dict[str, dict[tuple, Fragment]] = {}
        self._old: dict[tuple, Fragment] = {}
        self._new: dict[tuple, Fragment] = {}
        # Per output, the name of each fragment by its call site and key objects' ids (see name()).
        self.names_by_output: dict[str, dict[tuple, tuple[tuple, tuple]]] = {}
        self._old_names: dict[tuple, tuple[tuple, tuple]] = {}
        self._new_names: dict[tuple, tuple[tuple, tuple]] = {}

    def begin(self, path: str) -> None:
        self._old, self._new = self.by_output.get(path, {}), {}
        self._old_names, self._new_names = self.names_by_output.get(path, {}), {}

    def end(self, path: str) -> None:
        if self._new:
            self.by_output[path] = self._new
        else:
            self.by_output.pop(path, None)
        if self._new_names:
            self.names_by_output[path] = self._new_names
        else:
            self.names_by_output.pop(path, None)
        self._old, self._new = {}, {}
        self._old_names, self._new_names = {}, {}

    def name(self, site: Any, key: tuple, make: Callable[[], tuple]) -> tuple:
        """make()'s name for this call site and key, kept while the key holds the very same objects:
        the search page's keys are a hundred records each, and hashing each costs more than the rest."""
        ids = (site, *map(id, key))
        known = self._new_names.get(ids) or self._old_names.get(ids)
        if known is None or not all(map(operator.is_, known[0], key)):
            known = (key, make())
        self._new_names[ids] = known
        return known[1]

    def find(self, key: tuple, value: Callable[[Token], Any]) -> Fragment | None:
        fragment = self._new.get(key) or self._old.get(key)
        if fragment is None or any(value(token) != then for token, then in fragment.read):
            return None
        self._new[key] = fragment
        return fragment

    def keep(self, key: tuple, fragment: Fragment) -> None:
        self._new[key] = fragment

    def forget(self, paths: Iterable[str] | None = None) -> None:
        """Drop the fragments of these outputs (of all when None: a template changed)."""
        if paths is None:
            self.by_output.clear()  # names stay: they follow the records alone
        for path in paths or ():
            self.by_output.pop(path, None)
            self.names_by_output.pop(path, None)


def hashable(key: tuple) -> bool:
    try:
        hash(key)
    except (TypeError, jinja2.UndefinedError):  # an undefined value raises when hashed
        return False
    return True


class TrackingRenderer(Renderer):
    """The ordinary Renderer, reading the site through recording views; same bytes out.

    `edition` is the Output.language of the edition it renders ("" for the default one).
    """

    def __init__(self, project: Path, site: Site, recorder: Recorder, include_drafts: bool,
                 env: jinja2.Environment, asset_urls: dict[str, str] | None = None,
                 verification: Verification | None = None, messages: dict | None = None,
                 edition: str = "", previous_index: SiteIndex | None = None) -> None:
        self.recorder = recorder
        self.plain_site = site
        self.edition = edition
        self.fragments: FragmentStore | None = None   # set with `values` by the builder that keeps fragments
        self.values: TokenValues | None = None
        with recorder.paused():
            super().__init__(project, tracked_site(site, recorder, edition), include_drafts=include_drafts,
                             asset_urls=RecordingMapping("asset", asset_urls or {}, recorder),  # type: ignore[arg-type]
                             env=env, verification=verification, messages=messages, previous_index=previous_index)
            self.plain_index = copy.copy(self.index)  # before its mappings become recording views
            for name in INDEX_MAPPINGS:
                setattr(self.index, name, RecordingMapping(edition_token(name, edition), getattr(self.index, name),
                                                           recorder))
            self.index.pages = RecordingList(edition_token("index_pages", edition), self.index.pages, recorder)
        # extends, include and import call env.get_template while rendering: note each name.
        # Bound afresh from the class each time, so a reused environment never stacks wrappers.
        load = jinja2.Environment.get_template.__get__(env)

        def recording_get_template(name: Any, *args: Any, **kwargs: Any) -> jinja2.Template:
            if isinstance(name, str):
                recorder.add(("template", name))
            return load(name, *args, **kwargs)

        env.get_template = recording_get_template  # type: ignore[method-assign]
        check = self.provenance["quote_check"]

        def recording_quote_check(citation: Any) -> Any:
            # A status follows the source record (does it name a snapshot?) and, when it names one,
            # that snapshot and the lock, which no record holds. Most sources of a large site have
            # no snapshot: they add no token beyond their record, which the page mostly reads anyway.
            source = self.site.sources.get(citation.source)
            if source is not None and source.snapshot:
                recorder.add(("quote_checks", citation.source))
            return check(citation)

        self.provenance["quote_check"] = recording_quote_check

    def render(self, output: Output) -> str:
        # The UI strings of its language; 404.html also says its words in every other language.
        languages = self.site.config.languages if output.kind == "not_found" else (self.language,)
        for language in languages:
            self.recorder.add(("messages", language))
        if self.fragments is None:
            return super().render(output)
        self.fragments.begin(output.path)
        html = super().render(output)
        self.fragments.end(output.path)
        return html

    def cached(self, path: str, *key: Any, caller: Callable[[], str]) -> Markup:  # type: ignore[override]
        """The body's HTML from the last rebuild when the records in the key and all it read are unchanged.

        Records in the key stand for their content hash: the body reads them directly, not
        through the recording views.
        """
        # The call site is part of the key: two calls with the same name and records, in one template
        # or in two (a block whose `template:` changed), are different fragments.
        site = call_site(caller)
        if self.fragments is None or self.values is None or site is None:
            return super().cached(path, *key, caller=caller)
        fp = self.values.fp
        name = self.fragments.name(site, key, lambda: (site, *(fp(part) if dataclasses.is_dataclass(part) else part
                                                               for part in key)))
        if not hashable(name):  # a list, a mapping or an undefined value: render it every time, as a build does
            return super().cached(path, *key, caller=caller)
        fragment = self.fragments.find(name, self.values.value)
        if fragment is None:
            fallbacks = self.fallbacks
            with self.recorder.recording() as tokens:
                html = str(caller())
            tokens.add(("global",))
            fragment = Fragment(html, tuple((t, self.values.value(t)) for t in tokens), self.fallbacks - fallbacks)
            self.fragments.keep(name, fragment)
            self.fallbacks = fallbacks
        for token, _ in fragment.read:
            self.recorder.add(token)
        self.fallbacks += fragment.fallbacks
        return Markup(fragment.html)

    def shared(self, *key: Any, caller: Callable[[], str]) -> Markup:  # type: ignore[override]
        """Rendered every time: what the body reads is then recorded for the output that shows it."""
        return Markup(caller())

    def _page(self, slug: str):  # type: ignore[override]
        with self.recorder.paused():
            page = super()._page(slug)
        self.recorder.add((edition_token("page", self.edition), slug))
        return page

    def pages_in_order(self):  # type: ignore[override]
        self.recorder.add((edition_token("index_pages", self.edition), ALL))  # what sorting index.pages read
        return super().pages_in_order()

    def facts_in_order(self):  # type: ignore[override]
        self.recorder.add((edition_token("facts", self.edition), ALL))  # what sorting site.facts read
        return super().facts_in_order()

    def block_items(self, block):  # type: ignore[override]
        token = (edition_token("selection", self.edition), block.kind, freeze(block.options))
        with self.recorder.paused():
            items = super().block_items(block)
        self.recorder.add(token)
        return items

    def _context(self, path: str, **extra: Any) -> dict[str, Any]:
        # The navigation (every page's slug, title and order) is in the global part of every
        # key: building it is not a read of every page. Anything else is recorded as usual.
        recording, self.index.pages = self.index.pages, self.plain_index.pages
        try:
            return super()._context(path, **extra)
        finally:
            self.index.pages = recording


# ---------------------------------------------------------------- templates

class TemplateState:
    """The templates folder: content hashes, and which templates each one pulls in."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hashes: dict[str, str] = {}
        self.files = FileHashes()
        self._references: dict[str, tuple[str, frozenset[str | None]]] = {}  # name -> (hash, names)
        self.env: jinja2.Environment | None = None
        self._parser = make_environment(folder)

    def __getstate__(self) -> dict[str, Any]:
        """For the on-disk cache (explainer/cache.py): the hashes, not the Jinja environments."""
        return {name: value for name, value in self.__dict__.items() if name not in ("env", "_parser")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, env=None, _parser=make_environment(state["folder"]))

    def refresh(self, suspect: set[Path]) -> bool:
        """Re-hash the templates; True when any was added, removed or changed."""
        hashes: dict[str, str] = {}
        if self.folder.is_dir():
            for path in sorted(self.folder.rglob("*")):
                if path.is_file():
                    value = self.files.hash(path, force=path in suspect)
                    if value is not None:
                        hashes[path.relative_to(self.folder).as_posix()] = value
        changed = hashes != self.hashes
        self.hashes = hashes
        if changed or self.env is None:
            self.env = make_environment(self.folder)
        return changed

    def references(self, name: str) -> frozenset[str | None]:
        """Templates `name` extends, includes or imports; None stands for a name computed at run time."""
        value = self.hashes.get(name)
        known = self._references.get(name)
        if known is not None and known[0] == value:
            return known[1]
        names: frozenset[str | None] = frozenset()
        if value is not None:
            try:
                source = (self.folder / name).read_text(encoding="utf-8")
                names = frozenset(jinja2.meta.find_referenced_templates(self._parser.parse(source)))
            except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
                names = frozenset({None})
        self._references[name] = (value or "", names)
        return names

    def closure(self, roots: Iterable[str]) -> frozenset[str | None]:
        seen: set[str | None] = set()
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name is not None:
                todo.extend(self.references(name))
        return frozenset(seen)


# ---------------------------------------------------------------- staged changes

REPLACED = ".replaced"  # in a staging folder: the files apply() replaced, until discard()


class Changeset:
    """New and changed output files staged beside the output folder, and outputs to delete."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-preview-", dir=out_dir.parent))
        self.written: list[str] = []
        self.deleted: list[str] = []
        self.before_apply: Callable[[], None] | None = None  # called before the first file moves in
        self.on_applied: Callable[[], None] | None = None

    def __bool__(self) -> bool:
        return bool(self.written or self.deleted)

    def write(self, relative: str, data: Data) -> None:
        target = safe_join(self.staging, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_data(target, data)
        self.written.append(relative)

    def copy(self, relative: str, source: Path) -> None:
        target = safe_join(self.staging, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.written.append(relative)

    def delete(self, relative: str) -> None:
        self.deleted.append(relative)

    def apply(self, root: Path, clean_up: bool = True) -> None:
        """Move the staged files into root and delete the others: quick, so a lock can cover it.

        The files it replaces are linked into the staging folder first, so that freeing their
        blocks (megabytes for facts.json) happens when that folder is removed: here, or with
        clean_up=False when the caller calls discard(), after readers were told to reload.
        """
        if self.before_apply is not None:
            self.before_apply()
        root.mkdir(parents=True, exist_ok=True)
        replaced = self.staging / REPLACED
        replaced.mkdir()
        for number, relative in enumerate(self.written):
            target = safe_join(root, relative)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(target, replaced / str(number), follow_symlinks=False)
            except OSError:  # nothing there yet (or no hard links here): nothing to keep
                pass
            os.replace(safe_join(self.staging, relative), target)
        for relative in self.deleted:
            target = safe_join(root, relative)
            try:
                target.unlink()
            except FileNotFoundError:
                pass
            remove_empty_parents(target.parent, root)
        if clean_up:
            self.discard()
        applied, self.on_applied = self.on_applied, None  # it holds the whole rebuild: let that go
        if applied is not None:
            applied()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def remove_empty_parents(folder: Path, root: Path) -> None:
    """A full build has no empty folders, so neither may the preview's output."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


# ---------------------------------------------------------------- the builder

class Stopwatch:
    """Milliseconds spent in each phase of a rebuild, for the log and the benchmark."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.laps[phase] = (now - self._last) * 1000
        self._last = now


@dataclass
class OutputState:
    """What the output folder holds for one path, and what it was made from."""

    kind: str
    key: str             # the dependency key: a hash of every input's content hash
    tokens: frozenset    # the inputs, as tokens


@dataclass
class Rebuild:
    """The result of one incremental build."""

    result: BuildResult
    changes: Changeset | None = None      # None when the build failed or nothing changed
    rendered: list[str] = field(default_factory=list)
    reload: str = "none"                   # page | style | none
    timings: dict[str, float] = field(default_factory=dict)  # phase -> milliseconds
    # With `defer`: makes the deferred outputs once `changes` are in place; its changes are applied
    # after these (and hold what the builder remembers). `deferred` are their paths.
    later: Callable[[], "Rebuild"] | None = None
    deferred: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result.ok


class IncrementalBuilder:
    """Keeps what one build learned, so the next renders only what changed."""

    def __init__(self, options: BuildOptions, long_lived: bool = False) -> None:
        """long_lived: keep `cached` template fragments and pieces of whole-site files (explainer/pieces.py)
        between rebuilds (the preview; a build through the cache runs once per process and would
        only pay their memory)."""
        self.options = options
        self.fragments = FragmentStore() if long_lived else None
        self.pieces = PieceCache() if long_lived else None  # of facts.json, facts.csv, the search index
        self.loads = LoadCache()
        self.fingerprints = Fingerprints()
        self.selections = SelectionCache(self.fingerprints)
        self.templates = TemplateState(options.project / "templates")
        self.outputs: dict[str, OutputState] = {}
        self.values: dict[Token, Any] = {}         # token -> value when last applied
        self.dependents: dict[Token, set[str]] = {}  # token -> output paths that read it
        self.builds = 0
        self._interned: dict[Token, Token] = {}  # one object per distinct token: outputs share most of them
        # The records and index entries of the last applied build, and the watched tokens that are
        # not one record or entry: together they say which tokens can have changed (not kept on disk).
        self._then: Identities | None = None
        self._volatile: set[Token] = set()
        self._navigation: dict[str, tuple[list, list[tuple]]] = {}  # language -> (pages, what the header shows)
        self._navigation_digests: dict[str, tuple[list[tuple], str]] = {}  # language -> (those entries, their hash)
        self._listed: tuple[list[Output], str] | None = None  # the outputs sitemap.xml lists, and their hash
        self._indexes: dict[str, SiteIndex] = {}  # language -> the last rebuild's site index, to update
        self.validation = LastValidation() if long_lived else None  # the last validation, to reuse
        self.verification = LastVerification() if long_lived else None  # and quote checks

    # -- one rebuild

    def rebuild(self, changed: Iterable[Path] | None = None, jobs: int = 1, defer: Iterable[str] = ()) -> Rebuild:
        """Rebuild against the previous successful build; stage only what differs, rendering in `jobs` processes.

        `changed` are the paths the watcher saw change since the last call; None (the
        first build, or when unsure) checks every file. Outputs of the kinds in `defer`
        (whole-site data files, which no page reads) are left to Rebuild.later, which the
        preview runs once the pages are served: a save reaches the browser sooner.
        """
        started = time.perf_counter()
        clock = Stopwatch()
        suspect = {Path(p) for p in changed or ()}
        problem = missing_project_problem(self.options.project)
        if problem is not None:
            return Rebuild(BuildResult(diagnostics=[problem]))
        self.loads.begin(None if changed is None else suspect)
        if not self.loads.entries():  # a first build: every file is to be read
            self.loads.ahead = read_ahead(self.options.project, jobs)
        result = load_and_check(self.options, self.loads, self._prepare, self.pieces, self.validation, jobs,
                                self.verification)
        self.loads.finish()
        if self.templates.refresh(suspect) and self.fragments is not None:
            self.fragments.forget()  # a fragment's template code is not among what it records
        clock.lap("load and validate")
        if not result.ok or result.site is None:
            result.diagnostics = sort_diagnostics(result.diagnostics)
            result.seconds = time.perf_counter() - started
            return Rebuild(result, timings=clock.laps)
        site = result.site
        editions = result.editions.values()
        self.fingerprints.keep_only(lambda: [record for edition in editions for record in (
            *edition.facts.values(), *edition.sources.values(), *edition.actors.values(), *edition.pages,
            edition.config, *edition.corrections)] + list(site.translations.values()),
            sum(len(e.facts) + len(e.sources) + len(e.actors) + len(e.pages) + 1 + len(e.corrections) for e in editions)
            + len(site.translations))
        recorder = Recorder()
        assert self.templates.env is not None
        renderers = {language: TrackingRenderer(self.options.project, edition, recorder, self.options.drafts,
                                                self.templates.env, messages=result.messages, edition=language,
                                                asset_urls={asset.name: asset.path for asset in result.assets},
                                                verification=result.verification,
                                                previous_index=self._indexes.get(language))
                     for language, edition in result.editions.items()}
        self._indexes = {language: renderer.plain_index for language, renderer in renderers.items()}
        values = TokenValues(self, site, renderers, result)
        for renderer in renderers.values():
            renderer.fragments, renderer.values = self.fragments, values
            renderer.keep_conversions = self.fragments is not None  # long-lived: the next save may render a page again
        makers = data_makers(result, self.options.drafts, self.pieces)
        planned = {o.path: o for o in result.outputs}
        clock.lap("index")
        stale, dirty, fresh = self._stale_outputs(planned, values)
        clock.lap("compare keys")
        changes = Changeset(self.options.out_dir)
        new_states: dict[str, OutputState] = {}
        rendered: list[str] = []

        def make_all(outputs: list[Output], into: Changeset, jobs: int) -> None:
            def make(output: Output) -> tuple[tuple[int, frozenset] | None, Diagnostic | None]:
                try:
                    return (os.getpid(), self._make(output, renderers[output.language], recorder, into, makers)), None
                except RenderError as exc:
                    return None, exc.diagnostic

            for output, (pid, tokens) in made(outputs, make, jobs, result.diagnostics):
                if pid != os.getpid():
                    into.written.append(output.path)  # a worker process staged it
                tokens = frozenset(self._interned.setdefault(token, token) for token in tokens)
                new_states[output.path] = OutputState(output.kind, values.key(output, tokens), tokens)
                rendered.append(output.path)

        order = [planned[path] for path in sorted(stale)]
        deferred_kinds = frozenset(defer) - set(HTML_KINDS)  # a page can fail to render: never after the rest
        deferred = [output for output in order if output.kind in deferred_kinds]
        if deferred and len(deferred) < len(order):
            order = [output for output in order if output.kind not in deferred_kinds]
        else:
            deferred = []
        make_all(order, changes, jobs)
        clock.lap("render")
        result.diagnostics = sort_diagnostics(result.diagnostics)
        if not result.ok:
            changes.discard()
            result.seconds = time.perf_counter() - started
            return Rebuild(result, timings=clock.laps)
        for path in sorted(set(self.outputs) - set(planned)):
            changes.delete(path)
        # While files move in, and until the build is remembered (after a deferred part, if any),
        # the folder may hold files made from what is not remembered: those are made again next time.
        changes.before_apply = functools.partial(self._unsure, changes.written, changes.deleted)
        reload = self._reload_kind(changes, dirty, fresh)
        self.builds += 1
        # What the output folder holds is remembered once the changes are in it: if they are
        # discarded, or moving them in fails, the next rebuild makes them again.
        remember = functools.partial(self._commit, planned, new_states, values)
        result.seconds = time.perf_counter() - started
        if not changes:
            changes.discard()
            remember()
            return Rebuild(result, None, rendered, "none", clock.laps)
        if not deferred:
            changes.on_applied = remember
            return Rebuild(result, changes, rendered, reload, clock.laps)

        def later() -> Rebuild:
            """Make the deferred outputs (after `changes` were applied); their changes remember the build."""
            started, first = time.perf_counter(), len(rendered)
            rest = Changeset(self.options.out_dir)
            try:
                make_all(deferred, rest, 1)
            except BaseException:
                rest.discard()
                raise
            rest.before_apply, rest.on_applied = functools.partial(self._unsure, rest.written, rest.deleted), remember
            result.seconds += time.perf_counter() - started
            return Rebuild(result, rest, rendered[first:], "none", {"deferred": (time.perf_counter() - started) * 1000})
        return Rebuild(result, changes, rendered, reload, clock.laps, later, tuple(o.path for o in deferred))

    def navigation_digest(self, language: str, pages: list) -> str:
        """A hash of navigation(): made again only when the pages are other objects."""
        entries = self.navigation(language, pages)
        known = self._navigation_digests.get(language)
        if known is None or known[0] is not entries:
            known = self._navigation_digests[language] = (entries, digest(repr(entries).encode()))
        return known[1]

    def listed_digest(self, outputs: list[Output]) -> str:
        """A hash of the outputs sitemap.xml lists; made again only when the planned outputs differ."""
        if self._listed is None or self._listed[0] != outputs:  # the same objects, mostly: compared by identity
            listed = "\n".join([f"{o.path}\t{o.kind}\t{o.key}\t{o.language}" for o in outputs
                                if o.kind in LISTED_KINDS])  # half the time of repr() of 12,000 tuples
            self._listed = (list(outputs), digest(listed.encode()))
        return self._listed[1]

    def navigation(self, language: str, pages: list) -> list[tuple]:
        """What every page's header shows of the pages; the same while they are the same objects."""
        pages = list(list.__iter__(pages))  # not a read of every page (TrackingRenderer._context)
        known = self._navigation.get(language)
        if known is not None and same_objects(known[0], pages):
            return known[1]
        entries = [(p.slug, p.title, p.nav_title, p.order, p.draft, sorted(p.untranslated)) for p in pages]
        self._navigation[language] = (pages, entries)
        return entries

    def _prepare(self, site: Site) -> None:
        """Give the site the selections, and what each page shows, that no change can have altered."""
        self.selections.prepare(site)
        if self.pieces is not None:
            site.shown_cache = self.pieces.maker("facts shown")

    def _stale_outputs(self, planned: dict[str, Output], values: "TokenValues"
                       ) -> tuple[set[str], set[Token], set[str]]:
        """Outputs that are new, changed kind, or read an input whose content hash changed; those inputs;
        and the outputs that are new or changed kind (or were moved in unremembered: IncrementalBuilder._unsure).

        Only tokens that can have changed are computed again: a record that is the very object
        it was at the last applied build has the same content hash (records are frozen).
        """
        fresh = {path for path, output in planned.items()
                 if path not in self.outputs or self.outputs[path].kind != output.kind}
        stale = set(fresh)
        dirty: set[Token] = set()
        candidates = values.changed_tokens(self._then, self._volatile, self.values)
        watched = self.values.items() if candidates is None else \
            [(token, self.values[token]) for token in candidates if token in self.values]
        for token, old in watched:
            if values.value(token) != old:
                dirty.add(token)
                stale.update(p for p in self.dependents.get(token, ()) if p in planned)
        return stale, dirty, fresh

    def _make(self, output: Output, renderer: TrackingRenderer, recorder: Recorder, changes: Changeset,
              makers: dict[str, Callable[[Output], Data]]) -> frozenset:
        """Render one output into the changeset; return what it read."""
        if output.kind not in HTML_KINDS:
            changes.write(output.path, makers[output.kind](output))
            return DATA_TOKENS.get(output.kind, frozenset({("asset_file", output.path)}))
        with recorder.recording() as tokens:
            html = renderer.render(output)
        changes.write(output.path, html.encode("utf-8"))
        templates = {t[1] for t in tokens if t[0] == "template"}
        closure = self.templates.closure(templates)
        read = {t for t in tokens if t[0] != "template"} | {("template", name) for name in closure}
        read.add(("global",))
        return frozenset(read)

    @staticmethod
    def _reload_kind(changes: Changeset, dirty: set[Token], added: set[str]) -> str:
        """A change to stylesheets alone lets browsers swap them instead of reloading."""
        if not changes:
            return "none"
        stylesheets_only = (all(t[0] in ("asset_file", "asset") and str(t[1]).endswith(".css") for t in dirty)
                            and all(p.endswith(".css") for p in [*added, *changes.deleted]))
        return "style" if stylesheets_only else "page"

    def _commit(self, planned: dict[str, Output], new_states: dict[str, OutputState], values: "TokenValues") -> None:
        for path in set(self.outputs) - set(planned):
            self._forget(path)
            if self.fragments is not None:
                self.fragments.forget([path])
        for path, state in new_states.items():
            self._forget(path)
            self.outputs[path] = state
            for token in state.tokens:
                self.dependents.setdefault(token, set()).add(path)
                self._interned.setdefault(token, token)  # back if _forget just dropped it with the old state
                if token[0].partition(":")[0] not in KINDS_BY_IDENTITY or token[1] == ALL:
                    self._volatile.add(token)
        # Every watched token now holds its current value: those this build computed (every new
        # token among them: the keys above read them), the others as stored (this build found
        # they cannot have changed); _forget dropped the tokens no output reads any more.
        dependents = self.dependents
        self.values.update((token, value) for token, value in values.computed.items() if token in dependents)
        self._then = values.identities()
        # Tokens no output reads any more leave with the last reader (_forget); this drops those of
        # renders whose changes were never applied.
        if len(self._interned) > 2 * len(self.dependents) + 1024:
            self._interned = {token: token for token in self.dependents}

    def _unsure(self, written: list[str], deleted: list[str]) -> None:
        """Files a rebuild moved in ahead of its deferred part: in the folder, made from what is not
        remembered yet. Each stays listed (a path no longer planned is deleted) and is made again
        by the next rebuild, unless the deferred part lands first and remembers the whole build."""
        if self.fragments is not None:
            self.fragments.forget(deleted)
        for path in (*written, *deleted):  # a deletion may not happen: listed, it is tried again
            self._forget(path)
            self.outputs[path] = OutputState("", "", frozenset())  # no kind: stale for any output

    def __getstate__(self) -> dict[str, Any]:
        # explainer/cache.py: fragments and pieces are text it would make anyway; identities mean
        # nothing in another process (the first build there compares every token).
        return {**self.__dict__, "fragments": None, "pieces": None, "_then": None, "_navigation": {},
                "_navigation_digests": {}, "_listed": None, "_indexes": {}, "validation": None,
                "verification": None}

    def _forget(self, path: str) -> None:
        state = self.outputs.pop(path, None)
        if state is None:
            return
        for token in state.tokens:
            paths = self.dependents.get(token)
            if paths is not None:
                paths.discard(path)
                if not paths:
                    del self.dependents[token]
                    self.values.pop(token, None)
                    self._interned.pop(token, None)  # e.g. a fingerprinted name that an edit replaced
                    self._volatile.discard(token)

    # -- continuing from an on-disk cache (explainer/cache.py)

    def forget_files(self, paths: Iterable[Path]) -> None:
        """Read these files again whatever their stat says: the cache found their bytes changed."""
        paths = set(paths)
        self.loads.forget(paths)
        self.templates.files.forget(paths)  # static files are read afresh by every build (assets)

    def forget_outputs(self, paths: Iterable[str]) -> None:
        """Render these outputs again: the output folder no longer holds what was written."""
        for path in paths:
            self._forget(path)

    # -- checks for tests

    def recomputed_keys(self) -> dict[str, str]:
        """Every applied output's key computed afresh from the files (the tests compare it to the stored one)."""
        fresh = IncrementalBuilder(self.options)
        rebuild = fresh.rebuild()
        if rebuild.changes is not None:
            rebuild.changes.discard()
            if rebuild.changes.on_applied is not None:
                rebuild.changes.on_applied()  # remember as if moved in: only the keys are wanted
        return {path: state.key for path, state in fresh.outputs.items()}


def page_slug(page: Any) -> str:
    return page.slug


def fact_id(fact: Fact) -> str:
    return fact.id


Identities = dict  # language -> kind -> {key: record, or index entry (a list of records)}


class TokenValues:
    """The current content hash behind each token, computed once per rebuild."""

    def __init__(self, builder: IncrementalBuilder, site: Site, renderers: dict[str, TrackingRenderer],
                 result: BuildResult) -> None:
        self.builder = builder
        self.site = site
        self.renderers = renderers
        self.messages = result.messages
        self.asset_hashes = {asset.path: asset.sha256 for asset in result.assets}
        self.outputs = result.outputs
        self.verification = result.verification
        self._checks_by_source: dict[str, str] | None = None
        self.fp = builder.fingerprints.of
        self.computed: dict[Token, Any] = {}
        # Set by changed_tokens: the stored values, and the tokens among them that may have changed.
        self._stored: dict[Token, Any] = {}
        self._changed: set[Token] = set()
        self._records: dict[str, dict[str, Mapping]] = {}
        self._index: dict[str, dict[str, Mapping]] = {}
        for language, renderer in renderers.items():
            edition = renderer.plain_site
            self._records[language] = {"facts": edition.facts, "sources": edition.sources, "actors": edition.actors,
                                       "page": {p.slug: p for p in edition.pages}}
            self._index[language] = {name: getattr(renderer.plain_index, name) for name in INDEX_MAPPINGS}

    def value(self, token: Token) -> Any:
        """Computed from the plain site and index, never through the recording views."""
        try:
            return self.computed[token]
        except KeyError:
            pass
        if token in self._stored and token not in self._changed:
            value = self.computed[token] = self._stored[token]
        else:
            value = self.computed[token] = self._compute(token)
        return value

    def identities(self) -> Identities:
        """Every edition's records and index entries as they are now, to compare objects with later."""
        return {language: self._identities(language) for language in self.renderers}

    def _identities(self, language: str) -> dict[str, Mapping]:
        return {**self._records[language], **self._index[language]}

    def changed_tokens(self, then: Identities | None, volatile: set[Token],
                       stored: dict[Token, Any]) -> set[Token] | None:
        """The watched tokens whose value may differ from `stored` (None: any may).

        `then` holds the records and entries of the build that `stored` describes; a record or
        entry that is still the same object (an entry: the same objects in the same order) has
        the same value, and value() gives the stored one back for it from now on.
        """
        if then is None or set(then) != set(self.renderers):
            return None
        changed = set(volatile)
        for language, kinds in then.items():
            now = self._identities(language)
            for kind, old in kinds.items():
                name = edition_token(kind, language)
                new = now[kind]
                if kind in INDEX_MAPPINGS:  # the site index copies an entry before it changes: most are the same list
                    changed.update((name, key) for key, entry in new.items()
                                   if entry is not old.get(key) and not same_objects(old.get(key), entry))
                    changed.update((name, key) for key in old if key not in new)
                else:
                    changed.update((name, key) for key in replaced(old, new))
        self._stored, self._changed = stored, changed
        return changed

    def _compute(self, token: Token) -> Any:
        kind, _, language = token[0].partition(":")
        if language not in self.renderers:
            return None  # an edition no longer built: its outputs are gone
        renderer = self.renderers[language]
        edition = renderer.plain_site
        records = self._records[language].get(kind)
        if records is not None:
            if token[1] == ALL:
                return self._collection_digest(token[0], list(records.values()), list(records))
            return self.fp(records.get(token[1]))
        index = self._index[language].get(kind)
        if index is not None:
            if token[1] == ALL:
                return digest(repr([(k, [self.fp(r) for r in v]) for k, v in index.items()]).encode())
            entry = index.get(token[1])
            return None if entry is None else tuple(map(self.fp, entry))
        site, fp = self.site, self.fp
        if kind in ("pages", "index_pages", "corrections"):
            items = {"pages": edition.pages, "index_pages": renderer.index.pages,
                     "corrections": edition.corrections}[kind]
            return self._collection_digest(token[0], list(list.__iter__(items)))
        if kind == "selection":
            return tuple(fp(item) for item in self._select(edition, token[1], token[2]))
        if kind == "quote_checks":  # every status the source's quotes have in this build
            return self._quote_checks().get(token[1])
        if kind == "messages":
            return self.builder.templates.hashes.get(f"i18n/{token[1]}.yaml")
        if kind == "template":
            return self.builder.templates.hashes.get(token[1]) if token[1] is not None else \
                digest(repr(sorted(self.builder.templates.hashes.items())).encode())
        if kind == "asset_file":
            return self.asset_hashes.get(token[1])
        if kind == "asset":
            data = self.renderers[""].asset_urls._data  # type: ignore[attr-defined]
            return data.get(token[1]) if token[1] != ALL else tuple(sorted(data.items()))
        if kind == "content":  # the whole-collection tokens of the default edition say most of it
            collections = [self.value((name, ALL)) for name in ("facts", "sources", "actors", "pages", "corrections")]
            translations = [(language, fp(t)) for language, t in site.translations.items()]
            messages = [self.value(("messages", language)) for language in site.config.languages]
            return digest(repr((collections, translations, messages, self.value(("global",)))).encode())
        if kind == "sitemap":  # what sitemap.xml shows: a fact's new wording leaves it as it was
            dates = [(language, self._dates_digest(language, r.plain_site)) for language, r in self.renderers.items()]
            return digest(repr((self.builder.listed_digest(self.outputs), dates, self.value(("global",)))).encode())
        if kind == "global":
            options = self.builder.options
            navs = [(language, self.builder.navigation_digest(language, r.index.pages), fp(r.plain_site.config))
                    for language, r in self.renderers.items()]
            names = [(language, m.strings.get("language_name")) for language, m in sorted(self.messages.items())]
            return digest(repr((fp(site.config), navs, names, options.drafts, options.base_url)).encode())
        raise ValueError(f"unknown dependency token {token!r}")

    def _collection_digest(self, name: str, records: list, keys: list | None = None) -> str:
        """The content hash of a whole collection (with its keys), a hundred records at a time: the
        preview hashes again only the hundreds that hold a record that is another object."""
        piece = maker_of(self.builder.pieces, f"collection {name}")

        def chunk(start: int) -> str:
            part = zip(keys[start:start + CHUNK], records[start:start + CHUNK]) if keys is not None else \
                records[start:start + CHUNK]
            return digest(repr([(k, self.fp(v)) for k, v in part] if keys is not None else
                               [self.fp(v) for v in part]).encode())
        return digest(repr([piece(tuple(records[start:start + CHUNK]),
                                  tuple(keys[start:start + CHUNK]) if keys is not None else None,
                                  functools.partial(chunk, start))
                            for start in range(0, len(records), CHUNK)]).encode())

    def _dates_digest(self, language: str, edition: Site) -> str:
        """A hash of everything sitemap.last_modified reads (every `updated`, every correction's date and
        targets), a hundred records at a time as in _collection_digest."""
        piece = maker_of(self.builder.pieces, f"dates {language}")

        def dated(records: list, key: Callable[[Any], str]) -> list[str]:
            return [piece(tuple(records[start:start + CHUNK]), (key.__name__, start),
                          lambda start=start: repr([(key(r), r.updated) for r in records[start:start + CHUNK] if r.updated]))
                    for start in range(0, len(records), CHUNK)]
        corrections = [(c.date, c.facts, c.pages) for c in edition.corrections]
        return digest(repr((dated(list(edition.pages), page_slug), dated(list(edition.facts.values()), fact_id),
                            corrections)).encode())

    def _quote_checks(self) -> dict[str, str]:
        if self._checks_by_source is None:  # built once per rebuild, when a token first asks
            found: dict[str, set[QuoteCheck]] = {}
            for citation, check in (self.verification.checks if self.verification else {}).items():
                found.setdefault(citation.source, set()).add(check)
            self._checks_by_source = {source: digest(repr(sorted(map(repr, checks))).encode())
                                      for source, checks in found.items()}
        return self._checks_by_source

    @staticmethod
    def _select(site: Site, kind: str, frozen: Any) -> list:
        options = thaw(frozen)
        if kind == "facts":
            return select_facts(site, options)
        if kind == "actors":
            return select_entries(site.actors, options)
        if kind == "sources":
            return select_entries(site.sources, options)
        return sorted(site.corrections, key=lambda c: c.date, reverse=True)

    def key(self, output: Output, tokens: frozenset) -> str:
        """The dependency key: the output's identity and the content hash of everything it read."""
        parts = [(output.path, output.kind, output.key)]
        parts += sorted(((repr(t), repr(self.value(t))) for t in tokens))
        return digest(repr(parts).encode("utf-8"))
