"""The shared vocabulary (leadconf/vocabulary.py), pinned: the digests a saved plan records (a change
would make every saved plan stale), how a tenant item reads in the config's words, and how values
compare."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from leadconf import vocabulary as v
from tests.core.conftest import AutomationRule, NamedItem, tenant


def test_the_digests_a_plan_records_are_the_ones_earlier_plans_recorded():
    live = tenant(["Customer", ("Old", {"deleted": True})])
    assert v.fingerprint_value(True) == "b5bea41b6c623f7c"
    assert v.fingerprint_value(False) == "fcbcf165908dd18a"
    assert v.list_fingerprint(live.categories) == "980a561a468abb98"
    assert v.item_fingerprint("utm_tracking", True) == "b5bea41b6c623f7c"
    assert v.item_fingerprint("category", live.categories[0]) == v.fingerprint(live.categories[0]) == "d0dd0ee7222f0872"


def test_a_list_digest_sees_membership_order_names_ranks_and_deletion():
    base = tenant(["A", "B"]).categories
    digest = v.list_fingerprint(base)
    assert v.list_fingerprint(base[::-1]) != digest
    for change in ({"name": "C"}, {"rank": 99}, {"deleted": True}, {"id": 7}):
        moved = tenant(["A", "B"]).categories
        for key, value in change.items():
            setattr(moved[1], key, value)
        assert v.list_fingerprint(moved) != digest, change
    moved = tenant(["A", "B"]).categories
    moved[1].tooltip = "not part of the list's digest"
    assert v.list_fingerprint(moved) == digest


def test_the_policy_defaults_and_a_configs_policy():
    assert v.policy_defaults() == {"max_change_percent": 30.0, "min_list_size": 10}
    assert type(v.policy_defaults()["max_change_percent"]) is float
    assert v.policy_of() == v.policy_defaults() and v.policy_of(None) == v.policy_defaults()
    assert v.policy_of(SimpleNamespace(max_change_percent=5.0, min_list_size=3)) == {"max_change_percent": 5.0,
                                                                                    "min_list_size": 3}


def test_names_kinds_and_sections():
    assert v.kind_words("lead_status") == "lead status" and v.kind_words("category_automation") == "category automation"
    assert v.KINDS == ("category", "lead_status", "category_automation", "utm_tracking", "lead_distribution")
    assert v.renamed_from(SimpleNamespace(renamed_from=None)) == []
    assert v.renamed_from(SimpleNamespace(renamed_from="Old")) == ["Old"]
    assert v.renamed_from(SimpleNamespace(renamed_from=("A", "B"))) == ["A", "B"]
    live = tenant(["Customer"], statuses=("Open", ("Gone", {"deleted": True})),
                  user_groups=[NamedItem(3, "Sales")], associates=[NamedItem(5, "ann")])
    assert v.ref_names(live) == {"user group": {3: "Sales"}, "heading": {}, "associate": {5: "ann"},
                                 "category": {1: "Customer"}, "lead_status": {101: "Open", 102: "Gone"}}
    config = SimpleNamespace(company_categories="cats", lead_statuses=None)
    assert v.list_sections(config, live) == [("category", "company_categories", "cats", live.categories),
                                             ("lead_status", "lead_statuses", None, live.lead_statuses)]
    assert [s[2] for s in v.list_sections(None, live)] == [None, None]


def test_a_tenant_item_in_the_configs_words():
    live = tenant([("Lead", {"group": "PotentialCustomer", "user_groups": (4, 3, 9), "headings": (), "tooltip": "t",
                             "enable_lead_status": True}),
                   ("Odd", {"group": "SomethingNew"})],
                  user_groups=[NamedItem(3, "sales"), NamedItem(4, "Admins")])
    names = v.ref_names(live)
    assert v.model_to_config("category", live.categories[0], names, unknown=lambda i: f"#{i}") == {
        "name": "Lead", "group": "potential_customer", "lead_status": True, "description": "t",
        "visible_for": ["#9", "Admins", "sales"], "headings": [], "deleted": False}
    assert v.model_to_config("category", live.categories[0], names)["visible_for"] == ["Admins", "sales"]
    assert v.model_to_config("category", live.categories[1], names)["group"] == "none"  # an unknown group


@pytest.mark.parametrize("category_id, status_id, category, lead_status", [
    (1, 101, "Customer", "Open"), (0, 0, None, None), (7, 999, None, None)])
def test_an_automation_rule_names_its_category_and_status_or_none(category_id, status_id, category, lead_status):
    live = tenant(["Customer"], automation=[AutomationRule(trigger="SaleSold", enabled=True, category_id=category_id,
                                                           lead_status_id=status_id, user_confirmation=True)])
    assert v.model_to_config("category_automation", live.automation[0], v.ref_names(live)) == {
        "enabled": True, "category": category, "confirm": True, "lead_status": lead_status}


def test_values_compare_as_superoffice_compares_names():
    visible, ref, plain = v.FIELD["category"]["visible_for"], v.FIELD["category_automation"]["category"], \
        v.FIELD["category"]["description"]
    assert v.same_value(visible, ["sales", " Admins"], ["ADMINS", "Sales"]) is True
    assert v.same_value(visible, ["sales"], ["sales", "admins"]) is False
    assert v.same_value(visible, None, []) is True
    assert v.same_value(ref, " customer", "Customer ") is True
    assert v.same_value(ref, None, "Customer") is False
    assert v.same_value(ref, "Partner", "Customer") is False
    assert v.same_value(plain, "Text", "text") is False
    assert v.same_value(plain, "text", "text") is True
