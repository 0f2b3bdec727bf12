"""The configuration rules (LC1xx): one test per rule, each at its file:line:col."""

from __future__ import annotations

import json
import os

import pytest

from leadconf.config.loader import load_config
from tests.config.util import errors_of, located, validate
from tests.helpers import EXAMPLES, run_cli


def _load(write, text):
    return load_config([write("c.yaml", text)], env={})


def test_lc102_lead_status_outside_potential_customer(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - name: Lead
              group: potential_customer
              lead_status: true
            - name: Customer
              group: customer
              lead_status: true
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 9, 20, "LC102")]
    assert "group customer" in diags[0].message


def test_lc102_not_for_a_deleted_or_disabled_category(write):
    loaded = _load(write, """
        version: 1
        company_categories:
          items:
            - {name: Lead, group: potential_customer, lead_status: true}
            - {name: Old, group: customer, lead_status: true, deleted: true}
            - {name: Customer, group: customer, lead_status: false}
        """)
    assert [d for d in loaded.warnings if d.rule == "LC102"] == []
    assert [c.name for c in loaded.config.company_categories.items] == ["Lead", "Old", "Customer"]
    # ... while the same item, live, is refused: the rule does look at it
    path = write("live.yaml", """
        version: 1
        company_categories:
          items:
            - {name: Lead, group: potential_customer, lead_status: true}
            - {name: Old, group: customer, lead_status: true, deleted: false}
        """)
    assert [d.rule for d in errors_of(path)] == ["LC102"]


def test_lc103_when_pruned_is_a_warning_and_the_tenant_decides(write, tmp_path):
    """Issue 14: an export of a tenant with no lead-enabled category lists every category with
    lead_status: false and prune: true. That was an error (LC103), so the export of such a tenant
    could not be planned. Now a warning; at plan time LC202 refuses it only where the config takes
    the last lead-enabled category away."""
    path = write("c.yaml", """
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Customer, group: customer}
            - {name: Prospect, group: potential_customer, lead_status: false}
        lead_statuses:
          items:
            - name: Open
        """)
    loaded = load_config([path], env={})  # raised ConfigError (LC103) before
    assert located(loaded.warnings) == [("c.yaml", 3, 10, "LC103")]
    tenant = {"format": "leadconf-snapshot/1", "lead_statuses": [{"Id": 1, "Name": "Open", "Rank": 1}], "categories": [
        {"CategoryId": 1, "Name": "Customer", "CategoryGroup": "Customer", "Rank": 1},
        {"CategoryId": 2, "Name": "Prospect", "CategoryGroup": "PotentialCustomer", "Rank": 2, "EnableLeadStatus": False}]}
    snapshot = tmp_path / "tenant.json"
    snapshot.write_text(json.dumps(tenant))
    code, out, err = run_cli("plan", "-c", path, "--target", f"snapshot:{snapshot}", "--detailed-exitcode")
    assert code == 0, out + err  # no lead-enabled category to start with: nothing taken away
    assert "LC202" in out and "LC103" not in out
    tenant["categories"][1]["EnableLeadStatus"] = True
    snapshot.write_text(json.dumps(tenant))
    code, out, err = run_cli("plan", "-c", path, "--target", f"snapshot:{snapshot}")
    assert code == 1 and "LC202 after apply, no potential_customer category would have lead status enabled" in err


def test_lc103_warning_when_not_pruned(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: Customer, group: customer}
        lead_statuses:
          items:
            - name: Open
        """)
    loaded = load_config([path], env={})
    assert located(loaded.warnings) == [("c.yaml", 3, 3, "LC103")]
    assert loaded.warnings[0].severity == "warning"
    code, out, err = validate("-c", path)
    assert code == 0
    assert err == f"{path}:3:3: warning: LC103 {loaded.warnings[0].message}\n"
    assert out == f"{path}: valid (1 warning)\n"


@pytest.mark.parametrize("items", [
    "- {name: Lead, lead_status: true}",  # group left to the tenant: decided at plan time
    "- {name: Lead, group: potential_customer}",  # lead_status left to the tenant
])
def test_lc103_undecidable_without_the_tenant(write, items):
    loaded = _load(write, f"version: 1\ncompany_categories:\n  prune: true\n  items:\n    {items}\nlead_statuses:\n  items: []\n")
    assert loaded.warnings == []


def test_lc103_not_without_lead_statuses_in_play(write):
    loaded = _load(write, "version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, group: customer}\n")
    assert loaded.warnings == []


def test_lc104_duplicate_names_ignoring_case_and_space(write):
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
            - name: Contacting
            - name: "  contacting "
        """)
    diags = errors_of(path)
    assert located(diags, "LC104") == [("c.yaml", 6, 13, "LC104")]
    assert f"'contacting' is defined twice: here and at {path}:5" in diags[0].message


def test_lc104_renamed_from_collisions(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - name: Lead
            - name: Opportunity
              renamed_from: [LEAD, Prospect, prospect]
            - name: Customer
              renamed_from: Prospect
            - name: Prospect
        """)
    diags = errors_of(path)
    assert located(diags) == [
        ("c.yaml", 6, 22, "LC104"),  # renamed_from names another item
        ("c.yaml", 6, 38, "LC104"),  # the same earlier name twice in one item
        ("c.yaml", 8, 21, "LC104"),  # two items renamed from one name
        ("c.yaml", 9, 13, "LC104"),  # a name that is another item's earlier name
    ]
    assert "is the name of another category" in diags[0].message
    assert "two category items are renamed from 'Prospect'" in diags[2].message
    assert "also the earlier name (renamed_from)" in diags[3].message


def test_lc105_renamed_from_itself(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: Open\n      renamed_from: ' OPEN'\n")
    assert located(errors_of(path)) == [("c.yaml", 5, 21, "LC105")]


def test_lc106_open_deleted(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: open\n      deleted: true\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 16, "LC106")]
    assert "'Open' cannot be deleted" in diags[0].message


def test_lc106_open_pruned_away(write, tmp_path):
    """Without a tenant, pruning with no 'Open' listed is a warning (the tenant may have none, G2 of
    the issue 14 review); against a tenant with a live 'Open' it is an error, and nothing is planned."""
    path = write("c.yaml", "version: 1\nlead_statuses:\n  prune: true\n  items:\n    - name: Contacting\n")
    warnings = [d for d in load_config([path]).warnings if d.rule == "LC106"]
    assert located(warnings) == [("c.yaml", 3, 10, "LC106")]
    tenant = tmp_path / "tenant.json"
    tenant.write_text(open(os.path.join(EXAMPLES, "tenants", "new-database.json"), encoding="utf-8").read())
    for command in ("plan", "validate"):
        code, out, err = run_cli(command, "-c", path, "--target", f"snapshot:{tenant}")
        assert code == 1, out + err
        assert f"{path}:3:10: LC106 prune: true would delete the lead status 'Open'" in err, err


def test_the_export_of_a_tenant_whose_open_was_renamed_plans_clean(tmp_path):
    """G2: 'Open' renamed to 'Nieuw', then exported (prune: true, no 'Open' listed): the tenant has
    no live 'Open', so the export plans with no changes and no LC106."""
    tenant = tmp_path / "r.json"
    tenant.write_text(open(os.path.join(EXAMPLES, "tenants", "new-database.json"), encoding="utf-8").read())
    (tmp_path / "ren.yaml").write_text("version: 1\nlead_statuses:\n  items:\n    - name: Nieuw\n      renamed_from: Open\n")
    target = f"snapshot:{tenant}"
    assert run_cli("apply", "-c", str(tmp_path / "ren.yaml"), "--target", target, "--auto-approve",
                   "--journal-dir", str(tmp_path / "j"))[0] == 0
    code, out, err = run_cli("export", "--target", target, "-o", str(tmp_path / "re.yaml"))
    assert code == 0, out + err
    code, out, err = run_cli("plan", "-c", str(tmp_path / "re.yaml"), "--target", target, "--detailed-exitcode")
    assert code == 0, out + err
    assert "LC106" not in out + err


def test_lc106_renamed_open_deleted(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: New\n      renamed_from: Open\n      deleted: true\n")
    assert located(errors_of(path)) == [("c.yaml", 6, 16, "LC106")]


def test_lc107_renaming_open_is_a_warning_and_satisfies_prune(write):
    loaded = _load(write, "version: 1\nlead_statuses:\n  prune: true\n  items:\n    - name: New\n      renamed_from: [Start, Open]\n")
    assert located(loaded.warnings) == [("c.yaml", 6, 29, "LC107")]


def test_lc108_lc109_automation_names_must_be_listed(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: Lead, group: potential_customer, lead_status: true}
            - {name: Customer, renamed_from: Client}
        lead_statuses:
          items:
            - name: Open
        category_automation:
          sale_sold: {category: Client}
          sale_lost: {category: lead}
          lead_status_changed: {category: Lead, lead_status: Qualified}
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 10, 25, "LC108"), ("c.yaml", 12, 54, "LC109")]
    assert "it is renamed to 'Customer'" in diags[0].message


def test_lc108_not_when_the_list_is_not_managed(write):
    loaded = _load(write, "version: 1\ncategory_automation:\n  sale_sold: {category: Anything}\n")
    assert loaded.warnings == []


def test_lc110_automation_names_a_deleted_item(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: Lead, group: potential_customer, lead_status: true}
            - {name: Old, deleted: true}
        category_automation:
          sale_lost: {category: OLD, enabled: false}
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 7, 25, "LC110")]
    assert f"deleted at {path}:5" in diags[0].message


def test_lc111_enabled_rule_needs_its_names(write):
    path = write("c.yaml", """
        version: 1
        category_automation:
          sale_registered: {confirm: true}
          sale_sold: {enabled: false}
          lead_status_changed: {category: Lead}
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 3, 20, "LC111"), ("c.yaml", 5, 24, "LC111")]
    assert "names no lead status" in diags[1].message


def test_lc112_blank_names(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: "   ", visible_for: [" "]}
            - {name: Lead, renamed_from: " "}
        category_automation:
          sale_sold: {category: "  "}
        marketing:
          lead_distribution: {flow: " ", associates: [A], fallback: " "}
        """)
    assert located(errors_of(path)) == [
        ("c.yaml", 4, 14, "LC112"), ("c.yaml", 4, 35, "LC112"), ("c.yaml", 5, 34, "LC112"),
        ("c.yaml", 7, 25, "LC112"), ("c.yaml", 9, 29, "LC112"), ("c.yaml", 9, 61, "LC112"),
    ]


def test_lc113_surrounding_space_is_a_warning(write):
    loaded = _load(write, "version: 1\nlead_statuses:\n  items:\n    - name: 'Open '\n")
    assert located(loaded.warnings) == [("c.yaml", 4, 13, "LC113")]


def test_lc114_no_one_to_distribute_to(write):
    path = write("c.yaml", "version: 1\nmarketing:\n  lead_distribution:\n    flow: F\n    associates: []\n    user_groups: []\n")
    assert located(errors_of(path)) == [("c.yaml", 4, 5, "LC114")]


def test_lc114_one_list_left_to_the_tenant_is_fine(write):
    assert _load(write, "version: 1\nmarketing:\n  lead_distribution: {flow: F, associates: []}\n").warnings == []


def test_lc115_name_listed_twice(write):
    loaded = _load(write, """
        version: 1
        company_categories:
          items:
            - {name: Lead, headings: [Leads, leads ]}
        marketing:
          lead_distribution: {flow: F, user_groups: [Sales, SALES]}
        """)
    assert located(loaded.warnings) == [("c.yaml", 4, 38, "LC115"), ("c.yaml", 6, 53, "LC115")]


def test_all_rule_errors_at_once_sorted_by_line(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items:
            - {name: Lead, group: customer, lead_status: true}
            - {name: lead}
        lead_statuses:
          items:
            - {name: Open, deleted: true}
        """)
    assert [d.rule for d in errors_of(path)] == ["LC102", "LC104", "LC106"]
