"""The YAML layer: each class of broken file gets its own rule id at the right file:line:col."""

from __future__ import annotations

import time

import pytest

from leadconf.config import yamlpos
from leadconf.config.loader import load_config
from tests.config.util import errors_of, located, validate

VALID = "version: 1\nlead_statuses:\n  items:\n    - name: Open\n"


def test_syntax_error_cli(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items: [Open, Contacting\n")
    code, out, err = validate("-c", path)
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:4:1: LC003 YAML syntax error: did not find expected ',' or ']'")
    assert "line 3, column 10" in first  # where the unclosed flow sequence starts
    assert err.splitlines()[-1] == f"{path}: invalid (1 error)"
    assert out == ""


def test_bad_indentation(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items: []\n prune: true\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 2, "LC003")]


def test_duplicate_keys_all_reported(write):
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
              name: Closed
          items: []
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 7, "LC005"), ("c.yaml", 6, 3, "LC005")]
    assert "duplicate key 'name' (first defined on line 4)" in diags[0].message


def test_tab_indentation(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n\titems: []\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 3, 1, "LC004")]
    assert "tab" in diags[0].message and "spaces" in diags[0].message


def test_tab_inside_indentation_after_spaces(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n  \t- name: Open\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 3, "LC004")]


def test_tab_as_separator_is_fine(write):
    path = write("c.yaml", "version:\t1\n")
    assert load_config([path], env={}).config.version == 1


def test_not_utf8_points_at_the_byte(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: Caf\xe9\n".encode("latin-1"))
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 4, 16, "LC002")]
    assert "0xe9" in diags[0].message and "UTF-8" in diags[0].message


def test_utf16_is_named(write):
    path = write("c.yaml", "version: 1\n".encode("utf-16"))
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 1, 1, "LC002")]
    assert "UTF-16" in diags[0].message


def test_control_character(write):
    path = write("c.yaml", b"version: 1\nlead_statuses:\n  items:\n    - name: \"Op\x01en\"\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 16, "LC002")]


def test_utf8_bom_is_fine(write):
    path = write("c.yaml", b"\xef\xbb\xbf" + VALID.encode())
    assert load_config([path], env={}).config.lead_statuses.items[0].name == "Open"


def test_positions_count_characters_not_bytes(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - {name: Çé, descripton: x}\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 18, "LC010")]


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("\n\n   \n", "the file is empty"),
    ("# only a comment\n", "only comments"),
])
def test_empty(write, text, message):
    path = write("c.yaml", text)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 1, 1, "LC006")]
    assert message in diags[0].message


def test_several_documents(write):
    path = write("c.yaml", VALID + "---\nversion: 1\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 1, "LC006")]
    assert "several YAML documents" in diags[0].message


@pytest.mark.parametrize("text, what, line", [
    ("- version: 1\n- lead_statuses: {}\n", "a list", 1),
    ("just some words\n", "a single value", 1),
    ("# comment\n42\n", "a single value", 2),
])
def test_document_not_a_mapping(write, text, what, line):
    path = write("c.yaml", text)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", line, 1, "LC007")]
    assert what in diags[0].message


BOMB = "version: 1\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


def test_billion_laughs_fails_fast(write):
    path = write("c.yaml", BOMB)
    start = time.perf_counter()
    diags = errors_of(path)
    assert time.perf_counter() - start < 1.0
    assert [d.rule for d in diags] == ["LC008"]
    assert diags[0].line == 10  # the anchor whose expansion is the largest one repeated (a8)
    assert "aliases expand this document to" in diags[0].message


def test_recursive_alias(write):
    path = write("c.yaml", "version: 1\nx: &x [a, *x]\n")
    assert located(errors_of(path)) == [("c.yaml", 2, 4, "LC008")]


def test_ordinary_aliases_and_merge_keys_work(write):
    path = write("c.yaml", """
        version: 1
        x-defaults: &cat {group: potential_customer, lead_status: true}
        company_categories:
          items:
            - {<<: *cat, name: Lead}
            - {<<: *cat, name: Opportunity, lead_status: false}
        """)
    # x-defaults is not a key of the format: the schema says so, and the aliases were expanded.
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 2, 1, "LC010")]
    path = write("d.yaml", """
        version: 1
        company_categories:
          items:
            - &lead {name: Lead, group: potential_customer, lead_status: true, visible_for: &g [Sales]}
            - {name: Opportunity, group: potential_customer, visible_for: *g}
        """)
    cats = load_config([path], env={}).config.company_categories.items
    assert [c.visible_for for c in cats] == [["Sales"], ["Sales"]]


def test_nesting_too_deep_fails_fast(write):
    path = write("c.yaml", "version: 1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n")
    start = time.perf_counter()
    diags = errors_of(path)
    assert time.perf_counter() - start < 1.0
    assert located(diags) == [("c.yaml", 2, 4, "LC003")]
    assert "nested too deeply" in diags[0].message


def test_deep_but_allowed_nesting_is_composed_safely(write, monkeypatch):
    # Beyond the depth bound that is safe on the caller's stack, the document is composed in a
    # thread with a larger one; the result is the same. (A document without aliases is streamed,
    # which nests without recursion: the alias here sends this one the composed way.)
    real, calls = yamlpos._compose_in_thread, []

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(yamlpos, "_compose_in_thread", spy)
    path = write("c.yaml", "version: 1\n# " + "-" * 5000 + "\nx: " + "[a, " * 900 + "&b b, *b" + "]" * 900 + "\n")
    diags = errors_of(path)
    assert calls, "expected the threaded composer"
    assert located(diags) == [("c.yaml", 3, 1, "LC010")]


@pytest.mark.parametrize("key, shown", [("1", "'1'"), ("true", "'true'"), ("null", "'null'"), ("[a]", "list or mapping")])
def test_keys_must_be_strings(write, key, shown):
    path = write("c.yaml", f"version: 1\n{key}: x\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 2, 1, "LC003")]
    assert shown in diags[0].message


def test_yaml_12_scalars(write):
    # yes/no/on/off are strings (as in editors), dates and 0755 stay strings.
    data = yamlpos.load(b"a: [yes, no, on, off, true, False, 2024-01-01, 0755, 1:20, 0x1f, 0o17, 1e3, ~]").data
    assert data == {"a": ["yes", "no", "on", "off", True, False, "2024-01-01", "0755", "1:20", 31, 15, 1000.0, None]}


def test_yes_for_a_boolean_says_how_to_write_it(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  prune: yes\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 3, 10, "LC010")]
    assert "write true or false" in diags[0].message


def test_date_like_name_stays_a_string(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: 2024-01-01\n")
    assert load_config([path], env={}).config.lead_statuses.items[0].name == "2024-01-01"


def test_bad_explicit_tag(write):
    path = write("c.yaml", "version: !!int one\n")
    assert located(errors_of(path)) == [("c.yaml", 1, 10, "LC003")]


def test_unknown_tag(write):
    path = write("c.yaml", "version: !python/object:os.system 1\n")
    assert located(errors_of(path)) == [("c.yaml", 1, 10, "LC003")]


def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    code, _out, err = validate("-c", missing)
    assert code == 1
    assert err.splitlines()[0] == f"{missing}: LC001 no such file"


def test_default_config_is_leadconf_yaml(tmp_path):
    code, _out, err = validate(cwd=str(tmp_path))
    assert code == 1
    assert err.splitlines()[0] == "leadconf.yaml: LC001 no such file"
    (tmp_path / "leadconf.yaml").write_text(VALID)
    code, out, _err = validate(cwd=str(tmp_path))
    assert (code, out) == (0, "leadconf.yaml: valid\n")


def test_directory_without_yaml(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    diags = errors_of(str(tmp_path))
    assert [(d.rule, d.line) for d in diags] == [("LC001", None)]
    assert "no *.yaml" in diags[0].message


def test_errors_of_several_files_are_all_reported(write):
    a = write("a.yaml", "version: 1\nx: [\n")
    b = write("b.yaml", "version: 1\nversion: 1\n")
    c = write("c.yaml", "")
    assert located(errors_of([a, b, c])) == [
        ("a.yaml", 3, 1, "LC003"), ("b.yaml", 2, 1, "LC005"), ("c.yaml", 1, 1, "LC006"),
    ]
