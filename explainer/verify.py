"""Quote verification: every quote against its source's snapshot, every snapshot against the lock.

Besides the errors, it records what each citation tells readers: its quote was verified
against a snapshot (which file, its SHA-256, the date it was locked), it cannot be verified
because its source has no snapshot, or it was not checked in this build (no --snapshots).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, display_path, error, warning
from .lock import LOCK_FILE, SnapshotLock, read_lock
from .model import Citation, Site, Source
from .pieces import replaced
from .snapshots import Snapshot, SnapshotLibrary, closest_passage, find_quote

VERIFIED = "verified"
NO_SNAPSHOT = "no-snapshot"
UNCHECKED = "unchecked"


@dataclass(frozen=True)
class QuoteCheck:
    """What a build knows about one quote."""

    status: str                 # VERIFIED, NO_SNAPSHOT or UNCHECKED
    snapshot: str | None = None
    sha256: str | None = None
    locked: str | None = None   # the date the snapshot was locked

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED


@dataclass
class Verification:
    """The check of every citation in the site, and the problems found."""

    checks: dict[Citation, QuoteCheck] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)   # snapshot name -> SHA-256, as read
    _by_quote: dict[tuple, QuoteCheck] = field(default_factory=dict, repr=False, compare=False)

    def of(self, citation: Citation) -> QuoteCheck:
        """The check of a citation; a translated edition's copy of it (other note, our translation) shares it."""
        found = self.checks.get(citation)
        if found is None:
            if len(self._by_quote) != len(self.checks):
                self._by_quote = {quote_key(c): check for c, check in self.checks.items()}
            found = self._by_quote.get(quote_key(citation))
        return found or QuoteCheck(UNCHECKED)


def quote_key(citation: Citation) -> tuple:
    """What a quote check depends on: the source, the quote and where it is written."""
    return (citation.source, citation.quote, citation.location)


def all_citations(site: Site) -> list[Citation]:
    return [c for entry in [*site.facts.values(), *site.actors.values()] for c in entry.citations]


def unverified(site: Site, last: "LastVerification | None" = None) -> Verification:
    """Without snapshots: each quote is either unverifiable or not checked in this build.

    With `last` (the preview), a save that left every source the same object copies the last
    checks and redoes those of the facts and actors that are other objects: hashing each of
    a site's thousands of citations again is most of the work.
    """
    verification = Verification()
    # One check per status, shared (checks are frozen): a site has thousands of citations.
    status = {source.id: QuoteCheck(UNCHECKED if source.snapshot else NO_SNAPSHOT) for source in site.sources.values()}
    then = last.site if last is not None else None
    if then is None or replaced(then.sources, site.sources):
        verification.checks = {citation: status[citation.source] for citation in all_citations(site)
                               if citation.source in status}
    else:
        assert last is not None
        checks = dict(last.verification.checks)  # copies the keys' hashes: no citation is hashed again
        for kind in ("facts", "actors"):
            old, new = getattr(then, kind), getattr(site, kind)
            keys = replaced(old, new)
            for citation in (c for key in keys if key in old for c in old[key].citations):
                checks.pop(citation, None)  # all the old ones first: a new citation may equal one of them
            checks.update((c, status[c.source]) for key in keys if key in new for c in new[key].citations
                          if c.source in status)
        verification.checks = checks
    if last is not None:
        last.site, last.verification = site, verification
    return verification


class LastVerification:
    """The preview's last site and verification without snapshots, for unverified() to start from."""

    def __init__(self) -> None:
        self.site: Site | None = None
        self.verification = Verification()


def verification_for(site: Site, project: Path, snapshots: Path | None, use_lock: bool = True,
                     last: LastVerification | None = None) -> Verification:
    """The verification a build reports: against the snapshots and the project's lock when given."""
    if snapshots is None:
        return unverified(site, last)
    lock, problems = read_lock(project) if use_lock else (None, [])
    verification = verify_quotes(site, snapshots, None if problems else lock)
    verification.diagnostics = problems + verification.diagnostics
    return verification


def verify_quotes(site: Site, folder: Path, lock: SnapshotLock | None) -> Verification:
    """Check every quote of a source that names a snapshot, and every snapshot against the lock.

    With lock None (while the lock is being updated, or when it could not be read) the
    snapshots are not compared with it.
    """
    library = SnapshotLibrary(folder)
    verification = Verification()
    locked: dict[str, Snapshot] = {}
    for source in site.sources.values():
        if source.snapshot:
            snapshot, problems = _locked_snapshot(source, library, lock, folder)
            verification.diagnostics += problems
            if snapshot is not None:
                verification.hashes[snapshot.name] = snapshot.sha256
            if snapshot is not None and not problems:
                locked[source.id] = snapshot
    if lock is not None:
        verification.diagnostics += _unused_lock_entries(site, lock)
    for citation in all_citations(site):
        source = site.sources.get(citation.source)
        if source is None:
            continue
        if not source.snapshot:
            verification.checks[citation] = QuoteCheck(NO_SNAPSHOT)
            continue
        snapshot = library.get(source.snapshot)
        if snapshot is None:
            continue
        if not find_quote(snapshot.text, citation.quote):
            verification.diagnostics.append(_quote_miss(citation, source, snapshot))
        elif source.id in locked:
            entry = lock.entries.get(snapshot.name) if lock is not None else None
            verification.checks[citation] = QuoteCheck(VERIFIED, snapshot.name, snapshot.sha256,
                                                       entry.locked if entry is not None else None)
    return verification


def _locked_snapshot(source: Source, library: SnapshotLibrary, lock: SnapshotLock | None,
                     folder: Path) -> tuple[Snapshot | None, list[Diagnostic]]:
    """The source's snapshot, and an error unless it is exactly the text that was locked."""
    where = source.field_locations.get("snapshot", source.location)
    snapshot = library.get(source.snapshot or "")
    if snapshot is None:
        return None, [error(where, f"snapshot '{source.snapshot}' not found in {folder}")]
    if lock is None:
        return snapshot, []
    entry = lock.entries.get(snapshot.name)
    command = f"python build.py lock-snapshots --snapshots {display_path(folder)}"
    if entry is None:
        return snapshot, [error(where, f"snapshot '{snapshot.name}' has no entry in content/{LOCK_FILE}: "
                                       f"once its quotes check out, lock it with `{command}`")]
    if entry.sha256 != snapshot.sha256:
        return snapshot, [error(entry.location,
                                f"snapshot '{snapshot.name}' differs from the one locked on {entry.locked}: "
                                f"its SHA-256 is {snapshot.sha256[:12]}…, the lock says {entry.sha256[:12]}…; "
                                f"check its quotes against the new text, then run `{command}`")]
    return snapshot, []


def _unused_lock_entries(site: Site, lock: SnapshotLock) -> list[Diagnostic]:
    named = {s.snapshot for s in site.sources.values() if s.snapshot}
    return [warning(entry.location, f"locked snapshot '{name}' is not the snapshot of any source; "
                                    "`lock-snapshots` removes its entry")
            for name, entry in sorted(lock.entries.items()) if name not in named]


def _quote_miss(citation: Citation, source: Source, snapshot: Snapshot) -> Diagnostic:
    nearest = closest_passage(snapshot.text, citation.quote)
    hint = f'; the closest passage is: "{nearest}"' if nearest else ""
    return error(citation.quote_location or citation.location,
                 f"quote not found in snapshot '{snapshot.name}' of source '{source.id}'{hint}")
