"""Every kind of write, over real HTTP, checked against the emulator's stored state."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from leadconf.errors import RemoteError, TargetError
from leadconf.model.tenant import AutomationRule, Category, LeadStatus


def categories(emu):
    return {c["CategoryId"]: c for c in emu.document()["categories"]}


def statuses(emu):
    return {s["Id"]: s for s in emu.document()["lead_statuses"]}


def test_update_a_category_sends_the_whole_entity(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category", 3)
    so.requests.clear()
    stored = backend.write("category", replace(current, tooltip="Customers who pay"))
    assert stored.tooltip == "Customers who pay"
    entity = categories(so)[3]
    # fields the change did not touch keep their values (an omitted field would have been reset)
    assert entity["CategoryGroup"] == "Customer" and entity["Rank"] == 3 and entity["CategoryFamilyId"] == 7
    # one write; the entity came from the read_item just before, so no re-read
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in so.api_requests()] == [("POST", "SaveCategoryEntity")]


def test_write_without_read_item_re_reads_first(so, open_backend):
    backend = open_backend(so)
    tenant = backend.read()
    so.requests.clear()
    lead = next(c for c in tenant.categories if c.name == "Lead")
    backend.write("category", replace(lead, rank=9))
    names = [r.path.rsplit("/", 1)[-1] for r in so.api_requests()]
    assert names.count("GetCategoryEntity") == 1 and names.count("SaveCategoryEntity") == 1
    assert len(so.writes()) == 1


def test_create_a_category_returns_its_new_id_and_sets_its_visibility(so, open_backend):
    backend = open_backend(so)
    created = backend.write("category", Category(id=None, name="Opportunity", group="PotentialCustomer",
                                                 enable_lead_status=True, rank=6, user_groups=(1,), headings=(100,)))
    assert created.id == 6 and created.user_groups == (1,) and created.headings == (100,)
    doc = so.document()
    assert categories(so)[6]["CategoryGroup"] == "PotentialCustomer"
    assert doc["category_user_groups"]["6"] == [1]  # new items start visible to all; narrowed to Sales
    assert doc["category_headings"]["6"] == [100]
    assert backend.read_item("category", 6) == created


def test_visibility_changes_only_when_it_differs(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category", 1)
    so.requests.clear()
    backend.write("category", replace(current, user_groups=(1, 2, 3)))
    puts = [r for r in so.api_requests() if r.method == "PUT"]
    assert [r.path.rsplit("/", 1)[-1] for r in puts] == ["UserGroups"]  # headings unchanged: not written
    assert so.document()["category_user_groups"]["1"] == [1, 2, 3]


def test_visibility_in_a_tenant_without_groups_and_headings_is_refused(emulator, open_backend):
    backend = open_backend(emulator)
    lead = backend.read_item("category", 1)
    with pytest.raises(TargetError, match="Use grouping and user group filtering"):
        backend.write("category", replace(lead, user_groups=(1,)))
    assert emulator.writes() == []


def test_delete_and_restore_a_category(so, open_backend):
    backend = open_backend(so)
    backend.write("category", replace(backend.read_item("category", 2), deleted=True))
    assert categories(so)[2]["Deleted"] is True
    restored = backend.write("category", replace(backend.read_item("category", 5), deleted=False))
    assert restored.deleted is False and categories(so)[5]["Deleted"] is False
    assert categories(so)[5]["CategoryGroup"] == "Lost"


def test_duplicate_name_is_an_error_naming_the_item_and_status(so, open_backend):
    backend = open_backend(so)
    with pytest.raises(RemoteError) as caught:
        backend.write("category", Category(id=None, name="LEAD", group="PotentialCustomer"))
    err = caught.value
    assert err.item == "category 'LEAD'" and err.status == 400 and err.error_type == "SoDuplicateException"
    assert "POST" in str(err) and "SaveCategoryEntity" in str(err) and "HTTP 400" in str(err)
    # a deleted item's name is taken too
    with pytest.raises(RemoteError, match="deleted"):
        backend.write("lead_status", LeadStatus(id=None, name="cold"))


def test_multi_language_name_round_trips(so, open_backend):
    backend = open_backend(so)
    supplier = backend.read_item("category", 4)
    backend.write("category", replace(supplier, rank=40))
    assert categories(so)[4]["Name"] == 'NO:"Leverandør";US:"Supplier"'
    assert categories(so)[4]["Tooltip"] == 'NO:"Leverer varer";US:"Delivers goods"'


def test_lead_status_create_update_delete_restore(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)  # finds the list (GET /List) once per backend
    so.requests.clear()
    created = backend.write("lead_status", LeadStatus(id=None, name="Re-nurture", tooltip="Later", rank=5))
    assert created.id == 5 and statuses(so)[5]["Name"] == "Re-nurture"
    assert [r.method for r in so.api_requests()] == ["POST"]
    current = backend.read_item("lead_status", 2)
    so.requests.clear()
    backend.write("lead_status", replace(current, tooltip="Calling"))
    assert [r.method for r in so.api_requests()] == ["PUT"]  # one write, no re-read
    assert statuses(so)[2] == {"Id": 2, "Name": "Contacting", "Tooltip": "Calling", "Rank": 2, "Deleted": False}
    backend.write("lead_status", replace(backend.read_item("lead_status", 3), deleted=True))
    assert statuses(so)[3]["Deleted"] is True
    backend.write("lead_status", replace(backend.read_item("lead_status", 4), deleted=False))
    assert statuses(so)[4]["Deleted"] is False


def test_writing_a_vanished_item_is_a_clear_error(so, open_backend):
    backend = open_backend(so)
    with pytest.raises(RemoteError, match="no longer exists"):
        backend.write("lead_status", LeadStatus(id=77, name="Ghost"))


def test_automation_replaces_one_trigger_and_keeps_the_others(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category_automation", "LeadStatusChanged")
    stored = backend.write("category_automation", replace(current, enabled=True, category_id=1))
    assert stored.enabled and stored.category_id == 1
    rules = {r["TriggerType"]: r for r in so.document()["category_automation"]}
    assert rules["SaleSold"] == {"Enabled": True, "TriggerType": "SaleSold", "UserConfirmation": False,
                                 "DefaultCategory": 3, "LeadstatusId": 0}
    assert rules["LeadStatusChanged"]["LeadstatusId"] == 3
    backend.write("category_automation", AutomationRule(trigger="SaleLost", enabled=True, category_id=5))
    assert len(so.document()["category_automation"]) == 3


def test_automation_on_a_tenant_without_it_is_refused(emulator_factory, open_backend, tenant_doc):
    backend = open_backend(emulator_factory(tenant_doc, automation=False))
    with pytest.raises(TargetError, match=r"no category automation \(the agent method answers 404"):
        backend.write("category_automation", AutomationRule(trigger="SaleSold", enabled=True))


def test_automation_refused_with_a_licence_error_says_so(emulator_factory, open_backend, tenant_doc):
    tenant_doc["features"] = {"automation": "unlicensed"}
    backend = open_backend(emulator_factory(tenant_doc))
    with pytest.raises(TargetError, match=r"no category automation \(the agent method answers with a licence error\)"):
        backend.write("category_automation", AutomationRule(trigger="SaleSold", enabled=True))


def test_utm_is_written_at_the_tenant_wide_level(so, open_backend):
    backend = open_backend(so)
    assert backend.write("utm_tracking", False) is False
    prefs = so.document()["preferences"]
    assert prefs == [{"Specification": {"Section": "Mailing", "Key": "EnableUTMSaving"}, "RawValue": "0", "Level": "Database"}]
    assert backend.read_item("utm_tracking", None) is False


def test_lead_distribution_step_saved_whole(so, open_backend):
    backend = open_backend(so)
    step = backend.read_item("lead_distribution", 70)
    stored = backend.write("lead_distribution", replace(step, associates=(2,), only_unassigned=False))
    assert stored.associates == (2,) and stored.only_unassigned is False
    saved = next(s for s in so.document()["flows"][0]["Steps"] if s["WorkflowStepId"] == 70)
    assert saved["DistributeQueue"] == [2, 1] and saved["WorkflowId"] == 7 and saved["Rank"] == 2
    assert saved["DefaultAssociate"] == 1


def test_complete_entity_carries_fields_the_model_does_not_know(monkeypatch):
    """A field leadconf has never heard of (a newer server) is sent back as it was read."""
    from leadconf.backends.superoffice import open_superoffice

    sent = []
    entity = {"CategoryId": 3, "Name": "Customer", "CategoryGroup": "Customer", "Tooltip": "", "Rank": 3,
              "EnableLeadStatus": False, "CategoryFamilyId": 0, "Deleted": False, "FutureField": {"x": 1},
              "TableRight": {"Mask": "Full"}, "FieldProperties": {}}

    def handler(request: httpx.Request):
        path = request.url.path
        if path.endswith("/List/Category"):
            return httpx.Response(200, json={"UseGroupsAndHeadings": False})
        if path.endswith("/GetCategoryEntity"):
            return httpx.Response(200, json=entity)
        if path.endswith("/SaveCategoryEntity"):
            sent.append(json.loads(request.content))
            return httpx.Response(200, json=sent[-1])
        return httpx.Response(404, json={"Error": True, "ErrorMessage": "no"})

    env = {"SUPEROFFICE_TICKET": "7T:abcdef", "LEADCONF_RATE_LIMIT": "0"}
    backend = open_superoffice("https://crm.example.com/Cust1", transport=httpx.MockTransport(handler), environ=env)
    current = backend.read_item("category", 3)
    backend.write("category", replace(current, tooltip="changed"))
    assert sent[0]["FutureField"] == {"x": 1} and sent[0]["Tooltip"] == "changed"
    assert "TableRight" not in sent[0] and "FieldProperties" not in sent[0]


def test_partial_bodies_would_be_caught_by_the_emulator(so):
    """The emulator binds the whole entity: what a client leaves out is reset."""
    with httpx.Client() as client:
        answer = client.post(f"{so.base_url}/api/v1/Agents/List/SaveCategoryEntity",
                             json={"CategoryId": 3, "Name": "Customer"},
                             headers={"Authorization": f"SOTicket {so.env()['SUPEROFFICE_TICKET']}",
                                      "SO-AppToken": so.env()["SUPEROFFICE_APP_TOKEN"]})
    assert answer.status_code == 200
    assert categories(so)[3]["CategoryGroup"] == "Unknown" and categories(so)[3]["Rank"] == 0


def test_lock_is_per_target_and_fails_clearly(so, open_backend, monkeypatch):
    from leadconf.errors import LockError

    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "0.1")
    first, second = open_backend(so), open_backend(so)
    with first.lock():
        with pytest.raises(LockError, match="another leadconf apply"):
            with second.lock():
                pass
    with second.lock():
        pass
