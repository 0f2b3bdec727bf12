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
from collections.abc import Callable
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
        return _compiled()(data)
    except _Refused:
        return None


@functools.lru_cache(maxsize=1)
def _compiled() -> Check:
    """The schema as one function per node (compiled once: the checks then cost no lookups)."""
    schema = _schema()
    defs: dict[str, Check] = {}

    def ref(name: str) -> Check:
        def check(data: Any) -> Any:
            return defs[name](data)
        return check

    def compile_node(node: dict, prop: str) -> Check:
        if "$ref" in node:
            return ref(node["$ref"].rsplit("/", 1)[1])
        if "anyOf" in node:
            return _any_of([compile_node(b, prop) for b in node["anyOf"]])
        kind = node.get("type")
        if kind == "object":
            return _object(node, {name: compile_node(sub, name) for name, sub in node.get("properties", {}).items()})
        if kind == "array":
            return _array(compile_node(node["items"], prop))
        return _scalar(node, kind, prop)

    for name, node in schema["$defs"].items():
        defs[name] = compile_node(node, "")
    return compile_node(schema, "")


Check = Callable[[Any], Any]


def _any_of(branches: list[Check]) -> Check:
    def check(data: Any) -> Any:
        for branch in branches:
            try:
                return branch(data)
            except _Refused:
                continue
        raise _Refused
    return check


def _array(item: Check) -> Check:
    def check(data: Any) -> Any:
        if not isinstance(data, list):
            raise _Refused
        return [item(value) for value in data]
    return check


def _object(node: dict, props: dict[str, Check]) -> Check:
    required = tuple(node.get("required", ()))
    # no default: the key was not written, so None (a list default is copied for each object)
    defaults = [(name, sub.get("default")) for name, sub in node.get("properties", {}).items()]

    def check(data: Any) -> SimpleNamespace:
        if not isinstance(data, dict) or any(key not in data for key in required):
            raise _Refused
        values = {}
        for name, default in defaults:
            values[name] = copy.copy(default) if default.__class__ is list else default
        for key, value in data.items():
            sub = props.get(key)
            if sub is None:
                raise _Refused  # an unknown key
            values[key] = sub(value)
        return SimpleNamespace(**values)
    return check


def _scalar(node: dict, kind: str | None, prop: str) -> Check:
    if kind == "string":
        low, high = node.get("minLength", 0), node.get("maxLength")
        pattern = ecma_regex(node["pattern"]).search if "pattern" in node else None

        def value(data: Any) -> Any:
            if data.__class__ is not str or len(data) < low or high is not None and len(data) > high:
                raise _Refused
            if pattern is not None and not pattern(data):
                raise _Refused
            return data
    elif kind == "boolean":
        def value(data: Any) -> Any:
            if data.__class__ is not bool:
                raise _Refused
            return data
    elif kind in ("integer", "number"):
        accepted = (int,) if kind == "integer" else (int, float)
        low, high = node.get("minimum"), node.get("maximum")

        def value(data: Any) -> Any:
            if data.__class__ not in accepted or data != data:  # bool is no int here; NaN is refused
                raise _Refused
            if low is not None and data < low or high is not None and data > high:
                raise _Refused
            return float(data) if kind == "number" else data  # the models hold a float there
    else:
        raise ValueError(f"fastpath: a kind of schema node it does not know: {node}")
    return _enum(node, prop, value)


def _enum(node: dict, prop: str, value: Check) -> Check:
    allowed = node.get("enum")
    if "const" in node:
        allowed = [node["const"]]
    if allowed is None and prop != "group":
        return value

    def check(data: Any) -> Any:
        data = value(data)
        if allowed is not None and data not in allowed:
            raise _Refused
        return API_TO_GROUP.get(data, data) if prop == "group" else data  # the models' AfterValidator
    return check
