"""An unset ${VAR} (LC009) is reported together with the other errors, not instead of them."""

from __future__ import annotations

from tests.config.util import errors_of, located, validate


def test_lc009_comes_with_the_schema_errors(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - name: ${LEADCONF_VAR_NOT_SET}
              group: potential
            - name: Lead
            - name: lead
        """)
    assert located(errors_of(path)) == [
        ("c.yaml", 4, 13, "LC009"), ("c.yaml", 5, 14, "LC010"),
    ]


def test_lc009_comes_with_the_rule_errors_when_the_schema_is_satisfied(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - name: Lead
              description: ${LEADCONF_VAR_NOT_SET}
            - name: lead
        """)
    assert located(errors_of(path)) == [("c.yaml", 5, 20, "LC009"), ("c.yaml", 6, 13, "LC104")]


def test_nothing_else_is_said_about_the_unresolved_value(write):
    path = write("c.yaml", "version: ${LEADCONF_VAR_VERSION}\nlead_statuses:\n  items:\n    - {name: Open, deleted: maybe}\n")
    assert located(errors_of(path)) == [("c.yaml", 1, 10, "LC009"), ("c.yaml", 4, 29, "LC010")]


def test_through_the_cli(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  prune: nope\n  items:\n    - name: ${LEADCONF_VAR_NOT_SET}\n")
    code, _out, err = validate("-c", path)
    assert code == 1
    assert ":5:13: LC009" in err and ":3:10: LC010" in err
