"""lock.py: content/snapshots.lock is stable JSON; updates keep the date of unchanged entries."""

import json

from explainer.diagnostics import Location
from explainer.lock import (LockEntry, SnapshotLock, describe_update, lock_text, read_lock, updated_hashes,
                            write_lock)

A, B, C = "a" * 64, "b" * 64, "c" * 64


def make_lock(tmp_path, **entries):
    where = Location(tmp_path / "snapshots.lock", 1, 1)
    return SnapshotLock(where.path, {name: LockEntry(name, sha, date, where) for name, (sha, date) in entries.items()},
                        exists=True)


def test_lock_text_is_sorted_and_stable():
    text = lock_text({"b.txt": (B, "2026-01-02"), "a.txt": (A, "2026-01-01")})
    assert text == lock_text({"a.txt": (A, "2026-01-01"), "b.txt": (B, "2026-01-02")})
    data = json.loads(text)
    assert list(data["snapshots"]) == ["a.txt", "b.txt"]
    assert data["format"] == "explainer-snapshots-lock" and data["version"] == 1
    assert text.endswith("}\n")


def test_an_unchanged_snapshot_keeps_its_date(tmp_path):
    old = make_lock(tmp_path, **{"kept.txt": (A, "2025-05-05"), "changed.txt": (B, "2025-05-05"),
                                 "gone.txt": (C, "2025-05-05")})
    hashes = updated_hashes(old, {"kept.txt": A, "changed.txt": C, "new.txt": A}, today="2026-01-02")
    assert hashes == {"kept.txt": (A, "2025-05-05"), "changed.txt": (C, "2026-01-02"), "new.txt": (A, "2026-01-02")}
    assert describe_update(old, hashes) == "3 snapshots (1 new, 1 changed, 1 removed)"
    assert describe_update(make_lock(tmp_path, **{"kept.txt": (A, "2025-05-05")}),
                           {"kept.txt": (A, "2025-05-05")}) == "1 snapshot (unchanged)"


def test_written_lock_reads_back_with_locations(tmp_path):
    project = tmp_path
    (project / "content").mkdir()
    path = project / "content" / "snapshots.lock"
    write_lock(path, lock_text({"a.txt": (A, "2026-01-01")}))
    assert [p.name for p in (project / "content").iterdir()] == ["snapshots.lock"]  # no temporary file left
    lock, problems = read_lock(project)
    assert problems == [] and lock.exists
    entry = lock.entries["a.txt"]
    assert (entry.sha256, entry.locked) == (A, "2026-01-01")
    assert (entry.location.line, entry.location.col) == (7, 17)
    assert path.read_text().splitlines()[6][16:] == f'"{A}",'


def test_no_lock_file_is_an_empty_lock(tmp_path):
    lock, problems = read_lock(tmp_path)
    assert problems == [] and not lock.exists and lock.entries == {}
