"""Reading a tenant over real HTTP, against the emulator."""

from __future__ import annotations

import httpx
import pytest

from leadconf.backends.superoffice.codec import tenant_from_document
from leadconf.errors import TargetError
from tests.emulator.fixtures import default_document

FIELDS = ("categories", "lead_statuses", "user_groups", "headings", "associates", "automation",
          "utm_tracking", "flows", "licenses", "context")


def assert_same_tenant(actual, expected):
    for field in FIELDS:
        assert getattr(actual, field) == getattr(expected, field), field


def test_read_equals_the_snapshot_reading_of_the_same_document(so, open_backend, tenant_doc):
    tenant = open_backend(so).read()
    assert_same_tenant(tenant, tenant_from_document(tenant_doc))
    assert tenant.utm_tracking is True
    assert [f.name for f in tenant.flows] == ["Lead nurturing", "Newsletter"]
    assert tenant.flows[0].distribute_steps[0].associates == (1, 2)


def test_read_of_the_default_seed(emulator, open_backend):
    assert_same_tenant(open_backend(emulator).read(), tenant_from_document(default_document()))


def test_multi_language_names_come_back_raw(so, open_backend):
    tenant = open_backend(so).read()
    supplier = next(c for c in tenant.categories if c.id == 4)
    assert supplier.name == 'NO:"Leverandør";US:"Supplier"'
    assert supplier.tooltip == 'NO:"Leverer varer";US:"Delivers goods"'


def test_the_emulator_translates_when_asked_so_translation_must_be_off(so):
    # What a client without SO-Language: x would get with Accept-Language: en.
    with httpx.Client() as client:
        answer = client.post(f"{so.base_url}/api/v1/Agents/List/GetCategoryEntity?categoryEntityId=4",
                             headers={"Authorization": f"SOTicket {so.env()['SUPEROFFICE_TICKET']}",
                                      "SO-AppToken": so.env()["SUPEROFFICE_APP_TOKEN"], "Accept-Language": "en"})
    assert answer.json()["Name"] == "Supplier"


def test_request_budget_without_links_is_list_reads_plus_one_per_category(emulator, open_backend):
    backend = open_backend(emulator)
    emulator.requests.clear()
    tenant = backend.read()
    calls = emulator.api_requests()
    per_category = [r for r in calls if r.path.endswith("/Agents/List/GetCategoryEntity")]
    assert len(per_category) == len(tenant.categories) == 4
    # principal, List, List/Category, Category items, lead-status items, user groups, headings,
    # associates, automation, the flow list (it decides Marketing Premium), the UTM preference:
    # 11 list reads, whatever the tenant's size (no associates here: no GetAssociateList)
    assert len(calls) == 11 + len(tenant.categories)
    assert not [r for r in calls if "/UserGroups" in r.path or r.path.endswith("/Headings") and "/Items/" in r.path]
    assert emulator.writes() == []


def test_request_budget_with_links_and_marketing_premium(so, open_backend, tenant_doc):
    backend = open_backend(so)
    so.requests.clear()
    tenant = backend.read()
    n = len(tenant.categories)
    calls = so.api_requests()
    assert len([r for r in calls if r.path.endswith("/UserGroups")]) == n
    assert len([r for r in calls if "/Items/" in r.path and r.path.endswith("/Headings")]) == n
    flows = len(tenant_doc["flows"])
    steps = sum(1 for f in tenant_doc["flows"] for s in f["Steps"] if s["StepType"] == "DistributeToOwner")
    # 11 list reads + GetAssociateList (the login names), 3 per category, one per flow and per
    # distribute step; the UTM preference is set at the Database level: one request
    assert len(calls) == 12 + 3 * n + flows + steps


def test_lead_status_list_is_found_through_get_list(so, open_backend):
    backend = open_backend(so)
    so.requests.clear()
    backend.read()
    paths = [r.path for r in so.api_requests()]
    assert any(p.endswith("/api/v1/List") for p in paths)
    assert any(p.endswith("/api/v1/List/31/Items") for p in paths)  # the emulator's opaque id


def test_tenant_without_marketing_premium_reads_no_utm_and_no_flows(emulator_factory, open_backend, tenant_doc):
    # decided by the flow list's own answer (a licence error), not by a licence name (quirks.py U3, U11)
    tenant_doc["features"] = {"marketing": "unlicensed"}
    emu = emulator_factory(tenant_doc)
    tenant = open_backend(emu).read()
    assert tenant.utm_tracking is None and tenant.flows == []
    assert tenant.features["marketing"] == "unlicensed"
    assert not [r for r in emu.api_requests() if "Workflow" in r.path]
    assert [r.status for r in emu.api_requests() if "emailflow" in r.path] == [403]


def test_licence_names_decide_nothing(emulator_factory, open_backend, tenant_doc):
    tenant_doc["licenses"] = ["salesessentials"]  # no "marketingpremium": the endpoints still answer
    tenant = open_backend(emulator_factory(tenant_doc)).read()
    assert tenant.utm_tracking is True and len(tenant.flows) == 2
    assert tenant.features == {"marketing": "available", "automation": "available"}


def test_tenant_without_automation_endpoints_reads_as_no_rules(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc, automation=False)
    tenant = open_backend(emu).read()
    assert tenant.automation == []
    assert tenant.features["automation"] == "missing"


def test_unlicensed_automation_is_told_apart_from_missing(emulator_factory, open_backend, tenant_doc):
    tenant_doc["features"] = {"automation": "unlicensed"}
    tenant = open_backend(emulator_factory(tenant_doc)).read()
    assert tenant.automation == [] and tenant.features["automation"] == "unlicensed"


def test_unset_utm_preference_reads_as_off(emulator_factory, open_backend, tenant_doc):
    tenant_doc["preferences"] = []
    assert open_backend(emulator_factory(tenant_doc)).read().utm_tracking is False


def test_a_user_level_preference_does_not_hide_the_tenant_wide_one(emulator_factory, open_backend, tenant_doc):
    tenant_doc["preferences"].append(
        {"Specification": {"Section": "Mailing", "Key": "EnableUTMSaving"}, "RawValue": "0", "Level": "Individual"})
    tenant = open_backend(emulator_factory(tenant_doc)).read()
    assert tenant.utm_tracking is True
    assert (tenant.utm_override, tenant.utm_effective) == ("Individual", False)


def test_read_item_of_each_kind(so, open_backend):
    backend = open_backend(so)
    assert backend.read_item("category", 1).name == "Lead"
    assert backend.read_item("category", 999) is None
    assert backend.read_item("lead_status", 4).deleted is True
    assert backend.read_item("lead_status", 999) is None
    assert backend.read_item("category_automation", "SaleSold").category_id == 3
    assert backend.read_item("category_automation", "SaleLost") is None
    assert backend.read_item("utm_tracking", None) is True
    assert backend.read_item("lead_distribution", 70).default_associate == 1
    assert backend.read_item("lead_distribution", 69) is None  # not a distribute step
    assert backend.read_item("lead_distribution", 12345) is None
    with pytest.raises(ValueError):
        backend.read_item("colour", 1)


def test_no_lead_status_list_is_a_clear_error(so, open_backend):
    so.state.list_definitions = lambda: []  # an old tenant
    with pytest.raises(TargetError, match="no lead-status list"):
        open_backend(so).read()


def test_description_never_shows_credentials(so, open_backend):
    backend = open_backend(so)
    assert backend.description == f"superoffice:{so.base_url}"
    assert repr(backend) == f"SuperOfficeBackend('superoffice:{so.base_url}')"
