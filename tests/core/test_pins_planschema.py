"""The plan-file schema (plan/planschema.py), pinned problem by problem: a saved plan is untrusted
input, and each of these edits must be refused with exactly these lines (the field named, the
reason given), while the well-formed edits next to them must pass. One base plan holds a change of
every shape a plan file carries; each case edits a copy of it."""

from __future__ import annotations

import json

import pytest

from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.plan.planschema import check_plan_file

FP = "0123456789abcdef"


def base_plan() -> Plan:
    return Plan(
        target="snapshot:tenant.json", locator="snapshot:/srv/ci/tenant.json",
        changes=[
            Change(action="create", kind="category", name="Partner", reason="new", source="leadconf.yaml:3",
                   after={"name": "Partner", "group": "partner", "lead_status": False, "description": "",
                          "visible_for": ["Sales"], "headings": [], "rank": 40}),
            Change(action="update", kind="category", name="Customer", key=1, before={"group": "none"},
                   after={"group": "customer"}, reason="r", fingerprint=FP),
            Change(action="rename", kind="category", name="Lead", key=2, before={"name": "Prospect"},
                   after={"name": "Lead"}, reason="r", fingerprint=FP, meta={"old_name": "Prospect"}),
            Change(action="restore", kind="lead_status", name="Open", key=101, before={"deleted": True},
                   after={"deleted": False}, reason="r", fingerprint=FP),
            Change(action="delete", kind="lead_status", name="Closed", key=102, before={"deleted": False},
                   after={"deleted": True}, reason="r", fingerprint=FP),
            Change(action="reorder", kind="category", name="category list", before={"order": ["Customer", "Lead"]},
                   after={"order": ["Lead", "Customer"], "ranks": {"Lead": 1, "Customer": 2},
                          "ids": {"Lead": 2, "Customer": 1}}, reason="r", fingerprint=FP),
            Change(action="create", kind="category_automation", name="sale_sold", key="SaleSold",
                   after={"enabled": True, "category": "Customer", "confirm": False}, reason="r"),
            Change(action="update", kind="category_automation", name="lead_status_changed", key="LeadStatusChanged",
                   before={"lead_status": None}, after={"lead_status": "Open"}, reason="r", fingerprint=FP),
            Change(action="update", kind="utm_tracking", name="utm_tracking", before={"utm_tracking": False},
                   after={"utm_tracking": True}, reason="r", fingerprint=FP),
            Change(action="update", kind="lead_distribution", name="Web leads", key=500,
                   before={"associates": ["ann"], "fallback": None}, after={"associates": ["bob"], "fallback": "ann"},
                   reason="r", fingerprint=FP),
        ],
        config_digest="abc", config_files=["leadconf.yaml"],
        list_sizes={"category": 3, "lead_status": 2}, list_fingerprints={"category": FP},
    )


def base_data() -> dict:
    return json.loads(json.dumps(base_plan().to_file_dict()))


DEL = object()  # an edit that removes the field


def top(**fields):
    def edit(data):
        for key, value in fields.items():
            if value is DEL:
                data.pop(key, None)
            else:
                data[key] = value
    return edit


def ch(index, **fields):
    def edit(data):
        top(**fields)(data["changes"][index])
    return edit


def part(index, which, **fields):
    def edit(data):
        top(**fields)(data["changes"][index][which])
    return edit


def test_the_base_plan_is_well_formed():
    assert check_plan_file(base_data()) == []


def test_anything_but_a_plan_file_object_is_one_problem():
    assert check_plan_file([]) == ["expected a JSON object, got a list"]
    assert check_plan_file("x" * 60) == ["expected a JSON object, got the string 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]
    assert check_plan_file(None) == ["expected a JSON object, got null"]
    assert check_plan_file(1.5) == ["expected a JSON object, got a number"]
    assert check_plan_file(True) == ["expected a JSON object, got a boolean"]
    assert check_plan_file({**base_data(), "format": "leadconf-plan/2"}) == [
        "format: expected 'leadconf-plan/1' (not a leadconf plan file)"]
    assert check_plan_file({"changes": []}) == ["format: expected 'leadconf-plan/1' (not a leadconf plan file)"]


CASES = [
    ('top_unknown_and_missing', top(zeta=1, alpha=2, checksum=DEL, locator=DEL),
     ["plan: unknown field 'alpha'", "plan: unknown field 'zeta'", "plan.checksum: missing", "plan.locator: missing"]),
    ('top_types', top(format_version=1, target=2, locator=None, checksum=[], signature={}),
     ["format_version: expected a string, got an integer", "target: expected a string, got an integer", "locator: expected a string, got null", "checksum: expected a string, got a list", "signature: expected a string, got an object"]),
    ('target_blank', top(target="  ", locator="  "),
     ["target: empty"]),
    ('signature_ok', top(signature="hmac-sha256:00"),
     []),
    ('locator_other_file', top(locator="snapshot:/srv/ci/other.json"),
     ["locator: 'snapshot:/srv/ci/other.json' is not where the target 'snapshot:tenant.json' is; a plan applies to the target it shows"]),
    ('locator_dotdot', top(target="snapshot:../t/tenant.json", locator="snapshot:/srv/t/tenant.json"),
     []),
    ('locator_dot', top(target="snapshot:./tenant.json", locator="snapshot:/x/tenant.json"),
     []),
    ('locator_same_normalised', top(target="snapshot:a/../tenant.json", locator="snapshot:tenant.json"),
     []),
    ('locator_abs_shown', top(target="snapshot:/a/tenant.json", locator="snapshot:/b/a/tenant.json"),
     ["locator: 'snapshot:/b/a/tenant.json' is not where the target 'snapshot:/a/tenant.json' is; a plan applies to the target it shows"]),
    ('locator_suffix_not_dir', top(target="snapshot:tenant.json", locator="snapshot:/srv/mytenant.json"),
     ["locator: 'snapshot:/srv/mytenant.json' is not where the target 'snapshot:tenant.json' is; a plan applies to the target it shows"]),
    ('locator_host', top(target="https://a.example/", locator="https://b.example/"),
     ["locator: 'https://b.example/' is not where the target 'https://a.example/' is; a plan applies to the target it shows"]),
    ('locator_snapshot_to_host', top(target="snapshot:tenant.json", locator="https://b.example/tenant.json"),
     ["locator: 'https://b.example/tenant.json' is not where the target 'snapshot:tenant.json' is; a plan applies to the target it shows"]),
    ('locator_on_a_host_ending_like_the_snapshot', top(target="snapshot:tenant.json", locator="https://h/srv/tenant.json"),
     ["locator: 'https://h/srv/tenant.json' is not where the target 'snapshot:tenant.json' is; a plan applies to the target it shows"]),
    ('snapshot_locator_for_a_host_target', top(target="https://h/srv/tenant.json", locator="snapshot:/srv/tenant.json"),
     ["locator: 'snapshot:/srv/tenant.json' is not where the target 'https://h/srv/tenant.json' is; a plan applies to the target it shows"]),
    ('config_not_dict', top(config=[]),
     ["config: expected an object, got a list"]),
    ('config_keys', top(config={"digest": 1, "files": "x", "more": 1}),
     ["config: unknown field 'more'", "config.digest: expected a string, got an integer", "config.files: expected a list, got the string 'x'"]),
    ('config_files_item', top(config={"digest": "d", "files": ["a", 2]}),
     ["config.files[1]: expected a string, got an integer"]),
    ('policy_not_dict', top(policy=None),
     ["policy: expected an object, got null"]),
    ('policy_keys', top(policy={"max_change_percent": 30.0, "other": 1}),
     ["policy: unknown field 'other'", "policy.min_list_size: missing", "policy.min_list_size: expected an integer, got null"]),
    ('policy_bounds_hi', top(policy={"max_change_percent": 100.5, "min_list_size": -1}),
     ["policy.max_change_percent: 100.5 is not between 0 and 100", "policy.min_list_size: -1 is negative"]),
    ('policy_bounds_lo', top(policy={"max_change_percent": -0.5, "min_list_size": 0}),
     ["policy.max_change_percent: -0.5 is not between 0 and 100"]),
    ('policy_edges', top(policy={"max_change_percent": 100, "min_list_size": 0}),
     []),
    ('policy_zero', top(policy={"max_change_percent": 0, "min_list_size": 10}),
     []),
    ('policy_types', top(policy={"max_change_percent": True, "min_list_size": 1.5}),
     ["policy.max_change_percent: expected a number, got a boolean", "policy.min_list_size: expected an integer, got a number"]),
    ('policy_nan', top(policy={"max_change_percent": float("nan"), "min_list_size": 10}),
     ["policy.max_change_percent: expected a number, got a number"]),
    ('policy_inf', top(policy={"max_change_percent": float("inf"), "min_list_size": 10}),
     ["policy.max_change_percent: expected a number, got a number"]),
    ('list_sizes_bad', top(list_sizes={"category": -1, "lead_status": "2", "flows": 1}),
     ["list_sizes.category: negative", "list_sizes.lead_status: expected an integer, got the string '2'", "list_sizes: unknown list 'flows'"]),
    ('list_sizes_zero', top(list_sizes={"category": 0}),
     []),
    ('list_sizes_not_dict', top(list_sizes=[]),
     ["list_sizes: expected an object, got a list"]),
    ('list_fps_bad', top(list_fingerprints={"category": "XYZ", "other": "0123456789abcdef"}),
     ["list_fingerprints.category: not a fingerprint", "list_fingerprints: unknown list 'other'"]),
    ('list_fps_short', top(list_fingerprints={"category": "0123456789abcde"}),
     ["list_fingerprints.category: not a fingerprint"]),
    ('list_fps_long', top(list_fingerprints={"category": "a" * 64, "lead_status": "a" * 65}),
     ["list_fingerprints.lead_status: not a fingerprint"]),
    ('warnings_not_list', top(warnings={}),
     ["warnings: expected a list, got an object"]),
    ('warnings_items', top(warnings=[1, {"message": "m", "rule": "LC1", "severity": "info", "file": 3, "line": "1", "column": None, "x": 1}]),
     ["warnings[0]: expected an object, got an integer", "warnings[1]: unknown field 'x'", "warnings[1].file: expected a string or null, got an integer", "warnings[1].line: expected an integer or null, got the string '1'", "warnings[1].severity: expected 'error' or 'warning'"]),
    ('warnings_ok', top(warnings=[{"message": "m", "rule": "LC1", "severity": "warning", "file": None, "line": None, "column": 2}]),
     []),
    ('summary_off', top(summary={"create": 2}),
     ["summary: does not count the changes (they are {'create': 2, 'update': 4, 'rename': 1, 'restore': 1, 'reorder': 1, 'delete': 1})"]),
    ('changes_not_list', top(changes={}),
     ["changes: expected a list, got an object"]),
    ('change_not_dict', top(changes=[7]),
     ["changes[0]: expected an object, got an integer", "summary: does not count the changes (they are {'create': 0, 'update': 0, 'rename': 0, 'restore': 0, 'reorder': 0, 'delete': 0})"]),
    ('change_keys', ch(1, extra=1, reason=DEL),
     ["changes[1]: unknown field 'extra'", "changes[1].reason: missing", "changes[1].reason: expected a string, got null"]),
    ('kind_unknown', ch(1, kind="flow"),
     ["changes[1].kind: expected one of category, lead_status, category_automation, utm_tracking, lead_distribution, got the string 'flow'"]),
    ('kind_unknown_null', ch(1, kind=None),
     ["changes[1].kind: expected one of category, lead_status, category_automation, utm_tracking, lead_distribution, got null"]),
    ('action_for_setting', ch(8, action="create"),
     ["changes[8].action: expected one of update for utm_tracking, got the string 'create'", "summary: does not count the changes (they are {'create': 3, 'update': 3, 'rename': 1, 'restore': 1, 'reorder': 1, 'delete': 1})"]),
    ('action_for_automation', ch(6, action="delete"),
     ["changes[6].action: expected one of create, update for category_automation, got the string 'delete'", "summary: does not count the changes (they are {'create': 1, 'update': 4, 'rename': 1, 'restore': 1, 'reorder': 1, 'delete': 2})"]),
    ('action_for_list', ch(1, action="remove"),
     ["changes[1].action: expected one of create, update, rename, restore, reorder, delete for category, got the string 'remove'", "summary: does not count the changes (they are {'create': 2, 'update': 3, 'rename': 1, 'restore': 1, 'reorder': 1, 'delete': 1})"]),
    ('name_reason_source', ch(1, name=1, reason=None, source=3),
     ["changes[1].name: expected a string, got an integer", "changes[1].reason: expected a string, got null", "changes[1].source: expected a string or null, got an integer"]),
    ('list_create_key', ch(0, key=5),
     ["changes[0].key: expected null, got an integer"]),
    ('list_update_key', ch(1, key="1"),
     ["changes[1].key: expected an integer, got the string '1'"]),
    ('list_update_key_bool', ch(1, key=True),
     ["changes[1].key: expected an integer, got a boolean"]),
    ('reorder_key', ch(5, key=1),
     ["changes[5].key: expected null, got an integer"]),
    ('auto_key_mismatch_lower', ch(6, key="SaleLost"),
     ["changes[6]: a category automation trigger and its key must match ('sale_sold', 'SaleLost')"]),
    ('auto_key_mismatch_higher', ch(6, key="SaleTwo"),
     ["changes[6]: a category automation trigger and its key must match ('sale_sold', 'SaleTwo')"]),
    ('auto_name_unknown', ch(6, name="sale_won", key="SaleWon"),
     ["changes[6]: a category automation trigger and its key must match ('sale_won', 'SaleWon')"]),
    ('utm_key', ch(8, key=1),
     ["changes[8].key: expected null, got an integer"]),
    ('dist_key', ch(9, key="500"),
     ["changes[9].key: expected an integer, got the string '500'"]),
    ('dist_key_null', ch(9, key=None),
     ["changes[9].key: expected an integer, got null"]),
    ('create_fp', ch(0, fingerprint="0123456789abcdef"),
     ["changes[0].fingerprint: expected null, got the string '0123456789abcdef'"]),
    ('auto_create_fp', ch(6, fingerprint="0123456789abcdef"),
     ["changes[6].fingerprint: expected null, got the string '0123456789abcdef'"]),
    ('fp_missing', ch(1, fingerprint=None),
     ["changes[1].fingerprint: missing: a change to an existing item must carry its fingerprint (the stale check)"]),
    ('fp_bad', ch(1, fingerprint="0123456789ABCDEF"),
     ["changes[1].fingerprint: not a fingerprint (the string '0123456789ABCDEF')"]),
    ('fp_int', ch(1, fingerprint=12),
     ["changes[1].fingerprint: not a fingerprint (an integer)"]),
    ('fp_short', ch(1, fingerprint="0123456789abcde"),
     ["changes[1].fingerprint: not a fingerprint (the string '0123456789abcde')"]),
    ('fp_64', ch(1, fingerprint="a" * 64),
     []),
    ('fp_65', ch(1, fingerprint="a" * 65),
     ["changes[1].fingerprint: not a fingerprint (the string 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)"]),
    ('meta_not_dict', ch(2, meta=[]),
     ["changes[2].meta: expected an object, got a list"]),
    ('meta_keys', ch(2, meta={"old_name": 3, "why": "x"}),
     ["changes[2].meta: unknown field 'why'", "changes[2].meta.old_name: expected a string, got an integer"]),
    ('meta_null', ch(2, meta=None),
     ["changes[2].meta: expected an object, got null"]),
    ('reorder_not_dicts', ch(5, before=[], after=None),
     ["changes[5].before: expected an object, got a list"]),
    ('reorder_before_only', ch(5, before=None),
     ["changes[5].before: expected an object, got null"]),
    ('reorder_keys', ch(5, before={"order": ["a"], "x": 1}, after={"order": ["a"], "y": 2}),
     ["changes[5].before: unknown field 'x'", "changes[5].after: unknown field 'y'", "changes[5].after.ranks: missing"]),
    ('reorder_order_items', ch(5, before={"order": ["a", 1]}, after={"order": [None, "b"], "ranks": {"a": "1"}, "ids": []}),
     ["changes[5].before.order[1]: expected a string, got an integer", "changes[5].after.order[0]: expected a string, got null", "changes[5].after.ranks['a']: expected an integer, got the string '1'", "changes[5].after.ids: expected an object, got a list"]),
    ('reorder_orders_not_lists', ch(5, before={"order": "a"}, after={"order": {}, "ranks": {}}),
     ["changes[5].before.order: expected a list, got the string 'a'", "changes[5].after.order: expected a list, got an object"]),
    ('reorder_ids_values', ch(5, after={"order": ["a"], "ranks": {"a": 1}, "ids": {"a": 1.5}}),
     ["changes[5].after.ids['a']: expected an integer, got a number"]),
    ('create_before', ch(0, before={"name": "x"}),
     ["changes[0].before: expected null, got an object"]),
    ('fields_differ', ch(1, before={"group": "none", "description": ""}),
     ["changes[1]: before and after name different fields"]),
    ('after_not_dict', ch(1, after=[]),
     ["changes[1].after: expected an object, got a list"]),
    ('after_empty', ch(1, before={}, after={}),
     ["changes[1].after: changes nothing"]),
    ('create_after_empty', ch(0, after={}),
     ["changes[0].after: changes nothing", "changes[0].after.name: a create writes the name it shows ('Partner')"]),
    ('field_unknown', ch(1, before={"colour": "red"}, after={"colour": "blue"}),
     ["changes[1].before.colour: not a field of category", "changes[1].after.colour: not a field of category"]),
    ('field_unknown_after_rank', ch(1, before={"score": 1}, after={"score": 2}),
     ["changes[1].before.score: not a field of category", "changes[1].after.score: not a field of category"]),
    ('utm_field_other', ch(8, before={"enabled": False}, after={"enabled": True}),
     ["changes[8].before.enabled: not a field of utm tracking", "changes[8].after.enabled: not a field of utm tracking"]),
    ('utm_field_after_its_name', ch(8, before={"zone": False}, after={"zone": True}),
     ["changes[8].before.zone: not a field of utm tracking", "changes[8].after.zone: not a field of utm tracking"]),
    ('rank_on_automation_update', ch(7, before={"rank": 1}, after={"rank": 3}),
     ["changes[7].before.rank: not a field of category automation", "changes[7].after.rank: not a field of category automation",
      "changes[7].after.rank: only a create sets a rank (a reorder moves items)"]),
    ('utm_value_type', ch(8, before={"utm_tracking": None}, after={"utm_tracking": 1}),
     ["changes[8].after.utm_tracking: expected a boolean, got an integer"]),
    ('rank_on_status_create', ch(3, action="create", key=None, fingerprint=None, before=None, after={"name": "Open", "rank": 3}),
     ["summary: does not count the changes (they are {'create': 3, 'update': 4, 'rename': 1, 'restore': 0, 'reorder': 1, 'delete': 1})"]),
    ('rank_on_automation', ch(6, after={"enabled": True, "rank": 3}),
     ["changes[6].after.rank: not a field of category automation"]),
    ('rank_on_update', ch(1, before={"rank": 1}, after={"rank": 2}),
     ["changes[1].after.rank: only a create sets a rank (a reorder moves items)"]),
    ('before_null_values', ch(9, before={"associates": None, "fallback": None}),
     []),
    ('after_null_many', ch(9, after={"associates": None, "fallback": None}),
     ["changes[9].after.associates: expected a list, got null"]),
    ('many_items', ch(9, before={"associates": ["ann", 3], "fallback": None}, after={"associates": [None], "fallback": 4}),
     ["changes[9].before.associates[1]: expected a string, got an integer", "changes[9].after.associates[0]: expected a string, got null", "changes[9].after.fallback: expected a string or null, got an integer"]),
    ('ref_null_after', ch(7, after={"lead_status": None}),
     []),
    ('enum_bad_before', ch(1, before={"group": "gold"}),
     ["changes[1].before.group: expected one of customer, potential_customer, partner, lost, other, none, got 'gold'"]),
    ('enum_type', ch(1, after={"group": 1}),
     ["changes[1].after.group: expected a string, got an integer"]),
    ('plain_str', ch(1, before={"description": 1}, after={"description": None}),
     ["changes[1].before.description: expected a string, got an integer", "changes[1].after.description: expected a string, got null"]),
    ('plain_bool', ch(1, before={"lead_status": "no"}, after={"lead_status": 0}),
     ["changes[1].before.lead_status: expected a boolean, got the string 'no'", "changes[1].after.lead_status: expected a boolean, got an integer"]),
    ('delete_not_deleted', ch(4, after={"deleted": False}),
     ["changes[4]: a delete sets deleted: true"]),
    ('delete_other_field', ch(4, before={"name": "Closed"}, after={"name": "Closed!"}),
     ["changes[4]: a delete sets deleted: true"]),
    ('delete_deleted_one', ch(4, after={"deleted": 1}),
     ["changes[4].after.deleted: expected a boolean, got an integer", "changes[4]: a delete sets deleted: true"]),
    ('restore_from_one', ch(3, before={"deleted": 1}),
     ["changes[3].before.deleted: expected a boolean, got an integer", "changes[3]: a restore sets deleted from true to false"]),
    ('restore_wrong', ch(3, before={"deleted": False}, after={"deleted": False}),
     ["changes[3]: a restore sets deleted from true to false"]),
    ('restore_after_true', ch(3, after={"deleted": True}),
     ["changes[3]: a restore sets deleted from true to false"]),
    ('restore_missing', ch(3, before={"name": "x"}, after={"name": "y"}),
     ["changes[3]: a restore sets deleted from true to false"]),
    ('update_deleted', ch(1, before={"deleted": True}, after={"deleted": False}),
     ["changes[1].after.deleted: only a delete or a restore changes deleted"]),
    ('rename_deleted', ch(2, before={"name": "Prospect", "deleted": False}, after={"name": "Lead", "deleted": True}),
     ["changes[2].after.deleted: only a delete or a restore changes deleted"]),
    ('create_name_mismatch_lower', part(0, "after", name="Apple"),
     ["changes[0].after.name: a create writes the name it shows ('Partner')"]),
    ('create_name_mismatch_higher', part(0, "after", name="Zebra"),
     ["changes[0].after.name: a create writes the name it shows ('Partner')"]),
    ('create_no_name', part(0, "after", name=DEL),
     ["changes[0].after.name: a create writes the name it shows ('Partner')"]),
    ('rename_name_mismatch', ch(2, after={"name": "Leads"}),
     ["changes[2].after.name: a rename writes the name it shows ('Lead')"]),
    ('update_renames', ch(1, before={"name": "Customer"}, after={"name": "Client"}),
     ["changes[1]: an update may change a name only in case or spacing (a rename is a rename)"]),
    ('update_case_only', ch(1, before={"name": "customer "}, after={"name": "Customer"}),
     []),
    ('update_name_before_null', ch(1, before={"name": None}, after={"name": "Client"}),
     []),
    ('create_deleted', part(0, "after", deleted=True),
     ["changes[0].after.deleted: only a delete or a restore changes deleted"]),
    ('create_deleted_false', part(0, "after", deleted=False),
     ["changes[0].after.deleted: only a delete or a restore changes deleted"]),
    ('status_create_rank_name', ch(3, action="create", key=None, fingerprint=None, before=None, after={"name": "Other", "rank": 3}),
     ["changes[3].after.name: a create writes the name it shows ('Open')", "summary: does not count the changes (they are {'create': 3, 'update': 4, 'rename': 1, 'restore': 0, 'reorder': 1, 'delete': 1})"]),
]


@pytest.mark.parametrize("edit, problems", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_edit_is_refused_with_exactly_these_problems(edit, problems):
    data = base_data()
    edit(data)
    assert check_plan_file(data) == problems


def test_a_list_fingerprint_that_is_not_a_string_is_a_problem_not_a_crash():
    data = base_data()
    data["list_fingerprints"] = {"category": 5}
    assert check_plan_file(data) == ["list_fingerprints.category: expected a string, got an integer"]
