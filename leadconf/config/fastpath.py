"""Validation's happy path, without pydantic: the generated JSON Schema, checked and turned into
the config's objects by a small interpreter.

Importing pydantic and building the models cost about 190 ms of CPU of a 260 ms `leadconf plan`
of the example (bench/README.md), more than the whole everyday plan may take. The models stay the
one definition of the format: the schema is generated from them, and a test keeps both copies of
it current (`schemas/leadconf.schema.json` for editors, `leadconf/config/leadconf.schema.json`,
shipped in the package, for this module). A document `build` accepts is one that the schema and
the models accept, and the objects it builds carry the values the models would (a differential test
checks both, on the examples and on mutated documents). It is stricter than the schema where the
models are (5.0 is no integer here); whatever it refuses goes through pydantic and jsonschema
(schema.validate), which say what is wrong and where.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from types import SimpleNamespace
from typing import Any

from leadconf.vocabulary import API_TO_GROUP

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "leadconf.schema.json")


class _Refused(Exception):
    """The document is not one this path accepts: the full validation takes over."""


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=64)
def ecma_regex(pattern: str) -> re.Pattern:
    """A schema pattern (ECMA-262, where `$` matches only at the very end) as a Python regex,
    whose `$` would also match before a final newline and let "name\\n" through."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def build(data: Any) -> Any | None:
    """The config's objects for `data`, or None when the full validation must decide."""
    try:
        return _value(_schema(), data, "")
    except _Refused:
        return None


def _value(node: dict, data: Any, prop: str) -> Any:
    if "$ref" in node:
        node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:
        for branch in node["anyOf"]:
            try:
                return _value(branch, data, prop)
            except _Refused:
                continue
        raise _Refused
    kind = node.get("type")
    if kind == "object":
        return _object(node, data)
    if kind == "array":
        if not isinstance(data, list):
            raise _Refused
        return [_value(node["items"], item, prop) for item in data]
    return _scalar(node, data, kind, prop)


def _object(node: dict, data: Any) -> SimpleNamespace:
    if not isinstance(data, dict):
        raise _Refused
    props = node.get("properties", {})
    if any(key not in props for key in data) or any(key not in data for key in node.get("required", ())):
        raise _Refused
    values = {}
    for name, sub in props.items():
        if name in data:
            values[name] = _value(sub, data[name], name)
        else:
            values[name] = copy.copy(sub.get("default"))  # no default: not written, so None
    return SimpleNamespace(**values)


def _scalar(node: dict, data: Any, kind: str | None, prop: str) -> Any:
    if kind == "string":
        if not isinstance(data, str) or len(data) < node.get("minLength", 0) or len(data) > node.get("maxLength", len(data)):
            raise _Refused
        if "pattern" in node and not ecma_regex(node["pattern"]).search(data):
            raise _Refused
    elif kind == "boolean":
        if not isinstance(data, bool):
            raise _Refused
    elif kind in ("integer", "number"):
        if isinstance(data, bool) or not isinstance(data, int if kind == "integer" else (int, float)):
            raise _Refused
        if data < node.get("minimum", data) or data > node.get("maximum", data) or data != data:
            raise _Refused
        data = float(data) if kind == "number" else data  # the models hold a float there
    else:
        raise _Refused  # a kind of schema this path does not know
    if "enum" in node and data not in node["enum"] or "const" in node and data != node["const"]:
        raise _Refused
    return API_TO_GROUP.get(data, data) if prop == "group" else data  # the models' AfterValidator
