"""The safety rails (plan/safety.py through Plan.raise_if_unsafe) and the Plan value object
(plan/plan.py), pinned: which changes count towards the large-change threshold and where it lies,
the words of each refusal, the flags a plan needs, and the plan's file form read back."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.errors import Diagnostic, PlanFileError, UnsafePlan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.plan.safety import unsafe_reasons

FP = "0123456789abcdef"
TOO_MANY = ("Company – Category: the plan changes {count} of {size} items ({share}%, over the policy's {limit}%). "
            "Review the plan, then re-run with --allow-large-change, or raise policy.max_change_percent in the config.")


def _change(action, name="Item", kind="category", key=1):
    before, after = {"deleted": False}, {"deleted": True}
    if action != "delete":
        before, after = ({"deleted": True}, {"deleted": False}) if action == "restore" else ({"description": ""}, {"description": "x"})
    if action == "create":
        return Change(action="create", kind=kind, name=name, after={"name": name})
    if action == "reorder":
        return Change(action="reorder", kind=kind, name="category list", before={"order": []}, after={"order": []},
                      fingerprint=FP)
    return Change(action=action, kind=kind, name=name, key=key, before=before, after=after, fingerprint=FP)


def _plan(changes, sizes=None, policy=None) -> Plan:
    plan = Plan(target="memory:test", changes=changes, list_sizes=sizes or {"category": 10, "lead_status": 10})
    if policy is not None:
        plan.policy = policy
    return plan


def _reasons(plan, **flags):
    return unsafe_reasons(plan, allow_delete=flags.get("allow_delete", False),
                          allow_large_change=flags.get("allow_large_change", False))


# -- the large-change threshold ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["update", "rename", "restore"])
def test_changes_to_existing_items_count_towards_the_threshold(action):
    plan = _plan([_change(action, f"I{n}", key=n) for n in range(4)])
    assert _reasons(plan) == [TOO_MANY.format(count=4, size=10, share="40.0", limit=30)]
    assert _reasons(plan, allow_large_change=True) == []


@pytest.mark.parametrize("action", ["create", "reorder"])
def test_creates_and_reorders_do_not_count(action):
    assert _reasons(_plan([_change(action, f"I{n}", key=n) for n in range(4)])) == []


def test_exactly_the_policys_share_is_allowed_and_one_more_is_not():
    assert _reasons(_plan([_change("update", f"I{n}", key=n) for n in range(3)])) == []
    assert _reasons(_plan([_change("update", f"I{n}", key=n) for n in range(3)], {"category": 9},
                          {"max_change_percent": 30.0, "min_list_size": 9})) == [
        TOO_MANY.format(count=3, size=9, share="33.3", limit=30)]


def test_a_list_below_the_policys_size_is_never_too_changed_but_one_at_it_is():
    changes = [_change("update", f"I{n}", key=n) for n in range(9)]
    assert _reasons(_plan(changes, {"category": 9}, {"max_change_percent": 30.0, "min_list_size": 10})) == []
    assert _reasons(_plan(changes, {"category": 9}, {"max_change_percent": 30.0, "min_list_size": 9})) == [
        TOO_MANY.format(count=9, size=9, share="100.0", limit=30)]


def test_the_policy_in_the_plan_sets_the_threshold():
    changes = [_change("update", f"I{n}", key=n) for n in range(2)]
    assert _reasons(_plan(changes, policy={"max_change_percent": 12.5, "min_list_size": 4})) == [
        TOO_MANY.format(count=2, size=10, share="20.0", limit=12.5)]
    assert _reasons(_plan(changes, policy={"max_change_percent": 20.0, "min_list_size": 4})) == []
    assert _reasons(_plan(changes, {"category": 4}, policy={})) == []  # the defaults: lists of 10 or more
    assert _reasons(_plan(changes * 2, {"category": 10}, policy={})) == [
        TOO_MANY.format(count=4, size=10, share="40.0", limit=30)]


def test_each_list_is_counted_on_its_own():
    changes = [_change("update", f"I{n}", key=n) for n in range(2)] + \
              [_change("update", f"S{n}", kind="lead_status", key=n) for n in range(4)]
    assert _reasons(_plan(changes, {"category": 10, "lead_status": 10})) == [
        "Contact – Lead status: the plan changes 4 of 10 items (40.0%, over the policy's 30%). Review the plan, then "
        "re-run with --allow-large-change, or raise policy.max_change_percent in the config."]
    assert _reasons(_plan(changes, {"category": 10})) == []  # a list of unknown size is not counted


# -- deletes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count, names", [
    (1, "category 'D0'"),
    (5, "category 'D0', category 'D1', category 'D2', category 'D3', category 'D4'"),
    (6, "category 'D0', category 'D1', category 'D2', category 'D3', category 'D4' and 1 more"),
    (8, "category 'D0', category 'D1', category 'D2', category 'D3', category 'D4' and 3 more"),
])
def test_a_delete_is_refused_naming_five_and_counting_the_rest(count, names):
    plan = _plan([_change("delete", f"D{n}", key=n) for n in range(count)], {"category": 100})
    assert _reasons(plan) == [
        f"the plan deletes {count} item(s) ({names}); deletes are soft (the items can be restored) but hide them "
        "from users. Review the plan, then re-run with --allow-delete."]
    assert _reasons(plan, allow_delete=True) == []


def test_a_lead_status_delete_is_named_in_words():
    plan = _plan([_change("delete", "Cold", kind="lead_status")], {"lead_status": 100})
    assert "(lead status 'Cold')" in _reasons(plan)[0]


def test_a_plan_that_deletes_a_whole_list_needs_the_large_change_flag_whatever_its_size():
    plan = _plan([_change("delete", f"D{n}", key=n) for n in range(2)], {"category": 2, "lead_status": 0})
    emptied = ("Company – Category: the plan deletes every item of the list (2 of 2). Review the plan, then re-run "
               "with --allow-large-change.")
    assert _reasons(plan, allow_delete=True) == [emptied]
    assert _reasons(plan, allow_delete=True, allow_large_change=True) == []
    assert _reasons(_plan(plan.changes, {"category": 3}), allow_delete=True) == []  # one stays
    assert _reasons(_plan(plan.changes[:1], {"category": 1}), allow_delete=True) == [
        emptied.replace("(2 of 2)", "(1 of 1)")]
    big = _plan([_change("delete", f"D{n}", key=n) for n in range(12)], {"category": 12})
    assert _reasons(big, allow_delete=True) == [emptied.replace("(2 of 2)", "(12 of 12)")]  # said once


def test_raise_if_unsafe_lists_every_reason_under_one_refusal():
    plan = _plan([_change("delete", f"D{n}", key=n) for n in range(4)], {"category": 10})
    with pytest.raises(UnsafePlan) as refused:
        plan.raise_if_unsafe()
    assert refused.value.lines() == ["apply refused:", *(f"  - {r}" for r in _reasons(plan))]
    assert len(refused.value.lines()) == 3
    plan.raise_if_unsafe(allow_delete=True, allow_large_change=True)


@pytest.mark.parametrize("changes, sizes, flags", [
    ([], None, []),
    ([_change("delete")], {"category": 100}, ["--allow-delete"]),
    ([_change("update", f"I{n}", key=n) for n in range(4)], None, ["--allow-large-change"]),
    ([_change("delete", f"D{n}", key=n) for n in range(4)], None, ["--allow-delete", "--allow-large-change"]),
    ([_change("delete")], {"category": 1}, ["--allow-delete", "--allow-large-change"]),
])
def test_the_flags_a_plan_needs_are_each_tried_alone(changes, sizes, flags):
    assert _plan(changes, sizes).allow_flags() == flags


# -- the plan value object --------------------------------------------------------------------------


def test_a_plan_counts_its_changes_by_action_in_a_fixed_order():
    plan = _plan([_change("delete"), _change("update"), _change("delete", "D2", key=2), _change("create")])
    assert list(plan.summary().items()) == [("create", 1), ("update", 1), ("rename", 0), ("restore", 0),
                                           ("reorder", 0), ("delete", 2)]
    assert plan.has_changes is True and _plan([]).has_changes is False


def test_a_plan_differs_from_the_tenant_with_changes_or_a_warning_no_write_fixes():
    lc302 = Diagnostic("UTM hidden", rule="LC302", severity="warning")
    other = Diagnostic("something", rule="LC301", severity="warning")
    assert _plan([]).differs is False
    assert _plan([_change("create")]).differs is True
    assert Plan(target="t", warnings=[other]).differs is False
    assert Plan(target="t", warnings=[other, lc302]).differs is True


def test_the_json_form_of_a_plan():
    warning = Diagnostic("w", rule="LC301", severity="warning", file="leadconf.yaml", line=3)
    plan = Plan(target="memory:test", changes=[_change("create", "New")], warnings=[warning])
    assert plan.to_dict() == {
        "format_version": "1", "target": "memory:test",
        "summary": {"create": 1, "update": 0, "rename": 0, "restore": 0, "reorder": 0, "delete": 0},
        "changes": [{"action": "create", "kind": "category", "name": "New", "key": None, "before": None,
                     "after": {"name": "New"}, "reason": "", "source": None, "fingerprint": None}],
        "warnings": [warning.to_dict()],
    }


def _file_plan() -> Plan:
    return Plan(target="snapshot:t.json", changes=[_change("rename", "New name")],
                warnings=[Diagnostic("w", rule="LC301", severity="warning", file="leadconf.yaml", line=3)],
                config_digest="d1", config_files=["a.yaml", "b.yaml"], policy={"max_change_percent": 20.0, "min_list_size": 5},
                list_sizes={"category": 3}, list_fingerprints={"category": FP})


def test_the_file_form_of_a_plan_and_back():
    data = _file_plan().to_file_dict()
    assert list(data) == ["format", "format_version", "target", "summary", "changes", "warnings", "config", "policy",
                          "list_sizes", "locator", "list_fingerprints", "checksum"]
    assert (data["format"], data["config"], data["locator"]) == (
        "leadconf-plan/1", {"digest": "d1", "files": ["a.yaml", "b.yaml"]}, "snapshot:t.json")  # locator: the target
    assert data["checksum"].startswith("sha256:") and len(data["checksum"]) == len("sha256:") + 64
    back = Plan.from_file_dict(json.loads(json.dumps(data)))
    assert back == replace(_file_plan(), locator="snapshot:t.json")
    assert Plan.from_file_dict(Plan(target="t", locator="elsewhere").to_file_dict()).locator == "elsewhere"


def test_an_old_plan_file_without_the_optional_parts_still_reads():
    data = _file_plan().to_file_dict()
    for key in ("warnings", "list_sizes", "list_fingerprints", "locator", "checksum"):
        del data[key]
    data["list_fingerprints"] = None
    from leadconf.plan.plan import _checksum
    data["checksum"] = _checksum(data)
    back = Plan.from_file_dict(data)
    assert (back.warnings, back.list_sizes, back.list_fingerprints, back.locator) == ([], {}, {}, "snapshot:t.json")


@pytest.mark.parametrize("data, message", [
    ([], 'not a leadconf plan file (expected "format": "leadconf-plan/1")'),
    ({"format": "leadconf-plan/2"}, 'not a leadconf plan file (expected "format": "leadconf-plan/1")'),
    ({"format": "leadconf-plan/1"}, "the plan file was changed after it was saved (checksum mismatch); plan again"),
])
def test_what_is_not_a_saved_plan_is_refused(data, message):
    with pytest.raises(PlanFileError) as refused:
        Plan.from_file_dict(data)
    assert str(refused.value) == message


@pytest.mark.parametrize("drop, message", [
    ("target", "KeyError: 'target'"),
    ("config", "KeyError: 'config'"),
    ("policy", "KeyError: 'policy'"),
])
def test_a_sealed_but_incomplete_plan_file_is_refused_naming_what_is_missing(drop, message):
    from leadconf.plan.plan import _checksum

    data = _file_plan().to_file_dict()
    del data[drop], data["checksum"]
    data["checksum"] = _checksum(data)
    with pytest.raises(PlanFileError) as refused:
        Plan.from_file_dict(data)
    assert str(refused.value) == f"the plan file is incomplete or malformed ({message})"


def test_a_malformed_change_or_warning_is_refused_not_raised():
    from leadconf.plan.plan import _checksum

    for part, bad in (("changes", [{"kind": "category"}]), ("warnings", [{"bogus": 1}]), ("policy", 5)):
        data = _file_plan().to_file_dict()
        del data["checksum"]
        data[part] = bad
        data["checksum"] = _checksum(data)
        with pytest.raises(PlanFileError, match=r"^the plan file is incomplete or malformed \((KeyError|TypeError|ValueError): "):
            Plan.from_file_dict(data)


def test_a_policy_may_count_lists_of_one_item_and_a_list_of_none_is_never_counted():
    one = {"max_change_percent": 30.0, "min_list_size": 1}
    assert _reasons(_plan([_change("update")], {"category": 1}, one)) == [
        TOO_MANY.format(count=1, size=1, share="100.0", limit=30)]
    none = {"max_change_percent": 30.0, "min_list_size": 0}
    assert _reasons(_plan([_change("restore")], {"category": 0}, none)) == []
