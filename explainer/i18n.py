"""UI strings: every fixed word the site shows, one YAML file per language in templates/i18n/.

Templates ask for a string with `t("group.key", name=value)`; the Python code that writes
markup (note markers, heading permalinks, dates, kinds, feed titles, the search script's
words) asks the same files. A key missing from a language is an error at build time: at the
template line that uses it, or at the language's file for the keys the build itself needs.

A value is a string with `{name}` placeholders (`{{` and `}}` for literal braces), a list
(`date.months`), or plural forms `{zero, one, other}` chosen by the `count` parameter
(0 -> zero when given, 1 -> one, anything else -> other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import jinja2
from jinja2 import nodes
from markupsafe import Markup, escape

from .diagnostics import Diagnostic, Location, did_you_mean, error, warning
from .load import LocatedDict, load_yaml
from .model import FACT_KINDS
from .schema import check_record, load_schema

MESSAGES_FOLDER = "i18n"
# Optional names of the content's topics (topic.timeline: Cronología); a topic without one shows its id.
TOPIC_PREFIX = "topic."
PLURAL_FORMS = ("zero", "one", "other")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}")


def source_kinds() -> tuple[str, ...]:
    return tuple(load_schema("source")["$defs"]["source"]["properties"]["kind"]["enum"])


# The strings the Python code asks for; the templates' own keys are found by reading the templates.
BUILD_KEYS: tuple[str, ...] = (
    "language_name", "date.months", "date.day_month_year", "date.month_year",
    *(f"kind.{kind}" for kind in FACT_KINDS),
    *(f"source_kind.{kind}" for kind in source_kinds()),   # templates ask with t("source_kind." ~ kind)
    "notes.marker", "toc.permalink", "fallback.page", "fallback.parts",
    "feed.updated_page", "feed.updated_fact", "feed.correction",
    "search.title", "search.description", "not_found.title",
    "search.type.page", "search.type.source", "search.type.actor",
    "search.no_results", "search.results", "search.first", "search.failed",
)


class MessageError(LookupError):
    """A template or the build asked for a UI string that is missing or misused."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Messages:
    """The UI strings of one language, as flat dotted keys."""

    language: str
    path: Path
    strings: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)

    def raw(self, key: str) -> Any:
        try:
            return self.strings[key]
        except KeyError:
            raise MessageError(f"no UI string '{key}' in {self.shown_path}"
                               f"{did_you_mean(key, self.strings)}") from None

    @property
    def shown_path(self) -> str:
        return f"templates/{MESSAGES_FOLDER}/{self.path.name}"

    def _form(self, key: str, params: dict[str, Any]) -> str:
        value = self.raw(key)
        if isinstance(value, dict):
            if "count" not in params:
                raise MessageError(f"UI string '{key}' has plural forms: pass count=")
            return value[plural_form(value, params["count"])]
        if not isinstance(value, str):
            raise MessageError(f"UI string '{key}' is a list, not a string")
        return value

    def text(self, key: str, **params: Any) -> str:
        """The string with its placeholders filled, as plain text (for titles, feeds, attributes)."""
        if not params:
            return self._made_once(("text", key), lambda: self._text(key, params))
        return self._text(key, params)

    def markup(self, key: str, **params: Any) -> Markup:
        """The string for HTML: its words escaped, each parameter escaped unless it is already Markup."""
        if not params:
            return self._made_once(("markup", key), lambda: self._markup(key, params))
        return self._markup(key, params)

    def _text(self, key: str, params: dict[str, Any]) -> str:
        return fill(self._form(key, params), params, str, key)

    def _markup(self, key: str, params: dict[str, Any]) -> Markup:
        return Markup(fill(self._form(key, params), params, lambda v: str(escape(v)), key, literal=escape))

    def _made_once(self, key: tuple, make: Callable[[], Any]) -> Any:
        """A string that takes no parameters, or a date, made once: pages ask for the same ones
        thousands of times (a note's link, a verification mark, a source's date)."""
        made = self.__dict__.setdefault("_made", {})
        value = made.get(key)
        if value is None:
            value = made[key] = make()
        return value

    def __getstate__(self) -> dict[str, Any]:
        # Without the strings made once: they are Markup, which the build cache does not load.
        return {name: value for name, value in self.__dict__.items() if name != "_made"}

    def human_date(self, value: str | None) -> str:
        """2021-04-02 -> "2 April 2021" (or "2 de abril de 2021"); partial dates stay partial."""
        if not value:
            return ""
        value = str(value)
        return self._made_once(("date", value), lambda: self._human_date(value))

    def _human_date(self, value: str) -> str:
        parts = value.split("-")
        months = self.raw("date.months")
        try:
            if len(parts) == 3:
                return self.text("date.day_month_year", day=int(parts[2]), month=months[int(parts[1]) - 1],
                                 year=parts[0])
            if len(parts) == 2:
                return self.text("date.month_year", month=months[int(parts[1]) - 1], year=parts[0])
        except (ValueError, IndexError):
            return value
        return parts[0]

    def kind_label(self, kind: str) -> str:
        return self.text(f"kind.{kind}")

    def topic_name(self, topic: str) -> str | None:
        """The topic's name in this language, or None when the file names it not."""
        value = self.strings.get(TOPIC_PREFIX + topic)
        return value if isinstance(value, str) else None


def plural_form(forms: dict[str, str], count: Any) -> str:
    if count == 0 and "zero" in forms:
        return "zero"
    return "one" if count == 1 else "other"


def fill(template: str, params: dict[str, Any], convert: Any, key: str, literal: Any = None) -> str:
    """Replace {name} placeholders; literal text goes through `literal` (escaping, for HTML)."""
    keep = literal or (lambda text: text)
    out = []
    for text, name in _pieces(template):
        if name is None:
            out.append(str(keep(text)))
        elif name in params:
            out.append(convert(params[name]))
        else:
            raise MessageError(f"UI string '{key}' needs {{{name}}}: pass {name}=")
    return "".join(out)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """The template as literal texts and placeholder names, parsed once: pages fill the same strings again and again."""
    pieces, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append((template[position:match.start()], None))
        position = match.end()
        name = match.group(1)
        pieces.append((match.group(0)[0], None) if name is None else ("", name))
    pieces.append((template[position:], None))
    return tuple(pieces)


def placeholders(value: Any) -> set[str]:
    texts = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    return {m.group(1) for text in texts for m in _PLACEHOLDER.finditer(text) if m.group(1)}


# ---------------------------------------------------------------- loading

def messages_path(templates_dir: Path, language: str) -> Path:
    return templates_dir / MESSAGES_FOLDER / f"{language}.yaml"


def load_messages(path: Path, language: str) -> tuple[Messages | None, list[Diagnostic]]:
    """Read templates/i18n/LANG.yaml into flat dotted keys, each with its line."""
    if not path.is_file():
        return None, [Diagnostic(Location(path, 1, 1), "error",
                                 f"missing UI strings for '{language}': create templates/{MESSAGES_FOLDER}/"
                                 f"{language}.yaml (copy another language's file and translate it)", source_line="")]
    data, problems = load_yaml(path)
    if problems:
        return None, problems
    fallback = getattr(data, "location", Location(path, 1, 1))
    problems = check_record("messages", data if data is not None else {}, fallback, what="UI strings")
    if problems:
        return None, problems
    messages = Messages(language, path)
    _flatten(data, "", messages, fallback)
    return messages, []


def _flatten(mapping: LocatedDict, prefix: str, messages: Messages, fallback: Location) -> None:
    for name, value in mapping.items():
        key = f"{prefix}{name}"
        where = mapping.location_of(name) if isinstance(mapping, LocatedDict) else fallback
        if isinstance(value, dict) and not set(value) <= set(PLURAL_FORMS):
            _flatten(value, f"{key}.", messages, where)
        else:
            messages.strings[key] = dict(value) if isinstance(value, dict) else list(value) \
                if isinstance(value, list) else value
            messages.locations[key] = where


# ---------------------------------------------------------------- checks

@dataclass(frozen=True)
class KeyUse:
    """A `t("key")` call with a literal key in a template."""

    key: str
    location: Location


_PARSER = jinja2.Environment()  # parses templates to find t("...") calls; renders nothing


def template_key_uses(path: Path) -> list[KeyUse]:
    """Every t("...") with a literal key in one template, with its line and column."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = _PARSER.parse(source, path.name, str(path))
    except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return []  # rendering reports it
    lines = source.split("\n")
    uses = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args \
                and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
            key = call.args[0].value
            line = lines[call.lineno - 1] if 0 < call.lineno <= len(lines) else ""
            col = max(line.find(f'"{key}"'), line.find(f"'{key}'"))
            uses.append(KeyUse(key, Location(path, call.lineno, col + 1 if col >= 0 else 1)))
    return uses


def check_messages(by_language: dict[str, Messages], default: str, uses: Iterable[KeyUse]) -> list[Diagnostic]:
    """Every language has every string the templates and the build ask for, with the same placeholders."""
    problems: list[Diagnostic] = []
    uses = list(uses)
    used = {use.key for use in uses}
    for use in uses:
        for language, messages in by_language.items():
            if use.key not in messages.strings:
                problems.append(error(use.location, f"UI string '{use.key}' is missing from {messages.shown_path}"
                                                    f"{did_you_mean(use.key, messages.strings)}"))
    reference = by_language.get(default)
    for language, messages in by_language.items():
        top = Location(messages.path, 1, 1)
        for key in BUILD_KEYS:
            if key not in messages.strings and key not in used:
                problems.append(error(top, f"missing UI string '{key}', which the build needs"))
        if reference is None or messages is reference:
            continue
        for key, value in reference.strings.items():
            if key not in messages.strings and key not in used and key not in BUILD_KEYS:
                problems.append(error(top, f"missing UI string '{key}' ({reference.shown_path}:"
                                           f"{reference.locations[key].line} has {_short(value)})"))
        for key, value in messages.strings.items():
            where = messages.locations[key]
            if key not in reference.strings:
                if not key.startswith(TOPIC_PREFIX):
                    problems.append(warning(where, f"UI string '{key}' is not in {reference.shown_path}, so nothing "
                                                   f"uses it{did_you_mean(key, reference.strings)}"))
                elif not isinstance(value, str):
                    problems.append(error(where, f"topic name '{key}' is {_shape(value)}: a topic's name is a string"))
                continue
            problems += _shape_problems(key, value, reference, where)
    return problems


def _shape_problems(key: str, value: Any, reference: Messages, where: Location) -> list[Diagnostic]:
    expected = reference.strings[key]
    shape, wanted = _shape(value), _shape(expected)
    if shape != wanted:
        return [error(where, f"UI string '{key}' is {shape} here but {wanted} in {reference.shown_path}")]
    if isinstance(value, list) and len(value) != len(expected):
        return [error(where, f"UI string '{key}' has {len(value)} items here but {len(expected)} "
                             f"in {reference.shown_path}")]
    extra = sorted(placeholders(value) - placeholders(expected))
    if extra:
        known = ", ".join(f"{{{name}}}" for name in sorted(placeholders(expected))) or "none"
        return [error(where, f"UI string '{key}' uses {', '.join(f'{{{n}}}' for n in extra)}, which "
                             f"{reference.shown_path} does not (the build fills: {known})")]
    return []


def _shape(value: Any) -> str:
    return "plural forms" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a string"


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + '…"'
