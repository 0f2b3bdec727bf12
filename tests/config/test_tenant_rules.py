"""check_against_tenant (LC2xx) on hand-built tenants."""

from __future__ import annotations

import os

import pytest

from leadconf.config.loader import load_config
from leadconf.config.rules import check_against_tenant
from leadconf.model.tenant import (
    Category,
    DistributeStep,
    Flow,
    LeadStatus,
    NamedItem,
    Tenant,
)
from tests.config.util import TENANTS, located, validate


def tenant(**changes) -> Tenant:
    base = dict(
        categories=[
            Category(1, "Lead", "PotentialCustomer", enable_lead_status=True),
            Category(2, "Customer", "Customer"),
            Category(3, "Prospect", "PotentialCustomer"),
            Category(4, "Old", "Other", deleted=True),
        ],
        lead_statuses=[LeadStatus(1, "Open"), LeadStatus(2, "Qualified"), LeadStatus(3, "Cold", deleted=True)],
        user_groups=[NamedItem(1, "Sales"), NamedItem(2, "Marketing"), NamedItem(3, "Gone", deleted=True)],
        headings=[NamedItem(100, "Leads")],
        associates=[NamedItem(10, "ANNA", full_name="Anna A"), NamedItem(11, "BOB"), NamedItem(12, "DINA", deleted=True)],
        flows=[
            Flow(7, "Lead nurturing", (DistributeStep(70, 7, associates=(10,)),)),
            Flow(8, "Newsletter"),
            Flow(9, "Empty step", (DistributeStep(90, 9),)),
        ],
        licenses=frozenset({"salesessentials", "salespremium", "marketingpremium"}),
    )
    base.update(changes)
    return Tenant(**base)


def check(write, text, live=None):
    loaded = load_config([write("c.yaml", text)], env={})
    return check_against_tenant(loaded, live or tenant())


def test_nothing_to_say(write):
    assert check(write, """
        version: 1
        company_categories:
          items:
            - {name: lead, lead_status: true, visible_for: [sales], headings: [LEADS]}
        lead_statuses:
          items: [{name: Open}]
        category_automation:
          sale_sold: {category: LEAD}
        marketing:
          utm_tracking: true
          lead_distribution: {flow: lead nurturing, associates: [anna], fallback: BOB}
        """) == []


def test_lc201_lead_status_on_a_category_whose_live_group_is_not_potential(write):
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, lead_status: true}\n")
    assert located(found) == [("c.yaml", 4, 37, "LC201")]
    assert "group Customer in the tenant" in found[0].message


def test_lc201_group_changed_while_live_lead_status_stays_on(write):
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: LEAD, group: lost}\n")
    assert located(found) == [("c.yaml", 4, 27, "LC201")]  # no LC202: lead statuses are not in play


def test_lc201_through_a_rename(write):
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Client, renamed_from: Customer, lead_status: true}\n")
    assert [d.rule for d in found] == ["LC201"]


def test_lc201_a_new_category_has_no_group(write):
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Brand new, lead_status: true}\n")
    assert [d.rule for d in found] == ["LC201"]
    assert "group Unknown" in found[0].message


def test_lc202_no_lead_enabled_category_would_be_left(write):
    # The tenant's only lead-enabled category is switched off.
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Lead, lead_status: false}\nlead_statuses:\n  items: [{name: Open}]\n")
    assert located(found) == [("c.yaml", 3, 3, "LC202")]
    assert found[0].severity == "error"  # the config takes the last one away


def test_lc202_pruned_away(write):
    found = check(write, """
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Prospect}
        lead_statuses:
          items: [{name: Open}]
        """)
    assert [d.rule for d in found] == ["LC202"]


def test_lc202_satisfied_by_an_unmanaged_live_category(write):
    assert check(write, "version: 1\nlead_statuses:\n  items: [{name: Open}]\n") == []
    found = check(write, "version: 1\nlead_statuses:\n  items: [{name: Open}]\n",
                  tenant(categories=[Category(1, "Lead", "PotentialCustomer", enable_lead_status=True, deleted=True)]))
    assert located(found) == [("c.yaml", 3, 3, "LC202")]  # at lead_statuses: no categories here
    assert found[0].severity == "warning"  # the tenant had none to start with: not set up yet


def test_lc202_warning_for_a_tenant_not_set_up_yet(write):
    live = tenant(categories=[Category(1, "Lead", "PotentialCustomer"), Category(2, "Customer", "Customer")])
    found = check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Lead}\nlead_statuses:\n  items: [{name: Open}]\n", live)
    assert [(d.rule, d.severity) for d in found] == [("LC202", "warning")]
    assert "no company can carry a lead status yet" in found[0].message


def test_lc203_lc204_automation_names_nothing_in_the_tenant(write):
    found = check(write, """
        version: 1
        category_automation:
          sale_sold: {category: Old}
          sale_lost: {category: customer}
          lead_status_changed: {category: Nope, lead_status: Cold}
        """)
    assert located(found) == [("c.yaml", 3, 25, "LC203"), ("c.yaml", 5, 35, "LC203"), ("c.yaml", 5, 54, "LC204")]


def test_lc203_not_when_the_config_lists_the_categories(write):
    found = check(write, """
        version: 1
        company_categories:
          items:
            - {name: Brand new}
        category_automation:
          sale_sold: {category: Brand new}
        """)
    assert found == []


def test_lc205_marketing_refused_by_the_flow_list(write):
    found = check(write, "version: 1\nmarketing:\n  utm_tracking: true\n", tenant(features={"marketing": "unlicensed"}))
    assert located(found) == [("c.yaml", 3, 3, "LC205")]
    assert found[0].severity == "error"
    assert "licence error" in found[0].message and "nothing will be written" in found[0].message


def test_licence_names_alone_refuse_nothing(write):
    # "marketingpremium" / "salespremium" are not documented licence names (quirks.py U3)
    found = check(write, "version: 1\nmarketing:\n  utm_tracking: true\ncategory_automation:\n  sale_sold: {category: Lead}\n",
                  tenant(licenses=frozenset({"salesessentials"})))
    assert found == []


def test_lc205_lc206_lc214_skipped_when_features_are_unknown(write):
    found = check(write, "version: 1\nmarketing:\n  utm_tracking: true\ncategory_automation:\n  sale_sold: {category: Lead}\n",
                  tenant(licenses=frozenset(), features={}))
    assert found == []


def test_lc206_automation_refused_with_a_licence_error(write):
    found = check(write, "version: 1\ncategory_automation:\n  sale_sold: {category: Lead}\n",
                  tenant(features={"automation": "unlicensed"}))
    assert located(found) == [("c.yaml", 3, 3, "LC206")]
    assert found[0].severity == "error"


def test_lc214_automation_on_a_tenant_without_it(write):
    found = check(write, "version: 1\ncategory_automation:\n  sale_sold: {category: Lead}\n",
                  tenant(features={"automation": "missing"}))
    assert located(found) == [("c.yaml", 3, 3, "LC214")]
    assert found[0].severity == "error" and "11.7" in found[0].message


def test_lc207_lc208_unknown_user_groups_and_headings(write):
    found = check(write, """
        version: 1
        company_categories:
          items:
            - {name: Lead, visible_for: [Sales, Support, gone], headings: [Leads, Customers]}
        marketing:
          lead_distribution: {flow: Lead nurturing, user_groups: [Support]}
        """)
    assert located(found) == [
        ("c.yaml", 4, 41, "LC207"), ("c.yaml", 4, 50, "LC207"), ("c.yaml", 4, 75, "LC208"), ("c.yaml", 6, 59, "LC207"),
    ]
    assert "no user group named 'Support'" in found[0].message
    assert "'gone' is deleted" in found[1].message


def test_lc209_unknown_or_retired_associates(write):
    # "Anna A" is ANNA's full name: a config may name an associate either way (quirks.py U9)
    found = check(write, """
        version: 1
        marketing:
          lead_distribution: {flow: Lead nurturing, associates: [ANNA, Anna A, dina], fallback: CARL}
        """)
    assert located(found) == [("c.yaml", 3, 72, "LC209"), ("c.yaml", 3, 89, "LC209")]
    assert "retired associate 'dina'" in found[0].message
    assert "no associate with the login name or full name 'CARL'" in found[1].message


def test_lc209_a_full_name_two_associates_share_is_refused_naming_both(write):
    associates = [NamedItem(10, "ANNA", full_name="Anna Berg"), NamedItem(11, "ABE", full_name="anna berg "),
                  NamedItem(12, "BOB", full_name="Bob")]
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurturing, fallback: Anna Berg}\n",
                  tenant(associates=associates))
    assert located(found) == [("c.yaml", 3, 55, "LC209")]
    assert "matches 2 associates: 'ANNA' (Anna Berg), 'ABE' (anna berg )" in found[0].message
    # a login name is unique: it wins over another associate's full name
    associates[2] = NamedItem(12, "Anna Berg", full_name="Someone Else")
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurturing, fallback: Anna Berg}\n",
                  tenant(associates=associates))
    assert found == []


def test_lc210_lc211_flow_and_step(write):
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Nurture, associates: [ANNA]}\n")
    assert located(found) == [("c.yaml", 3, 29, "LC210")]
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: newsletter, associates: [ANNA]}\n")
    assert located(found) == [("c.yaml", 3, 29, "LC211")]


def test_lc212_resulting_step_without_recipients(write):
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Empty step, only_unassigned: false}\n")
    assert located(found) == [("c.yaml", 3, 22, "LC212")]
    # the live step has an associate; the config empties only the user groups
    assert check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurturing, user_groups: []}\n") == []
    found = check(write, "version: 1\nmarketing:\n  lead_distribution: {flow: Lead nurturing, associates: []}\n")
    assert [d.rule for d in found] == ["LC212"]


def test_pure_the_tenant_is_not_changed(write):
    live = tenant()
    before = live.copy()
    check(write, "version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, lead_status: true}\n", live)
    assert live == before


def test_validate_with_target(tmp_path):
    snapshot = os.path.join(TENANTS, "existing-customer.json")
    if not os.path.exists(snapshot):
        pytest.skip("examples/tenants/existing-customer.json is not there")
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, lead_status: true, visible_for: [Nobody]}\n")
    code, _out, err = validate("-c", str(config), "--target", f"snapshot:{snapshot}")
    assert code == 1
    rules = [line.split(": ", 1)[1].removeprefix("warning: ").split()[0] for line in err.splitlines()[:-1]]
    assert rules == ["LC202", "LC201", "LC207"]  # by line
    assert err.splitlines()[-1] == f"{config}: invalid (2 errors, 1 warning)"


def test_lc213_visibility_needs_grouping_on_the_list(write):
    text = "version: 1\ncompany_categories:\n  items:\n    - {name: Lead, visible_for: [Sales]}\n    - {name: Customer, headings: [Leads]}\n"
    found = check(write, text, tenant(category_grouping=False))
    assert [(d.rule, d.line) for d in found] == [("LC213", 4), ("LC213", 5)]
    assert check(write, text, tenant(category_grouping=True)) == []
    assert check(write, text, tenant(category_grouping=None)) == []  # the source does not say
    # an explicit empty list asks for nothing the list cannot do
    assert check(write, "version: 1\ncompany_categories:\n  items:\n    - {name: Lead, visible_for: []}\n",
                 tenant(category_grouping=False)) == []
