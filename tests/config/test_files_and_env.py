"""Several files, directories, ${VARIABLES}, positions in the merged data, the digest."""

from __future__ import annotations

import hashlib

import pytest

from leadconf.config.loader import load_config
from tests.config.util import errors_of, located, validate

BASE = """
version: 1
target: snapshot:a.json
company_categories:
  prune: false
  items:
    - name: Lead
      group: potential_customer
      lead_status: true
    - name: Opportunity
      group: potential_customer
      lead_status: true
category_automation:
  sale_sold: {category: Lead}
"""

MORE = """
version: 1
company_categories:
  items:
    - name: Customer
      group: customer
lead_statuses:
  items:
    - name: Open
    - name: Qualified
marketing:
  utm_tracking: true
"""


# -- ${VARIABLES} ---------------------------------------------------------------------------------

def _statuses(write, value, env):
    path = write("c.yaml", f"version: 1\nlead_statuses:\n  items:\n    - name: Open\n      description: {value}\n")
    return load_config([path], env=env).config.lead_statuses.items[0].description


@pytest.mark.parametrize("value, env, expected", [
    ("${LEADCONF_VAR_TEAM}", {"LEADCONF_VAR_TEAM": "Sales"}, "Sales"),
    ("'Team ${LEADCONF_VAR_TEAM} of ${LEADCONF_VAR_SITE}'", {"LEADCONF_VAR_TEAM": "Sales", "LEADCONF_VAR_SITE": "Oslo"}, "Team Sales of Oslo"),
    ("${LEADCONF_VAR_TEAM:-Marketing}", {}, "Marketing"),
    ("${LEADCONF_VAR_TEAM:-Marketing}", {"LEADCONF_VAR_TEAM": ""}, "Marketing"),  # :- also replaces an empty value (as in sh)
    ("${LEADCONF_VAR_TEAM}", {"LEADCONF_VAR_TEAM": ""}, ""),
    ("${LEADCONF_VAR_TEAM:-}", {}, ""),
    ("'costs $${LEADCONF_VAR_PRICE} or $$5'", {"LEADCONF_VAR_PRICE": "no"}, "costs ${LEADCONF_VAR_PRICE} or $$5"),
    ("'$$${LEADCONF_VAR_TEAM}'", {"LEADCONF_VAR_TEAM": "x"}, "$${LEADCONF_VAR_TEAM}"),  # "$" then the escape "$${"
    ("${LEADCONF_VAR_TEAM}", {"LEADCONF_VAR_TEAM": "${LEADCONF_VAR_OTHER}"}, "${LEADCONF_VAR_OTHER}"),  # substituted values are not expanded again
])
def test_substitution(write, value, env, expected):
    assert _statuses(write, value, env) == expected


def test_unset_variable_is_an_error_at_the_value(write):
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
              description: ${LEADCONF_VAR_NOT_SET}
            - name: ${LEADCONF_VAR_ALSO_NOT_SET}
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 20, "LC009"), ("c.yaml", 6, 13, "LC009")]
    assert "environment variable LEADCONF_VAR_NOT_SET is not set" in diags[0].message


@pytest.mark.parametrize("value", ["'${OPEN'", "'${1ABC}'", "'${A:-${B}}'", "'${A-x}'", "'${}'"])
def test_malformed_reference(write, value):
    path = write("c.yaml", f"version: 1\nlead_statuses:\n  items:\n    - name: {value}\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 13, "LC009")]


def test_keys_are_not_substituted(write):
    path = write("c.yaml", "version: 1\n${LEADCONF_VAR_SECTION}: {}\n")
    diags = errors_of(path, env={"LEADCONF_VAR_SECTION": "marketing"})
    assert located(diags) == [("c.yaml", 2, 1, "LC010")]
    assert "unknown key '${LEADCONF_VAR_SECTION}'" in diags[0].message


def test_substitution_gives_strings_only(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  prune: ${LEADCONF_VAR_PRUNE}\n")
    diags = errors_of(path, env={"LEADCONF_VAR_PRUNE": "true"})
    assert located(diags) == [("c.yaml", 3, 10, "LC010")]
    assert "got the string 'true'" in diags[0].message


def test_aliased_value_is_unescaped_once(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: A, visible_for: &v ["$${X}"]}
            - {name: B, visible_for: *v}
        """)
    cats = load_config([path], env={"LEADCONF_VAR_X": "no"}).config.company_categories.items
    assert [c.visible_for for c in cats] == [["${X}"], ["${X}"]]


def test_environment_defaults_to_os_environ(write, monkeypatch):
    monkeypatch.setenv("LEADCONF_VAR_TEST_TEAM", "Sales")
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: ${LEADCONF_VAR_TEST_TEAM}\n")
    assert load_config([path]).config.lead_statuses.items[0].name == "Sales"


def test_substitution_reads_only_opted_in_variables(write):
    """Issue 12: `${SUPEROFFICE_TICKET}` copied the ticket into every plan format, the plan file,
    the PR comment and the tenant. Only LEADCONF_VAR_* are read; the old form is a clear error."""
    env = {"SUPEROFFICE_TICKET": "7T:secret-ticket-value", "HOME": "/home/x"}
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
              description: "t=${SUPEROFFICE_TICKET}"
            - name: ${HOME:-x}
        """)
    diags = errors_of(path, env=env)
    assert located(diags) == [("c.yaml", 5, 20, "LC009"), ("c.yaml", 6, 13, "LC009")]
    assert "only variables named LEADCONF_VAR_* are" in diags[0].message
    assert "LEADCONF_VAR_HOME" in diags[1].message  # the migration, spelt out
    assert all("secret-ticket-value" not in str(d) for d in diags)


def test_the_migration_hint_never_advises_copying_a_credential(write):
    """Before: `${SUPEROFFICE_TICKET}` was answered "Set LEADCONF_VAR_SUPEROFFICE_TICKET", which is
    then refused (a LEADCONF_VAR_* holding a credential's value): a credential has no place in a config."""
    env = {"SUPEROFFICE_TICKET": "7T:secret-ticket-value", "MY_API_TOKEN": "x"}
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
              description: "t=${SUPEROFFICE_TICKET}"
            - name: "${MY_API_TOKEN}"
        """)
    diags = errors_of(path, env=env)
    assert len(diags) == 2
    for diag in diags:
        assert "LEADCONF_VAR_" + ("SUPEROFFICE_TICKET" if "TICKET" in diag.message else "MY_API_TOKEN") not in diag.message
        assert "credential" in diag.message and "cannot be put in a config" in diag.message


def test_opted_in_variable_holding_a_credential_is_refused(write):
    env = {"SUPEROFFICE_APP_TOKEN": "app-token-value", "LEADCONF_VAR_DESC": "app-token-value"}
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: ${LEADCONF_VAR_DESC}\n")
    diags = errors_of(path, env=env)
    assert located(diags) == [("c.yaml", 4, 13, "LC009")]
    assert "credential" in diags[0].message and "app-token-value" not in diags[0].message


# -- several files --------------------------------------------------------------------------------

def test_sections_merge_and_items_concatenate(write):
    a, b = write("a.yaml", BASE), write("b.yaml", MORE)
    loaded = load_config([a, b], env={})
    cats = loaded.config.company_categories.items
    assert [c.name for c in cats] == ["Lead", "Opportunity", "Customer"]
    assert [s.name for s in loaded.config.lead_statuses.items] == ["Open", "Qualified"]
    assert loaded.config.marketing.utm_tracking is True
    assert loaded.files == [a, b]
    # positions of the merged data point into the file that wrote each value
    assert loaded.where(("company_categories", "items", 1)) == (a, 9, 7)
    assert loaded.where(("company_categories", "items", 2)) == (b, 4, 7)
    assert loaded.where(("company_categories", "items", 2, "group")) == (b, 5, 14)
    assert loaded.where(("lead_statuses", "items", 1)) == (b, 9, 7)
    assert loaded.where(("category_automation", "sale_sold", "category")) == (a, 13, 25)
    assert loaded.where(("marketing", "utm_tracking")) == (b, 11, 17)
    assert loaded.where(("company_categories", "prune")) == (a, 4, 10)
    assert loaded.source(("company_categories", "items", 2)) == f"{b}:4"
    # a path that goes past what was written: the deepest value on the way
    assert loaded.where(("company_categories", "items", 2, "description")) == (b, 4, 7)


def test_order_of_files_is_the_rank_order(write):
    a, b = write("a.yaml", BASE), write("b.yaml", MORE)
    cats = load_config([b, a], env={}).config.company_categories.items
    assert [c.name for c in cats] == ["Customer", "Lead", "Opportunity"]


def test_scalars_must_agree(write):
    a = write("a.yaml", BASE)
    b = write("b.yaml", """
        version: 1
        target: snapshot:b.json
        company_categories:
          prune: true
        category_automation:
          sale_sold: {category: Opportunity}
        """)
    diags = errors_of([a, b])
    assert located(diags) == [("b.yaml", 2, 9, "LC101"), ("b.yaml", 4, 10, "LC101"), ("b.yaml", 6, 14, "LC101")]
    assert diags[0].message.startswith(f"target: 'snapshot:b.json' here but 'snapshot:a.json' in {a}:2:9")
    assert f"true here but false in {a}:4:10" in diags[1].message
    assert f"category_automation.sale_sold is also given in {a}:13:14, differently" in diags[2].message


def test_equal_scalars_in_several_files_are_fine(write):
    a = write("a.yaml", BASE)
    b = write("b.yaml", "version: 1\ntarget: snapshot:a.json\ncompany_categories:\n  prune: false\n")
    assert load_config([a, b], env={}).config.target == "snapshot:a.json"


def test_item_defined_in_two_files_names_both_places(write):
    a = write("a.yaml", BASE)
    b = write("b.yaml", "version: 1\ncompany_categories:\n  items:\n    - name: ' lead'\n      group: potential_customer\n")
    diags = errors_of([a, b])
    assert located(diags, "LC104") == [("b.yaml", 4, 13, "LC104")]
    message = next(d.message for d in diags if d.rule == "LC104")
    assert f"defined twice: here and at {a}:6" in message


def test_conflicts_and_rule_errors_are_reported_together(write):
    a = write("a.yaml", BASE)
    b = write("b.yaml", "version: 1\ntarget: other\ncompany_categories:\n  items:\n    - name: Lead\n")
    assert [d.rule for d in errors_of([a, b])] == ["LC101", "LC104"]


def test_directory_is_its_yaml_files_sorted(tmp_path):
    d = tmp_path / "conf"
    d.mkdir()
    (d / "20-more.yml").write_text(MORE)
    (d / "10-base.yaml").write_text(BASE)
    (d / "README.md").write_text("not config")
    (d / ".hidden.yaml").write_text("broken: [")
    (d / "sub").mkdir()
    (d / "sub" / "x.yaml").write_text("broken: [")
    loaded = load_config([str(d)], env={})
    assert loaded.files == [str(d / "10-base.yaml"), str(d / "20-more.yml")]
    assert [c.name for c in loaded.config.company_categories.items] == ["Lead", "Opportunity", "Customer"]
    code, out, _ = validate("-c", str(d))
    assert (code, out) == (0, f"{d}: valid\n")


def test_a_file_named_twice_is_read_once(tmp_path):
    (tmp_path / "a.yaml").write_text(BASE)
    loaded = load_config([str(tmp_path / "a.yaml"), str(tmp_path)], env={})
    assert loaded.files == [str(tmp_path / "a.yaml")]


def test_missing_file_among_others(write, tmp_path):
    a = write("a.yaml", BASE)
    missing = str(tmp_path / "missing.yaml")
    diags = errors_of([a, missing])
    assert [(d.file, d.rule, d.message) for d in diags] == [(missing, "LC001", "no such file")]


def test_digest_covers_bytes_and_order(write):
    a, b = write("a.yaml", BASE), write("b.yaml", MORE)
    ab = load_config([a, b], env={}).digest
    assert ab == load_config([a, b], env={}).digest
    assert ab != load_config([b, a], env={}).digest
    one = load_config([a], env={}).digest
    with open(a, "rb") as fh:
        raw = fh.read()
    assert one == hashlib.sha256(len(raw).to_bytes(8, "big") + raw).hexdigest()
    with open(a, "a") as fh:
        fh.write("# a comment changes the digest\n")
    assert load_config([a], env={}).digest != one


def test_where_is_none_without_sources():
    from leadconf.config.loader import LoadedConfig
    from leadconf.config.models import Config

    loaded = LoadedConfig(Config(version=1), [], "")
    assert loaded.where(("version",)) is None and loaded.source(("version",)) is None


def test_paths_may_be_a_single_string(write):
    path = write("a.yaml", BASE)
    assert load_config(path, env={}).files == [path]
