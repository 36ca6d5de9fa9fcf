"""Read content files: YAML with line marks, Markdown with front matter.

Everything here turns bytes into plain records that remember where they came from;
nothing here knows what a fact or a page is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, error

MAX_FILE_BYTES = 5 * 1024 * 1024
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedDict(dict):
    """A YAML mapping that remembers where it, its keys and its values start."""

    location: Location
    key_locations: dict[str, Location]
    value_locations: dict[str, Location]

    def location_of(self, key: str) -> Location:
        return self.value_locations.get(key, self.location)


class LocatedList(list):
    """A YAML sequence that remembers where it and each item start."""

    location: Location
    item_locations: list[Location]

    def location_of(self, index: int) -> Location:
        if 0 <= index < len(self.item_locations):
            return self.item_locations[index]
        return self.location


def locate(value: Any, path: list[str | int], fallback: Location) -> Location:
    """Find the location of the node at `path` inside a loaded record."""
    location = getattr(value, "location", fallback)
    for part in path:
        if isinstance(value, LocatedDict) and isinstance(part, str) and part in value:
            location = value.location_of(part)
            value = value[part]
        elif isinstance(value, LocatedList) and isinstance(part, int) and part < len(value):
            location = value.location_of(part)
            value = value[part]
        else:
            break
    return location


class _ContentLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader: dates stay strings, duplicate keys and aliases are errors."""

    path: Path
    problems: list[Diagnostic]

    def mark_location(self, mark: Any) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not supported in content files",
                node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_located_mapping(self, node: Any) -> LocatedDict:
        mapping = LocatedDict()
        mapping.location = self.mark_location(node.start_mark)
        mapping.key_locations = {}
        mapping.value_locations = {}
        yield mapping
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not supported in content files",
                    key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain name", key_node.start_mark)
            key = str(key) if not isinstance(key, str) else key
            key_location = self.mark_location(key_node.start_mark)
            if key in mapping:
                first = mapping.key_locations[key]
                self.problems.append(error(
                    key_location,
                    f"duplicate key '{key}' (first set at line {first.line}); "
                    "remove one of them"))
                continue
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_locations[key] = key_location
            mapping.value_locations[key] = self.mark_location(value_node.start_mark)

    def construct_located_sequence(self, node: Any) -> LocatedList:
        sequence = LocatedList()
        sequence.location = self.mark_location(node.start_mark)
        sequence.item_locations = []
        yield sequence
        for child in node.value:
            sequence.append(self.construct_object(child, deep=True))
            sequence.item_locations.append(self.mark_location(child.start_mark))


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _ContentLoader.construct_located_mapping)
_ContentLoader.add_constructor("tag:yaml.org,2002:seq", _ContentLoader.construct_located_sequence)
# Dates stay text: the content model checks them, and partial dates like 2021-04 are allowed.
_ContentLoader.add_constructor("tag:yaml.org,2002:timestamp", _ContentLoader.construct_yaml_str)
_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_FRIENDLIER_YAML_PROBLEMS = [
    (re.compile(r"found unexpected end of stream"),
     "the file ends inside a quoted string or bracket: is a closing quote missing?"),
    (re.compile(r"could not determine a constructor for the tag '([^']*)'"),
     r"tag '\1' is not allowed: content files hold plain text, numbers, lists and mappings"),
    (re.compile(r"mapping values are not allowed here"),
     "unexpected ':' here: quote values that contain ': ' (for example statement: \"...\")"),
]


def _friendlier(problem: str, offending: str = "") -> str:
    if offending == "\t" and "cannot start any token" in problem:
        return "tab character: indent YAML with spaces, not tabs"
    problem = problem.replace("tag:yaml.org,2002:", "!!")
    for pattern, replacement in _FRIENDLIER_YAML_PROBLEMS:
        if pattern.search(problem):
            return pattern.sub(replacement, problem) if "\\1" in replacement else replacement
    return problem


def read_text(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """Read a UTF-8 file (a BOM is fine); report size and encoding problems."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [error(Location(path, 1, 1),
                                f"file is too large ({size / 1024 / 1024:.1f} MB; "
                                f"content files may be at most {MAX_FILE_BYTES // 1024 // 1024} MB)")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(Location(path, 1, 1), f"cannot read file: {exc.strerror or exc}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [error(Location(path, line, col),
                            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                            "save it as UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, list[Diagnostic]]:
    """Parse YAML text into Located records; line numbers start at first_line."""
    loader = _ContentLoader(text)
    loader.path = path
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [error(Location(path, line + first_line - 1, col),
                            _friendlier(f"{exc.problem or exc.context}", _char_at(text, line, col)))]
    except yaml.YAMLError as exc:
        return None, [error(Location(path, first_line, 1), f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    if first_line != 1:
        _shift_lines(data, first_line - 1)
        loader.problems = [
            Diagnostic(Location(p.location.path, p.location.line + first_line - 1, p.location.col),
                       p.severity, p.message) for p in loader.problems]
    return data, loader.problems


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.split("\n")
    if 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return ""


def _shift_lines(value: Any, offset: int) -> None:
    def shifted(location: Location) -> Location:
        return Location(location.path, location.line + offset, location.col)

    if isinstance(value, LocatedDict):
        value.location = shifted(value.location)
        value.key_locations = {k: shifted(v) for k, v in value.key_locations.items()}
        value.value_locations = {k: shifted(v) for k, v in value.value_locations.items()}
        for child in value.values():
            _shift_lines(child, offset)
    elif isinstance(value, LocatedList):
        value.location = shifted(value.location)
        value.item_locations = [shifted(v) for v in value.item_locations]
        for child in value:
            _shift_lines(child, offset)


def load_yaml(path: Path) -> tuple[Any, list[Diagnostic]]:
    """Read and parse one YAML file."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    return parse_yaml(text, path)


@dataclass(frozen=True)
class MarkdownFile:
    """A Markdown page split into its front matter and body."""

    path: Path
    front_matter: Any
    body: str
    body_first_line: int
    text: str


_FENCE = re.compile(r"^---[ \t]*$")


def load_markdown(path: Path) -> tuple[MarkdownFile | None, list[Diagnostic]]:
    """Read a Markdown page with YAML front matter between --- lines."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None, [error(Location(path, 1, 1),
                            "a page must start with YAML front matter: a line '---', "
                            "the fields (title, slug, summary, order), then '---'")]
    closing = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i]) or lines[i] == "..."), None)
    if closing is None:
        return None, [error(Location(path, 1, 1),
                            "front matter is not closed: add a line '---' after the fields")]
    front_text = "\n".join(lines[1:closing])
    front, problems = parse_yaml(front_text, path, first_line=2)
    if front is None and not problems:
        problems = [error(Location(path, 2, 1), "front matter is empty: add title, slug, summary and order")]
    body = "\n".join(lines[closing + 1:])
    return MarkdownFile(path, front, body, closing + 2, text), problems
