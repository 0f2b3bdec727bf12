"""The streamed way of loading (plain documents, no node tree) gives the same data and the same
positions as the composed way, and anything unusual still goes the composed way."""

from __future__ import annotations

import glob
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadconf.config import yamlpos
from tests.config.util import EXAMPLES


def _composed(raw: bytes) -> yamlpos.Document:
    text = yamlpos.decode(raw)
    root = yamlpos._parse(text)
    data, problems = yamlpos._construct(root, False)
    assert not problems
    return yamlpos.Document(data, root)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, prefix + (i,))


def _same(raw: bytes):
    streamed = yamlpos.load(raw)
    assert isinstance(streamed.root, yamlpos.Positions), "expected the streamed way"
    composed = _composed(raw)
    assert streamed.data == composed.data
    for path in _paths(composed.data):
        want = yamlpos.walk(composed.root, path)
        got = yamlpos.walk(streamed.root, path)
        assert (yamlpos.position(got[0]), got[1]) == (yamlpos.position(want[0]), want[1]), path
        if path:
            k_want = yamlpos.key_node_at(composed.root, path[:-1], path[-1])
            k_got = yamlpos.key_node_at(streamed.root, path[:-1], path[-1])
            assert (k_want is None) == (k_got is None), path
            if k_want is not None:
                assert yamlpos.position(k_got) == yamlpos.position(k_want), path
    # a path that goes too far stops at the same place
    for path in [("nope",), ("company_categories", "items", 10_000, "name"), ("version", "x")]:
        assert yamlpos.position(yamlpos.walk(streamed.root, path)[0]) == yamlpos.position(yamlpos.walk(composed.root, path)[0])


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml"))), ids=os.path.basename)
def test_examples(path):
    with open(path, "rb") as fh:
        _same(fh.read())


def test_unicode_flow_quoted_and_folded_values():
    _same("""\ufeffversion: 1
namé: "Potentiële klant"   # a comment
lijst: [één, 'twee', "drie", {a: 1, b: [x, y]}]
multi: >
  folded
  text
literal: |
  keep
  lines
nested:
  - - deep
    - [1, 2.5, true, null, ~, 0o17, 1e3]
  - {}
  - []
empty:
""".encode())


def test_deep_block_nesting_needs_no_recursion():
    depth = 900  # libyaml itself refuses more than 1,000 levels
    text = "version: 1\nx:\n" + "".join("  " * i + "- \n" for i in range(1, depth)) + "  " * depth + "- leaf\n"
    doc = yamlpos.load(text.encode())
    assert isinstance(doc.root, yamlpos.Positions)
    node = doc.data["x"]
    for _ in range(depth - 1):
        node = node[0]
    assert node == ["leaf"]


@pytest.mark.parametrize("text", [
    "a: &x [1]\nb: *x\n",  # aliases
    "base: &b {x: 1}\nc:\n  <<: *b\n",  # merge keys
    "a: !!set {x}\n",  # another tag
])
def test_unusual_documents_go_the_composed_way(text):
    assert not isinstance(yamlpos.load(text.encode()).root, yamlpos.Positions)


_KEY = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=8)
_SCALAR = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_KEY, inner, max_size=4)), max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(_KEY, _VALUE, min_size=1, max_size=5), flow=st.booleans())
def test_any_plain_document(data, flow):
    raw = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False).encode()
    try:
        composed = _composed(raw)
    except (yamlpos.YamlLoadError, yaml.YAMLError, AssertionError):
        return  # not a document the loader accepts (a key YAML 1.2 reads as a number, say)
    if not isinstance(composed.data, dict):
        return
    doc = yamlpos.load(raw)
    if isinstance(doc.root, yamlpos.Positions):
        _same(raw)
    else:
        assert doc.data == composed.data
