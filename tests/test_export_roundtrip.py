"""`leadconf export` writes every string so that the loader reads it back as that same string.

The name property tests export the minimal form (`minimal=True`); one more exports the default
(owned, pruning) form and plans it against its tenant: "Open" need not be among the names, as a
tenant whose "Open" was renamed has none (LC106 asks for it only where the tenant has one)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadconf.config.loader import load_config
from leadconf.config.models import CATEGORY_NAME_MAX, name_key
from leadconf.export import export_config, to_yaml
from leadconf.model.tenant import Category, LeadStatus, NamedItem, Tenant
from tests.helpers import EXAMPLES, run_cli

# Plain scalars that YAML 1.2 (leadconf's loader) or YAML 1.1 (PyYAML, editors) reads as another type.
OTHER_TYPES = [
    "1e3", "1E5", "-5e2", "+2e-3", "0o17", "0x1F", "12", "-0", "1.5", ".5", "1_000", "012", "1:20",
    "true", "False", "yes", "No", "on", "OFF", "y", "n", "null", "~",
    "2024-01-31", "2001-12-14t21:59:43.10-05:00", ".inf", "-.Inf", ".NaN", "=", "<<",
]


def _tenant(category_names, status_names, description=""):
    return Tenant(
        categories=[Category(i, n, "PotentialCustomer", description, i, i == 1) for i, n in enumerate(category_names, 1)],
        lead_statuses=[LeadStatus(i, n, description, i) for i, n in enumerate(status_names, 1)],
        user_groups=[NamedItem(1, "Sales")],
    )


def _reload(tmp_path, text: str):
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config([str(path)], env={}).config


def test_names_of_another_type_round_trip_through_the_cli(tmp_path):
    """Regression: 1e3, 1E5, -5e2 and 0o17 were written unquoted and the export failed LC010."""
    snapshot = tmp_path / "tenant.json"
    shutil.copy(os.path.join(EXAMPLES, "tenants", "new-database.json"), snapshot)
    doc = json.loads(snapshot.read_text(encoding="utf-8"))
    top = max(s["Id"] for s in doc["lead_statuses"])
    doc["lead_statuses"] += [{"Id": top + i, "Name": name, "Tooltip": name, "Rank": top + i, "Deleted": False}
                             for i, name in enumerate(OTHER_TYPES, 1)]
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    exported = tmp_path / "exported.yaml"
    target = f"snapshot:{snapshot}"
    assert run_cli("export", "--target", target, "-o", str(exported))[0] == 0
    code, out, err = run_cli("plan", "-c", str(exported), "--target", target, "--detailed-exitcode")
    assert code == 0, out + err
    statuses = load_config([str(exported)], env={}).config.lead_statuses.items
    assert [s.name for s in statuses][-len(OTHER_TYPES):] == OTHER_TYPES
    assert [s.description for s in statuses][-len(OTHER_TYPES):] == OTHER_TYPES


@pytest.mark.parametrize("name", ["${HOME}", "$${x}", "a ${B:-c} d", "$$${", "${"])
def test_a_literal_dollar_brace_is_not_read_as_a_variable(tmp_path, name):
    config = _reload(tmp_path, to_yaml(export_config(_tenant(["Lead"], [name]), minimal=True)))
    assert config.lead_statuses.items[0].name == name


# Any text SuperOffice can hold in a list item's name: no C0 control characters (the schema refuses
# them, as the list dialogs cannot show them), no lone surrogates (not text); everything else goes.
_CHARS = st.characters(blacklist_categories=("Cs",)).filter(lambda ch: not ("\x00" <= ch <= "\x1f" or ch == "\x7f"))
_TEXT = st.text(_CHARS, min_size=1, max_size=40)
# ... with the forms a YAML reader might take for something else drawn more often than chance would
_NUMBERISH = st.from_regex(r"[-+]?(0o[0-7]{1,3}|0x[0-9a-fA-F]{1,3}|[0-9]{1,3}(\.[0-9]*)?([eE][-+]?[0-9]{1,2})?)", fullmatch=True)
_NAME = st.one_of(
    _TEXT, st.sampled_from(OTHER_TYPES), _NUMBERISH, st.tuples(_TEXT, _TEXT).map("${".join),
).filter(lambda s: s.strip() != "")
_NAMES = st.lists(_NAME, min_size=1, max_size=6, unique_by=name_key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(categories=_NAMES, statuses=_NAMES, description=st.text(_CHARS, max_size=40))
def test_export_then_load_gives_back_every_name(tmp_path, categories, statuses, description):
    categories = [n[:CATEGORY_NAME_MAX] for n in categories]
    config = _reload(tmp_path, to_yaml(export_config(_tenant(categories, statuses, description), minimal=True)))
    assert [c.name for c in config.company_categories.items] == categories
    assert [s.name for s in config.lead_statuses.items] == statuses
    assert {c.description for c in config.company_categories.items} == ({description} if description else {None})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(categories=_NAMES, statuses=_NAMES, description=st.text(_CHARS, max_size=40))
def test_the_default_export_loads_and_plans_clean_against_its_tenant(tmp_path, categories, statuses, description):
    """The default (owned, pruning) form: with arbitrary names, "Open" among them or not (G2 of the
    issue 14 review: a tenant without a live "Open" failed LC106), it loads and plans no change."""
    from leadconf.diff import build_plan

    # names as a tenant holds them: SuperOffice trims them (an untrimmed name is LC113's business)
    categories = list({name_key(n): n.strip() for n in (c[:CATEGORY_NAME_MAX] for c in categories)}.values())
    statuses = [n.strip() for n in statuses]
    tenant = _tenant(categories, statuses, description)
    path = tmp_path / "exported.yaml"
    path.write_text(to_yaml(export_config(tenant)), encoding="utf-8")
    loaded = load_config([str(path)], env={})
    assert loaded.config.lead_statuses.prune and loaded.config.company_categories.prune
    assert build_plan(loaded, tenant, "t").changes == []
