"""Read content files: YAML with line marks, Markdown with front matter.

Everything here turns bytes into plain records that remember where they came from;
nothing here knows what a fact or a page is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, error

MAX_FILE_BYTES = 5 * 1024 * 1024
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def digest(data: bytes) -> str:
    """A short hash of a file's bytes (or of any bytes): what tells an unchanged file."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
    first_line: int = 1
    problems: list[Diagnostic]

    def mark_location(self, mark: Any) -> Location:
        return Location(self.path, mark.line + self.first_line, mark.column + 1)

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

MAX_NESTING = 32  # content needs about 5 levels; libyaml slows down and then crashes on deep nesting


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """A YAML syntax error as (line, column, message in plain words), 1-based, where it can be fixed."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    at_context = (exc.context_mark.line + 1, exc.context_mark.column + 1) if exc.context_mark else (line, col)
    offending = _line_text(text, line)[col - 1:col]
    if "tab character" in problem or offending == "\t":
        return line, col, "tab character: indent YAML with spaces, not tabs"
    if "end of stream" in problem and "quoted scalar" in context:
        return (*at_context, "this quoted text is never closed: add the closing quote")
    if "flow sequence" in context:
        return (*at_context, "this list ('[') is not closed: add the closing ']' "
                             "(and quote items that contain ',' or ']')")
    if "flow mapping" in context:
        return (*at_context, "this mapping ('{') is not closed: add the closing '}'")
    if "end of stream" in problem:
        return line, col, "the file ends inside a quoted string or bracket: is a closing quote missing?"
    if "another document" in problem:
        return line, col, "a second YAML document starts here: a content file holds one document, remove this '---'"
    if "alias" in problem:
        return line, col, "anchors and aliases (&name, *name) are not supported in content files"
    if "unknown escape character" in problem:
        return line, col, ("backslash escape not allowed here: in double quotes '\\' starts an escape; "
                           "use single quotes for text with backslashes")
    if "could not determine a constructor for the tag" in problem:
        tag = problem.split("'")[1].replace("tag:yaml.org,2002:", "!!") if "'" in problem else "?"
        return line, col, (f"tag '{tag}' is not allowed: content files hold plain text, numbers, "
                           "lists and mappings")
    if "mapping values are not allowed" in problem:
        if ": " in _line_text(text, line)[: col - 1]:
            return line, col, ("unexpected ':' here: quote values that contain ': ' "
                               "(for example statement: \"...\")")
        return line, col, ("unexpected ':' here: is this line indented more than the line above, "
                           "or does the value above contain ': ' and need quotes?")
    if "cannot start any token" in problem and offending:
        return line, col, f"a plain value cannot start with '{offending}': put the value in quotes"
    if "expected key" in problem or "expected '-' indicator" in problem:
        return line, col, ("this line does not fit the lines around it: check its indentation, and that "
                           "quoted text is closed right after its closing quote")
    return line, col, f"{problem or context}".replace("tag:yaml.org,2002:", "!!")


_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)*(?:[^\s#'"][^#]*?:\s+)?(["'])""")


def unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The last line before before_line whose value opens a quote it does not close."""
    lines = text.split("\n")
    for number in range(min(before_line, len(lines)), 0, -1):
        match = _OPENING_QUOTE.match(lines[number - 1])
        if match is None:
            continue
        quote, rest = match.group(1), lines[number - 1][match.end():]
        closed = re.search(r'(?<!\\)(?:\\\\)*"', rest) if quote == '"' else re.search(r"'(?!')", rest.replace("''", ""))
        if closed is None:
            return number, match.end()
    return None


# libyaml (bundled with PyYAML 6.0.4 and later) stops at its own limit, 1,000 levels, while
# scanning ahead: before the parser has given the event of level MAX_NESTING + 1.
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def nesting_problem(text: str) -> tuple[int, int] | None:
    """Where the YAML nests deeper than MAX_NESTING, found before building anything from it."""
    try:
        return _too_deep_at(text, _BaseLoader)
    except yaml.MarkedYAMLError as exc:
        if exc.problem != _LIBYAML_TOO_DEEP or _BaseLoader is yaml.SafeLoader:
            raise
    # Nested past libyaml's limit: the pure-Python parser, which has none, finds where it passes ours.
    return _too_deep_at(text, yaml.SafeLoader)


def _too_deep_at(text: str, loader: type) -> tuple[int, int] | None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                return event.start_mark.line + 1, event.start_mark.column + 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


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
        if path.is_symlink() and not path.exists():
            return None, [error(Location(path, 1, 1), "broken symbolic link: the file it points to does not exist")]
        return None, [error(Location(path, 1, 1), f"cannot read file: {exc.strerror or exc}")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [error(Location(path, 1, 1), "file is saved as UTF-16: save it as UTF-8")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[line_start:exc.start].decode("utf-8-sig", errors="replace")) + 1
        return None, [error(Location(path, line, col),
                            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                            "save it as UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, list[Diagnostic]]:
    """Parse YAML text into Located records; line numbers start at first_line."""
    def at(line: int, col: int, message: str) -> tuple[None, list[Diagnostic]]:
        return None, [error(Location(path, line + first_line - 1, col), message)]

    try:
        too_deep = nesting_problem(text)
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        return at(before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1,
                  f"control character U+{ord(text[exc.position]):04X} is not allowed in YAML: remove it")
    except yaml.MarkedYAMLError as exc:
        line, col, message = _explain(exc, text)
        quote = unclosed_quote(text, line) if "expected key" in (exc.problem or "") else None
        if quote is not None:
            return at(*quote, f"this quoted text is not closed on its line: add the closing quote "
                              f"(YAML read on to line {line + first_line - 1} and stopped there)")
        return at(line, col, message)
    if too_deep is not None:
        return at(*too_deep, f"the YAML nests more than {MAX_NESTING} levels deep here: "
                             "content needs only a few levels")
    loader = _ContentLoader(text)
    loader.path = path
    loader.first_line = first_line
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        return at(*_explain(exc, text))
    except yaml.YAMLError as exc:
        return at(1, 1, f"invalid YAML: {exc}")
    finally:
        loader.dispose()
    return data, loader.problems


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
