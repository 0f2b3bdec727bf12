"""The snapshot backend (leadconf/backends/snapshot.py), pinned where the mutation runs of issue 10
found it loose: a write returns the item as a later read gives it (the undo plan's fingerprints come
from it), the links it records, the refusals of a file that is not a snapshot, and reads by key."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.backends.snapshot import SnapshotBackend
from leadconf.errors import TargetError
from leadconf.model.tenant import AutomationRule, Category, LeadStatus, NamedItem
from tests.core.conftest import snapshot_document, tenant

CUSTOMER = ("Customer", {"group": "Customer"})


def _snapshot(tmp_path, doc, name="tenant.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return str(path)


def _file(path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# -- a write returns the item as stored -------------------------------------------------------------


@pytest.mark.parametrize("user_groups, headings", [
    ((3,), None), (None, (4,)), ((3,), (4,)), (None, None), ((), ()),
])
def test_a_created_category_reads_back_as_the_write_returned_it(tmp_path, user_groups, headings):
    """In a list that does not use grouping yet: the links given are recorded, a link left
    unmanaged (None) reads back empty, and the write says so."""
    t = tenant([CUSTOMER], user_groups=[NamedItem(3, "Sales")], headings=[NamedItem(4, "North")])
    path = _snapshot(tmp_path, snapshot_document(t))
    backend = SnapshotBackend(path)
    with backend.lock():
        stored = backend.write("category", Category(id=None, name="New", group="Partner", rank=20,
                                                    user_groups=user_groups, headings=headings))
    assert (stored.user_groups, stored.headings) == (user_groups or (), headings or ())
    assert SnapshotBackend(path).read_item("category", stored.id) == stored
    doc = _file(path)
    assert doc.get("category_user_groups", {}).get(str(stored.id)) == (list(user_groups) if user_groups else None)
    assert doc.get("category_headings", {}).get(str(stored.id)) == (list(headings) if headings else None)


def test_an_updated_category_reads_back_as_the_write_returned_it(tmp_path):
    t = tenant([("Customer", {"group": "Customer", "user_groups": (3,)}), "Lead"], user_groups=[NamedItem(3, "Sales")])
    path = _snapshot(tmp_path, snapshot_document(t))
    doc = json.loads(open(path, encoding="utf-8").read())
    doc["category_user_groups"] = {"1": [3]}
    path = _snapshot(tmp_path, doc)
    backend = SnapshotBackend(path)
    with backend.lock():
        emptied = backend.write("category", replace(backend.read_item("category", 1), user_groups=(), tooltip="x"))
        untouched = backend.write("category", replace(backend.read_item("category", 2), user_groups=None,
                                                      headings=(), tooltip="y"))
    assert (emptied.user_groups, untouched.user_groups, untouched.headings) == ((), (), ())
    fresh = SnapshotBackend(path)
    assert fresh.read_item("category", 1) == emptied and fresh.read_item("category", 2) == untouched
    # an emptied link is written as empty (it was there), one never recorded stays out of the file
    assert _file(path)["category_user_groups"] == {"1": []}


def test_an_update_of_an_item_gone_from_the_snapshot_names_its_kind(tmp_path):
    path = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER])))
    backend = SnapshotBackend(path)
    with pytest.raises(TargetError) as caught:
        backend.write("category", Category(id=7, name="Gone", group="Customer"))
    assert str(caught.value) == "category 'Gone' (id 7) is no longer in the snapshot"
    with pytest.raises(TargetError) as caught:
        backend.write("lead_status", LeadStatus(id=8, name="Closed"))
    assert str(caught.value) == "lead status 'Closed' (id 8) is no longer in the snapshot"


# -- reads by key -------------------------------------------------------------------------------------


def test_an_automation_rule_is_read_by_its_trigger(tmp_path):
    t = tenant([CUSTOMER, ("Lead", {"group": "PotentialCustomer"})], automation=[
        AutomationRule(trigger="SaleSold", category_id=1), AutomationRule(trigger="SaleLost", category_id=2)])
    backend = SnapshotBackend(_snapshot(tmp_path, snapshot_document(t)))
    assert backend.read_item("category_automation", "SaleLost").category_id == 2
    assert backend.read_item("category_automation", "SaleSold").category_id == 1
    assert backend.read_item("category_automation", "SaleRegistered") is None


# -- a file that is not a snapshot --------------------------------------------------------------------


@pytest.mark.parametrize("found", [None, "leadconf-snapshot/0", "leadconf-snapshot/2", "", 1])
def test_a_snapshot_of_another_format_is_refused(tmp_path, found):
    doc = snapshot_document(tenant([CUSTOMER]))
    if found is None:
        del doc["format"]
    else:
        doc["format"] = found
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == f'{path}: expected "format": "leadconf-snapshot/1", found {found!r}'


def test_a_snapshot_that_is_not_utf8_is_refused_with_the_offset(tmp_path):
    path = tmp_path / "tenant.json"
    path.write_bytes(b'{"format": "leadconf-snapshot/1", "categories": [{"Name": "Caf\xe9"}]}')
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(str(path)).read()
    assert str(caught.value) == f"{path}: not UTF-8 (byte 62)"


@pytest.mark.parametrize("ident", ["7", 7.0, None, True, [7]])
def test_an_item_whose_id_is_not_an_integer_is_refused(tmp_path, ident):
    doc = snapshot_document(tenant([CUSTOMER]))
    doc["categories"][0]["CategoryId"] = ident
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == (f"{path}: not a valid snapshot: categories[0].CategoryId: categories[0] 'Customer' "
                                 f"has no valid id ({ident!r}); every item needs one")


# -- the Distribute-to-owner steps of a flow ----------------------------------------------------------


def _two_steps(tmp_path) -> str:
    from leadconf.model.tenant import DistributeStep, Flow

    flows = [Flow(id=5, name="Inbound", distribute_steps=(
        DistributeStep(step_id=1001, flow_id=5, associates=(7,), rank=1),
        DistributeStep(step_id=1002, flow_id=5, associates=(8,), rank=2)))]
    return _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER], flows=flows)))


def test_a_distribute_step_is_read_and_written_by_its_own_id(tmp_path):
    path = _two_steps(tmp_path)
    backend = SnapshotBackend(path)
    key = int("1002")  # as a plan file gives it back: an equal id, not the same object
    second = backend.read_item("lead_distribution", key)
    assert (second.step_id, second.associates) == (1002, (8,))
    assert backend.read_item("lead_distribution", int("1003")) is None
    with backend.lock():
        backend.write("lead_distribution", replace(second, step_id=int("1002"), associates=(9,), only_unassigned=False))
    steps = _file(path)["flows"][0]["Steps"]
    assert [(s["WorkflowStepId"], s["Associates"], s["OnlyToUnassigned"]) for s in steps] == [
        (1001, [7], True), (1002, [9], False)]


def test_a_write_to_a_distribute_step_that_is_gone_is_refused(tmp_path):
    from leadconf.model.tenant import DistributeStep

    path = _two_steps(tmp_path)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).write("lead_distribution", DistributeStep(step_id=999, flow_id=5))
    assert str(caught.value) == f"{path}: flow step 999 is gone"


def test_a_new_item_gets_the_next_id_after_the_highest(tmp_path):
    t = tenant(["A", "B", "C"], statuses=("Open", "Won"))
    path = _snapshot(tmp_path, snapshot_document(t))
    backend = SnapshotBackend(path)
    with backend.lock():
        category = backend.write("category", Category(id=None, name="D", group="Customer", rank=40))
        status = backend.write("lead_status", LeadStatus(id=None, name="Lost", rank=30))
        again = backend.write("category", Category(id=None, name="E", group="Customer", rank=50))
    assert (category.id, status.id, again.id) == (4, 103, 5)
    assert [c["CategoryId"] for c in _file(path)["categories"]] == [1, 2, 3, 4, 5]


def test_the_utm_setting_is_written_to_its_own_key_only(tmp_path):
    from leadconf.backends.superoffice import codec

    doc = snapshot_document(tenant([CUSTOMER], utm_tracking=False))
    before = {"Specification": {"Section": codec.UTM_SECTION, "Key": "EnableTracking"}, "RawValue": "0", "Level": "Database"}
    doc["preferences"].insert(0, before)  # same section, a key that sorts before the UTM one
    other_section = {"Specification": {"Section": "Fax", "Key": codec.UTM_KEY}, "RawValue": "0", "Level": "Database"}
    doc["preferences"].insert(0, other_section)  # the UTM key, in a section that sorts before the UTM one
    later_section = {"Specification": {"Section": "Visibility", "Key": codec.UTM_KEY}, "RawValue": "0", "Level": "Database"}
    doc["preferences"].insert(1, later_section)  # ... and in one that sorts after it
    path = _snapshot(tmp_path, doc)
    backend = SnapshotBackend(path)
    with backend.lock():
        backend.write("utm_tracking", True)
    assert [(p["Specification"]["Section"], p["Specification"]["Key"], p["RawValue"]) for p in _file(path)["preferences"]] == [
        ("Fax", codec.UTM_KEY, "0"), ("Visibility", codec.UTM_KEY, "0"), (codec.UTM_SECTION, "EnableTracking", "0"),
        (codec.UTM_SECTION, codec.UTM_KEY, "1")]


@pytest.mark.parametrize("problems", [5, 6, 12])
def test_a_snapshot_refusal_shows_five_problems_and_counts_the_rest(tmp_path, problems):
    doc = snapshot_document(tenant([CUSTOMER]))
    doc["categories"] += [{"Name": f"No id {n}", "Rank": n} for n in range(problems)]
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    message = str(caught.value)
    assert [f"'No id {n}'" in message for n in range(problems)] == [True] * 5 + [False] * (problems - 5)
    assert message.endswith("every item needs one" + (f" (and {problems - 5} more)" if problems > 5 else ""))


def test_a_snapshot_that_is_not_json_is_refused_with_the_place(tmp_path):
    path = tmp_path / "tenant.json"
    path.write_text('{"format": "leadconf-snapshot/1",\n  "categories": [,]}', encoding="utf-8")
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(str(path)).read()
    assert str(caught.value) == f"{path}:2:18: not valid JSON: Expecting value"


def test_a_snapshot_nested_too_deeply_is_refused(tmp_path):
    path = tmp_path / "tenant.json"
    path.write_text('{"format": "leadconf-snapshot/1", "x": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(str(path)).read()
    assert str(caught.value) == f"{path}: JSON nested too deeply"


def test_the_first_item_of_an_empty_list_gets_id_1(tmp_path):
    doc = snapshot_document(tenant([], statuses=()))
    del doc["categories"]
    path = _snapshot(tmp_path, doc)
    backend = SnapshotBackend(path)
    with backend.lock():
        assert backend.write("category", Category(id=None, name="First", group="Customer", rank=10)).id == 1
        assert backend.write("lead_status", LeadStatus(id=None, name="Open", rank=10)).id == 1


def test_a_snapshot_without_categories_still_has_its_lead_statuses_checked(tmp_path):
    doc = snapshot_document(tenant([], statuses=("Open", "Won")))
    del doc["categories"]
    doc["lead_statuses"][1]["Id"] = doc["lead_statuses"][0]["Id"]
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == (f"{path}: not a valid snapshot: lead_statuses[1].Id: id 101 appears twice "
                                 "(lead_statuses[0] 'Open' and lead_statuses[1] 'Won')")


def test_a_snapshot_file_that_is_not_there_is_named_as_missing(tmp_path):
    path = str(tmp_path / "no-such-tenant.json")
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == f"{path}: no such snapshot file"
    with pytest.raises(TargetError) as caught:
        with SnapshotBackend(path).lock():
            pass
    assert str(caught.value) == f"{path}: no such snapshot file"
    assert list(tmp_path.iterdir()) == []  # no lock file left behind
    from leadconf.backends.snapshot import load_document

    with pytest.raises(TargetError) as caught:
        load_document(path)  # gone between the backend's look at it and the read
    assert str(caught.value) == f"{path}: no such snapshot file"


def test_a_snapshot_path_that_cannot_be_read_says_why(tmp_path):
    (tmp_path / "tenant.json").write_text("{}", encoding="utf-8")
    path = str(tmp_path / "tenant.json" / "inside")  # a file is not a folder
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == f"{path}: cannot read the snapshot (Not a directory)"


def test_a_deleted_item_may_share_its_name_with_a_live_one(tmp_path):
    doc = snapshot_document(tenant([CUSTOMER, ("customer ", {"group": "Customer", "deleted": True})]))
    doc["categories"].append({"CategoryId": 9, "Name": None, "CategoryGroup": "Customer", "Rank": 90})  # no name: not compared
    path = _snapshot(tmp_path, doc)
    assert [(c.name, c.deleted) for c in SnapshotBackend(path).read().categories] == [
        ("Customer", False), ("customer ", True), ("", False)]


# -- the visibility SuperOffice gives a new category --------------------------------------------------


def _grouping(tmp_path) -> str:
    t = tenant([("Customer", {"group": "Customer", "user_groups": (3,)})],
               user_groups=[NamedItem(3, "Sales")])
    doc = snapshot_document(t)
    doc["category_user_groups"] = {"1": [3]}
    doc["user_groups"] = [{"Id": 3, "Name": "Sales"}, {"Id": 5, "Name": "Support"}, {"Id": 4, "Name": "Old", "Deleted": True}]
    return _snapshot(tmp_path, doc)


def test_a_new_category_without_visibility_is_seen_by_every_live_user_group(tmp_path):
    path = _grouping(tmp_path)
    backend = SnapshotBackend(path)
    kind = json.loads('"category"')  # as a plan file gives it: an equal string, not the same object
    with backend.lock():
        stored = backend.write(kind, Category(id=None, name="New", group="Partner", rank=20, user_groups=None))
    assert stored.user_groups == (3, 5)
    assert SnapshotBackend(path).read_item("category", stored.id).user_groups == (3, 5)


def test_a_new_category_keeps_the_visibility_it_was_given(tmp_path):
    path = _grouping(tmp_path)
    backend = SnapshotBackend(path)
    with backend.lock():
        stored = backend.write("category", Category(id=None, name="New", group="Partner", rank=20, user_groups=(5,)))
    assert SnapshotBackend(path).read_item("category", stored.id).user_groups == (5,)


# -- re-reading the file ------------------------------------------------------------------------------


def test_a_snapshot_replaced_by_an_older_copy_is_read_again(tmp_path):
    import os

    path = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER, "Lead"])))
    backend = SnapshotBackend(path)
    assert [c.name for c in backend.read().categories] == ["Customer", "Lead"]
    old = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER])), name="backup.json")
    earlier = os.stat(path).st_mtime_ns - 10_000_000_000
    os.utime(old, ns=(earlier, earlier))
    os.replace(old, path)  # a backup put back, its time kept (cp -p)
    assert [c.name for c in backend.read().categories] == ["Customer"]


def test_reads_of_an_unchanged_snapshot_parse_it_once(tmp_path, monkeypatch):
    """An apply re-reads each item before writing it: parsing the whole file each time would make
    a large apply quadratic."""
    import leadconf.backends.snapshot as snapshot

    path = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER, "Lead"])))
    loads = []
    real = snapshot.load_document
    monkeypatch.setattr(snapshot, "load_document", lambda p: loads.append(p) or real(p))
    backend = SnapshotBackend(path)
    with backend.lock():
        for _ in range(3):
            backend.read()
            lead = backend.read_item("category", 2)
        backend.write("category", replace(lead, tooltip="x"))
        assert backend.read_item("category", 2).tooltip == "x"
    assert loads == [path]


def test_a_write_not_yet_in_the_file_is_read_back_whole_from_the_change_log(tmp_path):
    t = tenant([CUSTOMER], user_groups=[NamedItem(3, "Sales")], headings=[NamedItem(4, "North")])
    path = _snapshot(tmp_path, snapshot_document(t))
    written = SnapshotBackend(path).write(  # no lock: the file is not rewritten, the log holds the write
        "category", Category(id=None, name="New", group="Partner", rank=20, user_groups=(3,), headings=(4,)))
    assert (written.user_groups, written.headings) == ((3,), (4,))
    assert SnapshotBackend(path).read_item("category", written.id) == written


def test_an_apply_removes_the_copies_a_killed_apply_left_whatever_their_pid(tmp_path):
    import os

    path = _snapshot(tmp_path, snapshot_document(tenant([CUSTOMER])))
    leftover = tmp_path / ".tenant.json.1.leadconf-abcd.tmp"  # pid 1 runs (init): it is a reused pid
    leftover.write_text("{half a tenant", encoding="utf-8")
    backend = SnapshotBackend(path)
    assert leftover.exists(), "without the lock, a copy another running process may be writing is left alone"
    with backend.lock():
        assert not leftover.exists()
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def test_two_live_items_whose_names_match_loosely_are_refused(tmp_path):
    doc = snapshot_document(tenant([CUSTOMER, "Lead", (" lead", {"group": "Customer"})]))
    path = _snapshot(tmp_path, doc)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == (f"{path}: not a valid snapshot: categories[1] 'Lead' and categories[2] ' lead' are both "
                                 "live categories with one name (SuperOffice compares names ignoring case and "
                                 "surrounding white space)")


def test_a_snapshot_path_that_is_a_folder_says_why(tmp_path):
    path = str(tmp_path)
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == f"{path}: cannot read the snapshot (Is a directory)"
