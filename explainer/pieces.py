"""Pieces of whole-site files, reused by the live preview while their records stay the same objects.

facts.json, facts.csv and the search index each hold a piece per fact, source, actor or
page, and the preview remakes them after every edit. Its loader keeps the very record
objects of files that did not change (explainer/incremental.LoadCache) and records are
frozen dataclasses, so a piece made from the same objects (and the same plain values,
such as the base URL) is the same text: an edit remakes only its own records' pieces.
A translated edition's records are pieces too (editions.localize), so they stay the same
objects while the record, its translation and the sources it quotes are unchanged.
A full build makes every piece once and keeps none (`made_now`).
"""

from __future__ import annotations

from operator import is_
from typing import Any, Callable, Hashable

# make_piece(records, values, make): the piece for these records and values, made by make() when new
PieceMaker = Callable[[tuple, Hashable, Callable[[], Any]], Any]
CHUNK = 100  # entries per piece of a long list (in_chunks)


def made_now(records: tuple, values: Hashable, make: Callable[[], Any]) -> Any:
    """The full build's PieceMaker: nothing to reuse."""
    return make()


def maker_of(pieces: "PieceCache | None", name: str) -> PieceMaker:
    """The PieceMaker for one making of file `name`: the cache's when there is one, else made_now."""
    return pieces.maker(name) if pieces is not None else made_now


class PieceCache:
    """Per file, the pieces its last making used: later makings reuse those whose records are identical."""

    def __init__(self) -> None:
        self._kept: dict[str, dict[tuple, tuple[tuple, Any]]] = {}

    def maker(self, name: str) -> PieceMaker:
        """A PieceMaker for one making of file `name`; it replaces what that file's last making kept."""
        last = self._kept.get(name, {})
        now: dict[tuple, tuple[tuple, Any]] = {}
        self._kept[name] = now

        def piece(records: tuple, values: Hashable, make: Callable[[], Any]) -> Any:
            # Keyed by the records' ids, the records themselves kept beside the piece: no other
            # object can take an id while its piece holds the record.
            key = (values, *map(id, records))
            known = last.get(key)
            if known is not None and all(map(is_, known[0], records)):
                made = known[1]
            else:
                made = make()
            now[key] = (records, made)
            return made

        return piece

    def kept(self, name: str) -> list[Any]:
        """The pieces the last making of file `name` used, in order."""
        return [made for _, made in self._kept.get(name, {}).values()]

    def count(self) -> int:
        """How many pieces are kept, over every file."""
        return sum(len(pieces) for pieces in self._kept.values())


def in_chunks(piece: PieceMaker, entries: list[tuple[tuple, Callable[[], str]]], values: Hashable,
              separator: str, text: Callable[[str], str] = str) -> list[str]:
    """A long list of entries (each its records and what makes its text) as pieces of CHUNK entries.

    Each chunk's text is its entries' texts joined by `separator` (as a `text`). One piece per entry would
    cost the preview a lookup per record on every save (8,000 facts); per chunk, an edit makes
    again the texts of the hundred entries around it.
    """
    chunks = []
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start:start + CHUNK]
        records = tuple(record for records, _ in chunk for record in (*records, None))  # None ends an entry
        chunks.append(piece(records, values, lambda chunk=chunk: text(separator.join(make() for _, make in chunk))))
    return chunks
