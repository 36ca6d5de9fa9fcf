"""The snapshot lock, content/snapshots.lock: the SHA-256 of each snapshot quotes were verified against.

A quote verified once stays verified against the same text: with --snapshots, a snapshot
whose bytes differ from its lock entry, or that has no entry, is an error. The lock is
JSON, written only by `python build.py lock-snapshots --snapshots DIR`, entries sorted by
name so it diffs cleanly. Each entry keeps the date it was locked until its hash changes,
which is what pages show as the date of verification (builds stay byte-identical).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, Location
from .load import LocatedDict, load_yaml
from .schema import check_record

LOCK_FILE = "snapshots.lock"
FORMAT = "explainer-snapshots-lock"
VERSION = 1
LOCK_COMMAND = "python build.py lock-snapshots --snapshots DIR"


@dataclass(frozen=True)
class LockEntry:
    """One locked snapshot: its hash, the date it was locked, where the entry is."""

    name: str
    sha256: str
    locked: str
    location: Location


@dataclass(frozen=True)
class SnapshotLock:
    path: Path
    entries: dict[str, LockEntry]
    exists: bool


def lock_path(project: Path) -> Path:
    return project / "content" / LOCK_FILE


def read_lock(project: Path) -> tuple[SnapshotLock, list[Diagnostic]]:
    """Read content/snapshots.lock; a missing file is an empty lock."""
    path = lock_path(project)
    if not path.exists():
        return SnapshotLock(path, {}, exists=False), []
    data, problems = load_yaml(path)  # JSON is YAML: this keeps line and column of every value
    if not problems:
        problems = check_record("snapshots-lock", data, Location(path, 1, 1), what="snapshot lock")
    if problems:
        return SnapshotLock(path, {}, exists=True), problems
    entries = {}
    snapshots: LocatedDict = data["snapshots"]
    for name, entry in snapshots.items():
        entries[name] = LockEntry(name, entry["sha256"], entry["locked"], entry.location_of("sha256"))
    return SnapshotLock(path, entries, exists=True), []


def lock_text(hashes: dict[str, tuple[str, str]]) -> str:
    """The lock file for {snapshot name: (sha256, date locked)}: stable JSON, sorted by name."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "comment": f"Written by `{LOCK_COMMAND}`; do not edit by hand.",
        "snapshots": {name: {"sha256": sha, "locked": date} for name, (sha, date) in sorted(hashes.items())},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def updated_hashes(lock: SnapshotLock, current: dict[str, str], today: str) -> dict[str, tuple[str, str]]:
    """The new lock: every current snapshot; an unchanged one keeps the date it was first locked."""
    hashes = {}
    for name, sha in current.items():
        entry = lock.entries.get(name)
        hashes[name] = (sha, entry.locked if entry is not None and entry.sha256 == sha else today)
    return hashes


def describe_update(lock: SnapshotLock, hashes: dict[str, tuple[str, str]]) -> str:
    """'3 snapshots (1 new, 1 changed, 1 removed)': what an update did, for the log."""
    new = sum(1 for name in hashes if name not in lock.entries)
    changed = sum(1 for name, (sha, _) in hashes.items()
                  if name in lock.entries and lock.entries[name].sha256 != sha)
    removed = sum(1 for name in lock.entries if name not in hashes)
    details = [f"{count} {what}" for count, what in ((new, "new"), (changed, "changed"), (removed, "removed"))
               if count]
    total = f"{len(hashes)} snapshot{'s' * (len(hashes) != 1)}"
    return f"{total} ({', '.join(details)})" if details else f"{total} (unchanged)"


def write_lock(path: Path, text: str) -> None:
    """Replace the lock file in one step, so an interrupted update never leaves half a lock."""
    handle, temporary = tempfile.mkstemp(prefix=".snapshots.lock.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
