"""What an unsealed saved plan may do (plan/confirm.py) and a change's dict form (plan/change.py),
pinned: a change is confirmed by what it does, not by the words that explain it; the policies
combine to the strictest; the refusal names each unconfirmed change; a target compares as written."""

from __future__ import annotations

import os

import pytest

from leadconf.errors import Diagnostic, PlanFileError, StalePlan
from leadconf.plan.change import Change
from leadconf.plan.confirm import confirmed, normal_target, require_same_target, tighter_policy
from leadconf.plan.plan import Plan

FP = "0123456789abcdef"


def _update(name, key, value="x", **extra):
    return Change(action="update", kind="category", name=name, key=key, before={"description": ""},
                  after={"description": value}, reason="fields differ", source="leadconf.yaml:3", fingerprint=FP, **extra)


def _plan(changes, policy=None, **extra):
    return Plan(target="memory:test", changes=changes,
                policy=policy or {"max_change_percent": 30.0, "min_list_size": 10}, **extra)


def test_a_saved_change_is_confirmed_whatever_its_reason_and_source_say():
    saved = _plan([Change(**{**_update("A", 1).__dict__, "reason": "edited words", "source": "other.yaml:9"})])
    fresh = _plan([_update("A", 1)], list_sizes={"category": 12},
                  warnings=[Diagnostic("w", rule="LC301", severity="warning")])
    result = confirmed(saved, fresh)
    assert result.changes == fresh.changes and result.list_sizes == {"category": 12} and result.warnings == []


@pytest.mark.parametrize("edit", [
    {"after": {"description": "y"}}, {"before": {"description": "z"}}, {"key": 2}, {"name": "B"},
    {"fingerprint": "f" * 16}, {"action": "rename"}, {"kind": "lead_status"}, {"meta": {"old_name": "Z"}},
])
def test_a_saved_change_that_differs_in_what_it_does_is_not_confirmed(edit):
    saved = _plan([Change(**{**_update("A", 1).__dict__, **edit})])
    with pytest.raises(StalePlan) as refused:
        confirmed(saved, _plan([_update("A", 1)]))
    assert str(refused.value) == (
        "the plan file is not sealed, and a fresh plan of the config does not confirm 1 of its changes (the file was "
        "edited, or the config or the tenant changed since); nothing was applied. Plan again, or seal plans with "
        "LEADCONF_PLAN_KEY:")


def test_the_refusal_names_the_first_twenty_unconfirmed_changes_in_words():
    extra = [Change(action="delete", kind="lead_status", name=f"S{n}", key=n, before={"deleted": False},
                    after={"deleted": True}, fingerprint=FP) for n in range(22)]
    saved = _plan([_update("A", 1), *extra])
    with pytest.raises(StalePlan) as refused:
        confirmed(saved, _plan([_update("A", 1)]))
    assert "does not confirm 22 of its changes" in str(refused.value)
    assert refused.value.items == [f"delete lead status 'S{n}'" for n in range(20)]


def test_only_the_reviewed_changes_are_applied_in_the_fresh_plans_order_under_the_stricter_policy():
    a, b, c = _update("A", 1), _update("B", 2), _update("C", 3)
    saved = _plan([c, a], policy={"max_change_percent": 10.0, "min_list_size": 20})
    fresh = _plan([a, b, c], policy={"max_change_percent": 25.0, "min_list_size": 5})
    result = confirmed(saved, fresh)
    assert result.changes == [a, c]
    assert result.policy == {"max_change_percent": 10.0, "min_list_size": 5}
    assert result.target == fresh.target


def test_the_tighter_policy_takes_the_lowest_of_each_and_skips_a_missing_one():
    assert tighter_policy({"max_change_percent": 30, "min_list_size": 4}, {"max_change_percent": 50.0, "min_list_size": 10}) \
        == {"max_change_percent": 30.0, "min_list_size": 4}
    assert tighter_policy({}, {"max_change_percent": 50, "min_list_size": 10.0}) == {"max_change_percent": 50.0,
                                                                                     "min_list_size": 10}
    result = tighter_policy({"max_change_percent": 40, "min_list_size": 7.0})
    assert type(result["max_change_percent"]) is float and type(result["min_list_size"]) is int


@pytest.mark.parametrize("given, planned, same", [
    ("https://a.example/Cust1/", "https://A.example/cust1", True),
    ("  https://a.example/x  ", "https://a.example/x", True),
    ("https://a.example/x", "https://a.example/y", False),
    ("snapshot:t.json", "snapshot:./t.json", True),
    ("snapshot:t.json", "snapshot:T.json", False),
    (" snapshot:t.json", "snapshot:t.json", True),
])
def test_a_target_is_compared_as_written_and_a_snapshot_by_its_real_path(given, planned, same, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (normal_target(given) == normal_target(planned)) is same
    if same:
        require_same_target(given, planned, "the plan file")
    else:
        with pytest.raises(PlanFileError) as refused:
            require_same_target(given, planned, "the plan file")
        assert str(refused.value) == (f"the target {given} is not the target of the plan file ({planned}); nothing was "
                                      "applied. Plan again for that target.")


def test_a_snapshot_target_is_its_real_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normal_target("snapshot:t.json") == "snapshot:" + os.path.join(os.path.realpath(tmp_path), "t.json")
    assert normal_target("https://A.example/X/") == "https://a.example/x"


# -- a change's dict form ---------------------------------------------------------------------------


def test_a_change_as_a_dict_carries_meta_only_when_it_has_some():
    plain = _update("A", 1)
    assert plain.to_dict() == {"action": "update", "kind": "category", "name": "A", "key": 1,
                               "before": {"description": ""}, "after": {"description": "x"},
                               "reason": "fields differ", "source": "leadconf.yaml:3", "fingerprint": FP}
    renamed = _update("A", 1, meta={"old_name": "Z"})
    assert renamed.to_dict()["meta"] == {"old_name": "Z"}
    assert Change.from_dict(renamed.to_dict()) == renamed and Change.from_dict(plain.to_dict()) == plain


def test_a_change_read_from_a_minimal_dict_takes_the_defaults():
    change = Change.from_dict({"action": "create", "kind": "lead_status", "name": "New", "meta": None})
    assert change == Change(action="create", kind="lead_status", name="New")
    assert (change.key, change.before, change.after, change.reason, change.source, change.fingerprint, change.meta) == (
        None, None, None, "", None, None, {})
