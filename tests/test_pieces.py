"""explainer/pieces.py: a piece is reused only while its records are the very same objects."""

from __future__ import annotations

from dataclasses import dataclass

from explainer.pieces import PieceCache, in_chunks, made_now


@dataclass(frozen=True)
class Record:
    name: str


def making(cache: PieceCache, name: str, entries: list[tuple[tuple, str]]) -> tuple[list[str], list[str]]:
    """Make one file's pieces; return them and the names of the records whose piece was made afresh."""
    made: list[str] = []
    piece = cache.maker(name)

    def make(records: tuple, values: str) -> str:
        made.append(records[0].name)
        return f"{values}:{'+'.join(r.name for r in records)}"

    texts = [piece(records, values, lambda r=records, v=values: make(r, v)) for records, values in entries]
    return texts, made


def test_identical_records_reuse_their_piece_and_anything_else_is_made_again():
    cache = PieceCache()
    a, b, c = Record("a"), Record("b"), Record("c")
    texts, made = making(cache, "f", [((a,), "x"), ((b, c), "x")])
    assert texts == ["x:a", "x:b+c"] and made == ["a", "b"]
    assert making(cache, "f", [((a,), "x"), ((b, c), "x")]) == (["x:a", "x:b+c"], [])
    b2 = Record("b")  # equal, but a new object: its file was read again
    assert making(cache, "f", [((a,), "y"), ((b2, c), "x")]) == (["y:a", "x:b+c"], ["a", "b"])
    c2 = Record("c2")  # the second record of a piece changed
    assert making(cache, "f", [((a,), "y"), ((b2, c2), "x")]) == (["y:a", "x:b+c2"], ["b"])


def test_each_file_keeps_only_the_pieces_its_last_making_used():
    cache = PieceCache()
    records = [Record(str(n)) for n in range(10)]
    making(cache, "f", [((r,), "v") for r in records])
    making(cache, "g", [((r,), "v") for r in records[:3]])
    assert cache.count() == 13
    making(cache, "f", [((r,), "v") for r in records[:2]])  # eight records were deleted
    assert cache.count() == 5
    assert making(cache, "g", [((r,), "v") for r in records[:3]])[1] == []  # other files keep theirs


def test_a_full_build_makes_every_piece():
    assert made_now((Record("a"),), "v", lambda: "made") == "made"


def test_a_long_list_in_chunks_makes_again_only_the_chunk_of_a_changed_record():
    records = [Record(f"r{n}") for n in range(250)]
    made: list[str] = []

    def chunks(piece, records: list[Record], join) -> list:
        return in_chunks(piece, [(record,) for record in records],
                         lambda n: made.append(records[n].name) or records[n].name, "v", join)

    cache = PieceCache()
    joined = lambda _, texts: ",".join(texts)  # noqa: E731
    first = chunks(cache.maker("list"), records, joined)
    assert len(first) == 3 and ",".join(first) == ",".join(r.name for r in records) and len(made) == 250
    made.clear()
    records[120] = Record("r120")  # equal, but another object: its chunk (100..199) is made again
    second = chunks(cache.maker("list"), records, joined)
    assert second == first and made == [f"r{n}" for n in range(100, 200)]
    assert second[0] is first[0] and second[2] is first[2] and second[1] is not first[1]
    assert chunks(made_now, records, lambda number, texts: f"{number}:{','.join(texts)}")[2] == \
        "2:" + ",".join(f"r{n}" for n in range(200, 250))


def test_a_record_moving_to_the_next_entry_of_a_chunk_makes_it_again():
    """Entries (a, b) (c,) and (a,) (b, c) have the same records in the same order: not the same chunk."""
    a, b, c = Record("a"), Record("b"), Record("c")
    cache = PieceCache()

    def chunk(records: list[tuple]) -> str:
        return in_chunks(cache.maker("list"), records, lambda n: "+".join(r.name for r in records[n]), "v",
                         lambda _, texts: ",".join(texts))[0]

    assert chunk([(a, b), (c,)]) == "a+b,c"
    assert chunk([(a,), (b, c)]) == "a,b+c"
