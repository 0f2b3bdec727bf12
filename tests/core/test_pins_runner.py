"""Carrying a plan out (leadconf/apply/runner.py), pinned where the mutation runs of issue 10 found it
loose: what a report says when an apply does not finish, which changes a failure holds back, the
checks against the tenant before and during the apply, and what each change records."""

from __future__ import annotations

import threading
from dataclasses import asdict

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.runner import ALREADY, DONE, FAILED, NOT_STARTED, SKIPPED, ApplyReport, apply_plan, raise_if_failed
from leadconf.diff import build_plan
from leadconf.errors import ApplyError, RemoteError, StalePlan
from leadconf.model.tenant import AutomationRule
from tests.core.conftest import tenant
from tests.core.memory import MemoryBackend

CUSTOMER = ("Customer", {"group": "Customer"})
LEAD = ("Lead", {"group": "PotentialCustomer"})


def _plan(config, backend, text):
    return build_plan(config(text), backend.read(), backend.description, backend.locator)


def _refuse(backend, what):
    """The backend refuses writes of items `what(kind, item)` picks."""
    def before_write(kind, item):
        if what(kind, item):
            raise RemoteError("the server said no", item=f"{kind} {getattr(item, 'name', item)!r}")

    backend.before_write = before_write
    return backend


TWO_LISTS = """
    version: 1
    company_categories:
      items:
        - {name: Customer, group: customer, description: Buyers}
        - {name: Partner, group: partner}
    lead_statuses:
      items:
        - {name: Open, description: New}
        - {name: Won}
"""


# -- the report of an apply that did not finish -------------------------------------------------------


def test_the_report_of_a_finished_apply_has_no_hint(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER]))
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_config(config(TWO_LISTS))
    assert report.ok and report.hint is None
    assert "undo_error" not in report.to_dict() and report.to_dict()["undo"] == report.undo
    assert report.counts() == {DONE: 4, ALREADY: 0, FAILED: 0, SKIPPED: 0, NOT_STARTED: 0}
    raise_if_failed(report)  # nothing to raise


def test_the_report_of_a_failed_apply_says_how_to_finish_it(config, tmp_path):
    backend = _refuse(MemoryBackend(tenant([CUSTOMER])), lambda kind, item: kind == "lead_status")
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_config(config(TWO_LISTS))
    assert not report.ok
    assert report.hint == (f"Fix the cause, then finish with: leadconf apply --resume {report.journal} "
                           "(changes already made are skipped).")
    assert report.to_dict()["ok"] is False and report.to_dict()["journal"] == report.journal
    with pytest.raises(ApplyError) as caught:
        raise_if_failed(report)
    assert str(caught.value) == ("apply did not finish: 1 done, 0 already done, 1 failed, 0 skipped, 2 not started; "
                                 "first failure: lead status 'Open': lead_status 'Open': the server said no")


def test_the_report_of_an_interrupted_apply_says_how_to_finish_it(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER]))
    stop = threading.Event()
    backend.before_write = lambda kind, item: stop.set()  # Ctrl-C during the first write
    report = ApplySession(backend, journal_dir=str(tmp_path / "j"), stop=stop).apply_config(config(TWO_LISTS))
    assert report.interrupted and not report.ok
    assert [o.status for o in report.outcomes] == [DONE, NOT_STARTED, NOT_STARTED, NOT_STARTED]
    assert report.hint == f"To finish it: leadconf apply --resume {report.journal} (changes already made are skipped)."
    assert report.to_dict()["interrupted"] is True
    with pytest.raises(ApplyError, match="1 done, 0 already done, 0 failed, 0 skipped, 3 not started$"):
        raise_if_failed(report)


def test_a_report_without_a_journal_gives_the_bare_command():
    report = ApplyReport(target="memory:test", interrupted=True)
    assert report.hint == "To finish it: leadconf apply (changes already made are skipped)."


# -- a change cut off halfway, checked again on resume -------------------------------------------------


def test_a_resumed_automation_update_whose_rule_is_gone_is_refused(config):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], automation=[AutomationRule(trigger="SaleSold", category_id=1)]))
    plan = _plan(config, backend, "version: 1\ncategory_automation:\n  sale_sold: {category: Lead}\n")
    assert [(c.action, c.kind) for c in plan.changes] == [("update", "category_automation")]
    image = asdict(backend.tenant.automation[0])
    backend.tenant.automation = []  # cleared by someone else since the run that was cut off
    with pytest.raises(StalePlan):
        apply_plan(plan, backend, interrupted={0: image})
    assert backend.writes == []


# -- what the journal records for the undo ---------------------------------------------------------------


def _saved(plan):
    """The plan as `apply PLANFILE` gets it back from its file."""
    import json

    from leadconf.plan.plan import Plan

    return Plan.from_file_dict(json.loads(json.dumps(plan.to_file_dict())))


def test_a_saved_reorder_records_the_ranks_it_moves_before_it_starts(config, tmp_path):
    import json

    from leadconf.apply.journal import Journal

    backend = MemoryBackend(tenant(["Alpha", "Beta", "Gamma"]))
    plan = _saved(_plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Gamma}\n"
                                         "    - {name: Beta}\n    - {name: Alpha}\n"))
    journal = Journal.create(str(tmp_path), plan.to_file_dict(), backend.description)
    report = apply_plan(plan, backend, journal=journal)
    journal.close()
    assert report.ok
    with open(journal.path, encoding="utf-8") as fh:
        events = [json.loads(line) for line in fh][1:]
    assert [(e["type"], e.get("before")) for e in events[:2]] == [
        ("start", {"Alpha": 10, "Beta": 20, "Gamma": 30}), ("done", {"Alpha": 10, "Beta": 20, "Gamma": 30})]


def test_the_undo_of_a_create_whose_done_record_was_lost_deletes_the_item(config, tmp_path):
    from leadconf.apply.journal import Journal, interrupted_changes, journal_plan, read_journal
    from tests.core.conftest import read_plan_file

    class Crash(BaseException):
        pass

    class DiesBeforeRecordingDone(Journal):
        def done(self, *args, **kwargs):
            raise Crash()

    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _saved(_plan(config, backend, "version: 1\ncompany_categories:\n  items:\n"
                                         "    - {name: Customer, group: customer}\n    - {name: Partner, group: partner}\n"))
    journal = DiesBeforeRecordingDone.create(str(tmp_path), plan.to_file_dict(), backend.description)
    with pytest.raises(Crash):
        apply_plan(plan, backend, journal=journal)
    journal.close()
    header, events = read_journal(journal.path)
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(
        journal_plan(header, journal.path), journal_path=journal.path, interrupted=interrupted_changes(events))
    assert [o.status for o in report.outcomes] == [ALREADY]
    assert read_journal(journal.path)[1][-2] == {"type": "already", "index": 0, "key": 2, "before": None, "after": None}
    (undo,) = read_plan_file(report.undo).changes
    assert (undo.action, undo.name, undo.key, undo.before, undo.after) == (
        "delete", "Partner", 2, {"deleted": False}, {"deleted": True})
    ApplySession(backend, journal_dir=str(tmp_path / "undo"), allow_delete=True).apply_plan(read_plan_file(report.undo))
    assert [(c.name, c.deleted) for c in backend.read().categories] == [("Customer", False), ("Partner", True)]


def test_a_rename_and_a_reorder_of_the_same_item_apply_together(config, tmp_path):
    backend = MemoryBackend(tenant(["Alpha", "Beta", "Gamma"]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Gamma}\n"
                                  "    - {name: Bee, renamed_from: Beta}\n    - {name: Alpha}\n")
    assert [c.action for c in plan.changes] == ["rename", "reorder"]
    for each in (plan, _saved(plan)):
        fresh = MemoryBackend(tenant(["Alpha", "Beta", "Gamma"]))
        report = ApplySession(fresh, journal_dir=str(tmp_path / str(id(each)))).apply_plan(each)
        assert report.ok
        assert [c.name for c in sorted(fresh.read().categories, key=lambda c: c.rank)] == ["Gamma", "Bee", "Alpha"]


# -- which changes a failure holds back ---------------------------------------------------------------


@pytest.mark.parametrize("saved", [False, True])
def test_a_failed_list_change_holds_back_that_lists_reorder_and_no_other(config, saved):
    backend = MemoryBackend(tenant([LEAD, CUSTOMER], statuses=("Won", "Open")))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Lead, group: potential_customer, description: Prospects}\n"
                                  "lead_statuses:\n  items:\n    - {name: Open, description: x}\n    - {name: Won}\n")
    assert [(c.action, c.kind) for c in plan.changes] == [
        ("update", "category"), ("update", "lead_status"), ("reorder", "category"), ("reorder", "lead_status")]
    backend = _refuse(backend, lambda kind, item: kind == "category")
    report = apply_plan(_saved(plan) if saved else plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE, SKIPPED, DONE]
    assert report.outcomes[2].error == "depends on a change that failed"
    assert [s.name for s in sorted(backend.read().lead_statuses, key=lambda s: s.rank)] == ["Open", "Won"]

    backend = _refuse(MemoryBackend(tenant([LEAD, CUSTOMER], statuses=("Won", "Open"))),
                      lambda kind, item: kind == "lead_status")
    report = apply_plan(_saved(plan) if saved else plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [DONE, FAILED, DONE, SKIPPED]
    assert [c.name for c in sorted(backend.read().categories, key=lambda c: c.rank)] == ["Customer", "Lead"]


def test_a_saved_reorder_of_a_long_list_found_made_is_already_done(config):
    """Ranks beyond 256: equal, but never the same int object as the tenant's."""
    names = [f"Item {n:03}" for n in range(1, 261)]
    backend = MemoryBackend(tenant(names))
    wanted = names[:-2] + [names[-1], names[-2]]
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n"
                 + "".join(f"    - {{name: {n}}}\n" for n in wanted))
    assert [c.action for c in plan.changes] == ["reorder"]
    assert apply_plan(plan, backend).ok
    writes = len(backend.writes)
    report = apply_plan(_saved(plan), backend)
    assert [o.status for o in report.outcomes] == [ALREADY] and len(backend.writes) == writes
    # swapping the last two back moves those two only
    back = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n" + "".join(f"    - {{name: {n}}}\n" for n in names))
    assert apply_plan(_saved(back), backend).ok
    assert sorted(item.name for _, item in backend.writes[writes:]) == names[-2:]


def test_a_failed_category_holds_back_no_other_category_that_mentions_its_name(config):
    backend = _refuse(MemoryBackend(tenant([CUSTOMER, LEAD])), lambda kind, item: item.name == "Lead")
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Lead, group: potential_customer, description: Prospects}\n"
                                  "    - {name: Partner, group: partner, description: Lead}\n")
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Lead"), ("create", "Partner")]
    report = apply_plan(plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE]
    assert backend.read().categories[-1].tooltip == "Lead"


# -- a change cut off halfway, found on resume ---------------------------------------------------------


def _cut_off(config, tooltip_now):
    """A plan updating Lead (group and description), and the tenant after a cut-off write of it: the
    description is now `tooltip_now`, the group as it was."""
    backend = MemoryBackend(tenant([CUSTOMER, ("Lead", {"group": "Customer"})]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Lead, group: potential_customer, description: Prospects}\n")
    lead = backend.tenant.categories[1]
    before_image = asdict(lead)
    lead.tooltip = tooltip_now
    return backend, plan, before_image


@pytest.mark.parametrize("edit", ["Other", "Prospect", "Zebra"])
def test_a_change_cut_off_and_edited_by_someone_else_is_refused_whatever_the_edit(config, edit):
    backend, plan, before_image = _cut_off(config, edit)
    with pytest.raises(StalePlan, match="changed since the plan was made"):
        apply_plan(plan, backend, interrupted={0: before_image})
    assert backend.writes == []


# -- the end of the journal ------------------------------------------------------------------------------


def test_the_journal_ends_with_how_the_apply_ended(config, tmp_path):
    from leadconf.apply import latest_unfinished, read_journal

    backend = MemoryBackend(tenant([CUSTOMER]))
    report = ApplySession(backend, journal_dir=str(tmp_path / "ok")).apply_config(config(TWO_LISTS))
    assert report.ok and read_journal(report.journal)[1][-1] == {"type": "end", "status": "complete"}
    assert latest_unfinished(str(tmp_path / "ok")) is None

    backend = _refuse(MemoryBackend(tenant([CUSTOMER])), lambda kind, item: kind == "lead_status")
    report = ApplySession(backend, journal_dir=str(tmp_path / "failed")).apply_config(config(TWO_LISTS))
    assert read_journal(report.journal)[1][-1] == {"type": "end", "status": "failed"}
    assert latest_unfinished(str(tmp_path / "failed")) == report.journal


def test_a_change_cut_off_halfway_with_another_field_edited_since_is_refused(config):
    """The half that landed is the planned one (the description), but someone else moved the group
    since: resuming must not overwrite their edit."""
    backend = MemoryBackend(tenant([CUSTOMER, ("Lead", {"group": "Partner"})]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Lead, group: potential_customer, description: Prospects}\n")
    lead = backend.tenant.categories[1]
    before_image = asdict(lead)
    lead.tooltip, lead.group = "Prospects", "Lost"
    with pytest.raises(StalePlan, match="changed since the plan was made"):
        apply_plan(plan, backend, interrupted={0: before_image})
    assert backend.writes == []


def test_an_update_of_a_lead_status_gone_since_the_plan_is_refused(config):
    backend = MemoryBackend(tenant([CUSTOMER], statuses=("Open", "Won")))
    plan = _plan(config, backend, "version: 1\nlead_statuses:\n  items:\n    - {name: Open}\n"
                                  "    - {name: Won, description: Closed}\n")
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Won")]
    backend.tenant.lead_statuses = backend.tenant.lead_statuses[:1]
    with pytest.raises(StalePlan) as caught:
        apply_plan(plan, backend)
    assert caught.value.items == ["lead status 'Won': no longer in the tenant"]
    assert backend.writes == []


# -- an apply cut off, finished by running the same plan again ---------------------------------------------


def test_a_pruning_plan_cut_off_finishes_when_run_again(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Old 1", "Old 2", "Old 3"]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  prune: true\n  items:\n"
                                  "    - {name: Customer, group: customer}\n")
    assert [c.action for c in plan.changes] == ["delete"] * 3
    _refuse(backend, lambda kind, item: item.name == "Old 3")
    assert [o.status for o in apply_plan(plan, backend).outcomes] == [DONE, DONE, FAILED]
    backend.before_write = None
    report = apply_plan(plan, backend)  # the list moved: by this plan's own deletes
    assert [o.status for o in report.outcomes] == [ALREADY, ALREADY, DONE]


@pytest.mark.parametrize("added", ["New", "Another", "Third one", "Zed"])
def test_a_pruning_plan_is_refused_when_the_list_changed_since(config, added):
    from leadconf.model.tenant import Category

    backend = MemoryBackend(tenant([CUSTOMER, "Old"]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  prune: true\n  items:\n"
                                  "    - {name: Customer, group: customer}\n")
    backend.tenant.categories.append(Category(id=9, name=added, group="Customer", rank=90))
    with pytest.raises(StalePlan) as caught:
        apply_plan(plan, backend)
    assert caught.value.items == ["category list: items were added, removed, renamed or moved since the plan"]
    assert backend.writes == []


def test_a_failed_update_holds_back_no_other_update_of_its_list(config):
    backend = _refuse(MemoryBackend(tenant([CUSTOMER, LEAD])), lambda kind, item: item.name == "Customer")
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer, description: A}\n"
                                  "    - {name: Lead, group: potential_customer, description: B}\n")
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Customer"), ("update", "Lead")]
    report = apply_plan(plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, DONE]


def test_a_reorder_refused_as_stale_names_five_of_the_items_gone(config):
    names = [f"Item {n}" for n in range(1, 9)]
    backend = MemoryBackend(tenant(names))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n"
                 + "".join(f"    - {{name: {n}}}\n" for n in reversed(names)))
    backend.tenant.categories = backend.tenant.categories[:2]
    with pytest.raises(StalePlan) as caught:
        apply_plan(plan, backend)
    assert caught.value.items[0] == ("category 'category list': 'Item 8', 'Item 7', 'Item 6', 'Item 5', 'Item 4' "
                                     "no longer in the list")


def test_an_interrupted_apply_journals_nothing_after_the_change_in_flight(config, tmp_path):
    """What the rest of the plan found is not recorded: a resumed apply checks it again, and the
    journal's counts say "not started" for it."""
    from leadconf.apply.journal import progress, read_journal
    from leadconf.model.tenant import Category

    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Partner, group: partner}\n    - {name: Reseller, group: partner}\n"
                                  "    - {name: Agent, group: partner}\n")
    assert [c.name for c in plan.changes] == ["Partner", "Reseller", "Agent"]
    backend.tenant.categories.append(Category(id=9, name="Agent", group="Partner", rank=40))  # made already
    stop = threading.Event()
    backend.before_write = lambda kind, item: stop.set()
    report = ApplySession(backend, journal_dir=str(tmp_path / "j"), stop=stop).apply_plan(plan)
    assert [o.status for o in report.outcomes] == [DONE, NOT_STARTED, ALREADY]
    header, events = read_journal(report.journal)
    assert [e["type"] for e in events] == ["start", "done", "end"]
    assert progress(header, events) == {"done": 1, "already": 0, "failed": 0, "in_flight": 0, "not_started": 2}


@pytest.mark.parametrize("saved", [False, True])
def test_a_failed_category_holds_back_the_automation_that_names_it(config, saved):
    backend = MemoryBackend(tenant([CUSTOMER, LEAD], licenses=frozenset({"salespremium"})))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Lead, group: potential_customer, description: Prospects}\n"
                                  "category_automation:\n  sale_sold: {category: Lead}\n")
    _refuse(backend, lambda kind, item: kind == "category")
    report = apply_plan(_saved(plan) if saved else plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [FAILED, SKIPPED]


def test_a_change_the_journal_could_not_record_says_it_was_made(config, tmp_path):
    from leadconf.apply.journal import Journal
    from leadconf.errors import FileError

    class FullDisk(Journal):
        def done(self, *args, **kwargs):
            raise FileError(f"{self.path}: cannot write the apply journal (no space left on the device)")

    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Partner, group: partner}\n")
    journal = FullDisk.create(str(tmp_path), plan.to_file_dict(), backend.description)
    with pytest.raises(FileError) as caught:
        apply_plan(plan, backend, journal=journal)
    journal.close()
    assert str(caught.value) == (
        f"category 'Partner' was changed in the tenant, but the journal could not record it: {journal.path}: cannot "
        f"write the apply journal (no space left on the device). `leadconf apply --resume {journal.path}` finds it "
        "made and carries out the rest")


def test_a_large_change_is_refused_unless_allowed(config, tmp_path):
    from leadconf.errors import UnsafePlan

    backend = MemoryBackend(tenant([f"Item {n}" for n in range(12)]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n"
                    + "".join(f"    - {{name: Item {n}, description: changed}}\n" for n in range(12)))
    with pytest.raises(UnsafePlan):
        ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_config(loaded)
    assert backend.writes == []
    assert ApplySession(backend, journal_dir=str(tmp_path / "j"), allow_large_change=True).apply_config(loaded).ok


def test_a_name_gone_from_the_tenant_fails_its_change_only(config):
    from leadconf.model.tenant import DistributeStep, Flow, NamedItem

    step = DistributeStep(step_id=11, flow_id=5, associates=(1,), rank=1)
    backend = MemoryBackend(tenant([CUSTOMER], associates=[NamedItem(1, "ANNA"), NamedItem(2, "bob")],
                                   flows=[Flow(5, "Nurture", (step,))], licenses=frozenset({"marketingpremium"})))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Partner, group: partner}\n"
                                  "marketing:\n  lead_distribution: {flow: Nurture, associates: [bob]}\n")
    assert [c.kind for c in plan.changes] == ["category", "lead_distribution"]
    backend.tenant.associates = backend.tenant.associates[:1]  # bob left the company since the plan
    report = apply_plan(plan, backend, continue_on_error=True)
    assert [o.status for o in report.outcomes] == [DONE, FAILED]
    assert report.outcomes[1].error == "associate 'bob' not found in the tenant"


def test_a_failed_apply_still_journals_the_changes_found_made(config, tmp_path):
    from leadconf.apply.journal import progress, read_journal
    from leadconf.model.tenant import Category

    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config, backend, "version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                                  "    - {name: Partner, group: partner}\n    - {name: Reseller, group: partner}\n"
                                  "    - {name: Agent, group: partner}\n")
    backend.tenant.categories.append(Category(id=9, name="Agent", group="Partner", rank=40))  # made already
    _refuse(backend, lambda kind, item: item.name == "Partner")
    report = ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_plan(plan)
    assert [o.status for o in report.outcomes] == [FAILED, NOT_STARTED, ALREADY]
    header, events = read_journal(report.journal)
    assert [(e["type"], e.get("index")) for e in events] == [("start", 0), ("failed", 0), ("already", 2), ("end", None)]
    assert progress(header, events) == {"done": 0, "already": 1, "failed": 1, "in_flight": 0, "not_started": 1}
