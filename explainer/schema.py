"""JSON Schema checks of content records, with messages in plain words.

The schema files in explainer/schemas/ serve both the build and writers' editors
(through the yaml-language-server modeline), so there is one definition of each kind.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from .diagnostics import Diagnostic, Location, did_you_mean, error
from .load import locate

SCHEMA_KINDS = ("fact", "source", "actor", "site", "page", "corrections", "block", "snapshots-lock",
                "fact-translation", "actor-translation", "source-translation", "site-translation",
                "page-translation", "corrections-translation", "messages")


def schema_path(kind: str):
    """The path of a kind's schema file, for modelines and docs."""
    return resources.files("explainer") / "schemas" / f"{kind}.schema.json"


@lru_cache(maxsize=None)
def load_schema(kind: str) -> dict:
    return json.loads(schema_path(kind).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(kind: str) -> jsonschema.protocols.Validator:
    """A validator for one record: the item definition where the file allows a list."""
    schema = load_schema(kind)
    if "oneOf" in schema and kind in schema.get("$defs", {}):
        schema = {**schema, "$ref": f"#/$defs/{kind}"}
        schema.pop("oneOf")
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def check_record(kind: str, record: Any, fallback: Location, what: str | None = None) -> list[Diagnostic]:
    """Validate one record against its schema; every problem becomes a Diagnostic."""
    validator = _validator(kind)
    problems: list[Diagnostic] = []
    for err in sorted(validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path]):
        for leaf in _leaves(err):
            problems.append(error(_location(leaf, record, fallback), _message(leaf, what or kind)))
    return problems


def _leaves(err: ValidationError) -> list[ValidationError]:
    """For oneOf/anyOf failures, report the most relevant branch instead of the summary."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        best = jsonschema.exceptions.best_match(err.context)
        return _leaves(best) if best is not None else [err]
    return [err]


def _location(err: ValidationError, record: Any, fallback: Location) -> Location:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties":
        unexpected = _unexpected_keys(err)
        node = record
        for part in path:
            node = node[part]
        if unexpected and hasattr(node, "key_locations"):
            return node.key_locations.get(unexpected[0], locate(record, path, fallback))
    return locate(record, path, fallback)


def _unexpected_keys(err: ValidationError) -> list[str]:
    allowed = set(err.schema.get("properties", {}))
    return sorted(k for k in err.instance if k not in allowed) if isinstance(err.instance, dict) else []


def _field_name(err: ValidationError) -> str:
    parts = [str(p) for p in err.absolute_path if not isinstance(p, int)]
    return parts[-1] if parts else ""


def _message(err: ValidationError, what: str) -> str:
    name = _field_name(err)
    label = f"'{name}'" if name else f"the {what}"
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        if "then" in list(err.schema_path):
            return (f"missing required field '{missing}': a claim, denial or quote must say "
                    "who asserts it (an actor id)")
        return f"missing required field '{missing}'"
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        names = ", ".join(f"'{k}'{did_you_mean(k, allowed)}" for k in _unexpected_keys(err))
        return f"unknown field {names}; allowed fields: {', '.join(allowed)}"
    if err.validator == "enum":
        options = err.validator_value
        hint = did_you_mean(str(err.instance), [str(o) for o in options])
        return (f"{label} must be one of {', '.join(map(str, options))}; "
                f"got {_show(err.instance)}{hint}")
    if err.validator == "type":
        expected = err.validator_value
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in (expected if isinstance(expected, list) else [expected]))
        if err.absolute_path and isinstance(err.absolute_path[-1], int):
            label = f"each item of {label}"
        shown = "" if err.instance is None else f" {_show(err.instance)}"
        return f"{label} must be {expected}, got {_type_name(err.instance)}{shown}"
    if err.validator == "pattern":
        rule = err.schema.get("description", f"match {err.validator_value}")
        return f"{label} is not valid: {_show(err.instance)}; expected {rule}"
    if err.validator == "minItems":
        if name == "citations":
            return "'citations' needs at least one citation with a source and a verbatim quote"
        return f"{label} must have at least {err.validator_value} item(s)"
    if err.validator == "minLength":
        return f"{label} must not be empty"
    if err.validator == "uniqueItems":
        return f"{label} lists the same item twice"
    return f"{label}: {err.message}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_TYPE_NAMES = ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "text"),
               (int, "a number"), (float, "a number"), (type(None), "nothing"))


def _type_name(value: Any) -> str:
    """A YAML value's type in writers' words (loaded mappings and lists are subclasses)."""
    return next((name for kind, name in _TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


_TYPE_WORDS = {"object": "a mapping of fields", "array": "a list", "string": "text",
               "integer": "a whole number", "boolean": "true or false", "number": "a number"}
