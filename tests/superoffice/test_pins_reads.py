"""Reading a tenant through the SuperOffice backend (reads.py, backend.py's read and read_item):
which requests it makes, what it keeps when a part of the API is not there, and the tenant it builds.

Two servers: the reference (tests/superoffice/test_contract.py: every route answers its documented
sample, requests recorded) where the sample answers suffice, and the emulator over a real socket
where a fault or a state change is needed.
"""

from __future__ import annotations

import pytest

from leadconf.backends.superoffice import codec
from leadconf.errors import RemoteError, TargetError
from leadconf.model.tenant import DistributeStep
from tests.superoffice.reference_facts import BY_KEY
from tests.superoffice.test_contract import reference  # noqa: F401  (the fixture)


def _sample(key):
    return BY_KEY[key].sample


def _asked(server, key):
    return [s for s in server.seen if s.route.key == key]


# -- flows and their Distribute-to-owner steps -----------------------------------------------------------


def test_only_the_distribute_to_owner_steps_of_a_flow_are_fetched_whole(reference):  # noqa: F811
    server, backend = reference()
    tenant = backend.read()
    # GetEmailFlow lists steps 69 (SendEmail) and 70 (DistributeToOwner): only 70 is fetched
    assert [s.body for s in _asked(server, "step_get")] == [{"WorkflowStepId": 70}]
    assert [s.step_id for s in tenant.flows[0].distribute_steps] == [70]


def test_a_flow_without_a_distribute_step_fetches_no_step(reference):  # noqa: F811
    flow = dict(_sample("flow_get"), Steps=[{"WorkflowStepId": 69, "WorkflowId": 7, "StepType": "SendEmail", "Rank": 1}])
    server, backend = reference(flow_get=flow)
    tenant = backend.read()
    assert _asked(server, "step_get") == []
    assert [(f.id, f.name, f.distribute_steps) for f in tenant.flows] == [(7, "Lead nurturing", ())]


@pytest.mark.parametrize("other", ["AddToList", "SendEmail"])
def test_a_step_of_another_type_is_not_fetched(reference, other):  # noqa: F811
    steps = [{"WorkflowStepId": 69, "WorkflowId": 7, "StepType": other, "Rank": 1},
             {"WorkflowStepId": 70, "WorkflowId": 7, "StepType": "DistributeToOwner", "Rank": 2}]
    server, backend = reference(flow_get=dict(_sample("flow_get"), Steps=steps))
    tenant = backend.read()
    assert [s.body for s in _asked(server, "step_get")] == [{"WorkflowStepId": 70}]
    assert [s.step_id for s in tenant.flows[0].distribute_steps] == [70]


def test_each_flow_of_the_list_is_read_by_its_id(reference):  # noqa: F811
    server, backend = reference()
    backend.read()
    assert [s.query for s in _asked(server, "flow_get")] == [{"emailFlowId": "7"}]
    assert [s.query for s in _asked(server, "mdo_emailflow")] == [{"flat": "true"}]


def test_a_flow_gone_since_the_flow_list_is_left_out(emulator_factory, open_backend, tenant_doc):
    tenant_doc["flows"] = tenant_doc["flows"][:1]
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"POST .*/GetEmailFlow$")
    tenant = open_backend(emu).read()
    assert tenant.flows == []
    assert tenant.features["marketing"] == "available"


def test_a_step_that_cannot_be_fetched_whole_keeps_what_the_flow_says(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"POST .*/GetWorkflowStep$")
    tenant = open_backend(emu).read()
    (flow,) = [f for f in tenant.flows if f.id == 7]
    # GetEmailFlow gives the step's base fields only (quirks U8)
    assert flow.distribute_steps == (DistributeStep(step_id=70, flow_id=7, rank=2),)


def test_a_flow_list_entry_without_an_id_is_a_clear_error(reference):  # noqa: F811
    _, backend = reference(mdo_emailflow=[{"Name": "Lead nurturing"}])
    with pytest.raises(RemoteError, match=r"flow list item\.Id: missing") as caught:
        backend.read()
    assert caught.value.path == "/MDOList/emailflow"


def test_a_step_read_as_an_item_is_its_whole_entity(reference):  # noqa: F811
    server, backend = reference()
    step = backend.read_item("lead_distribution", 70)
    assert step == DistributeStep(step_id=70, flow_id=7, associates=(1, 2), user_groups=(), only_unassigned=True,
                                  default_associate=1, rank=2)
    assert [s.body for s in _asked(server, "step_get")] == [{"WorkflowStepId": 70}]


def test_a_step_that_is_not_distribute_to_owner_is_no_lead_distribution(emulator_factory, open_backend, tenant_doc):
    backend = open_backend(emulator_factory(tenant_doc))
    assert backend.read_item("lead_distribution", 69) is None
    assert backend.read_item("lead_distribution", 80) is None
    assert backend.read_item("lead_distribution", 70).step_id == 70


# -- parts of the API that a tenant may not have ---------------------------------------------------------


def test_an_unlicensed_flow_list_reads_as_no_flows_and_no_utm(emulator_factory, open_backend, tenant_doc):
    tenant_doc["features"] = {"marketing": "unlicensed"}
    tenant = open_backend(emulator_factory(tenant_doc)).read()
    assert (tenant.flows, tenant.utm_tracking, tenant.utm_error) == ([], None, "")
    assert tenant.features == {"marketing": "unlicensed", "automation": "available"}


def test_a_missing_flow_list_reads_as_no_flows(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"GET .*/MDOList/emailflow$")
    tenant = open_backend(emu).read()
    assert tenant.flows == [] and tenant.features["marketing"] == "missing"
    assert not [r for r in emu.api_requests() if "Workflow" in r.path]


def test_a_flow_list_refused_for_another_reason_fails_the_read(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=400, match=r"GET .*/MDOList/emailflow$")
    with pytest.raises(RemoteError) as caught:
        open_backend(emu).read()
    assert caught.value.status == 400


def test_category_automation_refused_for_another_reason_fails_the_read(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=400, match=r"POST .*/GetAllAutomatedCategoryUpdates$")
    with pytest.raises(RemoteError) as caught:
        open_backend(emu).read()
    assert caught.value.status == 400


def test_automation_that_answers_null_is_available_with_no_rules(reference):  # noqa: F811
    _, backend = reference(automation_get=None)
    tenant = backend.read()
    assert tenant.automation == [] and tenant.features["automation"] == "available"
    assert backend.read_item("category_automation", "SaleSold") is None


def test_automation_that_answers_an_object_is_a_clear_error(reference):  # noqa: F811
    _, backend = reference(automation_get={"Settings": []})
    with pytest.raises(RemoteError, match="expected a JSON array, got dict"):
        backend.read()


def test_an_automation_rule_is_read_by_its_trigger(reference):  # noqa: F811
    rules = [dict(_sample("automation_get")[0], TriggerType="SaleLost", DefaultCategory=4), "not a rule",
             _sample("automation_get")[0]]
    _, backend = reference(automation_get=rules)
    rule = backend.read_item("category_automation", "SaleSold")
    assert (rule.trigger, rule.category_id, rule.enabled) == ("SaleSold", 12, True)
    assert backend.read_item("category_automation", "SaleLost").category_id == 4
    assert backend.read_item("category_automation", "SaleRegistered") is None


def test_a_malformed_automation_rule_read_as_an_item_names_its_trigger(reference):  # noqa: F811
    _, backend = reference(automation_get=[dict(_sample("automation_get")[0], DefaultCategory="12")])
    with pytest.raises(RemoteError, match="DefaultCategory: expected int") as caught:
        backend.read_item("category_automation", "SaleSold")
    assert caught.value.item == "category automation 'SaleSold'"


# -- associates -------------------------------------------------------------------------------------------


def test_associates_are_asked_by_id_once(reference):  # noqa: F811
    server, backend = reference()
    tenant = backend.read()
    assert [s.body for s in _asked(server, "associates")] == [[1, 2]]
    assert [(a.id, a.name, a.full_name) for a in tenant.associates] == [(1, "ADM0", "Admin Adminson"),
                                                                      (2, "ARNE", "Arne Arnesen")]


def test_no_associates_asks_no_associate_list(reference):  # noqa: F811
    server, backend = reference(mdo_associate=[])
    assert backend.read().associates == []
    assert _asked(server, "associates") == []


def test_an_associate_list_that_answers_null_keeps_the_full_names(reference):  # noqa: F811
    _, backend = reference(associates=None)
    assert [(a.name, a.full_name) for a in backend.read().associates] == [("Admin Adminson", "Admin Adminson"),
                                                                          ("Arne Arnesen", "Arne Arnesen")]


def test_an_associate_list_that_is_not_an_array_is_a_clear_error(reference):  # noqa: F811
    _, backend = reference(associates={"AssociateId": 1})
    with pytest.raises(RemoteError, match="expected a JSON array, got dict") as caught:
        backend.read()
    assert caught.value.path == "/Agents/Associate/GetAssociateList"


def test_an_associate_of_the_mdo_list_without_an_id_is_a_clear_error(reference):  # noqa: F811
    _, backend = reference(mdo_associate=[{"Name": "Admin Adminson"}])
    with pytest.raises(RemoteError, match=r"associates\[0\]\.Id: missing") as caught:
        backend.read()
    assert caught.value.path == "/MDOList/associate"


# -- categories, their links and the lead-status list ----------------------------------------------------


def test_category_links_are_read_only_when_the_list_uses_them(reference):  # noqa: F811
    server, backend = reference()
    category = backend.read().categories[0]
    assert (category.user_groups, category.headings) == ((), ())
    assert _asked(server, "category_groups") == [] and _asked(server, "category_headings_of") == []
    assert backend.read_item("category", 12).user_groups == ()


def test_a_category_read_as_an_item_asks_once_whether_the_list_uses_links(reference):  # noqa: F811
    category_list = dict(_sample("category_list"), UseGroupsAndHeadings=True)
    server, backend = reference(category_list=category_list)
    first = backend.read_item("category", 12)
    backend.read_item("category", 12)
    assert (first.user_groups, first.headings) == ((1,), (100,))
    assert len(_asked(server, "category_list")) == 1
    assert [s.query for s in _asked(server, "category_get")] == [{"categoryEntityId": "12"}] * 2


def test_a_read_asks_again_whether_the_list_uses_links(reference):  # noqa: F811
    server, backend = reference()
    backend.read_item("category", 12)
    tenant = backend.read()
    assert len(_asked(server, "category_list")) == 2
    assert tenant.category_grouping is False


def test_malformed_category_links_name_the_category(reference):  # noqa: F811
    category_list = dict(_sample("category_list"), UseGroupsAndHeadings=True)
    groups = [dict(_sample("category_groups")[0], Selected="yes")]
    _, backend = reference(category_list=category_list, category_groups=groups)
    with pytest.raises(RemoteError, match=r"UserGroups\[0\]\.Selected: expected bool") as caught:
        backend.read_item("category", 12)
    assert caught.value.item == "category 'Lead'"


def test_a_category_gone_since_the_list_is_left_out(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"POST .*/GetCategoryEntity$", times=1)
    tenant = open_backend(emu, workers=1).read()
    assert [c.id for c in tenant.categories] == [2, 3, 4, 5]


def test_a_category_list_entry_without_an_id_is_a_clear_error(reference):  # noqa: F811
    _, backend = reference(category_items=[{"Name": "Lead"}])
    with pytest.raises(RemoteError, match=r"category list\[0\]\.Id: missing") as caught:
        backend.read()
    assert caught.value.path == "/List/Category/Items"


def test_a_lead_status_is_read_from_the_list_get_list_names(reference):  # noqa: F811
    server, backend = reference()
    assert backend.read_item("lead_status", 3).name == "Contacting"
    backend.read_item("lead_status", 3)
    assert len(_asked(server, "lists")) == 1, "the list's id is asked once"
    assert [s.query for s in _asked(server, "lists")] == [{"includeDeleted": "true"}]


def test_a_read_asks_for_the_lead_status_list_again(reference):  # noqa: F811
    server, backend = reference()
    backend.read_item("lead_status", 3)
    backend.read()
    assert len(_asked(server, "lists")) == 2


def test_a_lead_status_list_whose_id_is_not_an_integer_is_no_lead_status_list(reference):  # noqa: F811
    lists = [dict(entry, Id=True) if entry["ListType"] == "LeadStatus" else entry for entry in _sample("lists")]
    _, backend = reference(lists=lists)
    with pytest.raises(TargetError, match=r"GET /List shows no lead-status list \(lead status needs SuperOffice 11.4"):
        backend.read()


def test_a_malformed_lead_status_names_the_list(reference):  # noqa: F811
    _, backend = reference(status_items=[dict(_sample("status_items")[0], Rank="2")])
    with pytest.raises(RemoteError, match=r"lead statuses\[0\]\.Rank: expected int") as caught:
        backend.read()
    assert caught.value.item == "the lead-status list" and caught.value.path == "/List/136/Items"


def test_a_malformed_lead_status_read_as_an_item_names_it(reference):  # noqa: F811
    _, backend = reference(status_item=dict(_sample("status_item"), Rank="2"))
    with pytest.raises(RemoteError, match=r"Rank: expected int") as caught:
        backend.read_item("lead_status", 3)
    assert caught.value.item == "lead status 'Contacting'" and caught.value.path == "/List/136/Items/3"


# -- the principal and the UTM preference ----------------------------------------------------------------


def test_the_licences_come_from_the_principal(reference):  # noqa: F811
    principal = dict(_sample("principal"), Licenses=[dict(_sample("principal")["Licenses"][0], Name="Ten-Sales"),
                                                     dict(_sample("principal")["Licenses"][0], Name="Marketing")])
    _, backend = reference(principal=principal)
    assert backend.read().licenses == frozenset({"ten-sales", "marketing"})


def test_a_principal_without_licences_reads_as_none(reference):  # noqa: F811
    _, backend = reference(principal=dict(_sample("principal"), Licenses=[]))
    assert backend.read().licenses == frozenset()


def test_the_utm_preference_at_database_asks_no_level(reference):  # noqa: F811
    server, backend = reference(preference=dict(_sample("preference"), RawValue="0"))
    tenant = backend.read()
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective, tenant.utm_error) == (False, "", None, "")
    assert _asked(server, "preference_at_level") == []
    assert backend.read_item("utm_tracking", None) is False


def test_an_override_asks_the_database_level(reference):  # noqa: F811
    server, backend = reference(preference=dict(_sample("preference"), Level="PC", RawValue="0"))
    assert backend.read_item("utm_tracking", None) is True
    assert [s.route.key for s in server.seen] == ["preference", "preference_at_level"]


def test_a_missing_value_at_a_level_reads_as_none_there(emulator_factory, open_backend, tenant_doc):
    tenant_doc["preferences"] = [{"Specification": {"Section": "Mailing", "Key": "EnableUTMSaving"}, "RawValue": "0",
                                  "Level": "Individual"}]
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"GET .*/Preference/Mailing/EnableUTMSaving/", times=None)
    tenant = open_backend(emu).read()
    # no value at Database, SystemWide or HardDefault: an Individual override over an off tenant value
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (False, "Individual", False)


def test_a_preference_that_cannot_be_read_is_kept_as_the_tenants_utm_error(reference):  # noqa: F811
    _, backend = reference(preference=dict(_sample("preference"), Level="Company"))
    tenant = backend.read()
    assert tenant.utm_tracking is None and tenant.utm_override == "" and tenant.utm_effective is None
    assert "unknown preference level 'Company'" in tenant.utm_error
    with pytest.raises(RemoteError, match="unknown preference level 'Company'"):
        backend.read_item("utm_tracking", None)


def test_a_refused_login_on_the_preference_fails_the_read(emulator_factory, open_backend, tenant_doc):
    from leadconf.errors import AuthError

    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=401, match=r"GET .*/Preference/", times=None)
    with pytest.raises(AuthError):
        open_backend(emu).read()


def test_the_tenant_wide_utm_value_only_with_marketing(emulator_factory, open_backend, tenant_doc):
    tenant_doc["preferences"].append(
        {"Specification": {"Section": codec.UTM_SECTION, "Key": codec.UTM_KEY}, "RawValue": "0", "Level": "Individual"})
    emu = emulator_factory(tenant_doc)
    emu.inject("status", status=404, match=r"GET .*/MDOList/emailflow$")
    tenant = open_backend(emu).read()
    assert tenant.utm_tracking is None and tenant.utm_error == ""


# -- the agents' Get calls are reads: a lost answer is asked again ----------------------------------------


@pytest.mark.parametrize("agent", ["GetCategoryEntity", "GetAllAutomatedCategoryUpdates", "GetAssociateList",
                                   "GetEmailFlow", "GetWorkflowStep"])
def test_a_lost_answer_to_an_agent_read_is_asked_again(emulator_factory, open_backend, tenant_doc, agent):
    emu = emulator_factory(tenant_doc)
    expected = open_backend(emu).read()
    emu.requests.clear()
    emu.inject("drop", match=rf"POST .*/{agent}$")
    tenant = open_backend(emu).read()
    assert tenant == expected
    assert [r.status for r in emu.requests if r.path.endswith(agent)][:2] == [0, 200]


def test_a_category_answer_in_the_wrong_shape_names_the_category(reference):  # noqa: F811
    _, backend = reference(category_get=[_sample("category_get")])
    with pytest.raises(RemoteError, match="expected a JSON object, got list") as caught:
        backend.read_item("category", 12)
    assert caught.value.item == "category 12"
    with pytest.raises(RemoteError, match="expected a JSON object, got list") as caught:
        backend.read()
    assert caught.value.item == "category 'Lead'"
