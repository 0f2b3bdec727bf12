"""Behaviour the third sampled mutation run (seed 11) showed unpinned: each test names what a user
relies on, and fails if it changes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Journal, interrupted_changes, latest_journal, made_changes, read_journal
from leadconf.apply.runner import ALREADY, DONE, apply_plan, raise_if_failed
from leadconf.backends.snapshot import SnapshotBackend
from leadconf.backends.superoffice import codec
from leadconf.diff import build_plan
from leadconf.errors import ApplyError, FileError, PlanFileError, TargetError, UnsafePlan
from leadconf.model.tenant import Category
from leadconf.plan.plan import Plan
from tests.core.conftest import snapshot_document, tenant
from tests.core.memory import MemoryBackend

CUSTOMER = ("Customer", {"group": "Customer"})
TWO_CREATES = ("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
               "    - {name: Partner, group: partner}\n    - {name: Reseller, group: partner}\n")


def _plan(loaded, backend):
    return build_plan(loaded, backend.read(), backend.description, backend.locator)


def _snapshot(tmp_path, doc) -> str:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return str(path)


# -- apply ------------------------------------------------------------------------------------------


def test_a_change_found_already_made_does_not_stop_the_ones_after_it(config):
    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config(TWO_CREATES), backend)
    assert [(c.action, c.name) for c in plan.changes] == [("create", "Partner"), ("create", "Reseller")]
    backend.tenant.categories.append(replace(backend.tenant.categories[0], id=9, name="Partner", group="Partner", rank=20))
    report = apply_plan(plan, backend)
    assert [o.status for o in report.outcomes] == [ALREADY, DONE]
    assert [c.name for c in backend.read().categories] == ["Customer", "Partner", "Reseller"]


def test_an_unfinished_apply_names_the_change_that_failed(config):
    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config(TWO_CREATES), backend)

    def refuse(kind, item):
        if item.name == "Reseller":
            raise TargetError("the tenant refused it")

    backend.before_write = refuse
    report = apply_plan(plan, backend, continue_on_error=True)
    with pytest.raises(ApplyError) as caught:
        raise_if_failed(report)
    assert "first failure: category 'Reseller': the tenant refused it" in str(caught.value)
    assert "Partner" not in str(caught.value)


def test_an_undo_plan_that_cannot_be_written_is_reported_not_raised(config, tmp_path, monkeypatch):
    import leadconf.fileio

    def full_disk(path, *args, **kwargs):
        raise FileError(f"{path}: cannot write the undo plan (no space left on the device)")

    backend = MemoryBackend(tenant([CUSTOMER]))
    loaded = config(TWO_CREATES)
    monkeypatch.setattr(leadconf.fileio, "atomic_write", full_disk)
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(loaded)
    assert [c.name for c in backend.read().categories] == ["Customer", "Partner", "Reseller"]
    assert report.undo is None
    assert "the changes were made" in report.undo_error and "no space left" in report.undo_error
    assert f"leadconf undo {report.journal}" in report.undo_error


# -- the journal ------------------------------------------------------------------------------------


def _journal(directory, events) -> str:
    journal = Journal.create(str(directory), {"checksum": "sha256:abcdef12"}, "memory:test")
    for kind, *args in events:
        getattr(journal, kind)(*args)
    journal.close()
    return journal.path


def test_a_torn_last_line_followed_by_a_newline_is_ignored(tmp_path):
    path = _journal(tmp_path, [("start", 0), ("done", 0, 7, None, None)])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "st\n')
    header, events = read_journal(path)
    assert header["type"] == "plan" and [e["type"] for e in events] == ["start", "done"]


def test_a_change_cut_off_after_its_write_and_found_made_on_resume_is_undone(tmp_path):
    """Run 1 started change 0 and died before recording it done; run 2 found it made ("already"):
    it is this apply's doing, so the undo must take it back."""
    path = _journal(tmp_path, [("start", 0, {"name": "Old"}), ("done", 0, 5, None, None, "already"),
                               ("start", 1), ("done", 1, 6, None, None)])
    _, events = read_journal(path)
    made = made_changes(events)
    assert [(m.index, m.key) for m in made] == [(0, 5), (1, 6)]


def test_only_start_events_count_as_started_changes(tmp_path):
    """A line of a kind this version does not write (a newer leadconf's, or one without a type) is
    no started change: resuming must not treat its item as possibly half-written."""
    path = _journal(tmp_path, [("start", 0, {"name": "Old"})])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "warning", "index": 1, "before": {"name": "X"}}\n{"index": 2, "before": {"name": "Y"}}\n')
    _, events = read_journal(path)
    assert interrupted_changes(events) == {0: {"name": "Old"}}


def test_latest_journal_is_the_one_written_last(tmp_path):
    first = _journal(tmp_path, [("start", 0), ("done", 0, 1, None, None), ("end", "complete")])
    assert latest_journal(str(tmp_path)) == first
    assert latest_journal(str(tmp_path / "none here")) is None


# -- the plan file and the safety rail ---------------------------------------------------------------


@pytest.mark.parametrize("data", [[], {"changes": []}, {"format": "leadconf-plan/999", "changes": []}])
def test_something_that_is_not_a_plan_file_of_this_format_is_refused_as_such(data):
    with pytest.raises(PlanFileError, match="not a leadconf plan file"):
        Plan.from_file_dict(data)


def test_a_plan_that_deletes_every_item_of_a_long_list_says_so(config):
    backend = MemoryBackend(tenant([f"Category {n}" for n in range(300)]))
    plan = _plan(config("version: 1\ncompany_categories:\n  prune: true\n  items: []\n"), backend)
    assert sum(c.action == "delete" for c in plan.changes) == 300
    with pytest.raises(UnsafePlan) as caught:
        plan.raise_if_unsafe(allow_delete=True)
    assert "deletes every item of the list (300 of 300)" in str(caught.value)


# -- the UTM override warning (LC302) -----------------------------------------------------------------


@pytest.mark.parametrize("wanted, effective, warned", [(False, True, True), (True, False, True),
                                                       (True, True, False), (False, False, False)])
def test_a_user_level_utm_value_is_a_warning_only_when_it_differs_from_the_config(config, wanted, effective, warned):
    backend = MemoryBackend(tenant([CUSTOMER], utm_tracking=wanted, utm_override="Individual", utm_effective=effective,
                                   licenses=frozenset({"marketing-premium"})))
    loaded = config(f"version: 1\nmarketing:\n  utm_tracking: {str(wanted).lower()}\n")
    plan = _plan(loaded, backend)
    assert plan.changes == []
    assert any(w.rule == "LC302" for w in plan.warnings) is warned


# -- the snapshot backend ---------------------------------------------------------------------------


def test_a_snapshot_create_not_yet_rewritten_is_seen_by_the_next_reader(tmp_path):
    path = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER])))
    SnapshotBackend(path).write("category", Category(None, "Partner", "Partner", rank=20))
    # the process stops here: the file is not rewritten, the change log holds the create
    assert [c.name for c in SnapshotBackend(path).read().categories] == ["Customer", "Partner"]


def test_a_snapshot_item_of_the_wrong_shape_is_a_clear_error_when_read_back(tmp_path):
    doc = snapshot_document(tenant([CUSTOMER]))
    doc["categories"][0]["Rank"] = "first"
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError, match="not a valid snapshot"):
        SnapshotBackend(path).read_item("category", 1)


def _utm_prefs(path):
    with open(path, encoding="utf-8") as fh:
        return [p for p in json.load(fh)["preferences"]]


def test_the_snapshot_writes_utm_into_the_tenant_preference_and_nothing_else(tmp_path):
    doc = snapshot_document(tenant([CUSTOMER]))
    other = {"Specification": {"Section": codec.UTM_SECTION, "Key": "Unrelated"}, "RawValue": "0", "Level": "Database"}
    own = {"Specification": {"Section": codec.UTM_SECTION, "Key": codec.UTM_KEY}, "RawValue": "0", "Level": "Individual"}
    tenant_wide = {"Specification": {"Section": codec.UTM_SECTION, "Key": codec.UTM_KEY}, "RawValue": "0"}  # no Level: Database
    doc["preferences"] = [other, own, tenant_wide]
    path = _snapshot(tmp_path, doc)
    backend = SnapshotBackend(path)
    with backend.lock():
        backend.write("utm_tracking", True)
    assert _utm_prefs(path) == [other, own, {**tenant_wide, "RawValue": "1"}]


def test_a_snapshot_with_many_problems_counts_the_ones_not_shown(tmp_path):
    doc = snapshot_document(tenant([CUSTOMER]))
    doc["categories"] += [{"Name": f"No id {n}", "Rank": n} for n in range(7)]
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value).endswith("(and 2 more)")


# -- the did-you-mean of a delete and a create (LC301) ------------------------------------------------


@pytest.mark.parametrize("creates, deletes, suggested", [(100, 100, True), (73, 137, False)])
def test_near_miss_renames_are_suggested_up_to_ten_thousand_pairs(config, creates, deletes, suggested):
    """The close-match search compares every create with every delete: it stops at 10,000 pairs so
    that a large plan stays linear (an exact loose match is still suggested beyond that)."""
    backend = MemoryBackend(tenant(["Partner"] + [f"Old {n}" for n in range(deletes - 1)]))
    items = "".join(f"    - {{name: New {n}}}\n" for n in range(creates - 1))
    plan = _plan(config(f"version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {{name: Partnr}}\n{items}"),
                 backend)
    assert sum(c.action == "create" for c in plan.changes) == creates
    assert sum(c.action == "delete" for c in plan.changes) == deletes
    hinted = [w.message for w in plan.warnings if w.rule == "LC301" and "'Partnr'" in w.message]
    assert bool(hinted) is suggested, hinted
