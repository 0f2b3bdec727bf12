"""The undo plan (leadconf/apply/undo.py), pinned where the mutation runs of issue 10 found it loose:
the inverse of each kind of change, its fingerprints and list sizes, and which journal events it
takes back."""

from __future__ import annotations

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Made
from leadconf.apply.undo import final_state, inverse_plan
from leadconf.diff import build_plan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from tests.core.conftest import read_plan_file, tenant
from tests.core.memory import MemoryBackend


def test_the_undo_passes_over_a_journal_event_for_a_change_the_plan_does_not_have(tmp_path):
    t = tenant(["Alpha", "Beta"])
    plan = Plan(target="memory:test", changes=[Change(action="update", kind="category", name="Beta", key=2,
                                                      before={"tooltip": ""}, after={"tooltip": "B"})])
    undo = inverse_plan(plan, [Made(0, 2, None), Made(1, 1, None), Made(5, 1, None), Made(-1, 1, None)], final_state(t))
    assert [(c.action, c.name, c.before, c.after) for c in undo.changes] == [
        ("update", "Beta", {"tooltip": "B"}, {"tooltip": ""})]


def test_the_undo_measures_its_changes_against_the_list_the_apply_left(config, tmp_path):
    from leadconf.errors import UnsafePlan

    backend = MemoryBackend(tenant(["A", "B", "C"]))
    items = "".join(f"    - {{name: {n}}}\n" for n in ["A", "B", "C"] + [f"New {i}" for i in range(10)])
    report = ApplySession(backend, journal_dir=str(tmp_path / "j"), allow_large_change=True).apply_config(
        config(f"version: 1\ncompany_categories:\n  items:\n{items}"))
    assert report.ok
    undo = read_plan_file(report.undo)
    assert undo.list_sizes == {"category": 13, "lead_status": 1}
    assert undo.config_digest == "undo:" + report_plan_digest(tmp_path)
    assert [c.action for c in undo.changes] == ["delete"] * 10
    with pytest.raises(UnsafePlan) as caught:
        ApplySession(backend, journal_dir=str(tmp_path / "u"), allow_delete=True).apply_plan(undo)
    assert "10 of 13" in str(caught.value)


def test_the_undo_of_a_lead_status_reorder_puts_the_order_back(config, tmp_path):
    backend = MemoryBackend(tenant(["Customer"], statuses=("Open", "Won", "Lost")))
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_config(
        config("version: 1\nlead_statuses:\n  items:\n    - {name: Lost}\n    - {name: Won}\n    - {name: Open}\n"))
    assert [s.name for s in sorted(backend.read().lead_statuses, key=lambda s: s.rank)] == ["Lost", "Won", "Open"]
    # the undo's reorder is the one a fresh plan of the old order makes, fingerprint and all (an undo
    # file whose seal cannot be checked is carried out as far as such a plan confirms it)
    fresh = build_plan(config("version: 1\nlead_statuses:\n  items:\n    - {name: Open}\n    - {name: Won}\n"
                              "    - {name: Lost}\n"), backend.read(), backend.description, backend.locator)
    ((undo_reorder,), (fresh_reorder,)) = (read_plan_file(report.undo).changes, fresh.changes)
    assert (undo_reorder.action, undo_reorder.after["order"], undo_reorder.fingerprint) == (
        "reorder", fresh_reorder.after["order"], fresh_reorder.fingerprint)
    undo = ApplySession(backend, journal_dir=str(tmp_path / "u")).apply_plan(read_plan_file(report.undo))
    assert undo.ok
    assert {s.name: s.rank for s in backend.read().lead_statuses} == {"Open": 10, "Won": 20, "Lost": 30}


def test_the_undo_of_an_automation_rule_created_by_a_saved_plan_turns_it_off(config, tmp_path):
    import json

    backend = MemoryBackend(tenant([("Customer", {"group": "Customer"}), ("Lead", {"group": "PotentialCustomer"})],
                                   licenses=frozenset({"salespremium"})))
    plan = build_plan(config("version: 1\ncategory_automation:\n  sale_sold: {category: Lead}\n"),
                      backend.read(), backend.description, backend.locator)
    saved = Plan.from_file_dict(json.loads(json.dumps(plan.to_file_dict())))  # as `apply PLANFILE` reads it
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_plan(saved)
    (change,) = read_plan_file(report.undo).changes
    assert (change.action, change.key, change.before, change.after) == (
        "update", "SaleSold", {"enabled": True}, {"enabled": False})


def test_the_undo_of_a_restore_deletes_the_item_again_and_says_nothing_of_an_old_name(config, tmp_path):
    backend = MemoryBackend(tenant([("Customer", {"group": "Customer"}), ("Partner", {"group": "Partner", "deleted": True})]))
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_config(config(
        "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
        "    - {name: Partner, group: partner}\n"))
    assert [o.change.action for o in report.outcomes] == ["restore"]
    (undo,) = read_plan_file(report.undo).changes
    assert (undo.action, undo.name, undo.before, undo.after, undo.meta) == (
        "delete", "Partner", {"deleted": False}, {"deleted": True}, {})


def report_plan_digest(tmp_path) -> str:
    """The config digest of the plan the journal in tmp_path/j was started with."""
    from leadconf.apply.journal import read_journal

    (journal,) = [p for p in (tmp_path / "j").iterdir() if p.name.endswith(".jsonl")]
    digest = read_journal(str(journal))[0]["plan"]["config"]["digest"]
    assert digest
    return digest
