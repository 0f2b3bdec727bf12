"""Writing through the SuperOffice backend (writes.py, backend.py's write): the exact request sent
for each kind, the create that is looked for before it is sent again (quirks U10), the links of a
category, and the item returned.

The reference server (every route answers its documented sample, requests recorded) shows the
bodies; the emulator (over a real socket) shows the stored state and takes the faults.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from leadconf.errors import RemoteError, TargetError
from leadconf.model.tenant import AutomationRule, Category, DistributeStep, LeadStatus
from tests.superoffice.reference_facts import BY_KEY, RIGHTS
from tests.superoffice.test_contract import reference  # noqa: F401  (the fixture)

LINKS = dict(BY_KEY["category_list"].sample, UseGroupsAndHeadings=True)


def _sample(key):
    return BY_KEY[key].sample


def _bodies(server, key):
    return [s.body for s in server.seen if s.route.key == key]


def _keys(server):
    return [s.route.key for s in server.seen]


def _without_rights(entity):
    return {k: v for k, v in entity.items() if k not in RIGHTS}


def _saves(emu, tail):
    return [r.status for r in emu.requests if r.path.endswith(tail)]


# -- categories ------------------------------------------------------------------------------------------


def test_a_category_update_sends_the_entity_read_with_the_change_and_no_answer_only_fields(reference):  # noqa: F811
    server, backend = reference()
    current = backend.read_item("category", 12)
    stored = backend.write("category", replace(current, tooltip="Hot", rank=4))
    assert _bodies(server, "category_save") == [dict(_without_rights(_sample("category_get")), Tooltip="Hot", Rank=4)]
    assert _keys(server).count("category_get") == 1, "the write uses the entity read_item read"
    # the item returned is the answer's (the reference answers its sample)
    assert (stored.id, stored.name, stored.tooltip, stored.user_groups, stored.headings) == (12, "Lead", "New leads", (), ())


def test_a_category_written_without_read_item_is_read_first(reference):  # noqa: F811
    server, backend = reference()
    backend.write("category", Category(12, "Lead", "PotentialCustomer", rank=9))
    assert _keys(server)[-2:] == ["category_get", "category_save"]
    assert _bodies(server, "category_save")[0]["Rank"] == 9
    backend.write("category", Category(12, "Lead", "PotentialCustomer", rank=8))
    assert _keys(server).count("category_get") == 2, "what read_item read is used once"


def test_a_category_gone_before_its_write_is_a_clear_error(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    backend = open_backend(emu)
    with pytest.raises(RemoteError, match=r"it no longer exists in the tenant \(id 77\); run plan again") as caught:
        backend.write("category", Category(77, "Ghost"))
    assert caught.value.item == "category 'Ghost'"
    assert emu.writes() == []


def test_a_category_read_as_gone_is_not_written_over(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    backend = open_backend(emu)
    assert backend.read_item("category", 77) is None
    with pytest.raises(RemoteError, match="no longer exists"):
        backend.write("category", Category(77, "Ghost"))
    assert emu.writes() == []


def test_a_new_category_is_sent_with_id_0_and_its_links_read_back(reference):  # noqa: F811
    server, backend = reference(category_list=LINKS)
    created = backend.write("category", Category(None, "Webinar lead", "PotentialCustomer", user_groups=None,
                                                 headings=None))
    assert _bodies(server, "category_save") == [{
        "CategoryId": 0, "Name": "Webinar lead", "CategoryGroup": "PotentialCustomer", "Tooltip": "", "Rank": 0,
        "EnableLeadStatus": False, "CategoryFamilyId": 0, "Deleted": False}]
    # not managed: the server's default stands, read back (no PUT)
    assert (created.user_groups, created.headings) == ((1,), (100,))
    assert "category_groups_put" not in _keys(server) and "category_headings_put" not in _keys(server)


def test_a_new_category_without_links_asks_for_none(reference):  # noqa: F811
    server, backend = reference()
    created = backend.write("category", Category(None, "Webinar lead", "PotentialCustomer"))
    assert created.id == 12 and (created.user_groups, created.headings) == ((), ())
    assert not {"category_groups", "category_headings_of", "category_groups_put", "category_headings_put"} & set(_keys(server))


def test_headings_alone_need_the_grouping_setting_too(emulator, open_backend):
    backend = open_backend(emulator)
    lead = backend.read_item("category", 1)
    with pytest.raises(TargetError, match=r"Use grouping and user group filtering.*\(nothing was written\)") as caught:
        backend.write("category", replace(lead, user_groups=(), headings=(100,)))
    assert str(caught.value).startswith(f"category {lead.name!r}: user-group visibility and headings need")
    assert emulator.writes() == []


def test_no_links_are_written_where_the_list_does_not_use_them(emulator, open_backend):
    backend = open_backend(emulator)
    lead = backend.read_item("category", 1)
    stored = backend.write("category", replace(lead, tooltip="x", user_groups=(), headings=()))
    assert stored.tooltip == "x" and (stored.user_groups, stored.headings) == ((), ())
    assert [r.method for r in emulator.writes()] == ["POST"]


def test_links_are_set_to_the_wanted_ids_and_sent_whole(reference):  # noqa: F811
    server, backend = reference(category_list=LINKS)
    current = backend.read_item("category", 12)
    assert (current.user_groups, current.headings) == ((1,), (100,))
    stored = backend.write("category", replace(current, user_groups=(2, 1)))
    (body,) = _bodies(server, "category_groups_put")
    assert body == [dict(_without_rights(e), Selected=True) for e in _sample("category_groups")]
    assert _bodies(server, "category_headings_put") == [], "headings unchanged: not written"
    # the PUT's answer is what is stored
    assert stored.user_groups == (1, 2) and stored.headings == (100,)


def test_a_link_taken_away_is_sent_unselected(reference):  # noqa: F811
    server, backend = reference(category_list=LINKS)
    current = backend.read_item("category", 12)
    backend.write("category", replace(current, user_groups=(2,), headings=()))
    (groups,) = _bodies(server, "category_groups_put")
    assert [(e["Id"], e["Selected"]) for e in groups] == [(1, False), (2, True)]
    (heads,) = _bodies(server, "category_headings_put")
    assert [(e["Id"], e["Selected"]) for e in heads] == [(100, False)]


def test_the_links_returned_are_the_ones_the_server_answers(reference):  # noqa: F811
    # the reference answers the PUT with its sample (heading 100 selected), whatever was sent
    server, backend = reference(category_list=LINKS)
    current = backend.read_item("category", 12)
    stored = backend.write("category", replace(current, headings=()))
    assert _bodies(server, "category_headings_put")
    assert stored.headings == (100,)


def test_a_link_to_an_id_the_tenant_does_not_have_is_refused_before_writing_it(reference):  # noqa: F811
    server, backend = reference(category_list=LINKS)
    current = backend.read_item("category", 12)
    with pytest.raises(TargetError) as caught:
        backend.write("category", replace(current, user_groups=(9, 1, 7)))
    assert str(caught.value) == "category 'Lead': user group id(s) [7, 9] do not exist in the tenant"
    assert "category_groups_put" not in _keys(server)


def test_the_links_of_a_new_category_are_read_then_set(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    backend = open_backend(emu)
    created = backend.write("category", Category(None, "Opportunity", "PotentialCustomer", user_groups=(2,),
                                                 headings=()))
    assert created.user_groups == (2,) and created.headings == ()
    doc = emu.document()
    assert doc["category_user_groups"][str(created.id)] == [2]
    assert doc["category_headings"].get(str(created.id), []) == []


# -- the create that is looked for before it is sent again (U10) -----------------------------------------


def test_a_category_create_that_happened_is_found_by_its_name_and_not_sent_again(so, open_backend, caplog):
    backend = open_backend(so)
    so.inject("drop", apply=True, match=r"POST .*/SaveCategoryEntity")
    with caplog.at_level(logging.INFO, logger="leadconf.superoffice"):
        created = backend.write("category", Category(None, "Opportunity", "PotentialCustomer", tooltip="Big"))
    assert (created.id, created.name, created.tooltip) == (6, "Opportunity", "Big")
    assert _saves(so, "/SaveCategoryEntity") == [0]
    assert "the create had happened; found it on re-reading" in caplog.text


def test_a_category_create_found_again_by_another_case_of_its_name(so, open_backend):
    backend = open_backend(so)
    so.inject("drop", apply=True, match=r"POST .*/SaveCategoryEntity")
    backend.write("category", Category(None, "opportunity", "PotentialCustomer"))
    assert [c["Name"] for c in so.document()["categories"]].count("opportunity") == 1
    assert _saves(so, "/SaveCategoryEntity") == [0]


def test_a_category_create_that_did_not_happen_is_sent_once_more(so, open_backend, caplog):
    backend = open_backend(so)
    so.inject("drop", match=r"POST .*/SaveCategoryEntity")
    with caplog.at_level(logging.WARNING, logger="leadconf.superoffice"):
        created = backend.write("category", Category(None, "Opportunity", "PotentialCustomer"))
    assert created.id == 6 and created.name == "Opportunity"
    assert _saves(so, "/SaveCategoryEntity") == [0, 200]
    assert "category 'Opportunity': the create may or may not have happened" in caplog.text
    assert [c["Name"] for c in so.document()["categories"]].count("Opportunity") == 1


def test_a_category_create_refused_is_not_looked_for(so, open_backend):
    backend = open_backend(so)
    so.inject("status", status=400, match=r"POST .*/SaveCategoryEntity")
    so.requests.clear()
    with pytest.raises(RemoteError) as caught:
        backend.write("category", Category(None, "Opportunity", "PotentialCustomer"))
    assert caught.value.status == 400 and "could not tell" not in str(caught.value)
    assert not [r for r in so.api_requests() if r.path.endswith("/List/Category/Items")]


def test_a_lead_status_create_that_happened_is_found_and_not_sent_again(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)
    so.inject("drop", apply=True, match=r"POST .*/List/\d+/Items$")
    created = backend.write("lead_status", LeadStatus(None, "Re-nurture", tooltip="Later"))
    assert (created.id, created.name, created.tooltip) == (5, "Re-nurture", "Later")
    assert [r.status for r in so.writes()] == [0]
    assert [s["Name"] for s in so.document()["lead_statuses"]].count("Re-nurture") == 1


def test_a_lead_status_create_that_did_not_happen_is_sent_once_more(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)
    so.inject("drop", match=r"POST .*/List/\d+/Items$")
    created = backend.write("lead_status", LeadStatus(None, "RE-NURTURE"))
    assert created.id == 5
    assert [r.status for r in so.writes()] == [0, 200]


def test_a_lead_status_create_that_stays_unknown_says_so(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)
    so.inject("drop", times=2, match=r"POST .*/List/\d+/Items$")
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_status", LeadStatus(None, "Re-nurture"))
    assert str(caught.value).endswith("; leadconf could not tell whether it was created: run plan again to see")
    assert caught.value.args == (str(caught.value),)
    assert "Re-nurture" not in [s["Name"] for s in so.document()["lead_statuses"]]


def test_a_create_refused_on_its_second_sending_says_what_the_server_said(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)
    so.inject("drop", match=r"POST .*/List/\d+/Items$")
    so.inject("status", status=500, match=r"POST .*/List/\d+/Items$")
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_status", LeadStatus(None, "Re-nurture"))
    assert caught.value.status == 500 and "could not tell" not in str(caught.value)


# -- lead statuses ---------------------------------------------------------------------------------------


def test_a_new_lead_status_is_posted_to_its_list_whole(reference):  # noqa: F811
    server, backend = reference()
    created = backend.write("lead_status", LeadStatus(None, "Nurturing", "Later", 3))
    assert _bodies(server, "status_add") == [{"UdListDefinitionId": 136, "Id": 0, "Name": "Nurturing", "Tooltip": "Later",
                                              "Rank": 3, "Deleted": False}]
    # the answer is the created item
    assert created == LeadStatus(4, "Nurturing", "Reaching out", 2, False)


def test_a_lead_status_update_is_put_whole_over_what_was_read(reference):  # noqa: F811
    server, backend = reference()
    current = backend.read_item("lead_status", 3)
    backend.write("lead_status", replace(current, name="Reaching out", deleted=True))
    assert _bodies(server, "status_save") == [dict(_without_rights(_sample("status_item")), Name="Reaching out",
                                                   Deleted=True)]
    put = next(s for s in server.seen if s.route.key == "status_save")
    assert put.route.method == "PUT"
    assert _keys(server).count("status_item") == 1


def test_a_lead_status_written_without_read_item_is_read_first(reference):  # noqa: F811
    server, backend = reference()
    backend.write("lead_status", LeadStatus(3, "Contacting", rank=7))
    assert _keys(server)[-2:] == ["status_item", "status_save"]
    assert _bodies(server, "status_save")[0]["Rank"] == 7


def test_a_lead_status_save_answered_without_a_body_is_the_item_sent(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("lead_status", 2)
    so.inject("shape", body=None, match=r"PUT .*/List/\d+/Items/2$")
    stored = backend.write("lead_status", replace(current, tooltip="Calling"))
    assert stored == replace(current, tooltip="Calling")


def test_a_malformed_lead_status_answer_names_the_request(reference):  # noqa: F811
    _, backend = reference(status_add=dict(_sample("status_add"), Rank="3"))
    with pytest.raises(RemoteError, match=r"Rank: expected int") as caught:
        backend.write("lead_status", LeadStatus(None, "Nurturing"))
    assert (caught.value.method, caught.value.path, caught.value.item) == ("POST", "/List/136/Items", "lead status 'Nurturing'")
    _, backend = reference(status_save=dict(_sample("status_save"), Rank="3"))
    with pytest.raises(RemoteError, match=r"Rank: expected int") as caught:
        backend.write("lead_status", backend.read_item("lead_status", 3))
    assert (caught.value.method, caught.value.path) == ("PUT", "/List/136/Items/3")


# -- category automation ---------------------------------------------------------------------------------


def test_an_automation_rule_is_saved_with_the_others_as_read(reference):  # noqa: F811
    other = dict(_sample("automation_get")[0], TriggerType="SaleLost", DefaultCategory=4)
    server, backend = reference(automation_get=[_sample("automation_get")[0], other])
    current = backend.read_item("category_automation", "SaleSold")
    stored = backend.write("category_automation", replace(current, enabled=False, user_confirmation=True))
    assert _bodies(server, "automation_save") == [{"Settings": [
        dict(_without_rights(_sample("automation_get")[0]), Enabled=False, UserConfirmation=True),
        _without_rights(other)]}]
    assert _keys(server).count("automation_get") == 1
    # the answer (the reference's sample) is what is stored
    assert stored == AutomationRule("SaleSold", True, False, 12, 0)


def test_an_automation_rule_written_without_read_item_reads_the_settings_first(reference):  # noqa: F811
    saved = [_sample("automation_save")[0], dict(_sample("automation_save")[0], TriggerType="SaleRegistered")]
    server, backend = reference(automation_save=saved)
    stored = backend.write("category_automation", AutomationRule("SaleRegistered", True, False, 12, 0))
    assert stored.trigger == "SaleRegistered"
    assert _keys(server) == ["automation_get", "automation_save"]
    (body,) = _bodies(server, "automation_save")
    assert [s["TriggerType"] for s in body["Settings"]] == ["SaleSold", "SaleRegistered"]


def test_the_rule_returned_is_the_saved_entity_of_its_trigger(reference):  # noqa: F811
    sold = dict(_sample("automation_save")[0], DefaultCategory=12)
    changed = dict(_sample("automation_save")[0], TriggerType="LeadStatusChanged", DefaultCategory=2, LeadstatusId=3)
    _, backend = reference(automation_save=[changed, sold])
    assert backend.write("category_automation", AutomationRule("SaleSold", True, False, 12, 0)).trigger == "SaleSold"
    _, backend = reference(automation_save=[sold, changed])
    stored = backend.write("category_automation", AutomationRule("LeadStatusChanged", True, False, 2, 3))
    assert (stored.trigger, stored.category_id, stored.lead_status_id) == ("LeadStatusChanged", 2, 3)


def test_an_automation_save_answered_without_the_rule_is_an_error(reference):  # noqa: F811
    _, backend = reference(automation_save=[dict(_sample("automation_save")[0], TriggerType="SaleLost")])
    with pytest.raises(RemoteError, match="the saved settings do not contain this trigger") as caught:
        backend.write("category_automation", AutomationRule("SaleSold", True, False, 12, 0))
    assert (caught.value.method, caught.value.path, caught.value.item) == (
        "POST", "/Agents/List/SaveAllAutomatedCategoryUpdates", "category automation 'SaleSold'")


def test_an_automation_save_answered_without_a_list_is_the_settings_sent(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category_automation", "SaleSold")
    so.inject("shape", body=None, match=r"POST .*/SaveAllAutomatedCategoryUpdates$")
    stored = backend.write("category_automation", replace(current, category_id=1))
    assert stored == replace(current, category_id=1)


def test_a_malformed_automation_answer_names_the_request(reference):  # noqa: F811
    _, backend = reference(automation_save=[dict(_sample("automation_save")[0], Enabled="yes")])
    with pytest.raises(RemoteError, match="Enabled: expected bool") as caught:
        backend.write("category_automation", AutomationRule("SaleSold", True, False, 12, 0))
    assert caught.value.path == "/Agents/List/SaveAllAutomatedCategoryUpdates"


def test_automation_on_a_tenant_without_it_writes_nothing(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc, automation=False)
    backend = open_backend(emu)
    assert backend.read_item("category_automation", "SaleSold") is None
    with pytest.raises(TargetError) as caught:
        backend.write("category_automation", AutomationRule("SaleSold", True))
    assert str(caught.value) == ("category automation 'SaleSold': this tenant has no category automation (the agent "
                                 "method answers 404: it needs SuperOffice 11.7 or later); nothing was written")
    assert emu.writes() == []


# -- UTM tracking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, sent", [(True, "1"), (False, "0"), (1, "1"), (0, "0")])
def test_utm_tracking_is_put_at_database_as_1_or_0(reference, value, sent):  # noqa: F811
    server, backend = reference()
    assert backend.write("utm_tracking", value) is bool(value)
    (put,) = [s for s in server.seen if s.route.key == "preference_set"]
    assert put.query == {"value": sent}


# -- lead distribution -----------------------------------------------------------------------------------


def test_a_distribute_step_is_saved_whole_over_what_was_read(reference):  # noqa: F811
    server, backend = reference()
    current = backend.read_item("lead_distribution", 70)
    stored = backend.write("lead_distribution", replace(current, associates=(2,), default_associate=2))
    assert _bodies(server, "step_save") == [dict(_without_rights(_sample("step_get")), Associates=[2], DefaultAssociate=2)]
    assert _keys(server).count("step_get") == 1
    # the answer is what is stored (the reference answers its sample)
    assert stored == DistributeStep(70, 7, (1, 2), (), True, 1, 2)


def test_a_distribute_step_written_without_read_item_is_read_first(reference):  # noqa: F811
    server, backend = reference()
    backend.write("lead_distribution", DistributeStep(70, 7, associates=(2,)))
    assert _keys(server) == ["step_get", "step_save"]


def test_a_distribute_step_save_answered_without_a_body_is_the_step_sent(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("lead_distribution", 70)
    so.inject("shape", body=None, match=r"POST .*/SaveWorkflowStep$")
    stored = backend.write("lead_distribution", replace(current, associates=(2,)))
    assert stored == replace(current, associates=(2,))


def test_a_distribute_step_gone_is_a_clear_error(so, open_backend):
    backend = open_backend(so)
    with pytest.raises(RemoteError, match=r"no longer exists in the tenant \(id 99\)") as caught:
        backend.write("lead_distribution", DistributeStep(99, 7, associates=(2,)))
    assert caught.value.item == "lead distribution step 99 (flow 7)"
    assert so.writes() == []


def test_a_step_that_became_another_type_is_not_written_over(reference):  # noqa: F811
    # the reference page's own sample answer: an AddToList step
    added = {"WorkflowStepId": 70, "WorkflowId": 7, "StepType": "AddToList", "Rank": 2}
    server, backend = reference(step_get=added)
    with pytest.raises(RemoteError, match=r"step 70 is a 'AddToList' step, not Distribute to owner"):
        backend.write("lead_distribution", DistributeStep(70, 7, associates=(2,)))
    assert backend.read_item("lead_distribution", 70) is None
    assert "step_save" not in _keys(server)


def test_a_step_read_as_another_type_is_not_written_over(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    backend = open_backend(emu)
    assert backend.read_item("lead_distribution", 69) is None
    with pytest.raises(RemoteError, match=r"step 69 is a 'SendEmail' step, not Distribute to owner"):
        backend.write("lead_distribution", DistributeStep(69, 7, associates=(2,)))
    assert emu.writes() == []


# -- the write contract ----------------------------------------------------------------------------------


def test_an_unknown_kind_is_refused(reference):  # noqa: F811
    server, backend = reference()
    with pytest.raises(ValueError, match="unknown kind 'colour'"):
        backend.write("colour", None)
    with pytest.raises(ValueError, match="unknown kind 'colour'"):
        backend.read_item("colour", 1)
    assert server.seen == []


def test_an_error_that_is_not_a_licence_error_is_not_called_one(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("lead_distribution", 70)
    so.inject("status", status=500, match=r"POST .*/SaveWorkflowStep$", times=None)
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_distribution", replace(current, associates=(2,)))
    assert "licence" not in str(caught.value)


# -- saves of a whole entity are sent again when the answer is lost ----------------------------------------


def test_a_lost_answer_to_an_automation_save_is_sent_again(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category_automation", "SaleSold")
    so.inject("drop", apply=True, match=r"POST .*/SaveAllAutomatedCategoryUpdates$")
    stored = backend.write("category_automation", replace(current, category_id=1))
    assert stored.category_id == 1
    assert _saves(so, "/SaveAllAutomatedCategoryUpdates") == [0, 200]


def test_a_lost_answer_to_a_step_save_is_sent_again(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("lead_distribution", 70)
    so.inject("drop", apply=True, match=r"POST .*/SaveWorkflowStep$")
    stored = backend.write("lead_distribution", replace(current, associates=(2,)))
    assert stored.associates == (2,)
    assert _saves(so, "/SaveWorkflowStep") == [0, 200]
