"""The one way a configuration is read: files -> YAML -> ${VARS} -> merge -> schema -> model -> rules.

Every problem found on the way is collected and raised together as one `ConfigError`, each
diagnostic located at `file:line:col`. Positions are looked up only when asked for (an error, a
plan line), by walking the YAML node trees kept from parsing; nothing is precomputed per value.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leadconf.config import fastpath, rules, yamlpos
from leadconf.errors import ConfigError, Diagnostic
from leadconf.errors import diagnostic_order as sort_key
from leadconf.vocabulary import SECTIONS

if TYPE_CHECKING:
    from leadconf.config.models import Config

LIST_SECTIONS = tuple(SECTIONS.values())
ENV_RULE = "LC009"
MERGE_RULE = "LC101"



# -- positions ------------------------------------------------------------------------------------

class _Sources:
    """Maps a path of the merged data back to the file, line and column that wrote it."""

    __slots__ = ("docs", "segments")

    def __init__(self, docs: list[tuple[str, Any]], segments: dict[str, tuple[list[int], list[int]]]):
        self.docs = docs  # (file name, YAML root node), in merge order
        # list section -> (merged start index of each file's items, that file's index in docs)
        self.segments = segments

    def _resolve(self, path: tuple):
        """(file, root, path within that file) of the file that gave the value at `path`."""
        if len(path) >= 3 and path[0] in self.segments and path[1] == "items" and isinstance(path[2], int):
            starts, owners = self.segments[path[0]]
            i = bisect.bisect_right(starts, path[2]) - 1
            if i >= 0:
                name, root = self.docs[owners[i]]
                return name, root, (path[0], "items", path[2] - starts[i]) + path[3:]
        best: tuple | None = None
        for name, root in self.docs:
            depth = yamlpos.walk(root, path)[1]
            if depth == len(path):
                return name, root, path
            if best is None or depth > best[0]:
                best = (depth, name, root)
        assert best is not None  # docs is never empty here: where() returns early without a file
        return best[1], best[2], path

    def where(self, path: tuple) -> tuple[str, int, int] | None:
        if not self.docs:
            return None
        name, root, local = self._resolve(tuple(path))
        return (name, *yamlpos.position(yamlpos.walk(root, local)[0]))

    def where_key(self, path: tuple, key: str) -> tuple[str, int, int] | None:
        """Position of the key itself (to point at an unknown key)."""
        if not self.docs:
            return None
        name, root, local = self._resolve(tuple(path) + (key,))
        node = yamlpos.key_node_at(root, local[:-1], key) or yamlpos.walk(root, local)[0]
        return (name, *yamlpos.position(node))


@dataclass
class LoadedConfig:
    config: Config  # merged and validated
    files: list[str]  # the files read, in order
    digest: str  # sha256 over each file's length and bytes, in order
    warnings: list[Diagnostic] = field(default_factory=list)
    _sources: _Sources | None = field(default=None, repr=False, compare=False)

    def where(self, path: tuple) -> tuple[str, int, int] | None:
        """(file, line, col) of the value at a path of the merged data, e.g.
        ("company_categories", "items", 3, "name"); the deepest existing value if the path ends early."""
        return self._sources.where(tuple(path)) if self._sources is not None else None

    def source(self, path: tuple) -> str | None:
        """The same as "file:line", for plan changes."""
        loc = self.where(path)
        return f"{loc[0]}:{loc[1]}" if loc else None

    def diagnostic(self, path: tuple, rule: str, message: str, severity: str = "error") -> Diagnostic:
        loc = self.where(path)
        if loc is None:
            return Diagnostic(message, rule, severity=severity)
        return Diagnostic(message, rule, loc[0], loc[1], loc[2], severity)


# -- files ----------------------------------------------------------------------------------------

def _expand(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """Files to read: a directory stands for its *.yaml / *.yml files, sorted by name."""
    files: list[str] = []
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            try:
                entries = os.listdir(path)
            except OSError as exc:
                problems.append(Diagnostic(f"cannot be read: {exc.strerror or exc}", "LC001", path))
                continue
            names = sorted(
                n for n in entries
                if n.endswith((".yaml", ".yml")) and not n.startswith(".") and os.path.isfile(os.path.join(path, n))
            )
            if not names:
                problems.append(Diagnostic("the directory holds no *.yaml or *.yml files", "LC001", path))
            candidates = [os.path.join(path, n) for n in names]
        else:
            candidates = [path]
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real not in seen:  # the same file named twice (a file and its directory) is read once
                seen.add(real)
                files.append(candidate)
    return files, problems


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise _FileProblem("no such file") from None
    except IsADirectoryError:
        raise _FileProblem("is a directory") from None
    except OSError as exc:
        raise _FileProblem(f"cannot be read: {exc.strerror or exc}") from None


class _FileProblem(Exception):
    pass


# -- ${VARIABLES} ---------------------------------------------------------------------------------
# Only variables the user opted in are read (as Terraform reads only TF_VAR_*): a config comes from
# a pull request, and a reference such as ${SUPEROFFICE_TICKET} would otherwise copy a credential
# into the plan, the PR comment and the tenant.

VAR_PREFIX = "LEADCONF_VAR_"
_REF = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)(?P<close>\})?")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Variables that hold credentials: a value equal to one of theirs is refused even under the prefix.
_SECRET_VARIABLE = re.compile(r"SUPEROFFICE_.*|LEADCONF_PLAN_KEY|LEADCONF_GITLAB_TOKEN|.*(TOKEN|SECRET|PASSWORD|TICKET|KEY).*")


class _EnvProblem(Exception):
    pass


def _secret_values(env: Mapping[str, str]) -> frozenset[str]:
    return frozenset(v for k, v in env.items()
                     if v and len(v) >= 4 and not k.startswith(VAR_PREFIX) and _SECRET_VARIABLE.fullmatch(k))


def _lookup(name: str, sep: str, default: str, env: Mapping[str, str], secrets: frozenset[str]) -> str:
    if not name.startswith(VAR_PREFIX) and _SECRET_VARIABLE.fullmatch(name):
        raise _EnvProblem(
            f"${{{name}}} is not substituted: {name} names a credential, and credentials cannot be put in a "
            f"config (they would reach the plan, the plan file, a PR comment and the tenant). leadconf reads "
            f"credentials from the environment itself; only variables named {VAR_PREFIX}* are substituted")
    if not name.startswith(VAR_PREFIX) or name == VAR_PREFIX:
        raise _EnvProblem(
            f"${{{name}}} is not substituted: only variables named {VAR_PREFIX}* are, so that a config "
            f"cannot read credentials such as SUPEROFFICE_TICKET. Set {VAR_PREFIX}{name} and write "
            f"${{{VAR_PREFIX}{name}}} (or $${{ for a literal ${{)")
    got = env.get(name)
    if got is None or (sep and got == ""):
        if sep:
            return default
        raise _EnvProblem(f"environment variable {name} is not set (give a default with ${{{name}:-value}})")
    if got in secrets:
        raise _EnvProblem(f"environment variable {name} holds the value of a credential variable; "
                          "leadconf does not copy credentials into a config")
    return got


def _expand_string(value: str, env: Mapping[str, str], secrets: frozenset[str] = frozenset()) -> str:
    def replace(match: re.Match) -> str:
        if match.group() == "$${":
            return "${"
        body = match["body"]
        if match["close"] is None:
            raise _EnvProblem("'${' without a closing '}' (write $${ for a literal ${)")
        name, sep, default = body.partition(":-")
        if not _VAR_NAME.fullmatch(name) or "${" in default:
            raise _EnvProblem(
                f"'${{{body}}}' is not a variable reference: write ${{{VAR_PREFIX}NAME}} or "
                f"${{{VAR_PREFIX}NAME:-default}} (no nesting), or $${{ for a literal ${{")
        return _lookup(name, sep, default, env, secrets)

    return _REF.sub(replace, value)


def _substitute(data: dict, env: Mapping[str, str]) -> list[tuple[tuple, str]]:
    """Expand ${VARS} in every string value (never in keys), in place. Returns (path, problem)s."""
    problems: list[tuple[tuple, str]] = []
    secrets = _secret_values(env)
    done: set[int] = set()  # aliased containers are shared: expand each once ($${ must unescape once)
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        container, path = stack.pop()
        if id(container) in done:
            continue
        done.add(id(container))
        pairs = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in list(pairs):
            if isinstance(value, str):
                if "$" in value:
                    try:
                        container[key] = _expand_string(value, env, secrets)
                    except _EnvProblem as exc:
                        problems.append((path + (key,), str(exc)))
            elif isinstance(value, (dict, list)):
                stack.append((value, path + (key,)))
    return problems


# -- merging --------------------------------------------------------------------------------------

def _short(value: Any) -> str:
    if value is None:
        return "nothing"
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _merge(names: list[str], docs: list[yamlpos.Document]):
    """Merge the files' data: sections merge key by key, `items` lists concatenate in file order,
    and any other value given by several files must be the same in each."""
    segments: dict[str, tuple[list[int], list[int]]] = {}
    if len(docs) == 1:
        data = docs[0].data
        segments = {s: ([0], [0]) for s in LIST_SECTIONS if isinstance(data.get(s), dict)}
        return data, segments, []
    merged: dict = {}
    conflicts: list[tuple[int, tuple]] = []
    for idx, doc in enumerate(docs):
        for key, value in doc.data.items():
            if key not in merged:
                # copies, so that merging never changes a file's own data
                merged[key] = {k: list(v) if isinstance(v, list) else v for k, v in value.items()} if isinstance(value, dict) else value
                if key in LIST_SECTIONS and isinstance(value, dict) and isinstance(value.get("items"), list):
                    segments[key] = ([0], [idx])
                continue
            target = merged[key]
            if not (isinstance(target, dict) and isinstance(value, dict)):
                if target != value:
                    conflicts.append((idx, (key,)))
                continue
            for sub, sub_value in value.items():
                if sub not in target:
                    target[sub] = list(sub_value) if isinstance(sub_value, list) else sub_value
                    if key in LIST_SECTIONS and sub == "items" and isinstance(sub_value, list):
                        segments[key] = ([0], [idx])
                elif key in LIST_SECTIONS and sub == "items" and isinstance(target[sub], list) and isinstance(sub_value, list):
                    starts, owners = segments[key]
                    starts.append(len(target[sub]))
                    owners.append(idx)
                    target[sub].extend(sub_value)
                elif target[sub] != sub_value:
                    conflicts.append((idx, (key, sub)))
    problems = []
    for idx, path in conflicts:
        first = next(i for i in range(idx) if _has(docs[i].data, path))
        there = _at(names[first], docs[first].root, path)
        mine, theirs = _value_at(docs[idx].data, path), _value_at(docs[first].data, path)
        place = f"{there[0]}:{there[1]}:{there[2]}"
        if isinstance(mine, (dict, list)) or isinstance(theirs, (dict, list)):
            what = f"{_dotted(path)} is also given in {place}, differently"
        else:
            what = f"{_dotted(path)}: {_short(mine)} here but {_short(theirs)} in {place}"
        problems.append(Diagnostic(
            f"{what}; files must agree on the values they share",
            MERGE_RULE, *_at(names[idx], docs[idx].root, path)))
    return merged, segments, problems


def _validate(data: dict, sources: _Sources) -> tuple[Config | None, list[Diagnostic]]:
    """The typed config, without pydantic when the document is valid (fastpath.py); else the
    models and the schema say what is wrong."""
    config = fastpath.build(data)
    if config is not None:
        return config, []
    from leadconf.config import schema

    return schema.validate(data, sources)


def _dotted(path: tuple) -> str:
    from leadconf.config.schema import dotted

    return dotted(path)


def _has(data, path: tuple) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _value_at(data, path: tuple):
    for part in path:
        data = data[part]
    return data


def _at(name: str, root, path: tuple) -> tuple[str, int, int]:
    node, _ = yamlpos.walk(root, path)
    return (name, *yamlpos.position(node))


# -- the pipeline ---------------------------------------------------------------------------------

def load_config(paths: Sequence[str], env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, merge and validate configuration files (or directories of them).

    Raises ConfigError with every error found, sorted by file and line; warnings of a valid
    configuration are on the result.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    env = os.environ if env is None else env
    files, problems = _expand(paths)
    if not files and not problems:
        problems.append(Diagnostic("no configuration file given", "LC001"))
    try:
        with _gc_paused():
            return _load(files, env, problems)
    except RecursionError:
        raise ConfigError([Diagnostic("the document is nested too deeply", "LC003", files[0] if files else None, 1, 1)]) from None


@contextmanager
def _gc_paused():
    """No cyclic GC while the parser builds many objects and no cycles (its passes only cost, and
    superlinearly); the caller's setting is restored afterwards, whatever it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _not_at(found: list[Diagnostic], unresolved: list[Diagnostic]) -> list[Diagnostic]:
    """`found` without what is said at the place of an unresolved ${VAR} (its value is unknown)."""
    places = {(d.file, d.line, d.column) for d in unresolved}
    return [d for d in found if (d.file, d.line, d.column) not in places] if places else found


def _load(files: list[str], env: Mapping[str, str], problems: list[Diagnostic]):
    digest = hashlib.sha256()
    docs: list[yamlpos.Document] = []
    names: list[str] = []
    for name in files:
        try:
            raw = _read(name)
        except _FileProblem as exc:
            problems.append(Diagnostic(str(exc), "LC001", name))
            continue
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
        try:
            doc = yamlpos.load(raw)
        except yamlpos.YamlLoadError as exc:
            problems.extend(Diagnostic(p.message, p.rule, name, p.line, p.column) for p in exc.problems)
            continue
        if b"${" in raw:
            for path, message in _substitute(doc.data, env):
                problems.append(Diagnostic(message, ENV_RULE, *_at(name, doc.root, path)))
        docs.append(doc)
        names.append(name)
    order = sort_key(files)
    if any(p.rule != ENV_RULE for p in problems):
        raise ConfigError(sorted(problems, key=order))
    # An unset ${VAR} leaves its reference in place: the schema and the rules still run, so that
    # every error is reported at once (what is said about that very value is left out).
    unresolved = problems

    data, segments, problems = _merge(names, docs)
    problems = unresolved + problems
    sources = _Sources([(n, d.root) for n, d in zip(names, docs)], segments)

    config, schema_problems = _validate(data, sources)
    problems.extend(_not_at(schema_problems, unresolved))
    if config is None:
        raise ConfigError(sorted(problems, key=order))

    # The rules also run after a merge conflict: the merged config (first file wins) is still
    # well-formed, and an item defined in two files is best reported in the same run.
    loaded = LoadedConfig(config, list(files), digest.hexdigest(), [], sources)
    problems.extend(_not_at(rules.check_config(loaded), unresolved))
    if any(d.severity == "error" for d in problems):
        raise ConfigError(sorted(problems, key=order))
    loaded.warnings = sorted(problems, key=order)
    return loaded
