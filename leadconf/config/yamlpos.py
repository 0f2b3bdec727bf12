"""Strict, safe YAML loading that remembers where every value came from.

`load(raw)` parses bytes with libyaml (CSafeLoader; the pure-Python SafeLoader if libyaml is
missing) and returns the Python data together with the composed node tree, so that any data path
can later be mapped to `line:col` (`node_at`) without parsing again and without building a
path->position table for values nobody asks about.

Stricter than `yaml.safe_load`, on purpose:
- duplicate mapping keys are errors (PyYAML silently keeps the last one);
- keys must be strings;
- scalars resolve as in YAML 1.2's core schema, like the YAML language server in editors: only
  true/false are booleans (yes/no/on/off stay strings), no sexagesimal or leading-0 octal numbers,
  and dates stay strings;
- aliases may not expand the document beyond a fixed number of nodes, nor refer to themselves
  (a "billion laughs" document fails in milliseconds instead of eating memory downstream);
- nesting depth that would overflow libyaml's recursive composer is caught before it crashes.

Problems come back as `YamlLoadError(problems)` with 1-based positions and a rule id; this module
knows nothing about files or the leadconf format.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_Base: type = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

# Rule ids (documented in docs/rules.md; LC001, a file that cannot be read, is the loader's).
ENCODING, SYNTAX, TABS, DUPLICATE_KEY, DOCUMENT, NOT_MAPPING, ALIASES = (
    "LC002", "LC003", "LC004", "LC005", "LC006", "LC007", "LC008",
)

# Aliases may add this many nodes to a document beyond the nodes written out. Real configs share
# a few small lists; a billion-laughs document needs 10^9.
MAX_ALIAS_EXPANSION = 1_000_000

# libyaml's composer (Cython) recurses once per nesting level, about 300 bytes of C stack each; an
# 8 MB stack crashed between 20,000 and 50,000 levels. Above this bound the document is composed
# in a thread with a stack sized for it, and above _MAX_THREAD_DEPTH with the pure-Python composer,
# whose recursion fails with a catchable RecursionError.
_SAFE_DEPTH = 8_000
_MAX_THREAD_DEPTH = 1_000_000
_BYTES_PER_LEVEL = 1_024

# What YAML 1.2 allows in a stream (c-printable); everything else is a control character.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Problem(NamedTuple):
    rule: str
    message: str
    line: int  # 1-based
    column: int  # 1-based


class YamlLoadError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass(slots=True)
class Document:
    data: dict  # the top-level mapping
    root: Node | Positions  # its node tree, or the compact positions of a streamed document


def _core_schema_resolvers(base: dict) -> dict:
    """PyYAML's YAML 1.1 implicit resolvers, with bool/int/float replaced by YAML 1.2 core.

    Timestamps are dropped (dates stay strings), and so is the `=` "value" tag, which the safe
    constructor cannot build.
    """
    drop = {
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:value",
    }
    table = {first: [(tag, rx) for tag, rx in pairs if tag not in drop] for first, pairs in base.items()}
    core = [
        ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
        ("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
        (
            "tag:yaml.org,2002:float",
            re.compile(
                # a dot or an exponent is required, so that 0755 (not a core int) stays a string
                r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
            ),
            "-+0123456789.",
        ),
    ]
    for tag, rx, firsts in core:
        for ch in firsts:
            table.setdefault(ch, []).append((tag, rx))
    return {first: pairs for first, pairs in table.items() if pairs}


class _Strict:
    """Records duplicate and non-string keys instead of silently accepting them (mixed into a loader)."""

    yaml_implicit_resolvers = _core_schema_resolvers(yaml.SafeLoader.yaml_implicit_resolvers)

    def __init__(self, stream):
        super().__init__(stream)
        self.key_problems: list[Problem] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raw = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                    self.key_problems.append(Problem(
                        SYNTAX, f"key {raw!r} is not a string (YAML reads it as {type(key).__name__}); quote it",
                        *_pos(key_node)))
                    continue
                first = seen.setdefault(key, key_node)
                if first is not key_node:
                    self.key_problems.append(Problem(
                        DUPLICATE_KEY, f"duplicate key {key!r} (first defined on line {_pos(first)[0]})",
                        *_pos(key_node)))
        return super().construct_mapping(node, deep=deep)


class StrictLoader(_Strict, _Base):
    pass


def plain_reads_as_string(text: str) -> bool:
    """Whether `text`, written as a plain (unquoted) scalar, loads back as that string here.

    A writer of YAML for this loader quotes what it would read as another type (1e3, 0o17, true,
    null): PyYAML's dumpers resolve plain scalars by YAML 1.1 and would leave those unquoted.
    """
    table = _Strict.yaml_implicit_resolvers
    candidates = table.get(text[0] if text else "", []) + table.get(None, [])
    return not any(rx.match(text) for _tag, rx in candidates)


class _PureStrictLoader(_Strict, yaml.SafeLoader):
    """The same rules on the pure-Python composer (only for pathologically deep documents)."""


def _pos(node_or_mark) -> tuple[int, int]:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return mark.line + 1, mark.column + 1


def position(node: Node | int) -> tuple[int, int]:
    """1-based (line, column) where a node (or a packed mark of `Positions`) starts."""
    if isinstance(node, int):
        return node >> _COL_BITS, node & _COL_MASK
    return _pos(node)


# -- decoding -------------------------------------------------------------------------------------

def decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlLoadError([Problem(ENCODING, "the file is UTF-16 text; save it as UTF-8", 1, 1)])
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark is harmless: drop it
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8", "replace")) + 1
        bad = raw[exc.start:exc.end].hex(" ")
        raise YamlLoadError([Problem(
            ENCODING, f"the file is not UTF-8 text (byte 0x{bad} cannot be decoded); save it as UTF-8",
            line, column)]) from None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


# -- parsing --------------------------------------------------------------------------------------

# libyaml's scanner is quadratic in the depth of flow nesting ([[[[...: 40,000 levels took 4.7 s),
# so a run of this many opening brackets with no closing one between them is refused up front.
# Real configs nest flow collections one or two levels deep.
MAX_FLOW_RUN = 1_000
_FLOW_RUN = re.compile(r"[\[{](?:[^\[\]{}]*[\[{]){" + str(MAX_FLOW_RUN) + "}")


def _depth_bound(text: str, opens: int) -> int:
    """An upper bound of the nesting depth, computed at C speed.

    Each block level needs at most two more columns on some line than its parent, and each flow
    level one '[' or '{' character, so 2 * (longest line + 1) + brackets bounds the depth.
    """
    if len(text) <= _SAFE_DEPTH // 2:
        return len(text)
    longest = max(map(len, text.split("\n")))
    return 2 * (longest + 1) + opens


def _compose(loader_cls, text: str) -> Node | None:
    loader = loader_cls(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _compose_in_thread(text: str, stack_bytes: int):
    """Compose with libyaml in a thread whose C stack has room for the document's depth."""
    result: list = []

    def work():
        try:
            result.append((True, _compose(StrictLoader, text)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread below
            result.append((False, exc))

    old = threading.stack_size()
    try:
        threading.stack_size(stack_bytes)
        worker = threading.Thread(target=work, name="yamlpos-compose")
        worker.start()
    finally:
        threading.stack_size(old)
    worker.join()
    ok, value = result[0]
    if not ok:
        raise value
    return value


def _check_flow_nesting(text: str) -> None:
    if text.count("[") + text.count("{") > MAX_FLOW_RUN:
        run = _FLOW_RUN.search(text)
        if run:
            raise YamlLoadError([Problem(
                SYNTAX, f"the document is nested too deeply (more than {MAX_FLOW_RUN:,} levels of '[' or '{{')",
                *_line_col(text, run.start()))])


def _parse(text: str) -> Node | None:
    opens = text.count("[") + text.count("{")
    bound = _depth_bound(text, opens)
    if bound <= _SAFE_DEPTH:
        return _compose(StrictLoader, text)
    if bound <= _MAX_THREAD_DEPTH:
        try:
            return _compose_in_thread(text, max(bound * _BYTES_PER_LEVEL, 32 << 20))
        except (ValueError, RuntimeError, MemoryError):  # the platform refused the stack size
            pass
    # The pure-Python composer's recursion ends in a RecursionError, never in a crash.
    return _compose(_PureStrictLoader, text)


def _yaml_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        found = _NON_PRINTABLE.search(text)
        line, col = _line_col(text, found.start()) if found else (1, 1)
        char = f"U+{ord(found.group()):04X}" if found else "a special character"
        return Problem(ENCODING, f"control character {char} is not allowed in YAML", line, col)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = _pos(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.composer.ComposerError) and "another document" in (problem or ""):
        return Problem(DOCUMENT, "the file holds several YAML documents ('---'); put each in its own file", line, col)
    # A tab in the indentation of the failing line (or the one before it) is nearly always the cause.
    lines = text.split("\n")
    for ln in (line, line - 1):
        if 1 <= ln <= len(lines):
            body = lines[ln - 1]
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            if "\t" in indent:
                return Problem(TABS, "tab used for indentation; YAML indents with spaces only", ln, indent.index("\t") + 1)
    message = problem
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and _pos(context_mark) != (line, col):
        message += f" ({context} that starts at line {_pos(context_mark)[0]}, column {_pos(context_mark)[1]})"
    return Problem(SYNTAX, f"YAML syntax error: {message}", line, col)


# -- aliases --------------------------------------------------------------------------------------

def _check_aliases(root: Node) -> Problem | None:
    """Expanded size of the tree (aliases counted each time they are used), in linear time.

    PyYAML composes `*alias` as the very node object that `&anchor` named, so a node reached
    twice is an alias. Sizes are memoised per node, so the walk itself never expands anything.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    shared: dict[int, Node] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    unique = 0
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            if isinstance(node, MappingNode):
                sizes[key] = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            elif isinstance(node, SequenceNode):
                sizes[key] = 1 + sum(sizes[id(v)] for v in node.value)
            else:
                sizes[key] = 1
            continue
        if key in on_path:
            line, col = _pos(node)
            return Problem(ALIASES, "an alias refers to a node that contains it (a recursive structure)", line, col)
        if key in sizes:
            shared[key] = node
            continue
        unique += 1
        on_path.add(key)
        stack.append((node, True))
        if isinstance(node, MappingNode):
            for k, v in reversed(node.value):
                stack.append((v, False))
                stack.append((k, False))
        elif isinstance(node, SequenceNode):
            for v in reversed(node.value):
                stack.append((v, False))
    total = sizes[id(root)]
    if total - unique <= MAX_ALIAS_EXPANSION:
        return None
    worst = max(shared.values(), key=lambda n: sizes[id(n)])
    line, col = _pos(worst)
    return Problem(
        ALIASES,
        f"aliases expand this document to {total:,} values (at most {MAX_ALIAS_EXPANSION:,} more than written "
        f"out are allowed); the anchor here alone expands to {sizes[id(worst)]:,}",
        line, col)


# -- construction ---------------------------------------------------------------------------------

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE = (
    _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null", _T + "map", _T + "seq", _T + "merge",
)


class _Unusual(Exception):
    """A tag or construct the fast path does not handle: PyYAML's constructor takes over."""


class _BadValue(Exception):
    def __init__(self, node: ScalarNode):
        self.node = node


def _scalar(node: ScalarNode):
    try:
        return _scalar_value(node.tag, node.value)
    except ValueError:  # an explicit tag on a value of another kind (!!int "x")
        raise _BadValue(node) from None


def _scalar_value(tag: str, value: str):
    """A scalar of a core tag as Python data (ValueError: the value does not fit the tag)."""
    if tag == _STR:
        return value
    if tag == _INT:
        return int(value, 0)  # the resolver only lets core-schema forms through: 10, 0o17, 0x1f
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _NULL:
        return None
    if tag == _FLOAT:
        low = value.lower()
        if low.endswith(".inf"):
            return float("-inf") if low.startswith("-") else float("inf")
        return float("nan") if low == ".nan" else float(value)
    raise _Unusual


def _construct_fast(root: Node, shared: bool, problems: list[Problem]):
    """Nodes -> Python data, iteratively, checking keys on the way.

    PyYAML's generic constructor costs about 1.3 s for 50,000 list items; this costs a third of
    that. Anything beyond plain str/int/float/bool/null/map/seq (merge keys, !!set, custom tags)
    raises _Unusual and the caller falls back to PyYAML.
    """
    if isinstance(root, ScalarNode):
        return _scalar(root)
    memo: dict[int, Any] = {}  # aliased containers are built once and shared, as PyYAML does
    stack: list[tuple[Node, Any]] = []

    def container(node):
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if shared:
            found = memo.get(id(node))
            if found is not None:
                return found
        if isinstance(node, MappingNode) and node.tag == _MAP:
            obj: Any = {}
        elif isinstance(node, SequenceNode) and node.tag == _SEQ:
            obj = []
        else:
            raise _Unusual
        if shared:
            memo[id(node)] = obj
        stack.append((node, obj))
        return obj

    top = container(root)
    while stack:
        node, obj = stack.pop()
        if isinstance(obj, list):
            obj.extend([container(child) for child in node.value])
            continue
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                if key_node.tag == _MERGE:
                    raise _Unusual
                problems.append(Problem(SYNTAX, "a key that is a list or mapping; keys must be strings", *_pos(key_node)))
                continue
            if key_node.tag != _STR:
                if key_node.tag == _MERGE:
                    raise _Unusual
                key = _scalar(key_node)
                problems.append(Problem(
                    SYNTAX, f"key {key_node.value!r} is not a string (YAML reads it as {type(key).__name__}); quote it",
                    *_pos(key_node)))
                continue
            key = key_node.value
            if key in obj:
                first = next(k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key)
                problems.append(Problem(
                    DUPLICATE_KEY, f"duplicate key {key!r} (first defined on line {_pos(first)[0]})", *_pos(key_node)))
            obj[key] = container(value_node)
    return top


def _construct(root: Node, shared: bool):
    problems: list[Problem] = []
    try:
        return _construct_fast(root, shared, problems), problems
    except _BadValue as exc:
        tag = exc.node.tag.replace(_T, "!!")
        return None, [Problem(SYNTAX, f"{exc.node.value!r} cannot be read as {tag}", *_pos(exc.node))]
    except _Unusual:
        pass
    loader = StrictLoader("")
    try:
        return loader.construct_document(root), loader.key_problems
    except (ValueError, TypeError, OverflowError) as exc:  # PyYAML's constructors on odd explicit tags
        return None, [Problem(SYNTAX, f"a value cannot be read as its tag says: {exc}", *_pos(root))]
    finally:
        loader.dispose()


# -- streaming: the common case, without a node tree ---------------------------------------------
#
# A composed node tree costs about 15 bytes of memory per byte of YAML (a node and two Mark objects
# per value): validating a 50 MB file peaked at 1.2 GB. A plain document (a mapping; no aliases,
# merge keys, other tags, duplicate or non-string keys; no error) is built from libyaml's events
# straight into Python data instead, with its positions in `Positions`, one 64-bit integer per
# value. Anything else, every error included, goes the composed way as before.

_COL_BITS = 24
_COL_MASK = (1 << _COL_BITS) - 1


def _packed(mark) -> int:  # (inlined in _build)
    return (mark.line + 1) << _COL_BITS | min(mark.column + 1, _COL_MASK)


class Positions:
    """Where each value of a streamed document was written, found by walking the data itself.

    `_offsets` maps each container (by id: the data is kept alive here) to its slice of `_marks`:
    the (key, value) pairs of a mapping in key order, one mark per item of a list. The data's
    shape must not change after loading; values may be replaced (as ${VAR} substitution does).
    """

    __slots__ = ("data", "mark", "_offsets", "_marks")

    def __init__(self, data: dict, mark: int, offsets: dict[int, int], marks: array):
        self.data, self.mark, self._offsets, self._marks = data, mark, offsets, marks

    def _walk(self, path: Iterable[Any]) -> tuple[Any, int, int]:
        obj, mark, depth = self.data, self.mark, 0
        for part in path:
            if isinstance(obj, dict) and isinstance(part, str) and part in obj:
                slot = 2 * next(i for i, key in enumerate(obj) if key == part) + 1
            elif isinstance(obj, list) and type(part) is int and 0 <= part < len(obj):
                slot = part
            else:
                break
            mark = self._marks[self._offsets[id(obj)] + slot]
            obj = obj[part]
            depth += 1
        return obj, mark, depth

    def walk(self, path: Iterable[Any]) -> tuple[int, int]:
        _obj, mark, depth = self._walk(path)
        return mark, depth

    def key_mark(self, path: Iterable[Any], key: str) -> int | None:
        path = tuple(path)
        obj, _mark, depth = self._walk(path)
        if depth != len(path) or not isinstance(obj, dict) or key not in obj:
            return None
        return self._marks[self._offsets[id(obj)] + 2 * next(i for i, k in enumerate(obj) if k == key)]


# The implicit resolvers by first character ("" for the empty scalar), then those for any first
# character, as BaseResolver.resolve looks them up for a plain scalar.
_ANY_FIRST = tuple(_Strict.yaml_implicit_resolvers.get(None, ()))
_PLAIN_RESOLVERS = {
    first: tuple(pairs) + _ANY_FIRST for first, pairs in _Strict.yaml_implicit_resolvers.items() if first is not None
}


class _Frame:
    __slots__ = ("obj", "mapping", "key", "marks")

    def __init__(self, obj, mapping: bool):
        self.obj, self.mapping, self.key = obj, mapping, _NO_KEY
        self.marks: list[int] = []


_NO_KEY = object()


def _stream(source: bytes) -> Document:
    """A plain document from libyaml's events; _Unusual, ValueError or a YAMLError otherwise."""
    loader = StrictLoader(source)
    try:
        events = iter(loader.get_event, None)
        if not isinstance(next(events), StreamStartEvent) or not isinstance(next(events), DocumentStartEvent):
            raise _Unusual
        start = next(events)
        if not isinstance(start, MappingStartEvent) or start.tag not in (None, "!", _MAP):
            raise _Unusual  # not a mapping: the composed way says what it is
        root = _build(start, events, loader.resolve)
        if not isinstance(next(events), DocumentEndEvent) or not isinstance(next(events), StreamEndEvent):
            raise _Unusual  # several documents
        return Document(root.data, root)
    finally:
        loader.dispose()


def _build(start: MappingStartEvent, events, resolve) -> Positions:
    """The events of one mapping, to its end, as data and positions."""
    marks = array("q")
    offsets: dict[int, int] = {}
    top = _Frame({}, True)
    stack = [top]
    plain = _PLAIN_RESOLVERS
    for event in events:
        cls = event.__class__
        if cls is ScalarEvent:
            tag, value = event.tag, event.value
            if tag is None:  # the resolver, inlined: a quoted scalar is a string, a plain one is looked up
                if not event.implicit[0]:
                    tag = _STR
                else:
                    tag = next((t for t, rx in plain.get(value[:1], _ANY_FIRST) if rx.match(value)), _STR)
            elif tag == "!":
                tag = resolve(ScalarNode, value, event.implicit)
            if tag != _STR:
                value = _scalar_value(tag, value)
            new = None
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            mapping = cls is MappingStartEvent
            if event.tag not in (None, "!", _MAP if mapping else _SEQ):
                raise _Unusual
            value = {} if mapping else []
            new, tag = _Frame(value, mapping), None
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            done = stack.pop()
            offsets[id(done.obj)] = len(marks)
            marks.extend(done.marks)
            if not stack:
                return Positions(top.obj, _packed(start.start_mark), offsets, marks)
            continue
        else:
            raise _Unusual  # an alias
        frame = stack[-1]
        mark = event.start_mark
        column = mark.column + 1
        frame.marks.append((mark.line + 1) << _COL_BITS | (column if column < _COL_MASK else _COL_MASK))
        if not frame.mapping:
            frame.obj.append(value)
        elif frame.key is _NO_KEY:
            if tag != _STR or value in frame.obj:
                raise _Unusual  # a key that is not a string, or a duplicate: the composed way reports it
            frame.key = value
        else:
            frame.obj[frame.key] = value
            frame.key = _NO_KEY
        if new is not None:
            stack.append(new)
    raise _Unusual  # the events ended early


# -- public ---------------------------------------------------------------------------------------

def load(raw: bytes) -> Document:
    """Decode and parse one YAML file whose top level must be a mapping."""
    text = decode(raw)
    if not text.strip():
        raise YamlLoadError([Problem(DOCUMENT, "the file is empty", 1, 1)])
    _check_flow_nesting(text)
    shared = "&" in text and "*" in text  # without an anchor and an alias no node is shared
    if not shared:
        del text  # the parser reads the bytes: no second copy of the file while it works
        try:
            return _stream(raw)
        except (_Unusual, ValueError, yaml.YAMLError):
            pass  # the composed way below says what is wrong, or handles what is unusual
        text = decode(raw)
    try:
        root = _parse(text)
        if root is None:
            raise YamlLoadError([Problem(DOCUMENT, "the file is empty (it holds only comments)", 1, 1)])
        if shared:
            problem = _check_aliases(root)  # before construction, which would expand nothing but
            if problem:  # hand a bomb to everything downstream
                raise YamlLoadError([problem])
        data, key_problems = _construct(root, shared)
    except yaml.YAMLError as exc:
        raise YamlLoadError([_yaml_problem(exc, text)]) from None
    except RecursionError:
        raise YamlLoadError([Problem(SYNTAX, "the document is nested too deeply", 1, 1)]) from None
    if key_problems:
        raise YamlLoadError(sorted(key_problems, key=lambda p: (p.line, p.column)))
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        line, col = _pos(root)
        raise YamlLoadError([Problem(
            NOT_MAPPING, f"the document is {what}; a leadconf file is a mapping of keys such as 'version:' "
            "and 'company_categories:'", line, col)])
    return Document(data, root)


def walk(root: Node | Positions, path: Iterable[Any]) -> tuple[Any, int]:
    """The node (or packed mark) at a data path, or the deepest on the way; and how many parts matched."""
    if isinstance(root, Positions):
        return root.walk(path)
    node = root
    depth = 0
    for part in path:
        if isinstance(node, MappingNode):
            # Search from the end: with merge keys (<<) the explicit, later key is the one in effect.
            for k, v in reversed(node.value):
                if isinstance(k, ScalarNode) and k.value == part:
                    node = v
                    break
            else:
                return node, depth
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node, depth
        depth += 1
    return node, depth


def node_at(root: Node, path: Iterable[Any]) -> tuple[Node, bool]:
    """The node at a data path, or the deepest node on the way and False."""
    path = tuple(path)
    node, depth = walk(root, path)
    return node, depth == len(path)


def key_node_at(root: Node | Positions, path: Iterable[Any], key: str) -> Any:
    """The key node (or packed mark) `key` of the mapping at `path` (to point at an unknown key itself)."""
    if isinstance(root, Positions):
        return root.key_mark(path, key)
    node, found = node_at(root, path)
    if found and isinstance(node, MappingNode):
        for k, _v in reversed(node.value):
            if isinstance(k, ScalarNode) and k.value == key:
                return k
    return None
