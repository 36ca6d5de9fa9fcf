"""Per-record pieces of the work on the whole site, reused by the preview while the records stay the same objects.

facts.json, facts.csv and the search index are made of pieces of consecutive records
(in_chunks), and the preview remakes them after every edit. Its loader keeps the very record
objects of files that did not change (explainer/incremental.LoadCache) and records are
frozen dataclasses, so a piece made from the same objects (and the same plain values,
such as the base URL) is the same: an edit remakes only the pieces of its own records.
The same goes for a translated edition's records (editions.localize), which then stay the
same objects while the record, its translation and the sources it quotes are unchanged, for
the planned Outputs of a hundred records (output.edition_outputs) and for the facts a page shows
(model.facts_shown_on). A full build makes every piece once and keeps none (`made_now`).
"""

from __future__ import annotations

import math
from itertools import chain
from operator import is_
from typing import Any, Callable, Hashable, Mapping, Sequence

# make_piece(records, values, make): the piece for these records and values, made by make() when new
PieceMaker = Callable[[tuple, Hashable, Callable[[], Any]], Any]
CHUNK = 100  # entries per piece of a long list (in_chunks)


def made_now(records: tuple, values: Hashable, make: Callable[[], Any]) -> Any:
    """The full build's PieceMaker: nothing to reuse."""
    return make()


def same_objects(old: Sequence | None, new: Sequence) -> bool:
    """The very same objects in the same order (the preview's test of "nothing here changed")."""
    return old is new or (old is not None and len(old) == len(new) and all(map(is_, old, new)))


def replaced(old: Mapping, new: Mapping) -> list:
    """The keys whose record is not the very same object in both: another object, added or removed."""
    return [key for key, record in new.items() if old.get(key) is not record] + [key for key in old if key not in new]


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


def in_chunks(piece: PieceMaker, records: Sequence[tuple], make: Callable[[int], Any], values: Hashable,
              join: Callable[[int, list], Any], size: int = 0) -> list:
    """A long list of entries as pieces of `size` entries (CHUNK): entry i is made by make(i) from records[i].

    join(number, texts) makes a chunk from its place in the list and its entries' texts. One
    piece per entry would cost the preview a lookup per record on every save (8,000 facts);
    per chunk, an edit makes again the texts of the entries around it. The chunk's key holds
    how many records each entry has, so records cannot shift from one entry to the next unseen.
    """
    size = size or CHUNK
    chunks = []
    for number, start in enumerate(range(0, len(records), size)):
        chunk = records[start:start + size]
        stop = start + len(chunk)
        chunks.append(piece(tuple(chain.from_iterable(chunk)), (values, number, tuple(map(len, chunk))),
                            lambda number=number, start=start, stop=stop: join(number, list(map(make, range(start, stop))))))
    return chunks


def in_parts(piece: PieceMaker, records: Sequence[tuple], make: Callable[[int], Any], values: Hashable,
             join: Callable[[int, list], Any], part_size: int, size: int) -> list:
    """in_chunks() for long parts of entries that are slow to make: entry i is made by make(i), `size`
    entries at a time (a piece of their texts), and part n is join(n, texts) of `part_size` entries (a
    piece of those pieces). An edit makes again the entries of its own piece, and joins again only
    their part. `size` becomes a divisor of `part_size` (their greatest common divisor).
    """
    size = math.gcd(part_size, size)
    made = in_chunks(piece, records, make, (values, "entries"), lambda _, texts: texts, size)
    per_part = part_size // size
    return [piece(tuple(made[start:start + per_part]), (values, number),
                  lambda number=number, start=start: join(number, list(chain.from_iterable(made[start:start + per_part]))))
            for number, start in enumerate(range(0, len(made), per_part))]
