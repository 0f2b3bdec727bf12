"""Apply's edges: which changes a failure holds back, resuming the latest unfinished journal, the
undo plan's own staleness check, and a saved plan read back from its file."""

from __future__ import annotations

import json

import pytest

from leadconf.apply import ApplySession, latest_unfinished
from leadconf.apply.journal import Journal
from leadconf.apply.runner import DONE, FAILED, NOT_STARTED, SKIPPED, apply_plan
from leadconf.diff import build_plan
from leadconf.errors import RemoteError, StalePlan
from leadconf.model.tenant import AutomationRule, Category
from leadconf.plan.plan import Plan
from tests.core.conftest import read_plan_file, tenant
from tests.core.memory import MemoryBackend

CUSTOMER = ("Customer", {"group": "Customer"})
LEAD = ("Lead", {"group": "PotentialCustomer"})
CONFIG = """
    version: 1
    company_categories:
      items:
        - {name: Customer, group: customer}
        - {name: Lead, group: potential_customer, description: Prospects}
    lead_statuses:
      items:
        - {name: Open, description: Lead}
    category_automation:
      sale_sold: {category: Lead}
"""


def _failing_categories(backend):
    def before_write(kind, item):
        if kind == "category":
            raise RemoteError("the server said no", item=f"category {item.name!r}")

    backend.before_write = before_write
    return backend


def _plan(config, backend):
    return build_plan(config(CONFIG), backend.read(), backend.description, backend.locator)


def test_a_failed_category_holds_back_the_automation_that_names_it_and_nothing_else(config):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    plan = _plan(config, backend)
    assert [(c.kind, c.name) for c in plan.changes] == [
        ("category", "Lead"), ("lead_status", "Open"), ("category_automation", "sale_sold")]
    report = apply_plan(plan, _failing_categories(backend), continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE, SKIPPED]
    # the lead status's description is "Lead", the failed category's name: no dependency for all that
    assert backend.read().lead_statuses[0].tooltip == "Lead"


def test_without_continue_on_error_the_rest_is_not_started(config):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    report = apply_plan(_plan(config, backend), _failing_categories(backend))
    assert [o.status for o in report.outcomes] == [FAILED, NOT_STARTED, NOT_STARTED]
    assert "the server said no" in report.outcomes[0].error


def test_a_failed_list_change_holds_back_that_lists_reorder(config):
    backend = MemoryBackend(tenant([LEAD, CUSTOMER]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                    "    - {name: Lead, group: potential_customer, description: Prospects}\n"
                    "lead_statuses:\n  items:\n    - {name: Open, description: x}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert [(c.action, c.kind) for c in plan.changes] == [
        ("update", "category"), ("update", "lead_status"), ("reorder", "category")]
    report = apply_plan(plan, _failing_categories(backend), continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE, SKIPPED]


# -- resuming ---------------------------------------------------------------------------------------


def _journal(directory, name, events):
    journal = Journal.create(str(directory), {"checksum": f"sha256:{name}"}, "memory:test")
    for kind, *args in events:
        getattr(journal, kind)(*args)
    journal.close()
    return journal.path


def test_latest_unfinished_is_the_newest_journal_that_did_not_complete(tmp_path):
    assert latest_unfinished(str(tmp_path / "none")) is None
    failed = _journal(tmp_path, "aaaaaaaa", [("start", 0), ("failed", 0, "boom"), ("end", "failed")])
    assert latest_unfinished(str(tmp_path)) == failed
    cut = _journal(tmp_path, "bbbbbbbb", [("start", 0)])
    _journal(tmp_path, "cccccccc", [("start", 0), ("done", 0, 1, None, None), ("end", "complete")])
    assert latest_unfinished(str(tmp_path)) == cut  # the complete one, though newer, is finished


def test_a_complete_journal_is_never_resumed(tmp_path):
    _journal(tmp_path, "dddddddd", [("start", 0), ("done", 0, 1, None, None), ("end", "complete")])
    assert latest_unfinished(str(tmp_path)) is None


# -- the undo plan ----------------------------------------------------------------------------------


def test_an_undo_plan_refuses_an_item_changed_after_the_apply(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(CONFIG))
    assert report.ok and report.undo
    undo = read_plan_file(report.undo)
    assert all(c.fingerprint for c in undo.changes), "every change of an undo plan records its item's state"
    backend.tenant.categories[1].tooltip = "edited after the apply"
    with pytest.raises(StalePlan, match="changed since the plan was made"):
        ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(undo)


# -- a saved plan, read back from its file --------------------------------------------------------


def test_a_saved_plan_read_back_from_json_applies_to_the_snapshot(config, make_backend, tmp_path):
    backend = make_backend(tenant([CUSTOMER, LEAD], automation=[AutomationRule("SaleSold", enabled=False)],
                                  licenses=frozenset({"salespremium"})))
    text = json.dumps(_plan(config, backend).to_file_dict(), ensure_ascii=False)
    saved = Plan.from_file_dict(json.loads(text))  # every string as the JSON decoder makes it
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(saved)
    assert report.ok and report.counts()[DONE] == 3
    rule = backend.read().automation[0]
    assert (rule.trigger, rule.enabled, rule.category_id) == ("SaleSold", True, 2)
    assert _plan(config, backend).changes == []


def test_a_failed_update_does_not_hold_back_a_create_in_the_same_list(config):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD]))

    def before_write(kind, item):
        if item.name == "Lead":
            raise RemoteError("the server said no", item="category 'Lead'")

    backend.before_write = before_write
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                    "    - {name: Lead, group: potential_customer, description: Prospects}\n"
                    "    - {name: Partner, group: partner}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Lead"), ("create", "Partner")]
    report = apply_plan(plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE]


def test_the_journal_records_each_items_before_image_when_its_change_starts(config, tmp_path):
    backend = MemoryBackend(tenant([LEAD, CUSTOMER]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                    "    - {name: Lead, group: potential_customer, description: Prospects}\n")
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(loaded)
    assert report.ok
    with open(report.journal, encoding="utf-8") as fh:
        starts = [e for e in map(json.loads, fh) if e["type"] == "start"]
    update, reorder = starts
    assert update["before"]["name"] == "Lead" and update["before"]["tooltip"] == ""
    assert reorder["before"] == {"Customer": 20, "Lead": 10}  # the ranks the reorder moves, as they were


def test_a_read_error_on_the_journal_names_it(tmp_path):
    from leadconf.apply.journal import read_journal
    from leadconf.errors import PlanFileError

    with pytest.raises(PlanFileError, match="cannot read the journal"):
        read_journal(str(tmp_path))  # a folder, not a file


def _cut_off(config, tooltip_now):
    """A plan updating Lead (group and description), and the tenant after a cut-off write of it: the
    description is now `tooltip_now`, the group as it was. Returns the backend, the plan and the
    before-image the journal recorded."""
    from dataclasses import asdict

    backend = MemoryBackend(tenant([CUSTOMER, ("Lead", {"group": "Customer"})]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                    "    - {name: Lead, group: potential_customer, description: Prospects}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    lead = backend.tenant.categories[1]
    before_image = json.loads(json.dumps(asdict(lead)))  # as the journal holds it
    lead.tooltip = tooltip_now
    return backend, plan, before_image


def test_a_change_cut_off_halfway_is_finished_on_resume(config):
    backend, plan, before_image = _cut_off(config, "Prospects")  # the half that landed is the planned one
    with pytest.raises(StalePlan):
        apply_plan(plan, backend)  # without the journal's word, it is someone else's change
    report = apply_plan(plan, backend, interrupted={0: before_image})
    assert report.ok
    lead = backend.read().categories[1]
    assert (lead.group, lead.tooltip) == ("PotentialCustomer", "Prospects")


def test_a_change_cut_off_and_then_edited_by_someone_else_is_refused_on_resume(config):
    backend, plan, before_image = _cut_off(config, "Someone else's")
    with pytest.raises(StalePlan, match="changed since the plan was made"):
        apply_plan(plan, backend, interrupted={0: before_image})
    assert backend.writes == []


def test_an_undo_plan_of_the_utm_setting_records_its_state(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER], utm_tracking=False, licenses=frozenset({"marketingpremium"})))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(
        "version: 1\nmarketing:\n  utm_tracking: true\n"))
    assert report.ok and backend.read().utm_tracking is True
    undo = read_plan_file(report.undo)
    (change,) = undo.changes
    assert (change.kind, change.after, change.fingerprint is not None) == ("utm_tracking", {"utm_tracking": False}, True)
    backend.tenant.utm_tracking = False  # someone turned it off already: the undo is stale, not repeated
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(undo)
    assert report.counts()["already done"] == 1


SAVED = """
    version: 1
    company_categories:
      items:
        - {name: Partner, group: partner}
        - {name: Customer, group: customer}
        - {name: Lead, group: potential_customer, description: Prospects}
        - {name: Reseller, group: partner}
    category_automation:
      sale_sold: {category: Lead}
"""


def test_a_saved_plan_with_creates_read_back_from_json_puts_them_in_place(config, make_backend, tmp_path):
    backend = make_backend(tenant([CUSTOMER, LEAD], automation=[AutomationRule("SaleSold", enabled=False)],
                                  licenses=frozenset({"salespremium"})))
    loaded = config(SAVED)
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert [(c.action, c.name) for c in plan.changes] == [
        ("update", "Lead"), ("create", "Partner"), ("create", "Reseller"), ("reorder", "category list"),
        ("update", "sale_sold")]
    saved = Plan.from_file_dict(json.loads(json.dumps(plan.to_file_dict())))  # keys and strings as decoded
    assert ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(saved).ok
    ranked = [c.name for c in sorted(backend.read().categories, key=lambda c: c.rank)]
    assert ranked == ["Partner", "Customer", "Lead", "Reseller"]
    assert build_plan(loaded, backend.read(), backend.description, backend.locator).changes == []


def test_an_undo_plan_swaps_before_and_after_and_undoes_a_rename_by_renaming(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER, ("Prospect", {"group": "PotentialCustomer"})]))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(
        "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer, description: Buys}\n"
        "    - {name: Lead, renamed_from: Prospect, group: potential_customer}\n"))
    undo = read_plan_file(report.undo)
    by_action = {c.action: c for c in undo.changes}
    assert set(by_action) == {"update", "rename"}
    assert (by_action["update"].before, by_action["update"].after, by_action["update"].meta) == (
        {"description": "Buys"}, {"description": ""}, {})
    rename = by_action["rename"]
    assert (rename.name, rename.before, rename.after, rename.meta) == (
        "Prospect", {"name": "Lead"}, {"name": "Prospect"}, {"old_name": "Lead"})
    assert ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(undo).ok
    assert [(c.name, c.tooltip) for c in backend.read().categories] == [("Customer", ""), ("Prospect", "")]


def test_a_snapshot_write_that_fails_leaves_the_backend_reading_the_file_as_it_is(tmp_path, monkeypatch):
    from leadconf.backends import snapshot
    from tests.core.conftest import snapshot_document

    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(snapshot_document(tenant([CUSTOMER]))), encoding="utf-8")
    backend = snapshot.SnapshotBackend(str(path))
    customer = backend.read_item("category", 1)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    from dataclasses import replace

    with backend.lock():
        with monkeypatch.context() as scoped:  # undone alone: the suite's isolated environment stays
            scoped.setattr(backend._log, "append", disk_full)  # the write's record cannot be kept
            with pytest.raises(OSError):
                backend.write("category", replace(customer, name="Renamed"))
    assert [c.name for c in backend.read().categories] == ["Customer"]
    assert backend.read_item("category", 1).name == "Customer"


def test_a_journal_with_a_blank_line_in_the_middle_keeps_the_events_after_it(tmp_path):
    from leadconf.apply.journal import read_journal

    path = _journal(tmp_path, "eeeeeeee", [("start", 0), ("done", 0, 1, None, None)])
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:2] + ["", "   "] + lines[2:]))
    header, events = read_journal(path)
    assert [e["type"] for e in events] == ["start", "done"]


def test_a_journal_without_its_plan_header_is_refused(tmp_path):
    from leadconf.apply.journal import read_journal
    from leadconf.errors import PlanFileError

    path = tmp_path / "apply-x.jsonl"
    path.write_text('{"type": "start", "index": 0}\n{"type": "plan"}\n', encoding="utf-8")
    with pytest.raises(PlanFileError, match="no plan header"):
        read_journal(str(path))


def test_a_session_stops_at_the_first_failure_unless_told_to_go_on(config, tmp_path):
    backend = _failing_categories(MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"}))))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(CONFIG))
    assert [o.status for o in report.outcomes] == [FAILED, NOT_STARTED, NOT_STARTED]
    assert report.undo is None  # nothing was changed: nothing to undo


def test_the_undo_plan_names_the_journal_it_undoes(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(CONFIG))
    undo = read_plan_file(report.undo)
    assert undo.changes and all(c.reason.startswith(f"undo of the apply recorded in {report.journal}") for c in undo.changes)


def test_a_plan_without_reorder_or_prune_does_not_pin_the_list(config):
    backend = MemoryBackend(tenant([CUSTOMER, ("Lead", {"group": "Customer"})]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                    "    - {name: Lead, group: potential_customer}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert [c.action for c in plan.changes] == ["update"] and plan.list_fingerprints == {}
    backend.tenant.categories.append(Category(id=7, name="Added meanwhile", rank=70))
    assert apply_plan(plan, backend).ok  # an item added elsewhere in the list does not make it stale


def test_a_plan_that_prunes_pins_the_list(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Old"]))
    loaded = config("version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, group: customer}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert list(plan.list_fingerprints) == ["category"]
    backend.tenant.categories.append(Category(id=7, name="Added meanwhile", rank=70))
    with pytest.raises(StalePlan) as caught:
        apply_plan(plan, backend)
    assert caught.value.items == ["category list: items were added, removed, renamed or moved since the plan"]


def test_two_journals_of_one_plan_in_the_same_second_get_distinct_names(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(time, "gmtime", lambda *a: time.struct_time((2026, 11, 30, 8, 0, 0, 0, 334, 0)))
    paths = [Journal.create(str(tmp_path), {"checksum": "sha256:0123456789"}, "memory:test").path for _ in range(3)]
    names = [p.rsplit("/", 1)[1] for p in paths]
    assert names == ["apply-20261130T080000Z-01234567.jsonl"] * 3  # not written yet: nothing on disk
    for path in paths[:1]:
        open(path, "w").close()
    second = Journal.create(str(tmp_path), {"checksum": "sha256:0123456789"}, "memory:test").path
    assert second.endswith("apply-20261130T080000Z-01234567-2.jsonl")
    open(second, "w").close()
    third = Journal.create(str(tmp_path), {"checksum": "sha256:0123456789"}, "memory:test").path
    assert third.endswith("-3.jsonl")


def test_a_journal_cut_off_right_after_its_header_is_unfinished(tmp_path):
    from leadconf.apply.journal import read_journal

    path = tmp_path / "apply-20261130T080000Z-01234567.jsonl"
    path.write_text('{"type": "plan", "plan": {}, "target": "memory:test", "started": "x"}\n', encoding="utf-8")
    header, events = read_journal(str(path))
    assert header["type"] == "plan" and events == []
    assert latest_unfinished(str(tmp_path)) == str(path)


def test_the_undo_of_a_created_automation_rule_turns_it_off(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_config(config(
        "version: 1\ncategory_automation:\n  sale_sold: {category: Lead}\n"))
    (change,) = read_plan_file(report.undo).changes
    assert (change.action, change.key, change.before, change.after) == (
        "update", "SaleSold", {"enabled": True}, {"enabled": False})


def test_the_snapshot_returns_a_created_category_with_its_links_as_stored(make_backend):
    backend = make_backend(tenant([CUSTOMER]))
    stored = backend.write("category", Category(id=None, name="New", user_groups=None, headings=None))
    assert (stored.id, stored.user_groups, stored.headings) == (2, (), ())
    assert backend.read_item("category", 2) == stored


def test_the_snapshot_updates_the_tenant_level_utm_preference_in_place(tmp_path):
    from leadconf.backends.snapshot import SnapshotBackend
    from tests.core.conftest import snapshot_document

    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(snapshot_document(tenant([CUSTOMER], utm_tracking=False))), encoding="utf-8")
    backend = SnapshotBackend(str(path))
    with backend.lock():
        assert backend.write("utm_tracking", True) is True
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [p["RawValue"] for p in doc["preferences"]] == ["1"]
    assert backend.read().utm_tracking is True


def test_the_snapshot_backend_reads_the_file_again_when_it_changed_on_disk(tmp_path):
    import os

    from leadconf.backends.snapshot import SnapshotBackend
    from tests.core.conftest import snapshot_document

    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(snapshot_document(tenant([CUSTOMER]))), encoding="utf-8")
    backend = SnapshotBackend(str(path))
    assert [c.name for c in backend.read().categories] == ["Customer"]
    path.write_text(json.dumps(snapshot_document(tenant([CUSTOMER, "Added by someone"]))), encoding="utf-8")
    later = os.stat(path).st_mtime_ns + 10_000_000_000
    os.utime(path, ns=(later, later))  # a later stamp, however coarse the file system's clock
    assert [c.name for c in backend.read().categories] == ["Customer", "Added by someone"]
    assert backend.read_item("category", 2).name == "Added by someone"


def test_the_snapshot_returns_a_created_category_with_either_link_unmanaged_as_stored(make_backend):
    backend = make_backend(tenant([CUSTOMER]))
    with_groups = backend.write("category", Category(id=None, name="A", user_groups=(3,), headings=None))
    with_headings = backend.write("category", Category(id=None, name="B", user_groups=None, headings=(4,)))
    assert (with_groups.user_groups, with_groups.headings) == ((3,), ())
    assert (with_headings.user_groups, with_headings.headings) == ((), (4,))
