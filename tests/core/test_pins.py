"""Behaviour nothing pinned down before (issue 10, "What the suite does not pin down today"):
each test here fails if the behaviour it names changes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Journal, interrupted_changes, read_journal
from leadconf.apply.runner import ALREADY, apply_plan
from leadconf.diff import build_plan
from leadconf.errors import PlanFileError, StalePlan, UnsafePlan
from leadconf.export import export_config
from leadconf.model.tenant import DistributeStep, Flow, NamedItem
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from tests.core.conftest import tenant
from tests.core.memory import MemoryBackend

CUSTOMER = ("Customer", {"group": "Customer"})


def _plan(loaded, backend):
    return build_plan(loaded, backend.read(), backend.description, backend.locator)


# -- the stale refusals of apply/runner.py classify ---------------------------------------------------


def _refused(plan, backend, match):
    with pytest.raises(StalePlan) as caught:
        apply_plan(plan, backend)
    assert backend.writes == [], "a stale plan must apply nothing"
    assert any(match in item for item in caught.value.items), caught.value.items
    return caught.value


def test_stale_a_reordered_item_is_gone(config):
    backend = MemoryBackend(tenant([CUSTOMER, ("Lead", {"group": "PotentialCustomer"})]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Lead}\n    - {name: Customer}\n"), backend)
    assert [c.action for c in plan.changes] == ["reorder"]
    backend.tenant.categories = [c for c in backend.tenant.categories if c.name != "Lead"]  # gone, by any means
    _refused(plan, backend, "'Lead' no longer in the list")


def test_stale_a_created_item_exists_now_and_differs(config):
    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Partner, group: partner}\n"), backend)
    assert [(c.action, c.name) for c in plan.changes] == [("create", "Partner")]
    backend.tenant.categories.append(replace(backend.tenant.categories[0], id=9, name="partner", group="Lost", rank=90))
    _refused(plan, backend, "category 'Partner': an item of that name exists now")


def test_a_created_item_that_exists_now_as_planned_is_already_done(config):
    backend = MemoryBackend(tenant([CUSTOMER]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Partner, group: partner}\n"), backend)
    backend.tenant.categories.append(replace(backend.tenant.categories[0], id=9, name="Partner", group="Partner", rank=20))
    report = apply_plan(plan, backend)
    assert [o.status for o in report.outcomes] == [ALREADY] and backend.writes == []


def test_stale_an_updated_item_is_no_longer_in_the_tenant(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Lead"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Lead, group: potential_customer}\n"), backend)
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Lead")]
    backend.tenant.categories = backend.tenant.categories[:1]
    _refused(plan, backend, "category 'Lead': no longer in the tenant")


def test_stale_an_updated_item_changed_since_the_plan(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Lead"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Lead, group: potential_customer}\n"), backend)
    backend.tenant.categories[1].tooltip = "edited by someone else"
    _refused(plan, backend, "category 'Lead': changed since the plan was made")


def test_stale_an_item_changed_between_the_check_and_its_write(config, tmp_path):
    backend = MemoryBackend(tenant([CUSTOMER, "Lead"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Lead, group: potential_customer}\n"), backend)
    original_read_item = backend.read_item

    def moved_under_us(kind, key):
        backend.tenant.categories[1].tooltip = "edited while the apply ran"
        return original_read_item(kind, key)

    backend.read_item = moved_under_us
    report = apply_plan(plan, backend)
    assert report.outcomes[0].status == "failed" and "changed while the apply ran" in report.outcomes[0].error
    assert backend.writes == []


# -- the journal's torn last line -------------------------------------------------------------------


def _journal(tmp_path):
    plan = Plan(target="memory:test", changes=[
        Change(action="update", kind="category", name="Lead", key=2, before={"group": "none"},
               after={"group": "customer"}, fingerprint="f" * 16)])
    journal = Journal.create(str(tmp_path), plan.to_file_dict(), "memory:test")
    journal.start(0, None)
    journal.done(0, 2, None, None)
    journal.close()
    return journal.path


def test_a_torn_last_journal_line_is_ignored(tmp_path):
    path = _journal(tmp_path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "start", "index": 1, "bef')  # the crash came mid-line
    header, events = read_journal(path)
    assert header["type"] == "plan" and [e["type"] for e in events] == ["start", "done"]
    assert interrupted_changes(events) == {}


def test_a_torn_line_before_the_last_is_an_error(tmp_path):
    path = _journal(tmp_path)
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    lines[1] = lines[1][:10]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    with pytest.raises(PlanFileError, match=":2: not a leadconf journal line"):
        read_journal(path)


# -- which Distribute-to-owner step is configured -----------------------------------------------------

DISTRIBUTION = """
    version: 1
    marketing:
      lead_distribution: {flow: Nurture, associates: [bob], user_groups: [Sales], only_unassigned: false}
"""


def _flow_tenant():
    people = [NamedItem(1, "ANNA"), NamedItem(2, "bob")]
    steps = (DistributeStep(step_id=11, flow_id=5, associates=(1,), user_groups=(3,), rank=1),
             DistributeStep(step_id=12, flow_id=5, associates=(1,), rank=2))
    other = (DistributeStep(step_id=21, flow_id=4, associates=(1,), rank=1),)
    return tenant([CUSTOMER], associates=people, user_groups=[NamedItem(3, "Sales")],
                  flows=[Flow(4, "Alpha", other), Flow(5, "Nurture", steps)], licenses=frozenset({"marketingpremium"}))


def test_the_first_distribute_to_owner_step_of_a_flow_is_the_one_configured(config, make_backend, tmp_path):
    # in the file, a step of another kind with a higher id comes before the Distribute-to-owner steps
    backend = make_backend(_flow_tenant(), {5: [{"WorkflowStepId": 30, "WorkflowId": 5, "StepType": "SendEmail"}]})
    plan = _plan(config(DISTRIBUTION), backend)
    assert [(c.kind, c.name, c.key, c.before, c.after) for c in plan.changes] == [
        ("lead_distribution", "Nurture", 11, {"only_unassigned": True, "associates": ["ANNA"]},
         {"only_unassigned": False, "associates": ["bob"]})]
    ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(plan)
    alpha, nurture = backend.read().flows
    first, second = nurture.distribute_steps
    assert (first.associates, first.user_groups, first.only_unassigned) == ((2,), (3,), False)
    assert (second.associates, second.only_unassigned) == ((1,), True), "the second step is left as it is"
    assert alpha.distribute_steps[0].associates == (1,), "another flow is left as it is"
    assert export_config(backend.read(), minimal=True)["marketing"]["lead_distribution"] == {
        "flow": "Alpha", "associates": ["ANNA"]}  # export writes the first flow that has a step
    assert _plan(config(DISTRIBUTION), backend).changes == []


# -- the order of the changes -----------------------------------------------------------------------


def test_restores_renames_and_updates_keep_the_configs_order_before_creates_reorders_and_deletes(config):
    backend = MemoryBackend(tenant([CUSTOMER, ("Gone", {"deleted": True}), "Old name", "Lead", "Drop"]))
    plan = _plan(config("""
        version: 1
        company_categories:
          prune: true
          items:
            - {name: Lead, group: potential_customer}
            - {name: New}
            - {name: New name, renamed_from: Old name}
            - {name: Customer, group: customer}
            - {name: Gone}
        """), backend)
    assert [(c.action, c.name) for c in plan.changes] == [
        ("update", "Lead"),
        ("rename", "New name"),
        ("restore", "Gone"),
        ("create", "New"),
        ("reorder", "category list"),
        ("delete", "Drop"),
    ]


# -- the bytes of a rewritten snapshot --------------------------------------------------------------


def test_a_rewritten_snapshot_keeps_non_ascii_names_as_utf8_and_its_layout(tmp_path):
    from leadconf.backends.snapshot import SnapshotBackend

    path = tmp_path / "tenant.json"
    path.write_bytes(
        b'{"format": "leadconf-snapshot/1", "lead_statuses": '
        b'[{"Id": 1, "Name": "Open", "Tooltip": "", "Rank": 1, "Deleted": false, "ExtraField": "kept"}]}'
    )
    backend = SnapshotBackend(str(path))
    with backend.lock():
        status = backend.read_item("lead_status", 1)
        backend.write("lead_status", replace(status, name="Åpen – ønsket", tooltip="Ny kontakt 👋"))
    assert path.read_bytes() == (
        '{\n'
        '  "format": "leadconf-snapshot/1",\n'
        '  "lead_statuses": [\n'
        '    {\n'
        '      "Id": 1,\n'
        '      "Name": "Åpen – ønsket",\n'
        '      "Tooltip": "Ny kontakt 👋",\n'
        '      "Rank": 1,\n'
        '      "Deleted": false,\n'
        '      "ExtraField": "kept"\n'
        '    }\n'
        '  ]\n'
        '}\n'
    ).encode()


# -- the delete refusal's "and N more" --------------------------------------------------------------


def _deletes(n):
    return Plan(target="memory:test", changes=[
        Change(action="delete", kind="category", name=f"Item {i}", key=i, before={"deleted": False},
               after={"deleted": True}, fingerprint="0" * 16) for i in range(1, n + 1)])


def test_the_delete_refusal_names_five_and_counts_the_rest():
    with pytest.raises(UnsafePlan) as caught:
        _deletes(7).raise_if_unsafe()
    message = str(caught.value)
    assert "the plan deletes 7 item(s) (category 'Item 1', category 'Item 2', category 'Item 3', " \
           "category 'Item 4', category 'Item 5' and 2 more);" in message
    assert "Item 6" not in message


def test_five_deletes_are_all_named_without_more():
    with pytest.raises(UnsafePlan) as caught:
        _deletes(5).raise_if_unsafe()
    assert "category 'Item 5');" in str(caught.value) and "more" not in str(caught.value)
    _deletes(7).raise_if_unsafe(allow_delete=True)  # allowed: no error


def test_the_change_threshold_counts_changes_to_existing_items_of_a_list():
    plan = Plan(target="memory:test", list_sizes={"category": 10}, changes=[
        Change(action="update", kind="category", name=f"C{i}", key=i, before={}, after={}, fingerprint="0" * 16)
        for i in range(4)] + [Change(action="create", kind="category", name="New", after={"name": "New"})])
    with pytest.raises(UnsafePlan, match=r"changes 4 of 10 items \(40.0%, over the policy's 30%\)"):
        plan.raise_if_unsafe()
    plan.raise_if_unsafe(allow_large_change=True)
    small = replace(plan, list_sizes={"category": 9})  # under min_list_size: no threshold
    small.raise_if_unsafe()
    json.dumps(plan.to_file_dict())  # the plan stays serialisable


# -- where new items go, and the did-you-mean of a create beside a delete ------------------------------


def test_a_new_item_listed_first_goes_before_the_first_listed_item(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Partner"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: New}\n"
                        "    - {name: Customer, group: customer}\n"), backend)
    create, reorder = plan.changes
    assert (create.action, create.after["rank"]) == ("create", 1)
    assert reorder.after["order"] == ["New", "Customer", "Partner"]
    assert reorder.after["ranks"] == {"Customer": 2, "Partner": 3}


def test_a_list_of_new_items_only_is_ranked_in_the_configs_order(config):
    backend = MemoryBackend(tenant([], statuses=[]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: B}\n    - {name: A}\n"), backend)
    assert [(c.name, c.after["rank"]) for c in plan.changes] == [("B", 1), ("A", 2)]


def test_a_create_with_a_near_name_of_a_delete_suggests_renamed_from(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Qualified lead", "Other"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  prune: true\n  items:\n"
                        "    - {name: Customer, group: customer}\n    - {name: Qualifed lead}\n"), backend)
    hints = [w for w in plan.warnings if w.rule == "LC301"]
    assert len(hints) == 1 and "did you mean renamed_from: 'Qualified lead'?" in hints[0].message
    assert "'Qualifed lead' is created while 'Qualified lead' is deleted" in hints[0].message


def test_a_snapshot_without_the_grouping_flag_uses_grouping_when_an_item_has_user_groups_only(tmp_path):
    from leadconf.backends.snapshot import SnapshotBackend
    from tests.core.conftest import snapshot_document

    for links, grouping in (({"category_user_groups": {"1": [3]}}, True), ({"category_headings": {"1": [4]}}, True), ({}, False)):
        path = tmp_path / "tenant.json"
        path.write_text(json.dumps({**snapshot_document(tenant([CUSTOMER])), **links}), encoding="utf-8")
        assert SnapshotBackend(str(path)).read().category_grouping is grouping, links


def test_a_snapshot_automation_rule_with_only_its_trigger_reads_as_the_apis_defaults(tmp_path):
    from leadconf.backends.snapshot import SnapshotBackend
    from leadconf.model.tenant import AutomationRule
    from tests.core.conftest import snapshot_document

    path = tmp_path / "tenant.json"
    doc = {**snapshot_document(tenant([CUSTOMER])), "category_automation": [{"TriggerType": "LeadStatusChanged"}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert SnapshotBackend(str(path)).read().automation == [AutomationRule("LeadStatusChanged")]
    assert AutomationRule("X") == AutomationRule("X", enabled=False, user_confirmation=False, category_id=0, lead_status_id=0)


def test_renamed_from_takes_the_first_earlier_name_that_is_live(config):
    backend = MemoryBackend(tenant([CUSTOMER, "Prospect", "Suspect"]))
    plan = _plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"
                        "    - {name: Lead, renamed_from: [Prospect, Suspect]}\n"), backend)
    assert [(c.action, c.key, c.meta) for c in plan.changes] == [("rename", 2, {"old_name": "Prospect"})]


def test_near_names_are_not_searched_on_a_big_plan(config):
    # 101 creates x 100 deletes: over 10,000 pairs, the diff looks for loose equality only (linear)
    old = [f"Segment {i:03d} old" for i in range(100)]
    backend = MemoryBackend(tenant([CUSTOMER, *old]))
    new = "".join(f"    - {{name: Segment {i:03d} olf}}\n" for i in range(101))
    plan = _plan(config("version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, group: customer}\n"
                        + new), backend)
    assert sum(c.action == "create" for c in plan.changes) == 101 and sum(c.action == "delete" for c in plan.changes) == 100
    assert [w for w in plan.warnings if w.rule == "LC301"] == []
    small = _plan(config("version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, group: customer}\n"
                         + new.split("\n", 1)[0] + "\n"), MemoryBackend(tenant([CUSTOMER, *old[:1]])))
    assert [w.rule for w in small.warnings if w.rule == "LC301"] == ["LC301"]  # the same pair, on a small plan
