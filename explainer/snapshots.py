"""Quote verification against plain-text snapshots of sources.

Text is compared, not markup: tags are stripped and entities decoded, then whitespace,
typographic quotes, dashes and non-breaking spaces are normalised on both sides.
A quote may mark a cut with "..." or "…": each piece must appear, in order.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

_BLOCK_TAG = re.compile(r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td|th|table|section|article)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_TRANSLATE = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u200b": "",
})
_CUT = re.compile(r"\s*(?:\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…)\s*")


def normalise(text: str) -> str:
    """Reduce text to what a reader sees, so markup and typography do not hide a match."""
    if "<" in text:
        text = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", text))
    text = html.unescape(text).translate(_TRANSLATE)
    return " ".join(text.split())


def split_at_cuts(quote: str) -> list[str]:
    """The pieces of a quote between its cuts ('...', '…' or '[...]'), as written."""
    return _CUT.split(quote)


def quote_pieces(quote: str) -> list[str]:
    """Split a quote at its cuts and normalise each piece; empty pieces are dropped."""
    return [piece for piece in (normalise(p) for p in split_at_cuts(quote)) if piece]


def find_quote(snapshot_text: str, quote: str) -> bool:
    """True when every piece of the quote appears in the normalised snapshot, in order."""
    position = 0
    for piece in quote_pieces(quote):
        found = snapshot_text.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def closest_passage(snapshot_text: str, quote: str, limit: int = 240) -> str:
    """The run of words in the snapshot that best matches the quote, to show beside a miss."""
    needle = normalise(quote)
    words = snapshot_text.split(" ")
    size = len(needle.split(" "))
    if not needle or not snapshot_text:
        return ""
    best, best_score = "", 0.0
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(needle)
    for width in {max(1, size - 1), size, size + 1}:
        for start in range(0, max(1, len(words) - width + 1)):
            candidate = " ".join(words[start:start + width])
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() <= best_score or matcher.quick_ratio() <= best_score:
                continue
            score = matcher.ratio()
            if score > best_score:
                best, best_score = candidate, score
    return best if len(best) <= limit else best[:limit] + "…"


@dataclass(frozen=True)
class Snapshot:
    """One snapshot file: its SHA-256 (of the bytes, as locked) and its normalised text."""

    name: str
    sha256: str
    text: str


def read_snapshot(path: Path) -> Snapshot | None:
    """Read and normalise one snapshot; None when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return Snapshot(path.name, hashlib.sha256(raw).hexdigest(),
                    normalise(raw.decode("utf-8-sig", errors="replace")))


class SnapshotLibrary:
    """Snapshots from one folder, read, hashed and normalised once per build."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._snapshots: dict[str, Snapshot | None] = {}

    def get(self, name: str) -> Snapshot | None:
        if name not in self._snapshots:
            self._snapshots[name] = read_snapshot(self.folder / name)
        return self._snapshots[name]

    def text(self, name: str) -> str | None:
        snapshot = self.get(name)
        return snapshot.text if snapshot is not None else None
