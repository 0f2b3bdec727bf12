"""The JSON Schema of the config file, generated from the pydantic models, and validation with it.

The models in `models.py` are the one truth; `schemas/leadconf.schema.json` is `leadconf schema`'s
output, committed so that editors (`# yaml-language-server: $schema=...`) and pipelines can use it,
and a test keeps it equal to a fresh generation. At run time the schema is generated in memory.

Validation gives either the typed model or jsonschema's complete list of errors, each turned into
a plain-language message at the offending key or value (see `validate`).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic import ValidationError
from pydantic.json_schema import GenerateJsonSchema

from leadconf.config.fastpath import ecma_regex
from leadconf.config.models import API_TO_GROUP, GROUP_LABELS, Config
from leadconf.config.suggest import did_you_mean
from leadconf.errors import Diagnostic

SCHEMA_ID = "https://leadconf.dev/schemas/leadconf.schema.json"
RULE = "LC010"

_LEAD_STATUS_ONLY_CATEGORY_KEYS = {"group", "lead_status", "visible_for", "headings"}


class LeadconfSchema(GenerateJsonSchema):
    def generate(self, schema, mode="validation"):
        body = super().generate(schema, mode=mode)
        _drop_null_defaults(body)
        body.pop("title", None)
        body.pop("description", None)
        return {
            "$schema": self.schema_dialect,
            "$id": SCHEMA_ID,
            "title": "leadconf configuration",
            "description": (
                "A SuperOffice tenant's lead-management setup: company categories, lead statuses, "
                "category automation and the Marketing Premium options. An omitted section or field "
                "is not managed; an explicit value (\"\" and [] included) is."
            ),
            **body,
        }


def _drop_null_defaults(node: Any) -> None:
    """`"default": null` only says "not managed when omitted", which the descriptions say better."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


@functools.lru_cache(maxsize=1)
def build_schema() -> dict:
    return Config.model_json_schema(schema_generator=LeadconfSchema)


def schema_text() -> str:
    """The schema as committed: 2-space indent, trailing newline."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


@functools.lru_cache(maxsize=1)
def validator():
    """One validator for the whole run (building it per call would re-check the schema each time)."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError as SchemaError

    def pattern(v, patrn, instance, schema):
        # The schema's regexes are ECMA-262, where `$` matches only at the very end; Python's `$`
        # also matches before a final newline, which would let "name\n" through.
        if isinstance(instance, str) and not ecma_regex(patrn).search(instance):
            yield SchemaError(f"{instance!r} does not match {patrn!r}")

    cls = validators.extend(Draft202012Validator, {"pattern": pattern})
    return cls(build_schema())




# -- messages -------------------------------------------------------------------------------------

def dotted(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


_TYPE_NAMES = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "null": "nothing",
}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _type_message(expected, instance) -> str:
    names = [expected] if isinstance(expected, str) else list(expected)
    want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
    message = f"expected {want}, got {_kind(instance)}"
    if "string" in names and isinstance(instance, (bool, int, float)):
        message += "; put the value in quotes"
    elif "boolean" in names and isinstance(instance, str) and instance.lower() in {"yes", "no", "on", "off", "y", "n"}:
        message += " (leadconf reads YAML 1.2: write true or false)"
    return message


def _allowed_keys(schema: dict) -> list[str]:
    return list(schema.get("properties", {}))


def _unknown_key_message(path: tuple, key: str, schema: dict) -> str:
    where = dotted(path) if path else "top level"
    if len(path) == 3 and path[0] == "lead_statuses" and path[1] == "items" and key in _LEAD_STATUS_ONLY_CATEGORY_KEYS:
        return f"{where}: unknown key {key!r} (lead statuses have no groups, headings or visibility in SuperOffice)"
    hint = did_you_mean(str(key), _allowed_keys(schema), listing="allowed", list_with_guess=False)
    return f"{where}: unknown key {key!r}{hint}"


def _enum_message(path: tuple, error) -> str:
    allowed = [str(x) for x in error.validator_value]
    aliases: dict[str, str] = {}
    if path and path[-1] == "group":  # the API's spellings are accepted, but the config's are shown
        allowed = [a for a in allowed if a not in API_TO_GROUP]
        aliases = {**GROUP_LABELS, **API_TO_GROUP}
    hint = did_you_mean(str(error.instance), allowed, aliases=aliases)
    return f"{dotted(path)}: {_kind(error.instance)} is not one of {', '.join(allowed)}{hint}"


def _string_limit_message(error, path) -> str:
    where = dotted(path)
    if error.validator == "minLength":
        return f"{where}: must not be empty"
    return (f"{where}: is {len(error.instance):,} characters long; SuperOffice stores at most "
            f"{error.validator_value:,}")


def _pattern_message(path, instance: str) -> str:
    bad = next((ch for ch in instance if ord(ch) < 0x20 or ord(ch) == 0x7F), None)
    what = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return"}.get(bad or "", f"the control character U+{ord(bad):04X}" if bad else "a character that is not allowed")
    return f"{dotted(path)}: contains {what}; names and descriptions are single lines of printable text"


def _messages(error, sources) -> list[Diagnostic]:
    """One jsonschema error -> diagnostics at the offending key or value."""
    path = tuple(error.absolute_path)
    v = error.validator

    def at(message, loc=None):
        loc = loc or sources.where(path)
        return Diagnostic(message, RULE, *loc) if loc else Diagnostic(message, RULE)

    if v == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [
            at(_unknown_key_message(path, key, error.schema), sources.where_key(path, str(key)))
            for key in error.instance if key not in known
        ]
    if v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        if not path:
            return [at(f"missing required key {k!r}" + (" (add version: 1)" if k == "version" else "")) for k in missing]
        return [at(f"{dotted(path)}: missing required key {k!r}") for k in missing]
    if v == "type":
        return [at(f"{dotted(path)}: {_type_message(error.validator_value, error.instance)}")]
    if v == "enum":
        return [at(_enum_message(path, error))]
    if v == "const":
        if path == ("version",):
            return [at(f"version: this leadconf reads format version {error.validator_value}, not {error.instance!r}")]
        return [at(f"{dotted(path)}: must be {error.validator_value!r}")]
    if v in ("minLength", "maxLength"):
        return [at(_string_limit_message(error, path))]
    if v == "pattern":
        return [at(_pattern_message(path, error.instance))]
    if v == "anyOf":
        # renamed_from: a name or a list of names. Report the branch that fits the value's shape.
        branch = 1 if isinstance(error.instance, list) else 0 if isinstance(error.instance, str) else None
        if branch is not None:
            inner = [e for e in error.context if e.schema_path and e.schema_path[0] == branch]
            if inner:
                return [d for e in inner for d in _messages(e, sources)]
        return [at(f"{dotted(path)}: expected a name or a list of names, got {_kind(error.instance)}")]
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[v]
        return [at(f"{dotted(path)}: must be {word} {error.validator_value}, got {error.instance!r}")]
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return [at(f"{dotted(path)}: {message}")]


def _data_path(data: Any, loc: tuple) -> tuple:
    """pydantic's loc without the union-branch labels it inserts ('Policy', 'str', 'list[str]')."""
    path = []
    for part in loc:
        if isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def _pydantic_messages(exc: ValidationError, data: Any, sources) -> list[Diagnostic]:
    out, seen = [], set()
    for err in exc.errors(include_url=False):
        if err["type"] == "none_required":  # the "or leave it out" branch of an optional field: noise
            continue
        path = _data_path(data, tuple(err["loc"]))
        message = f"{dotted(path)}: {err['msg']}"
        if (path, message) in seen:
            continue
        seen.add((path, message))
        loc = sources.where(path)
        out.append(Diagnostic(message, RULE, *loc) if loc else Diagnostic(message, RULE))
    return out


def _laxer_than_schema(data: Any) -> bool:
    """Where the models accept what the schema refuses: an explicit null for an optional field
    (the models take it for "not written"), and `version: true` (Literal[1] compares equal)."""
    if isinstance(data.get("version"), bool):
        return True
    stack = [data]
    while stack:
        node = stack.pop()
        for value in node.values() if isinstance(node, dict) else node:
            if value is None:
                return True
            if isinstance(value, (dict, list)):
                stack.append(value)
    return False


def validate(data: Any, sources) -> tuple[Config | None, list[Diagnostic]]:
    """The typed model, or every schema error located at its key or value.

    jsonschema costs about 20x pydantic (4 s for 50,000 items), so the strict models go first:
    when they accept the document and it has none of the few things they are laxer about
    (`_laxer_than_schema`), the schema accepts it too (a differential test checks this on
    mutated documents). Otherwise jsonschema runs and its errors are the ones users see, one per
    problem and each located; pydantic's are shown only for what the schema lets through (5.0 for
    an integer).
    """
    refused = None
    try:
        config = Config.model_validate(data)
        if not _laxer_than_schema(data):
            return config, []
    except ValidationError as exc:
        refused = exc
    problems = _schema_messages(data, sources)
    if problems:
        return None, problems
    if refused is None:  # not reached while _laxer_than_schema is right; the model stands then
        return config, []
    return None, _pydantic_messages(refused, data, sources)


def _schema_messages(data: Any, sources) -> list[Diagnostic]:
    errors = list(validator().iter_errors(data))
    # A value of the wrong type also fails its enum/const/length checks: say only the first thing.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [
        d for e in errors
        if e.validator == "type" or tuple(e.absolute_path) not in mistyped
        for d in _messages(e, sources)
    ]
