"""The examples validate, point at the schema, and say what the issue asks of them."""

from __future__ import annotations

import glob
import os

import pytest

from leadconf.config import schema as schema_mod
from leadconf.config.loader import load_config
from tests.config.util import EXAMPLES, TENANTS, validate

EXAMPLE_FILES = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))


def test_the_three_examples_exist():
    names = {os.path.basename(p) for p in EXAMPLE_FILES}
    assert {"lead-management.yaml", "lead-management.nl.yaml", "every-key.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=os.path.basename)
def test_example_validates(path):
    code, out, err = validate("-c", path)
    assert (code, err) == (0, "")
    assert out == f"{path}: valid\n"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=os.path.basename)
def test_example_points_at_the_schema(path):
    with open(path, encoding="utf-8") as fh:
        first = fh.readline().rstrip("\n")
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    target = os.path.normpath(os.path.join(os.path.dirname(path), first[len(prefix):]))
    assert target == os.path.normpath(os.path.join(EXAMPLES, "..", "schemas", "leadconf.schema.json"))
    assert os.path.isfile(target)


def _summary(path):
    config = load_config([path], env={}).config
    cats = [(c.name, c.group, c.lead_status, bool(c.description)) for c in config.company_categories.items]
    statuses = [(s.name, bool(s.description)) for s in config.lead_statuses.items]
    return cats, statuses


def test_english_example_is_the_help_page_setup():
    cats, statuses = _summary(os.path.join(EXAMPLES, "lead-management.yaml"))
    assert cats == [
        ("Lead", "potential_customer", True, True),
        ("Marketing qualified lead", "potential_customer", True, True),
        ("Opportunity", "potential_customer", True, True),
        ("Lost opportunity", "lost", False, True),
    ]
    assert statuses == [(n, True) for n in ("Open", "Contacting", "Qualified", "Disqualified", "Re-nurture")]
    config = load_config([os.path.join(EXAMPLES, "lead-management.yaml")], env={}).config
    assert config.lead_statuses.items[0].description == "No outreach has been made by the sales team yet."


def test_dutch_example_is_the_same_setup():
    cats, statuses = _summary(os.path.join(EXAMPLES, "lead-management.nl.yaml"))
    english, _ = _summary(os.path.join(EXAMPLES, "lead-management.yaml"))
    # the standard names of the Dutch help page (seed-lead-admin.nl.md): Kans, Verloren kans
    assert [c[0] for c in cats] == ["Lead", "Marketinggekwalificeerde lead", "Kans", "Verloren kans"]
    assert [c[1:] for c in cats] == [c[1:] for c in english]
    assert [s[0] for s in statuses] == ["Open", "Contact opnemen", "Gekwalificeerd", "Gediskwalificeerd", "Opnieuw benaderen"]
    assert all(has_description for _name, has_description in statuses)


def test_dutch_example_says_to_check_the_tenants_names_first():
    with open(os.path.join(EXAMPLES, "lead-management.nl.yaml"), encoding="utf-8") as fh:
        header = "".join(line for line in fh if line.startswith("#"))
    assert "leadconf export --target" in header and "renamed_from" in header
    assert "Opportunity" in header  # the other spelling a Dutch database may have


def _schema_keys(schema, node=None, out=None):
    """Every property name the schema defines."""
    out = set() if out is None else out
    node = schema if node is None else node
    if isinstance(node, dict):
        out.update(node.get("properties", {}))
        for value in node.values():
            _schema_keys(schema, value, out)
    elif isinstance(node, list):
        for value in node:
            _schema_keys(schema, value, out)
    return out


def _data_keys(data, out=None):
    out = set() if out is None else out
    if isinstance(data, dict):
        out.update(data)
        for value in data.values():
            _data_keys(value, out)
    elif isinstance(data, list):
        for value in data:
            _data_keys(value, out)
    return out


def test_every_key_example_uses_every_key():
    import yaml

    path = os.path.join(EXAMPLES, "every-key.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    data = yaml.safe_load(text)
    missing = _schema_keys(schema_mod.build_schema()) - _data_keys(data)
    assert not missing, f"every-key.yaml does not use {sorted(missing)}"
    config = load_config([path], env={}).config
    forms = {type(c.renamed_from) for c in config.company_categories.items if c.renamed_from is not None}
    assert forms == {str, list}
    assert any(c.deleted for c in config.company_categories.items)
    assert {c.group for c in config.company_categories.items} >= {"customer", "potential_customer", "partner", "lost", "other", "none"}
    assert all(getattr(config.category_automation, t) is not None
               for t in ("sale_registered", "sale_sold", "sale_lost", "lead_status_changed"))
    assert "${" in text and ":-" in text


def test_every_key_default_target_comes_from_the_environment():
    path = os.path.join(EXAMPLES, "every-key.yaml")
    assert load_config([path], env={}).config.target == "snapshot:examples/tenants/existing-customer.json"
    assert load_config([path], env={"LEADCONF_VAR_EXAMPLE_TARGET": "snapshot:x.json"}).config.target == "snapshot:x.json"


@pytest.mark.parametrize("example, tenant", [
    ("every-key.yaml", "existing-customer.json"),
    ("lead-management.yaml", "new-database.json"),
])
def test_examples_fit_their_tenants(example, tenant):
    snapshot = os.path.join(TENANTS, tenant)
    if not os.path.exists(snapshot):
        pytest.skip(f"examples/tenants/{tenant} is not there")
    code, _out, err = validate("-c", os.path.join(EXAMPLES, example), "--target", f"snapshot:{snapshot}")
    assert (code, err) == (0, ""), err
