"""Errors are values: every stage returns Diagnostics, the CLI prints them."""

from __future__ import annotations

import difflib
import os
from operator import attrgetter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


def pickled_by_fields(cls: type) -> type:
    """Pickle a slots dataclass as a call with its fields, not as state.

    The build cache and the parallel reads carry hundreds of thousands of locations and
    citations; dataclasses' generic __setstate__ for slots costs about ten times as much.
    """
    values = attrgetter(*(f.name for f in fields(cls)))  # a tuple of them: every such class has several
    cls.__reduce__ = lambda self: (cls, values(self))  # type: ignore[method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, order=True, slots=True)  # slots: a site holds hundreds of thousands
class Location:
    """A place in a file; line and column are 1-based, 0 when unknown."""

    path: Path
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the content, with where it is."""

    location: Location
    severity: Severity
    message: str
    source_line: str | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self, show_source: bool = True) -> str:
        """Render as `path:line:col: error: message`, the offending line underneath."""
        head = f"{self.location}: {self.severity}: {self.message}"
        line_text = self.source_line if self.source_line is not None else _read_line(self.location)
        if not show_source or not line_text or not line_text.strip():
            return head
        caret_pad = " " * max(self.location.col - 1, 0)
        shown = line_text.rstrip("\r\n").expandtabs(1)
        if len(shown) > 200:
            shown = shown[:200] + "…"
        return f"{head}\n    {shown}\n    {caret_pad}^"


def error(location: Location, message: str) -> Diagnostic:
    return Diagnostic(location, "error", message)


def warning(location: Location, message: str) -> Diagnostic:
    return Diagnostic(location, "warning", message)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Order by file then position, errors before warnings at the same place; drop repeats."""
    unique = {(d.location, d.severity, d.message): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: (str(d.location.path), d.location.line,
                                                  d.location.col, d.severity != "error", d.message))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' when a candidate is close to name, else ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when they are under it."""
    path = Path(path)
    if not path.is_absolute():
        return str(path)
    try:
        cwd = Path.cwd()
    except FileNotFoundError:  # the working directory was deleted (say, the project, under a running preview)
        return str(path)
    # Resolve the folder, not the file: a file that is a symbolic link is shown where it is, not where it points.
    for candidate, base in ((path, cwd), (path.parent.resolve() / path.name, cwd.resolve())):
        if candidate.is_relative_to(base):
            return os.path.relpath(candidate, base)
    return str(path)


def _read_line(location: Location) -> str | None:
    if location.line < 1:
        return None
    try:
        with open(location.path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            for number, text in enumerate(handle, start=1):
                if number == location.line:
                    return text
                if number > location.line:
                    break
    except OSError:
        return None
    return None
