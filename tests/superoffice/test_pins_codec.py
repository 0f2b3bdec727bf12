"""The Web API codec (backends/superoffice/codec.py), pinned through its public functions: the
defaults the API applies to a field an answer leaves out, the refusal of a field in the wrong type,
the entity sent back, the UTM preference's resolution and a snapshot document's reading.

The shapes are the reference's (tests/superoffice/reference_facts.py: the documented samples) and
the snapshot file's (tests/superoffice/tenant.json). Pure functions: no server, well under a second.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from leadconf.backends.superoffice import codec
from leadconf.backends.superoffice.codec import ShapeError
from leadconf.model.tenant import AutomationRule, Category, DistributeStep, Flow, LeadStatus, NamedItem
from tests.superoffice.reference_facts import BY_KEY

TENANT = json.loads((Path(__file__).with_name("tenant.json")).read_text(encoding="utf-8"))


def _sample(key):
    return copy.deepcopy(BY_KEY[key].sample)


def _doc(**parts):
    doc = copy.deepcopy(TENANT)
    doc.update(parts)
    return doc


def _utm(level, raw):
    return {"Specification": {"Section": codec.UTM_SECTION, "Key": codec.UTM_KEY}, "RawValue": raw, "Level": level}


# -- a field the answer leaves out takes the API's default ------------------------------------------------


def test_a_category_with_only_its_id_reads_with_the_api_defaults():
    assert codec.category_from_api({"CategoryId": 4}) == Category(
        id=4, name="", group="Unknown", tooltip="", rank=0, enable_lead_status=False, deleted=False, family_id=0,
        user_groups=(), headings=())


def test_a_category_null_field_is_the_default_too():
    entity = {"CategoryId": 4, "Name": None, "CategoryGroup": None, "Rank": None, "EnableLeadStatus": None}
    category = codec.category_from_api(entity)
    assert (category.name, category.group, category.rank, category.enable_lead_status) == ("", "Unknown", 0, False)


def test_the_documented_category_reads_field_by_field():
    category = codec.category_from_api(_sample("category_get"), "category", [1, 2], [100])
    assert category == Category(id=12, name="Lead", group="PotentialCustomer", tooltip="New leads", rank=1,
                                enable_lead_status=True, deleted=False, family_id=0, user_groups=(1, 2), headings=(100,))
    gone = codec.category_from_api(dict(_sample("category_get"), Deleted=True, CategoryFamilyId=3, Rank=0))
    assert (gone.deleted, gone.family_id, gone.rank) == (True, 3, 0)


def test_a_lead_status_with_only_its_id_reads_with_the_api_defaults():
    assert codec.lead_status_from_api({"Id": 9}) == LeadStatus(id=9, name="", tooltip="", rank=0, deleted=False)
    status = codec.lead_status_from_api(dict(_sample("status_item"), Deleted=True))
    assert status == LeadStatus(id=3, name="Contacting", tooltip="Reaching out", rank=2, deleted=True)


def test_a_named_item_with_only_its_id_reads_with_the_api_defaults():
    assert codec.named_from_api({"HeadingId": 100}, "HeadingId", "heading") == NamedItem(100, "", False, "")
    item = codec.named_from_api({"AssociateId": 3, "Name": "CARL", "FullName": "Carl Christensen", "Deleted": True},
                                "AssociateId", "associate")
    assert item == NamedItem(3, "CARL", True, "Carl Christensen")


def test_an_automation_rule_with_no_fields_reads_as_the_api_defaults():
    assert codec.automation_from_api({}) == AutomationRule("None", False, False, 0, 0)
    rule = codec.automation_from_api({"Enabled": True, "TriggerType": "LeadStatusChanged", "UserConfirmation": True,
                                      "DefaultCategory": 2, "LeadstatusId": 3})
    assert rule == AutomationRule("LeadStatusChanged", True, True, 2, 3)


def test_a_distribute_step_with_only_its_id_reads_with_the_api_defaults():
    """OnlyToUnassigned defaults to true (distribute only leads without an owner)."""
    step = codec.distribute_step_from_api({"WorkflowStepId": 70}, "step", flow_id=7)
    assert step == DistributeStep(step_id=70, flow_id=7, associates=(), user_groups=(), only_unassigned=True,
                                  default_associate=0, rank=0)
    assert codec.distribute_step_from_api({}, "step").step_id == 0


def test_the_documented_distribute_step_reads_field_by_field():
    sample = dict(_sample("step_get"), UserGroups=[1], OnlyToUnassigned=False)
    step = codec.distribute_step_from_api(sample, "step", flow_id=99)
    assert step == DistributeStep(step_id=70, flow_id=7, associates=(1, 2), user_groups=(1,), only_unassigned=False,
                                  default_associate=1, rank=2)


# -- a field in the wrong type is refused, saying where ---------------------------------------------------


@pytest.mark.parametrize("entity, message", [
    ({"CategoryId": 4, "Name": 5}, "category.Name: expected str, got int"),
    ({"CategoryId": 4, "Rank": "1"}, "category.Rank: expected int, got str"),
    ({"CategoryId": 4, "Rank": 1.5}, "category.Rank: expected int, got float"),
    ({"CategoryId": 4, "Rank": True}, "category.Rank: expected an integer, got a boolean"),
    ({"CategoryId": True}, "category.CategoryId: expected an integer, got a boolean"),
    ({"CategoryId": 4, "EnableLeadStatus": 1}, "category.EnableLeadStatus: expected bool, got int"),
    ({"CategoryId": 4, "CategoryGroup": "Prospect"}, "category.CategoryGroup: unknown group 'Prospect'"),
])
def test_a_category_field_in_the_wrong_type_is_refused(entity, message):
    with pytest.raises(ShapeError) as caught:
        codec.category_from_api(entity)
    assert str(caught.value) == message


def test_a_boolean_is_accepted_where_a_boolean_is_documented():
    assert codec.category_from_api({"CategoryId": 4, "Deleted": True}).deleted is True


def test_an_entity_that_is_not_an_object_is_refused():
    with pytest.raises(ShapeError, match=r"^lead status: expected an object, got list$"):
        codec.lead_status_from_api([1])


def test_every_category_group_the_api_names_is_read():
    for group in codec.CATEGORY_GROUPS:
        assert codec.category_from_api({"CategoryId": 1, "CategoryGroup": group}).group == group


@pytest.mark.parametrize("ids", ["1,2", [1, "2"], [1, True], {"1": True}])
def test_link_ids_that_are_not_a_list_of_integers_are_refused(ids):
    with pytest.raises(ShapeError, match=r"^category\.UserGroups: expected a list of integer ids$"):
        codec.category_from_api({"CategoryId": 1}, "category", ids, None)
    with pytest.raises(ShapeError, match=r"^step\.Associates: expected a list of integer ids$"):
        codec.distribute_step_from_api({"WorkflowStepId": 70, "Associates": ids}, "step")


def test_missing_link_ids_are_none_and_an_empty_list_is_none_too():
    assert codec.category_from_api({"CategoryId": 1}, "c", None, []).user_groups == ()
    assert codec.category_from_api({"CategoryId": 1}, "c", [3, 1], None).user_groups == (3, 1)


def test_a_mandatory_id_that_is_missing_or_null_is_refused():
    with pytest.raises(ShapeError, match=r"^flow list item\.Id: missing$"):
        codec.require_int({"Name": "Lead nurturing"}, "Id", "flow list item")
    with pytest.raises(ShapeError, match=r"^flow list item\.Id: missing$"):
        codec.require_int({"Id": None}, "Id", "flow list item")
    assert codec.require_int({"Id": 0}, "Id", "x") == 0
    with pytest.raises(ShapeError, match="expected an integer, got a boolean"):
        codec.require_int({"Id": False}, "Id", "x")


# -- the entity sent back --------------------------------------------------------------------------------


def test_a_category_is_sent_whole_over_what_was_read():
    base = _sample("category_get")
    sent = codec.category_to_api(Category(12, "Hot lead", "Customer", "Hot", 4, False, True, 5), base)
    assert sent == dict(base, CategoryId=12, Name="Hot lead", CategoryGroup="Customer", Tooltip="Hot", Rank=4,
                        EnableLeadStatus=False, CategoryFamilyId=5, Deleted=True)
    assert base == _sample("category_get"), "the entity read is not changed"


def test_a_new_category_is_sent_with_id_0_and_every_field():
    sent = codec.category_to_api(Category(None, "Webinar lead", "PotentialCustomer", enable_lead_status=True))
    assert sent == {"CategoryId": 0, "Name": "Webinar lead", "CategoryGroup": "PotentialCustomer", "Tooltip": "",
                    "Rank": 0, "EnableLeadStatus": True, "CategoryFamilyId": 0, "Deleted": False}


def test_a_lead_status_is_sent_whole_over_what_was_read():
    base = _sample("status_item")
    sent = codec.lead_status_to_api(LeadStatus(3, "Reaching out", "Calling", 5, True), base)
    assert sent == dict(base, Id=3, Name="Reaching out", Tooltip="Calling", Rank=5, Deleted=True)
    assert codec.lead_status_to_api(LeadStatus(None, "New")) == {"Id": 0, "Name": "New", "Tooltip": "", "Rank": 0,
                                                                 "Deleted": False}


def test_an_automation_rule_is_sent_whole_over_what_was_read():
    base = _sample("automation_get")[0]
    sent = codec.automation_to_api(AutomationRule("SaleSold", False, True, 4, 0), base)
    assert sent == dict(base, Enabled=False, TriggerType="SaleSold", UserConfirmation=True, DefaultCategory=4,
                        LeadstatusId=0)
    assert codec.automation_to_api(AutomationRule("LeadStatusChanged", True, False, 2, 3)) == {
        "Enabled": True, "TriggerType": "LeadStatusChanged", "UserConfirmation": False, "DefaultCategory": 2,
        "LeadstatusId": 3}


def test_a_rule_replaces_the_entity_of_its_trigger_and_keeps_its_other_fields():
    settings = ["not an entity", dict(_sample("automation_get")[0], Extra="kept"),
                {"TriggerType": "SaleLost", "Enabled": True}]
    codec.upsert_automation(settings, AutomationRule("SaleSold", False, False, 5, 0))
    assert settings[0] == "not an entity"
    assert settings[1]["Extra"] == "kept" and settings[1]["DefaultCategory"] == 5 and settings[1]["Enabled"] is False
    assert settings[2] == {"TriggerType": "SaleLost", "Enabled": True}
    assert len(settings) == 3


def test_a_rule_for_a_trigger_not_in_the_list_is_appended_once():
    settings = [{"TriggerType": "SaleSold", "Enabled": True}, {"TriggerType": "SaleLost", "Enabled": True}]
    codec.upsert_automation(settings, AutomationRule("SaleRegistered", True, False, 1, 0))
    assert [s["TriggerType"] for s in settings] == ["SaleSold", "SaleLost", "SaleRegistered"]
    assert settings[:2] == [{"TriggerType": "SaleSold", "Enabled": True}, {"TriggerType": "SaleLost", "Enabled": True}]
    codec.upsert_automation(settings, AutomationRule("SaleLost", False, False, 2, 0))
    assert [s["TriggerType"] for s in settings] == ["SaleSold", "SaleLost", "SaleRegistered"]
    assert settings[0] == {"TriggerType": "SaleSold", "Enabled": True}


def test_a_rule_replaces_the_entity_of_its_trigger_as_read_from_json():
    """Settings and rule as an answer and a plan give them: decoded JSON, not the same string objects."""
    settings = json.loads(json.dumps([{"TriggerType": "SaleSold", "Enabled": True, "DefaultCategory": 3}]))
    rule = codec.automation_from_api(json.loads(json.dumps({"TriggerType": "SaleSold", "DefaultCategory": 4})))
    codec.upsert_automation(settings, rule)
    assert settings == [{"TriggerType": "SaleSold", "Enabled": False, "DefaultCategory": 4, "UserConfirmation": False,
                         "LeadstatusId": 0}]


def test_a_distribute_step_is_sent_whole_over_what_was_read():
    base = _sample("step_get")
    step = DistributeStep(step_id=70, flow_id=7, associates=(2,), user_groups=(1, 3), only_unassigned=False,
                          default_associate=2, rank=3)
    sent = codec.distribute_step_to_api(step, base)
    assert sent == dict(base, WorkflowId=7, WorkflowStepId=70, StepType="DistributeToOwner", Rank=3, Associates=[2],
                        UserGroups=[1, 3], OnlyToUnassigned=False, DefaultAssociate=2, DistributeQueue=[2, 1])
    assert base == _sample("step_get")


def test_a_step_sent_without_a_queue_is_sent_an_empty_queue_and_without_a_flow_0():
    sent = codec.distribute_step_to_api(DistributeStep(step_id=70, flow_id=0, associates=(1,)))
    assert sent == {"WorkflowStepId": 70, "StepType": "DistributeToOwner", "Rank": 0, "Associates": [1],
                    "UserGroups": [], "OnlyToUnassigned": True, "DefaultAssociate": 0, "DistributeQueue": []}
    assert codec.distribute_step_to_api(DistributeStep(step_id=70, flow_id=8))["WorkflowId"] == 8


# -- flows -----------------------------------------------------------------------------------------------


def test_only_the_distribute_to_owner_steps_of_a_flow_are_read_in_their_order():
    flow = codec.flow_from_api({"WorkflowId": 7, "Name": "Lead nurturing", "Steps": [
        {"WorkflowStepId": 69, "StepType": "SendEmail"},
        "not a step",
        {"WorkflowStepId": 72, "StepType": "DistributeToOwner", "Associates": [2]},
        {"WorkflowStepId": 71, "StepType": "DistributeToOwner", "Associates": [1]},
    ]}, "flow")
    assert flow.id == 7 and flow.name == "Lead nurturing"
    assert [(s.step_id, s.flow_id, s.associates) for s in flow.distribute_steps] == [(72, 7, (2,)), (71, 7, (1,))]
    assert flow.distribute_step.step_id == 72


def test_a_step_of_a_type_named_before_distribute_to_owner_is_not_a_distribute_step():
    # AddToList: the step type of the reference page's own GetWorkflowStep sample
    flow = codec.flow_from_api({"WorkflowId": 7, "Steps": [{"WorkflowStepId": 68, "StepType": "AddToList"},
                                                           {"WorkflowStepId": 70, "StepType": "DistributeToOwner"}]}, "f")
    assert [s.step_id for s in flow.distribute_steps] == [70]


def test_a_flow_without_steps_or_name_reads_as_empty():
    assert codec.flow_from_api({"WorkflowId": 7}, "flow") == Flow(7, "", ())
    assert codec.flow_from_api({"WorkflowId": 7, "Steps": None}, "flow") == Flow(7, "", ())
    with pytest.raises(ShapeError, match=r"^flow\.Steps: expected list, got dict$"):
        codec.flow_from_api({"WorkflowId": 7, "Steps": {}}, "flow")


def test_a_step_of_a_flow_is_located_in_its_flow():
    with pytest.raises(ShapeError, match=r"^flows\[0\]\.Steps\[1\]\.Rank: expected int, got str$"):
        codec.flow_from_api({"WorkflowId": 7, "Steps": [{"StepType": "SendEmail", "Rank": "x"},
                                                        {"StepType": "DistributeToOwner", "Rank": "x"}]}, "flows[0]")


def test_an_email_flow_is_read_with_the_steps_fetched_whole():
    sample = _sample("flow_get")
    flow = codec.flow_from_email_flow(sample, [_sample("step_get")], "flow 'Lead nurturing'")
    assert flow.id == 7 and flow.name == "Lead nurturing"
    assert [(s.step_id, s.associates, s.default_associate) for s in flow.distribute_steps] == [(70, (1, 2), 1)]
    assert codec.flow_from_email_flow({"EmailFlowId": 8}, []) == Flow(8, "", ())
    with pytest.raises(ShapeError, match=r"^flow\.EmailFlowId: expected int, got str$"):
        codec.flow_from_email_flow({"EmailFlowId": "8"}, [])


# -- the UTM preference ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("1", True), ("true", True), (" True ", True), ("yes", True), ("ON", True), (True, True), (1, True),
    ("0", False), ("false", False), ("", False), ("no", False), ("off", False), ("2", False), (None, False),
])
def test_a_preference_value_is_on_only_for_the_documented_true_spellings(raw, value):
    assert codec.pref_bool(raw) is value


def test_the_documented_preference_reads_as_its_level_and_value():
    assert codec.preference_from_api(_sample("preference")) == ("Database", "1")


def test_a_preference_level_is_read_whatever_its_case():
    assert codec.preference_from_api({"Level": "individual", "RawValue": "0"}) == ("Individual", "0")
    assert codec.preference_from_api({"Level": "SYSTEMWIDE"}) == ("SystemWide", "")


def test_a_preference_without_a_level_is_undefined():
    assert codec.preference_from_api({}) == ("Undefined", "")
    assert codec.preference_from_api({"Level": None, "RawValue": None}) == ("Undefined", "")


def test_an_unknown_preference_level_is_refused():
    with pytest.raises(ShapeError, match=r"^Preference\.Level: unknown preference level 'Company'$"):
        codec.preference_from_api({"Level": "Company", "RawValue": "1"}, "Preference")


@pytest.mark.parametrize("answer, value", [("1", "1"), ("0", "0"), ("", None), ("  ", None), (None, None)])
def test_a_preference_at_a_level_is_a_json_string_and_blank_is_no_value(answer, value):
    assert codec.preference_at_level(answer) == value


@pytest.mark.parametrize("answer, said", [
    ({"RawValue": "1"}, "an object"), (["1"], "an array"), (True, "a boolean"), (1, "a number"), (1.0, "a number"),
])
def test_a_preference_at_a_level_that_is_not_a_string_is_refused_naming_its_json_type(answer, said):
    with pytest.raises(ShapeError) as caught:
        codec.preference_at_level(answer, "the answer")
    assert str(caught.value) == f"the answer: expected a JSON string, got {said}"


class Levels:
    """at_level for resolve_utm: the raw values by level, recording what was asked."""

    def __init__(self, **values):
        self.values, self.asked = values, []

    def __call__(self, level):
        self.asked.append(level)
        return self.values.get(level)


def test_no_value_at_any_level_is_off_and_asks_nothing():
    levels = Levels(Database="1")
    assert codec.resolve_utm(("Undefined", "1"), levels) == (False, "", False)
    assert levels.asked == []


@pytest.mark.parametrize("raw, on", [("1", True), ("0", False)])
def test_a_value_at_database_is_the_tenant_wide_value_and_asks_nothing(raw, on):
    levels = Levels()
    assert codec.resolve_utm(("Database", raw), levels) == (on, "", on)
    assert levels.asked == []


@pytest.mark.parametrize("level", ["Group", "Individual", "PC"])
def test_a_more_specific_level_overrides_the_database_value(level):
    assert codec.resolve_utm((level, "0"), Levels(Database="1")) == (True, level, False)
    assert codec.resolve_utm((level, "1"), Levels(Database="0")) == (False, level, True)


@pytest.mark.parametrize("level", ["SystemWide", "HardDefault"])
def test_a_less_specific_level_that_wins_over_a_database_value_hides_it(level):
    assert codec.resolve_utm((level, "0"), Levels(Database="1")) == (True, level, False)


@pytest.mark.parametrize("level", ["SystemWide", "HardDefault"])
def test_a_less_specific_level_without_a_database_value_is_the_tenant_wide_value(level):
    levels = Levels()
    assert codec.resolve_utm((level, "1"), levels) == (True, "", True)
    assert codec.resolve_utm((level, "0"), Levels()) == (False, "", False)
    assert levels.asked == ["Database"]


def test_an_override_without_a_database_value_is_over_the_system_wide_value():
    levels = Levels(SystemWide="1", HardDefault="0")
    assert codec.resolve_utm(("Individual", "0"), levels) == (True, "Individual", False)
    assert levels.asked[0] == "Database" and "SystemWide" in levels.asked


def test_an_override_without_database_or_system_wide_values_is_over_the_hard_default():
    assert codec.resolve_utm(("PC", "0"), Levels(HardDefault="1")) == (True, "PC", False)
    assert codec.resolve_utm(("PC", "1"), Levels(HardDefault="0")) == (False, "PC", True)


@pytest.mark.parametrize("level", ["Company", "Workstation"])
def test_a_level_the_reference_does_not_list_is_no_override(level):
    assert codec.resolve_utm((level, "1"), Levels()) == (True, "", True)


def test_an_override_with_no_value_below_it_is_over_an_off_tenant_wide_value():
    assert codec.resolve_utm(("Group", "1"), Levels()) == (False, "Group", True)


def test_a_snapshot_utm_preference_at_database_is_the_tenant_wide_value():
    assert codec.utm_from_preferences([_utm("Database", "1")]) == (True, "", True)
    assert codec.utm_from_preferences([_utm("Database", "0")]) == (False, "", False)


def test_a_snapshot_utm_preference_without_a_level_is_at_database():
    pref = _utm("Database", "0")
    del pref["Level"]
    assert codec.utm_from_preferences([pref, _utm("SystemWide", "1")]) == (False, "", False)


def test_a_snapshot_utm_preference_without_a_value_is_off():
    pref = _utm("Database", "1")
    del pref["RawValue"]
    assert codec.utm_from_preferences([pref]) == (False, "", False)


def test_the_closest_snapshot_level_is_the_effective_value():
    prefs = [_utm("Individual", "0"), _utm("Database", "1"), _utm("HardDefault", "0")]
    assert codec.utm_from_preferences(prefs) == (True, "Individual", False)
    assert codec.utm_from_preferences(list(reversed(prefs))) == (True, "Individual", False)
    assert codec.utm_from_preferences([_utm("Group", "0"), _utm("PC", "1"), _utm("Database", "0")]) == (False, "PC", True)


def test_a_snapshot_system_wide_value_hides_or_stands_in_for_the_database_value():
    # SystemWide below Database: when both are there, Database is the closer one
    assert codec.utm_from_preferences([_utm("SystemWide", "0"), _utm("Database", "1")]) == (True, "", True)
    assert codec.utm_from_preferences([_utm("SystemWide", "1"), _utm("HardDefault", "0")]) == (True, "", True)


def test_only_the_mailing_utm_preference_is_utm():
    other_key = {"Specification": {"Section": codec.UTM_SECTION, "Key": "EnableTracking"}, "RawValue": "1", "Level": "PC"}
    other_section = {"Specification": {"Section": "Sale", "Key": codec.UTM_KEY}, "RawValue": "1", "Level": "PC"}
    assert codec.utm_from_preferences([other_key, other_section]) is None
    assert codec.utm_from_preferences([other_section, _utm("Database", "0"), other_key]) == (False, "", False)
    assert codec.utm_from_preferences([{"RawValue": "1", "Level": "PC"}]) is None
    assert codec.utm_from_preferences([]) is None


def test_a_snapshot_utm_value_at_the_undefined_level_is_off():
    """A snapshot file read from disk: its level names are not the codec's own string objects."""
    doc = json.loads(json.dumps({"preferences": [_utm("Undefined", "1")]}))
    tenant = codec.tenant_from_document(doc)
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (False, "", None)


@pytest.mark.parametrize("section, key", [
    ("Alerts", codec.UTM_KEY), ("Sale", codec.UTM_KEY), (codec.UTM_SECTION, "AutoSaveUtm"), (codec.UTM_SECTION, "UtmSource"),
])
def test_a_preference_next_to_the_utm_one_is_not_utm(section, key):
    """Sections and keys that sort before and after Mailing / EnableUTMSaving."""
    other = {"Specification": {"Section": section, "Key": key}, "RawValue": "0", "Level": "PC"}
    prefs = json.loads(json.dumps([other, _utm("Database", "1"), other]))
    assert codec.utm_from_preferences(prefs) == (True, "", True)
    assert codec.utm_from_preferences(json.loads(json.dumps([other]))) is None


def test_a_snapshot_utm_preference_at_an_unknown_level_is_refused():
    with pytest.raises(ShapeError, match=r"^preferences\[1\]\.Level: unknown level 'Company'$"):
        codec.utm_from_preferences([_utm("Database", "1"), _utm("Company", "1")])
    with pytest.raises(ShapeError, match=r"^preferences\[0\]: expected an object, got str$"):
        codec.utm_from_preferences(["Mailing"])


# -- shapes only the Web API uses -------------------------------------------------------------------------


def test_a_user_group_is_named_by_its_value():
    assert [codec.user_group_from_api(x) for x in _sample("user_groups")] == [NamedItem(1, "Sales"),
                                                                              NamedItem(2, "Support")]
    assert codec.user_group_from_api({"Id": 3, "Name": "Snapshot name", "Value": "Other"}).name == "Snapshot name"
    assert codec.user_group_from_api({"Id": 3, "Deleted": True}) == NamedItem(3, "", True)
    with pytest.raises(ShapeError, match=r"^user group: expected an object, got list$"):
        codec.user_group_from_api([])


def test_an_associate_of_the_mdo_list_is_named_by_its_full_name():
    assert codec.associate_from_mdo(_sample("mdo_associate")[1]) == NamedItem(2, "Arne Arnesen", False, "Arne Arnesen")
    assert codec.associate_from_mdo({"Id": 4}) == NamedItem(4, "", False, "")
    assert codec.associate_from_mdo({"Id": 4, "Deleted": True}).deleted is True
    with pytest.raises(ShapeError, match=r"^associate\.Id: missing$"):
        codec.associate_from_mdo({"Name": "Admin Adminson"})


def test_associates_take_the_login_name_of_the_associate_list():
    got = codec.associates_from_api(_sample("mdo_associate"), _sample("associates"))
    assert got == [NamedItem(1, "ADM0", False, "Admin Adminson"), NamedItem(2, "ARNE", False, "Arne Arnesen")]


def test_an_associate_the_list_did_not_answer_keeps_its_full_name():
    mdo = _sample("mdo_associate") + [{"Id": 3, "Name": "Carl Christensen", "Deleted": True}]
    got = codec.associates_from_api(mdo, _sample("associates")[1:])
    assert got == [NamedItem(1, "Admin Adminson", False, "Admin Adminson"), NamedItem(2, "ARNE", False, "Arne Arnesen"),
                   NamedItem(3, "Carl Christensen", True, "Carl Christensen")]
    assert codec.associates_from_api(_sample("mdo_associate"), []) == [
        NamedItem(1, "Admin Adminson", False, "Admin Adminson"), NamedItem(2, "Arne Arnesen", False, "Arne Arnesen")]


def test_an_associate_list_entry_with_blank_names_keeps_the_mdo_names_and_either_deleted_counts():
    carriers = [{"AssociateId": 1, "Name": "", "FullName": None, "Deleted": True},
                {"AssociateId": 2, "Name": "ARNE", "FullName": "Arne B. Arnesen"}]
    mdo = _sample("mdo_associate")
    mdo[1]["Deleted"] = True
    got = codec.associates_from_api(mdo, carriers)
    assert got == [NamedItem(1, "Admin Adminson", True, "Admin Adminson"), NamedItem(2, "ARNE", True, "Arne B. Arnesen")]


def test_an_associate_list_entry_without_deleted_is_not_deleted():
    carriers = [{"AssociateId": 1, "Name": "ADM0", "FullName": "Admin Adminson"}]
    assert codec.associates_from_api(_sample("mdo_associate")[:1], carriers) == [
        NamedItem(1, "ADM0", False, "Admin Adminson")]


def test_a_malformed_associate_list_entry_is_located():
    carriers = _sample("associates")
    carriers[1]["FullName"] = 5
    with pytest.raises(ShapeError, match=r"^associates\.GetAssociateList\[1\]\.FullName: expected str, got int$"):
        codec.associates_from_api(list(reversed(_sample("mdo_associate"))), carriers)
    with pytest.raises(ShapeError, match=r"^associates\.GetAssociateList\[0\]\.AssociateId: missing$"):
        codec.associates_from_api(_sample("mdo_associate"), [{"Name": "ADM0"}])
    with pytest.raises(ShapeError, match=r"^associates\[1\]\.Id: missing$"):
        codec.associates_from_api([{"Id": 1}, {"Name": "x"}], [])


def test_the_selected_ids_of_a_selectable_list_are_sorted():
    assert codec.selected_ids(_sample("category_groups"), "groups") == (1,)
    items = [{"Id": 3, "Selected": True}, {"Id": 1, "Selected": False}, {"Id": 2, "Selected": True}, {"Id": 4}]
    assert codec.selected_ids(items, "groups") == (2, 3)
    assert codec.selected_ids([{"Selected": True}], "groups") == (0,)
    assert codec.selected_ids([], "groups") == ()


def test_a_selectable_list_in_the_wrong_shape_is_refused():
    with pytest.raises(ShapeError, match=r"^groups: expected a list of SelectableMDOListItem$"):
        codec.selected_ids({"Id": 1, "Selected": True}, "groups")
    with pytest.raises(ShapeError, match=r"^groups\[1\]\.Selected: expected bool, got str$"):
        codec.selected_ids([{"Id": 1, "Selected": True}, {"Id": 2, "Selected": "yes"}], "groups")


def test_the_licences_of_the_principal_are_lower_cased_names():
    assert codec.licenses_from_principal(_sample("principal")) == frozenset({"ten-sales"})
    principal = {"Licenses": [{"Name": "Ten-Sales"}, {"Name": ""}, {"Name": None}, {"Name": "MarketingPremium"}]}
    assert codec.licenses_from_principal(principal) == frozenset({"ten-sales", "marketingpremium"})
    assert codec.licenses_from_principal({}) == frozenset()
    with pytest.raises(ShapeError, match=r"^currentPrincipal\.Licenses\[1\]\.Name: expected str, got int$"):
        codec.licenses_from_principal({"Licenses": [{"Name": "a"}, {"Name": 1}]})


# -- a snapshot document ---------------------------------------------------------------------------------


def test_the_snapshot_document_reads_whole():
    tenant = codec.tenant_from_document(_doc())
    assert tenant.context == "Cust12345"
    assert tenant.licenses == frozenset({"salesessentials", "salespremium", "marketingpremium"})
    assert [(c.id, c.user_groups, c.headings) for c in tenant.categories][:4] == [
        (1, (1, 2), (100,)), (2, (1, 2), (100,)), (3, (1, 2, 3), (101,)), (4, (3,), ())]
    assert [s.name for s in tenant.lead_statuses][:2] == ["Open", "Contacting"]
    assert [(g.id, g.name) for g in tenant.user_groups] == [(1, "Sales"), (2, "Marketing"), (3, "Support")]
    assert [(h.id, h.name) for h in tenant.headings] == [(100, "Leads"), (101, "Customers")]
    assert tenant.associates[2] == NamedItem(3, "CARL", True, "Carl Christensen")
    assert tenant.automation == [AutomationRule("SaleSold", True, False, 3, 0),
                                 AutomationRule("LeadStatusChanged", False, True, 2, 3)]
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (True, "", None)
    assert [(f.id, [s.step_id for s in f.distribute_steps]) for f in tenant.flows][0] == (7, [70])
    assert tenant.category_grouping is True
    assert tenant.features == {}


def test_an_empty_snapshot_is_an_empty_tenant():
    tenant = codec.tenant_from_document({})
    assert (tenant.categories, tenant.lead_statuses, tenant.flows, tenant.automation) == ([], [], [], [])
    assert tenant.utm_tracking is None and tenant.licenses == frozenset() and tenant.context == ""
    assert tenant.category_grouping is False and tenant.features == {}
    nulls = codec.tenant_from_document({"categories": None, "category_user_groups": None, "category_list": None,
                                        "features": None})
    assert nulls.categories == [] and nulls.category_grouping is False


def test_a_snapshot_that_is_not_an_object_is_refused():
    with pytest.raises(ShapeError, match="^a snapshot is a JSON object$"):
        codec.tenant_from_document([])


@pytest.mark.parametrize("key", ["categories", "lead_statuses", "licenses", "preferences", "flows"])
def test_a_snapshot_part_that_is_not_a_list_is_refused(key):
    with pytest.raises(ShapeError, match=rf"^{key}: expected a list$"):
        codec.tenant_from_document({key: {"1": {}}})


@pytest.mark.parametrize("key", ["category_user_groups", "category_headings"])
def test_snapshot_links_that_are_not_an_object_are_refused(key):
    with pytest.raises(ShapeError, match=rf"^{key}: expected an object keyed by CategoryId$"):
        codec.tenant_from_document({key: [[1, 2]]})


def test_snapshot_links_are_keyed_by_the_category_id_as_a_string():
    doc = {"categories": [{"CategoryId": 5}, {"CategoryId": 6}], "category_user_groups": {"6": [2]},
           "category_headings": {"5": [100]}}
    tenant = codec.tenant_from_document(doc)
    assert [(c.user_groups, c.headings) for c in tenant.categories] == [((), (100,)), ((2,), ())]


def test_snapshot_parts_are_located_by_index():
    with pytest.raises(ShapeError, match=r"^categories\[1\]\.CategoryId: expected int, got str$"):
        codec.tenant_from_document({"categories": [{"CategoryId": 1}, {"CategoryId": "2"}]})
    with pytest.raises(ShapeError, match=r"^lead_statuses\[1\]\.Name: expected str, got int$"):
        codec.tenant_from_document({"lead_statuses": [{"Id": 1}, {"Id": 2, "Name": 2}]})
    with pytest.raises(ShapeError, match=r"^user_groups\[0\]\.Id: expected int, got str$"):
        codec.tenant_from_document({"user_groups": [{"Id": "1"}]})
    with pytest.raises(ShapeError, match=r"^headings\[0\]\.HeadingId: expected int, got str$"):
        codec.tenant_from_document({"headings": [{"HeadingId": "100"}]})
    with pytest.raises(ShapeError, match=r"^associates\[0\]\.AssociateId: expected int, got str$"):
        codec.tenant_from_document({"associates": [{"AssociateId": "1"}]})
    with pytest.raises(ShapeError, match=r"^category_automation\[0\]\.Enabled: expected bool, got str$"):
        codec.tenant_from_document({"category_automation": [{"Enabled": "yes"}]})
    with pytest.raises(ShapeError, match=r"^flows\[0\]\.WorkflowId: expected int, got str$"):
        codec.tenant_from_document({"flows": [{"WorkflowId": "7"}]})


def test_a_snapshot_that_repeats_an_id_is_refused():
    with pytest.raises(ShapeError, match=r"^categories\[2\]\.CategoryId: id 1 appears twice$"):
        codec.tenant_from_document({"categories": [{"CategoryId": 1}, {"CategoryId": 2}, {"CategoryId": 1}]})
    with pytest.raises(ShapeError, match=r"^lead_statuses\[1\]\.Id: id 3 appears twice$"):
        codec.tenant_from_document({"lead_statuses": [{"Id": 3}, {"Id": 3}]})
    assert len(codec.tenant_from_document({"lead_statuses": [{"Id": 3}, {"Id": 4}]}).lead_statuses) == 2


def test_snapshot_licences_are_lower_cased_names():
    assert codec.tenant_from_document({"licenses": ["MarketingPremium"]}).licenses == frozenset({"marketingpremium"})
    with pytest.raises(ShapeError, match="^licenses: expected a list of licence names$"):
        codec.tenant_from_document({"licenses": ["a", 1]})


def test_the_snapshot_grouping_setting_when_recorded_and_when_not():
    linked = {"categories": [{"CategoryId": 1}], "category_user_groups": {"1": [2]}}
    headed = {"categories": [{"CategoryId": 1}], "category_headings": {"1": [100]}}
    bare = {"categories": [{"CategoryId": 1}], "category_user_groups": {"1": []}}
    assert codec.tenant_from_document(linked).category_grouping is True
    assert codec.tenant_from_document(headed).category_grouping is True
    assert codec.tenant_from_document(bare).category_grouping is False
    assert codec.tenant_from_document(dict(bare, category_list={"UseGroupsAndHeadings": True})).category_grouping is True
    assert codec.tenant_from_document(dict(linked, category_list={"UseGroupsAndHeadings": False})).category_grouping is False
    assert codec.tenant_from_document(dict(linked, category_list={})).category_grouping is True
    assert codec.tenant_from_document(dict(linked, category_list=[])).category_grouping is True
    with pytest.raises(ShapeError, match="^category_list.UseGroupsAndHeadings: expected true or false$"):
        codec.tenant_from_document({"category_list": {"UseGroupsAndHeadings": 1}})


def test_the_snapshot_context_identifier():
    assert codec.tenant_from_document({"ContextIdentifier": "Cust7"}).context == "Cust7"
    with pytest.raises(ShapeError, match="^ContextIdentifier: expected a string$"):
        codec.tenant_from_document({"ContextIdentifier": 7})


def test_a_snapshot_utm_override_is_kept_with_its_effective_value():
    tenant = codec.tenant_from_document({"preferences": [_utm("Database", "1"), _utm("Individual", "0")]})
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (True, "Individual", False)
    tenant = codec.tenant_from_document({"preferences": [_utm("Database", "0")]})
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (False, "", None)


def test_snapshot_features():
    features = {"marketing": "unlicensed", "automation": "missing"}
    assert codec.tenant_from_document({"features": features}).features == features
    assert codec.tenant_from_document({"features": {"marketing": "available"}}).features == {"marketing": "available"}
    for bad in ({"marketing": "on"}, ["marketing"], {1: "available"}):
        with pytest.raises(ShapeError, match="^features: expected an object of available / unlicensed / missing"):
            codec.tenant_from_document({"features": bad})
