"""Every name looked up that finds nothing gets a did-you-mean, and the valid names when they are few."""

from __future__ import annotations

import pytest

from leadconf.config.loader import load_config
from leadconf.config.suggest import SHOW_AT_MOST, closest, did_you_mean
from leadconf.model.tenant import Category, NamedItem
from tests.config.test_tenant_rules import check, tenant
from tests.config.util import errors_of, validate

# -- the helper -----------------------------------------------------------------------------------

def test_the_closest_name_ignores_case_accents_spaces_and_punctuation():
    assert closest("marketing-qualified LEAD", ["Lead", "Marketing qualified lead"]) == "Marketing qualified lead"
    assert closest("Potentiele klant", [], {"Potentiële klant": "potential_customer"}) == "potential_customer"
    assert closest("Sals", ["Sales", "Support"]) == "Sales"
    assert closest("Zzz", ["Sales", "Support"]) is None


def test_the_valid_names_are_listed_only_when_few():
    few = ["Sales", "Marketing"]
    assert did_you_mean("Sals", few, listing="user groups") == "; did you mean 'Sales'? (user groups: Sales, Marketing)"
    assert did_you_mean("Zzz", few, listing="user groups") == " (user groups: Sales, Marketing)"
    many = [f"Group {i}" for i in range(SHOW_AT_MOST + 1)]
    assert did_you_mean("Zzz", many, listing="user groups") == ""
    assert did_you_mean("group 3", many, listing="user groups") == "; did you mean 'Group 3'?"


def test_a_large_list_is_not_scanned_pairwise():
    names = [f"Category {i}" for i in range(20_000)]
    assert closest("category 19999", names) == "Category 19999"  # loose equality still works
    assert closest("Categry 5", names) is None


# -- group values ---------------------------------------------------------------------------------

@pytest.mark.parametrize("api, key", [("PotentialCustomer", "potential_customer"), ("Unknown", "none"),
                                      ("Customer", "customer"), ("Lost", "lost")])
def test_group_accepts_the_api_spelling(write, api, key):
    path = write("c.yaml", f"version: 1\ncompany_categories:\n  items:\n    - {{name: Lead, group: {api}}}\n")
    assert load_config([path], env={}).config.company_categories.items[0].group == key


@pytest.mark.parametrize("written, meant", [
    ("Potentiële klant", "potential_customer"),
    ("klant", "customer"),
    ("Potential customer", "potential_customer"),
    ("verloren", "lost"),
    ("Overig", "other"),
    ("potentialcustomer", "potential_customer"),
    ("custmer", "customer"),
])
def test_a_ui_label_or_misspelling_of_a_group_gets_the_key(write, written, meant):
    path = write("c.yaml", f"version: 1\ncompany_categories:\n  items:\n    - name: Lead\n      group: {written}\n")
    [diag] = errors_of(path)
    assert diag.rule == "LC010" and (diag.line, diag.column) == (5, 14)
    assert f"is not one of customer, potential_customer, partner, lost, other, none; did you mean {meant!r}?" in diag.message


def test_a_dutch_label_says_what_it_is(write):
    path = write("c.yaml", "version: 1\ncompany_categories:\n  items:\n    - {name: Lead, group: Potentiële klant}\n")
    [diag] = errors_of(path)
    assert diag.message.endswith("did you mean 'potential_customer'? (the config's word for SuperOffice's 'Potentiële klant')")


# -- names in the tenant --------------------------------------------------------------------------

def test_user_groups_and_headings(write):
    found = check(write, """
        version: 1
        company_categories:
          items:
            - {name: Lead, visible_for: [Sals, Zzz], headings: [Lead]}
        """)
    assert [d.message for d in found] == [
        "the tenant has no user group named 'Sals'; did you mean 'Sales'? (live user groups in the tenant: Sales, Marketing)",
        "the tenant has no user group named 'Zzz' (live user groups in the tenant: Sales, Marketing)",
        "the tenant has no heading named 'Lead'; did you mean 'Leads'? (live headings in the tenant: Leads)",
    ]


def test_associates_and_the_fallback(write):
    found = check(write, """
        version: 1
        marketing:
          lead_distribution: {flow: Lead nurturing, associates: [Anna A, ANA], fallback: BOBB}
        """)
    assert [(d.rule, d.message) for d in found] == [
        ("LC209", "the tenant has no associate with the login name or full name 'ANA'; did you mean 'ANNA'? "
                  "(live associates in the tenant: ANNA, BOB, Anna A)"),
        ("LC209", "the tenant has no associate with the login name or full name 'BOBB'; did you mean 'BOB'? "
                  "(live associates in the tenant: ANNA, BOB, Anna A)"),
    ]


def test_a_misspelt_full_name_gets_the_full_name(write):
    """G9 of the review: LC209 suggested login names only, though a config may use full names."""
    found = check(write, """
        version: 1
        marketing:
          lead_distribution: {flow: Lead nurturing, associates: [Anna Ax]}
        """)
    assert [(d.rule, d.message) for d in found] == [
        ("LC209", "the tenant has no associate with the login name or full name 'Anna Ax'; did you mean 'Anna A'? "
                  "(live associates in the tenant: ANNA, BOB, Anna A)"),
    ]


def test_no_flow_lookup_where_the_flow_list_was_refused(write):
    """G9: with Marketing Premium refused, LC205 says why; an LC210 "no flow named" would mislead."""
    from dataclasses import replace

    live = replace(tenant(), flows=[], features={"marketing": "unlicensed"})
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurturing, associates: [ANNA]}\n",
                  live)
    assert [d.rule for d in found] == ["LC205"]


def test_flows(write):
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurture, associates: [ANNA]}\n")
    assert found[0].rule == "LC210"
    assert found[0].message == ("the tenant has no flow named 'Lead nurture'; did you mean 'Lead nurturing'? "
                                "(flows in the tenant: Lead nurturing, Newsletter, Empty step)")


def test_categories_and_lead_statuses_named_by_automation(write):
    found = check(write, """
        version: 1
        category_automation:
          sale_sold: {category: Prospects}
          lead_status_changed: {category: Lead, lead_status: Qualifed}
        """)
    assert [d.rule for d in found] == ["LC203", "LC204"]
    assert found[0].message.endswith("; did you mean 'Prospect'? (live categories in the tenant: Lead, Customer, Prospect)")
    assert found[1].message.endswith("; did you mean 'Qualified'? (live lead statuses in the tenant: Open, Qualified)")


def test_many_categories_are_not_listed(write):
    live = tenant(categories=[Category(i, f"Category {i}", "Customer") for i in range(1, 40)])
    found = check(write, "version: 1\ncategory_automation:\n  sale_sold: {category: Category 7x}\n", live)
    assert found[0].message.endswith("; did you mean 'Category 7'?")


def test_names_listed_in_the_config(write):
    path = write("c.yaml", """
        version: 1
        company_categories:
          items: [{name: Lead, group: potential_customer, lead_status: true}, {name: Customer}]
        category_automation:
          sale_sold: {category: Custmer}
        """)
    [diag] = errors_of(path)
    assert diag.rule == "LC108"
    assert diag.message.endswith("; did you mean 'Customer'? (categories in company_categories: Lead, Customer)")


def test_through_the_cli_with_the_example_tenant(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\ncategory_automation:\n  sale_sold: {category: Customers}\n", encoding="utf-8")
    code, _out, err = validate("-c", str(config), "--target", "snapshot:examples/tenants/existing-customer.json")
    assert code == 1 and "LC203" in err and "did you mean 'Customer'?" in err


def test_deleted_items_are_not_suggested(write):
    live = tenant(user_groups=[NamedItem(1, "Sales", deleted=True), NamedItem(2, "Support")])
    found = check(write, "version: 1\ncompany_categories:\n  items: [{name: Lead, visible_for: [Sale]}]\n", live)
    assert found[0].message == "the tenant has no user group named 'Sale' (live user groups in the tenant: Support)"
