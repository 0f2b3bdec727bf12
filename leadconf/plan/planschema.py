"""The schema of a plan file, checked field by field before anything runs (no pydantic: applying
a saved plan stays light). Each problem is one line naming the field (`changes[3].after.rank`).

Beyond types, it holds what the apply relies on: a change says what it is (only a `delete` may set
`deleted: true`, only a `restore` may clear it; an `update` may change a name only in case or
spacing), every change but a create carries the fingerprint of what it changes, and the summary
is the count of the changes.
"""

from __future__ import annotations

import math
import posixpath
import re
from typing import Any

from leadconf.plan.change import ACTIONS
from leadconf.plan.plan import PLAN_FILE_FORMAT
from leadconf.vocabulary import FIELD, KINDS, LIST_KINDS, SETTING_KINDS, TRIGGER_TO_API, VALUE_KINDS, name_key

_TOP = {"format", "format_version", "target", "summary", "changes", "warnings", "config", "policy", "list_sizes",
        "locator", "list_fingerprints", "checksum", "signature"}
_CHANGE = {"action", "kind", "name", "key", "before", "after", "reason", "source", "fingerprint", "meta"}
_DIAGNOSTIC = {"file": (str, None), "line": (int, None), "column": (int, None), "rule": (str,), "severity": (str,),
               "message": (str,)}
_FINGERPRINT = re.compile(r"[0-9a-f]{16,64}")
# What a plan may do to each kind: a list item anything; a setting is only updated; an automation
# rule is created or updated (never deleted: it is switched off).
_ACTIONS_OF = {kind: ACTIONS if kind in LIST_KINDS else ("update",) if kind in SETTING_KINDS else ("create", "update")
               for kind in KINDS}

Problems = list[str]


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "the string " + repr(value)[:40],
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _is(value: Any, kind: Any) -> bool:
    if kind is None:
        return value is None
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return isinstance(value, kind)


def _expect(value: Any, kinds: tuple, path: str, problems: Problems) -> bool:
    if any(_is(value, k) for k in kinds):
        return True
    names = {None: "null", int: "an integer", float: "a number", str: "a string", bool: "a boolean",
             list: "a list", dict: "an object"}
    problems.append(f"{path}: expected {' or '.join(names[k] for k in kinds)}, got {_type_name(value)}")
    return False


def _exact_keys(obj: dict, allowed: set, required: set, path: str, problems: Problems) -> None:
    for key in sorted(set(obj) - allowed, key=str):
        problems.append(f"{path}: unknown field {key!r}")
    for key in sorted(required - set(obj)):
        problems.append(f"{path}.{key}: missing")


def check_plan_file(data: Any) -> Problems:
    """Every problem of a parsed plan file; [] when it is well-formed."""
    if not isinstance(data, dict):
        return [f"expected a JSON object, got {_type_name(data)}"]
    problems: Problems = []
    if data.get("format") != PLAN_FILE_FORMAT:
        return [f"format: expected {PLAN_FILE_FORMAT!r} (not a leadconf plan file)"]
    _exact_keys(data, _TOP, _TOP - {"signature"}, "plan", problems)
    for key, kinds in (("format_version", (str,)), ("target", (str,)), ("locator", (str,)),
                       ("checksum", (str,)), ("signature", (str,))):
        if key in data:
            _expect(data[key], kinds, key, problems)
    if _is(data.get("target"), str) and not data["target"].strip():
        problems.append("target: empty")
    _check_locator(data.get("target"), data.get("locator"), problems)
    _check_config(data.get("config"), problems)
    _check_policy(data.get("policy"), problems)
    _check_list_map(data.get("list_sizes"), "list_sizes", int, problems)
    _check_list_map(data.get("list_fingerprints"), "list_fingerprints", str, problems)
    _check_warnings(data.get("warnings"), problems)
    changes: Any = data.get("changes")
    if _expect(changes, (list,), "changes", problems):
        for i, change in enumerate(changes):
            _check_change(change, f"changes[{i}]", data.get("list_fingerprints"), problems)
        _check_summary(data.get("summary"), changes, problems)
    return problems


def _check_locator(target: Any, locator: Any, problems: Problems) -> None:
    """The locator may only say where the target shown to reviewers is: the same target, or for a
    snapshot the same path made absolute. It never names another file or host."""
    if not (_is(target, str) and _is(locator, str)) or locator == target:
        return
    prefix = "snapshot:"
    if target.startswith(prefix) and locator.startswith(prefix):
        shown, real = posixpath.normpath(target[len(prefix):]), posixpath.normpath(locator[len(prefix):])
        tail = "/".join(p for p in shown.split("/") if p not in ("..", "."))
        if real == shown or (real.startswith("/") and not shown.startswith("/") and real.endswith("/" + tail)):
            return
    problems.append(f"locator: {locator!r} is not where the target {target!r} is; a plan applies to the target it shows")


def _check_config(config: Any, problems: Problems) -> None:
    if not _expect(config, (dict,), "config", problems):
        return
    _exact_keys(config, {"digest", "files"}, {"digest", "files"}, "config", problems)
    _expect(config.get("digest"), (str,), "config.digest", problems)
    if _expect(config.get("files"), (list,), "config.files", problems):
        for i, name in enumerate(config["files"]):
            _expect(name, (str,), f"config.files[{i}]", problems)


def _check_policy(policy: Any, problems: Problems) -> None:
    if not _expect(policy, (dict,), "policy", problems):
        return
    _exact_keys(policy, {"max_change_percent", "min_list_size"}, {"max_change_percent", "min_list_size"}, "policy", problems)
    percent, floor = policy.get("max_change_percent"), policy.get("min_list_size")
    if _expect(percent, (float,), "policy.max_change_percent", problems) and not 0 <= percent <= 100:
        problems.append(f"policy.max_change_percent: {percent} is not between 0 and 100")
    if _expect(floor, (int,), "policy.min_list_size", problems) and floor < 0:
        problems.append(f"policy.min_list_size: {floor} is negative")


def _check_list_map(value: Any, path: str, kind: type, problems: Problems) -> None:
    if not _expect(value, (dict,), path, problems):
        return
    for key, item in value.items():
        if key not in LIST_KINDS:
            problems.append(f"{path}: unknown list {key!r}")
        elif not _expect(item, (kind,), f"{path}.{key}", problems):
            continue
        elif kind is int and item < 0:
            problems.append(f"{path}.{key}: negative")
        elif kind is str and not _FINGERPRINT.fullmatch(item):
            problems.append(f"{path}.{key}: not a fingerprint")


def _check_warnings(warnings: Any, problems: Problems) -> None:
    if not _expect(warnings, (list,), "warnings", problems):
        return
    for i, w in enumerate(warnings):
        path = f"warnings[{i}]"
        if not _expect(w, (dict,), path, problems):
            continue
        _exact_keys(w, set(_DIAGNOSTIC), set(_DIAGNOSTIC), path, problems)
        for key, kinds in _DIAGNOSTIC.items():
            if key in w:
                _expect(w[key], kinds, f"{path}.{key}", problems)
        if w.get("severity") not in ("error", "warning"):
            problems.append(f"{path}.severity: expected 'error' or 'warning'")


def _check_summary(summary: Any, changes: list, problems: Problems) -> None:
    counts = dict.fromkeys(ACTIONS, 0)
    for change in changes:
        if isinstance(change, dict) and change.get("action") in counts:
            counts[change["action"]] += 1
    if summary != counts:
        problems.append(f"summary: does not count the changes (they are {counts})")


# -- one change ---------------------------------------------------------------------------------

def _check_change(change: Any, path: str, list_fingerprints: Any, problems: Problems) -> None:
    if not _expect(change, (dict,), path, problems):
        return
    _exact_keys(change, _CHANGE, _CHANGE - {"meta"}, path, problems)
    action, kind = change.get("action"), change.get("kind")
    if kind not in KINDS:
        problems.append(f"{path}.kind: expected one of {', '.join(KINDS)}, got {_type_name(kind)}")
        return
    if action not in _ACTIONS_OF[kind]:
        problems.append(f"{path}.action: expected one of {', '.join(_ACTIONS_OF[kind])} for {kind}, got {_type_name(action)}")
        return
    _expect(change.get("name"), (str,), f"{path}.name", problems)
    _expect(change.get("reason"), (str,), f"{path}.reason", problems)
    _expect(change.get("source"), (str, None), f"{path}.source", problems)
    _check_key(change, path, problems)
    _check_fingerprint(change, path, problems)
    _check_meta(change.get("meta", {}), path, problems)
    if action == "reorder":
        _check_reorder(change, path, problems)
    else:
        _check_fields(change, path, problems)


def _check_key(change: dict, path: str, problems: Problems) -> None:
    action, kind, key, name = change["action"], change["kind"], change.get("key"), change.get("name")
    if kind in LIST_KINDS:
        _expect(key, (None,) if action in ("create", "reorder") else (int,), f"{path}.key", problems)
    elif kind == "category_automation":
        if name not in TRIGGER_TO_API or key != TRIGGER_TO_API[name]:
            problems.append(f"{path}: a category automation trigger and its key must match ({name!r}, {key!r})")
    elif kind in VALUE_KINDS:
        _expect(key, (None,), f"{path}.key", problems)
    else:
        _expect(key, (int,), f"{path}.key", problems)


def _check_fingerprint(change: dict, path: str, problems: Problems) -> None:
    fingerprint = change.get("fingerprint")
    if change["action"] == "create":
        _expect(fingerprint, (None,), f"{path}.fingerprint", problems)  # nothing exists to fingerprint
    elif fingerprint is None:
        problems.append(f"{path}.fingerprint: missing: a change to an existing item must carry its fingerprint "
                        "(the stale check)")
    elif not _is(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        problems.append(f"{path}.fingerprint: not a fingerprint ({_type_name(fingerprint)})")


def _check_meta(meta: Any, path: str, problems: Problems) -> None:
    if _expect(meta, (dict,), f"{path}.meta", problems):
        _exact_keys(meta, {"old_name"}, set(), f"{path}.meta", problems)
        if "old_name" in meta:
            _expect(meta["old_name"], (str,), f"{path}.meta.old_name", problems)


def _check_reorder(change: dict, path: str, problems: Problems) -> None:
    before: Any = change.get("before")
    after: Any = change.get("after")
    if not (_expect(before, (dict,), f"{path}.before", problems) and _expect(after, (dict,), f"{path}.after", problems)):
        return
    _exact_keys(before, {"order"}, {"order"}, f"{path}.before", problems)
    _exact_keys(after, {"order", "ranks", "ids"}, {"order", "ranks"}, f"{path}.after", problems)
    for where, names in ((f"{path}.before.order", before.get("order")), (f"{path}.after.order", after.get("order"))):
        if _expect(names, (list,), where, problems):
            for i, name in enumerate(names):
                _expect(name, (str,), f"{where}[{i}]", problems)
    for part in ("ranks", "ids"):
        mapping = after.get(part, {})
        if _expect(mapping, (dict,), f"{path}.after.{part}", problems):
            for name, number in mapping.items():
                _expect(number, (int,), f"{path}.after.{part}[{name!r}]", problems)


def _field_kinds(kind: str, field: str) -> tuple | None:
    """The JSON types a field of `kind` may hold in a plan (None: not a field of that kind)."""
    if kind in VALUE_KINDS:
        return (bool,) if field == kind else None
    spec = FIELD.get(kind, {}).get(field)
    if spec is None:
        return (int,) if field == "rank" and kind in LIST_KINDS else None
    if spec.many:
        return (list,)
    if spec.ref:
        return (str, None)
    if spec.enum:
        return (str,)
    return (spec.plain,)


def _check_fields(change: dict, path: str, problems: Problems) -> None:
    action, kind = change["action"], change["kind"]
    before: Any = change.get("before")
    after: Any = change.get("after")
    if action == "create":
        _expect(before, (None,), f"{path}.before", problems)
    elif _expect(before, (dict,), f"{path}.before", problems) and isinstance(after, dict) and set(before) != set(after):
        problems.append(f"{path}: before and after name different fields")
    if not _expect(after, (dict,), f"{path}.after", problems):
        return
    if not after:
        problems.append(f"{path}.after: changes nothing")
    for part, values in (("before", before if isinstance(before, dict) else {}), ("after", after)):
        for field, value in values.items():
            _check_value(kind, field, value, f"{path}.{part}.{field}", part == "before", problems)
    if change["action"] != "create" or kind in LIST_KINDS:
        _check_action_fields(change, path, problems)


def _check_value(kind: str, field: str, value: Any, path: str, before: bool, problems: Problems) -> None:
    kinds = _field_kinds(kind, field)
    if kinds is None:
        problems.append(f"{path}: not a field of {kind.replace('_', ' ')}")
        return
    if before and value is None:
        return  # not set in the tenant
    if not _expect(value, kinds, path, problems):
        return
    spec = FIELD.get(kind, {}).get(field)
    if spec is not None and spec.enum and value not in spec.enum:
        problems.append(f"{path}: expected one of {', '.join(spec.enum)}, got {value!r}")
    if spec is not None and spec.many:
        for i, name in enumerate(value):
            _expect(name, (str,), f"{path}[{i}]", problems)


def _check_action_fields(change: dict, path: str, problems: Problems) -> None:
    """What each action may change: the safety rails count actions, so the fields must agree."""
    action, kind = change["action"], change["kind"]
    before, after = change.get("before") or {}, change.get("after") or {}
    if "rank" in after and action != "create":
        problems.append(f"{path}.after.rank: only a create sets a rank (a reorder moves items)")
    if kind not in LIST_KINDS:
        return
    deleted = after.get("deleted")
    if action == "delete" and deleted is not True:
        problems.append(f"{path}: a delete sets deleted: true")
    elif action == "restore" and (deleted is not False or before.get("deleted") is not True):
        problems.append(f"{path}: a restore sets deleted from true to false")
    elif action not in ("delete", "restore") and "deleted" in after:
        problems.append(f"{path}.after.deleted: only a delete or a restore changes deleted")
    if action in ("create", "rename") and after.get("name") != change.get("name"):
        problems.append(f"{path}.after.name: a {action} writes the name it shows ({change.get('name')!r})")
    if action == "update" and "name" in after and _is(after["name"], str) and _is(before.get("name"), str) \
            and name_key(after["name"]) != name_key(before["name"]):
        problems.append(f"{path}: an update may change a name only in case or spacing (a rename is a rename)")
