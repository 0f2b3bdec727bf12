"""The diff (leadconf/diff.py) pinned where an exhaustive mutation run of that module found it
unpinned: what each change says (its reason, its fields, its place in the plan) and what the
warnings point at."""

from __future__ import annotations

import pytest

from leadconf.diff import build_plan, diff
from leadconf.errors import ConfigError
from leadconf.vocabulary import list_fingerprint
from tests.core.conftest import AutomationRule, DistributeStep, Flow, NamedItem, tenant

CUSTOMER = ("Customer", {"group": "Customer"})


def _changes(loaded, live):
    return diff(loaded.config, live, loaded.source).changes


def test_a_description_is_written_as_the_config_has_it_spaces_and_all(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Customer, description: " Sales leads "}
    """)
    changes = _changes(loaded, tenant([("Customer", {"tooltip": "Sales leads"})]))
    assert [(c.action, c.before, c.after) for c in changes] == [
        ("update", {"description": "Sales leads"}, {"description": " Sales leads "})]


def test_deletes_come_after_the_category_automation_and_the_marketing_settings(config):
    loaded = config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Customer, group: customer}
        category_automation:
          sale_sold: {enabled: true, category: Customer}
        marketing:
          utm_tracking: true
    """)
    live = tenant([CUSTOMER, "Drop"])
    live.utm_tracking = False
    assert [(c.action, c.kind) for c in _changes(loaded, live)] == [
        ("create", "category_automation"), ("update", "utm_tracking"), ("delete", "category")]


def test_an_automation_change_says_whether_the_rule_is_new_or_differs(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_sold: {enabled: true, category: Customer}
          sale_lost: {enabled: true, category: Customer}
    """)
    live = tenant([CUSTOMER], automation=[AutomationRule(trigger="SaleLost", enabled=False, category_id=1)])
    changes = _changes(loaded, live)
    assert [(c.action, c.name, c.key, c.before, c.after, c.reason, c.fingerprint is None) for c in changes] == [
        ("create", "sale_sold", "SaleSold", None, {"enabled": True, "category": "Customer"},
         "the tenant has no rule for this trigger", True),
        ("update", "sale_lost", "SaleLost", {"enabled": False}, {"enabled": True},
         "the rule differs from the config", False),
    ]


def test_a_did_you_mean_warning_points_at_the_line_of_the_created_item(config):
    loaded = config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Customer, group: customer}
            - {name: Partners}
    """)
    plan = build_plan(loaded, tenant([CUSTOMER, "Partner"]), "memory:test")
    [warning] = [w for w in plan.warnings if w.rule == "LC301"]
    assert (warning.file.endswith("leadconf.yaml"), warning.line, warning.severity) == (True, 6, "warning")
    assert warning.message.startswith("category 'Partners' is created while 'Partner' is deleted: did you mean "
                                      "renamed_from: 'Partner'?")


def test_a_switched_off_rule_the_tenant_does_not_have_is_no_change(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_sold: {enabled: false}
    """)
    assert _changes(loaded, tenant(["Customer"])) == []


def test_a_pruned_item_is_deleted_from_not_deleted_to_deleted(config):
    loaded = config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Customer, group: customer}
    """)
    [delete] = _changes(loaded, tenant([CUSTOMER, "Drop", ("Gone", {"deleted": True})]))
    assert (delete.action, delete.name, delete.key, delete.before, delete.after, delete.reason) == (
        "delete", "Drop", 2, {"deleted": False}, {"deleted": True}, "not in the config, and the list has prune: true")


def test_associates_named_by_full_name_match_the_tenants_login_names(config):
    loaded = config("""
        version: 1
        marketing:
          lead_distribution: {flow: Web, associates: [Ann Smith], fallback: Bob Jones}
    """)
    people = [NamedItem(1, "ann", full_name="Ann Smith"), NamedItem(2, "bob", full_name="Bob Jones")]
    step = DistributeStep(step_id=11, flow_id=5, associates=(1,), default_associate=2, rank=1)
    live = tenant(["Customer"], associates=people, flows=[Flow(5, "Web", (step,))], licenses=frozenset({"marketingpremium"}))
    assert _changes(loaded, live) == []
    step = DistributeStep(step_id=11, flow_id=5, associates=(2,), default_associate=1, rank=1)
    live = tenant(["Customer"], associates=people, flows=[Flow(5, "Web", (step,))], licenses=frozenset({"marketingpremium"}))
    [change] = _changes(loaded, live)
    assert (change.before, change.after) == ({"associates": ["bob"], "fallback": "ann"},
                                             {"associates": ["Ann Smith"], "fallback": "Bob Jones"})


def test_a_plan_records_the_digest_of_a_list_only_when_it_reorders_or_prunes_it(config):
    creates = build_plan(config("""
        version: 1
        company_categories:
          items:
            - {name: Customer, group: customer}
            - {name: Old, deleted: true}
            - {name: New}
    """), tenant([CUSTOMER, "Old"]), "memory:test")
    assert [c.action for c in creates.changes] == ["create", "delete"]
    assert creates.list_fingerprints == {}
    assert creates.list_sizes == {"category": 2, "lead_status": 1}
    reorders = build_plan(config("""
        version: 1
        company_categories:
          items:
            - {name: Lead}
            - {name: Customer, group: customer}
    """), tenant([CUSTOMER, "Lead"]), "memory:test")
    assert [c.action for c in reorders.changes] == ["reorder"]
    assert list(reorders.list_fingerprints) == ["category"]


def test_restores_renames_and_updates_are_one_phase_in_the_configs_order(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Gone}
            - {name: New name, renamed_from: Old name}
            - {name: Customer, group: customer}
            - {name: Lead, description: d}
    """)
    live = tenant([("Gone", {"deleted": True}), "Old name", "Customer", "Lead"])
    assert [(c.action, c.name) for c in _changes(loaded, live)] == [
        ("restore", "Gone"), ("rename", "New name"), ("update", "Customer"), ("update", "Lead")]


def test_a_delete_asked_for_by_the_config_goes_from_live_to_deleted(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Customer, group: customer}
            - {name: Drop, deleted: true}
    """)
    [delete] = _changes(loaded, tenant([CUSTOMER, "Drop"]))
    assert (delete.action, delete.name, delete.key, delete.before, delete.after, delete.reason, delete.source) == (
        "delete", "Drop", 2, {"deleted": False}, {"deleted": True}, "marked deleted: true in the config",
        loaded.source(("company_categories", "items", 1, "deleted")))
    assert delete.source.endswith(":5")


def test_new_items_at_the_end_take_the_ranks_after_the_highest(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: A}
            - {name: B}
            - {name: C}
            - {name: D}
            - {name: E}
    """)
    live = tenant(["A", "B", ("Gone", {"deleted": True})])
    changes = _changes(loaded, live)
    assert [(c.action, c.name, c.after["rank"]) for c in changes] == [("create", "C", 31), ("create", "D", 32),
                                                                       ("create", "E", 33)]


def test_a_reorder_says_why(config):
    moved = _changes(config("""
        version: 1
        company_categories:
          items:
            - {name: B}
            - {name: A}
    """), tenant(["A", "B"]))
    between = _changes(config("""
        version: 1
        company_categories:
          items:
            - {name: A}
            - {name: New}
            - {name: B}
    """), tenant(["A", "B"]))
    assert [(c.action, c.reason) for c in moved] == [("reorder", "the order differs from the config")]
    assert [(c.action, c.reason) for c in between] == [("create", "not in the tenant, live or deleted"),
                                                       ("reorder", "new items go between existing ones")]


def test_a_switched_off_rule_without_confirmation_the_tenant_does_not_have_is_no_change(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_sold: {enabled: false, confirm: false}
    """)
    assert _changes(loaded, tenant(["Customer"])) == []


def test_names_are_shown_as_the_config_writes_them_but_a_rules_category_trimmed(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_sold: {enabled: true, category: " Customer "}
        marketing:
          lead_distribution: {flow: Web, associates: [" bob "], fallback: " bob "}
    """)
    step = DistributeStep(step_id=11, flow_id=5, associates=(1,), default_associate=1, rank=1)
    live = tenant(["Customer"], associates=[NamedItem(1, "ann"), NamedItem(2, "bob")], flows=[Flow(5, "Web", (step,))],
                  licenses=frozenset({"marketingpremium"}))
    assert [(c.kind, c.before, c.after) for c in _changes(loaded, live)] == [
        ("category_automation", None, {"enabled": True, "category": "Customer"}),
        ("lead_distribution", {"associates": ["ann"], "fallback": "ann"}, {"associates": [" bob "], "fallback": " bob "}),
    ]


def test_a_rule_that_already_matches_does_not_hide_the_rules_after_it(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_registered: {enabled: true, category: Customer}
          sale_sold: {enabled: true, category: Customer}
    """)
    live = tenant([CUSTOMER], automation=[AutomationRule(trigger="SaleRegistered", enabled=True, category_id=1)])
    assert [(c.action, c.name) for c in _changes(loaded, live)] == [("create", "sale_sold")]


def test_the_did_you_mean_warning_names_the_closest_deleted_item(config):
    loaded = config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Customer, group: customer}
            - {name: Partnrs}
    """)
    plan = build_plan(loaded, tenant([CUSTOMER, "Zulu", "Alpha", "Partner"]), "memory:test")
    assert [w.message.split(":")[0] for w in plan.warnings if w.rule == "LC301"] == [
        "category 'Partnrs' is created while 'Partner' is deleted"]


def test_a_rule_error_found_against_the_tenant_stops_the_plan(config):
    loaded = config("""
        version: 1
        category_automation:
          sale_sold: {enabled: true, category: Nowhere}
    """)
    with pytest.raises(ConfigError) as refused:
        build_plan(loaded, tenant([CUSTOMER]), "memory:test")
    assert [d.severity for d in refused.value.diagnostics] == ["error"]


def test_a_reorder_records_the_digest_of_the_list_as_the_tenant_holds_it(config):
    live = tenant(["A", "B", "C"])
    [reorder] = _changes(config("""
        version: 1
        company_categories:
          items:
            - {name: C}
            - {name: B}
            - {name: A}
    """), live)
    assert reorder.fingerprint == list_fingerprint(live.categories)


def test_pruned_items_are_deleted_in_the_tenants_order(config):
    loaded = config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: B}
    """)
    assert [(c.action, c.name) for c in _changes(loaded, tenant(["A", "B", "C", "D"]))] == [
        ("delete", "A"), ("delete", "C"), ("delete", "D")]


def test_a_restore_says_when_it_was_found_by_an_earlier_name(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: New name, renamed_from: Old name}
            - {name: Gone}
    """)
    changes = _changes(loaded, tenant([("Old name", {"deleted": True}), ("Gone", {"deleted": True})]))
    restoring = "the item exists deleted; restoring keeps every record that points at it"
    assert [(c.action, c.name, c.reason, c.meta) for c in changes] == [
        ("restore", "New name", restoring + " (renamed from 'Old name')", {"old_name": "Old name"}),
        ("restore", "Gone", restoring, {}),
    ]
    assert changes[0].before == {"name": "Old name", "deleted": True}
    assert changes[0].after == {"name": "New name", "deleted": False}


def test_items_below_their_new_place_are_renumbered_too(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: A}
            - {name: New}
            - {name: B}
            - {name: C}
    """)
    live = tenant(["A", "B", "C"])
    for rank, item in enumerate(live.categories, start=1):
        item.rank = rank
    changes = _changes(loaded, live)
    assert [(c.action, c.name) for c in changes] == [("create", "New"), ("reorder", "category list")]
    assert changes[0].after["rank"] == 2
    assert changes[1].after == {"order": ["A", "New", "B", "C"], "ranks": {"B": 3, "C": 4}, "ids": {"B": 2, "C": 3}}
    assert changes[1].before == {"order": ["A", "B", "C"]}


def test_no_rename_is_suggested_when_nothing_is_deleted(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Partner, description: changed}
            - {name: Partners}
    """)
    plan = build_plan(loaded, tenant(["Partner"]), "memory:test")
    assert [c.action for c in plan.changes] == ["update", "create"]
    assert [w for w in plan.warnings if w.rule == "LC301"] == []


def test_in_a_long_list_only_the_items_that_move_are_renumbered(config):
    names = [f"Item {n:03}" for n in range(1, 301)]
    listed = names[:280] + ["New"] + names[280:]
    loaded = config("version: 1\ncompany_categories:\n  items:\n" + "".join(f"    - {{name: {n}}}\n" for n in listed))
    live = tenant(names)
    for rank, item in enumerate(live.categories, start=1):
        item.rank = rank
    create, reorder = _changes(loaded, live)
    assert (create.action, create.after["rank"]) == ("create", 281)
    assert reorder.after["ranks"] == {n: rank + 1 for rank, n in enumerate(names[280:], start=281)}


def test_the_utm_warning_names_the_level_and_the_value_in_effect(config):
    from dataclasses import replace

    loaded = config("""
        version: 1
        marketing:
          utm_tracking: false
    """)
    live = replace(tenant(), utm_tracking=False, utm_override="Individual", utm_effective=True)
    result = diff(loaded.config, live, loaded.source)
    assert result.changes == []
    [warning] = result.warnings
    assert (warning.rule, warning.severity, warning.line) == ("LC302", "warning", 3)
    assert warning.message == (
        "UTM tracking: a value set at the Individual level (on) overrides the tenant-wide (Database) value that "
        "leadconf writes, so it stays on for the signed-in user after apply; remove the Individual-level preference "
        "Mailing/EnableUTMSaving in SuperOffice")


def test_an_earlier_name_that_names_nothing_is_a_create(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Customer, group: customer}
            - {name: Brand new, renamed_from: Never existed}
    """)
    changes = _changes(loaded, tenant([CUSTOMER]))
    assert [(c.action, c.name, c.key) for c in changes] == [("create", "Brand new", None)]


def test_the_distribution_is_read_from_the_flow_the_config_names(config):
    loaded = config("""
        version: 1
        marketing:
          lead_distribution: {flow: alpha, associates: [bob]}
    """)
    web = DistributeStep(step_id=11, flow_id=5, associates=(2,), rank=1)
    alpha = DistributeStep(step_id=21, flow_id=6, associates=(1,), rank=1)
    live = tenant(["Customer"], associates=[NamedItem(1, "ann"), NamedItem(2, "bob")],
                  flows=[Flow(5, "Web", (web,)), Flow(6, "Alpha", (alpha,))], licenses=frozenset({"marketingpremium"}))
    [change] = _changes(loaded, live)
    assert (change.name, change.key, change.before, change.after) == ("Alpha", 21, {"associates": ["ann"]},
                                                                      {"associates": ["bob"]})
    assert change.reason == 'the "Distribute to owner" step of flow \'Alpha\' differs from the config'


def test_a_deleted_item_the_tenant_never_had_is_no_change(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: Customer, group: customer}
            - {name: Ghost, deleted: true}
            - {name: New}
    """)
    changes = _changes(loaded, tenant([CUSTOMER]))
    assert [(c.action, c.name, c.after.get("rank")) for c in changes] == [("create", "New", 11)]


def test_a_list_in_the_wrong_order_is_reordered_whatever_its_ids(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: A}
            - {name: B}
    """)
    live = tenant([("A", {"rank": 20}), ("B", {"rank": 10})])  # ids 1, 2; the tenant shows B first
    [reorder] = _changes(loaded, live)
    assert (reorder.action, reorder.before, reorder.after, reorder.reason) == (
        "reorder", {"order": ["B", "A"]}, {"order": ["A", "B"], "ranks": {"A": 1, "B": 2}, "ids": {"A": 1, "B": 2}},
        "the order differs from the config")


def test_an_item_the_config_deletes_takes_no_place_in_the_order(config):
    loaded = config("""
        version: 1
        company_categories:
          items:
            - {name: A}
            - {name: C}
            - {name: B, deleted: true}
            - {name: D, deleted: true}
    """)
    changes = _changes(loaded, tenant(["A", "B", "C", ("D", {"deleted": True})]))
    assert [(c.action, c.name) for c in changes] == [("delete", "B")]


def test_utm_tracking_switched_off_by_the_config_is_an_update(config):
    from dataclasses import replace

    loaded = config("""
        version: 1
        marketing:
          utm_tracking: false
    """)
    [change] = _changes(loaded, replace(tenant(), utm_tracking=True))
    assert (change.kind, change.key, change.before, change.after) == (
        "utm_tracking", None, {"utm_tracking": True}, {"utm_tracking": False})
    assert change.fingerprint == "b5bea41b6c623f7c"  # of the value it changes
