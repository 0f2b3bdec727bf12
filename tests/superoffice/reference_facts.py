"""The facts of SuperOffice's REST reference for every route leadconf calls.

Source: the public SuperOfficeDocs/superoffice-docs repository, pages under
docs/en/api/reference/restful/ (the `page` of each route is its file name there; `rest/` and
`agent/` are the two folders). For each route: the method, the path as the page writes it
(relative to /api/v1), the query parameters and request body properties leadconf may send, the
response type and property names, and the page's sample answer with realistic values (the pages'
own samples are lorem ipsum: "sapiente", "Kemmer-Collins").

`extra` lists what leadconf sends or reads beyond the page, each with the quirks.py reading that
justifies it: nothing else may appear. tests/superoffice/test_contract.py checks the client's
requests, the client's reading of these samples, and the emulator's answers against this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RIGHTS = ("TableRight", "FieldProperties")
_RIGHTS = {"TableRight": None, "FieldProperties": {"fieldName": {"FieldRight": None, "FieldType": "System.Int32", "FieldLength": 4}}}

LIST_ENTITY = ("Id", "Name", "Tooltip", "Deleted", "Rank", "IsCustomList", "IsMDOList", "UseGroupsAndHeadings",
               "ListType", "InUseByUserDefinedFields") + RIGHTS
LIST_ITEM = ("Id", "Name", "Tooltip", "Deleted", "UdListDefinitionId", "Rank") + RIGHTS
CATEGORY_ENTITY = ("CategoryId", "Name", "CategoryGroup", "Tooltip", "Rank", "EnableLeadStatus", "CategoryFamilyId",
                   "Deleted") + RIGHTS
SELECTABLE = ("Id", "Name", "ToolTip", "Deleted", "Rank", "Type", "ColorBlock", "IconHint", "Selected", "LastChanged",
              "ChildItems", "ExtraInfo", "StyleHint", "Hidden", "FullName") + RIGHTS
MDO_ITEM = ("Id", "Name", "ToolTip", "Deleted", "Rank", "Type", "ChildItems", "IconHint", "ColorBlock", "ExtraInfo",
            "StyleHint", "FullName") + RIGHTS
AUTOMATION = ("Enabled", "TriggerType", "UserConfirmation", "DefaultCategory", "LeadstatusId") + RIGHTS
PREFERENCE = ("Level", "RawValue", "Specification", "DisplayValue", "DisplayTooltip", "DisplayType", "TabOrder",
              "TargetId", "PrefDescId", "TableName", "UserPreferenceId") + RIGHTS
STEP_BASE = ("WorkflowStepId", "WorkflowId", "StepType", "Rank")
# quirks.py U8: GetWorkflowStep documents WorkflowStepBase only; the Distribute-to-owner carrier is read whole
DISTRIBUTE_CARRIER = ("Associates", "UserGroups", "OnlyToUnassigned", "DefaultAssociate", "DistributeQueue") + RIGHTS


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    path: str  # as the page writes it, relative to /api/v1
    page: str  # file name under docs/en/api/reference/restful/
    response: str  # "object", "array", "string" or "none" (204)
    properties: tuple[str, ...] = ()  # of the object, or of each array element
    query: tuple[str, ...] = ()
    request: tuple[str, ...] | None = None  # body properties; None: no body
    request_shape: str = "object"  # "object", "array of objects", "array of integers"
    extra: tuple[str, ...] = ()  # beyond the page, justified by `quirk`
    quirk: str = ""
    sample: object = None  # the documented answer, realistic values
    status: int = 200

    def matches(self, method: str, path: str) -> bool:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(self.path)) + "$"
        return method == self.method and re.match(pattern, path, re.IGNORECASE) is not None


def _selectable(item_id: int, name: str, selected: bool) -> dict:
    return {"Id": item_id, "Name": name, "ToolTip": "", "Deleted": False, "Rank": item_id, "Type": "", "ColorBlock": 0,
            "IconHint": "", "Selected": selected, "LastChanged": "2024-03-05T14:28:27.4926717+01:00",
            "ChildItems": [], "ExtraInfo": "", "StyleHint": "", "Hidden": False, "FullName": name, **_RIGHTS}


def _mdo(item_id: int, name: str) -> dict:
    return {"Id": item_id, "Name": name, "ToolTip": "", "Deleted": False, "Rank": item_id, "Type": "", "ChildItems": [],
            "IconHint": "", "ColorBlock": 0, "ExtraInfo": "", "StyleHint": "", "FullName": name, **_RIGHTS}


def _list_entity(list_id: int, name: str, list_type: str, links: bool = False) -> dict:
    return {"Id": list_id, "Name": name, "Tooltip": "", "Deleted": False, "Rank": 0, "IsCustomList": False,
            "IsMDOList": True, "UseGroupsAndHeadings": links, "ListType": list_type, "InUseByUserDefinedFields": False,
            **_RIGHTS}


_CATEGORY = {"CategoryId": 12, "Name": "Lead", "CategoryGroup": "PotentialCustomer", "Tooltip": "New leads", "Rank": 1,
             "EnableLeadStatus": True, "CategoryFamilyId": 0, "Deleted": False, **_RIGHTS}
_STATUS = {"Id": 3, "Name": "Contacting", "Tooltip": "Reaching out", "Deleted": False, "UdListDefinitionId": 136,
           "Rank": 2, **_RIGHTS}
_RULE = {"Enabled": True, "TriggerType": "SaleSold", "UserConfirmation": False, "DefaultCategory": 12,
         "LeadstatusId": 0, **_RIGHTS}
_STEP = {"WorkflowStepId": 70, "WorkflowId": 7, "StepType": "DistributeToOwner", "Rank": 2, "Associates": [1, 2],
         "UserGroups": [], "OnlyToUnassigned": True, "DefaultAssociate": 1, "DistributeQueue": [2, 1], **_RIGHTS}

ROUTES: tuple[Route, ...] = (
    Route("principal", "GET", "/User/currentPrincipal", "rest/User/v1User_GetCurrentPrincipal.md", "object", (
        "UserType", "Associate", "AssociateId", "IsPerson", "PersonId", "CountryId", "HomeCountryId", "ContactId",
        "GroupId", "BusinessId", "CategoryId", "ContactOwner", "RoleId", "RoleName", "RoleDescription", "RoleType",
        "Licenses", "FullName", "EMailAddress", "FunctionRights", "EjUserId", "EjAccessLevel", "EjUserStatus",
        "ProvidedCredentials", "SecondaryGroups", "DatabaseContextIdentifier", "UserName"),
        sample={"UserType": "InternalAssociate", "Associate": "ADM0", "AssociateId": 5, "IsPerson": True, "PersonId": 9,
                "CountryId": 578, "HomeCountryId": 578, "ContactId": 2, "GroupId": 1, "BusinessId": 0, "CategoryId": 0,
                "ContactOwner": 0, "RoleId": 1, "RoleName": "Administrator", "RoleDescription": "", "RoleType": "Employee",
                "Licenses": [{"OwnerId": 1, "OwnerName": "SuperOffice", "OwnerDescription": "", "ModuleId": 73,
                              "Name": "ten-sales", "Description": "Sales Premium", "Version": "11.11",
                              "LicenseType": "UserLicense", "ExtraFlags": 1, "ExtraInfo": "set=user,web", "SortOrder": 73,
                              "LicenseNumber": 21, "IsHidden": False, "IsUnrestricted": False,
                              "ExpiryDate": "2027-03-27T00:00:00", **_RIGHTS}],
                "FullName": "Admin Adminson", "EMailAddress": "admin@example.com", "FunctionRights": ["admin-all"],
                "EjUserId": 0, "EjAccessLevel": 0, "EjUserStatus": "Normal", "ProvidedCredentials": [],
                "SecondaryGroups": [], "DatabaseContextIdentifier": "Cust12345", "UserName": "admin@example.com"}),
    Route("lists", "GET", "/List", "rest/List/v1ListEntity_GetListDefinitions.md", "array", LIST_ENTITY,
          query=("includeDeleted",),
          sample=[_list_entity(-64, "Category", "Category"), _list_entity(136, "Lead status", "LeadStatus")]),
    Route("category_list", "GET", "/List/Category", "rest/List_Category/v1CategoryList_GetListDefinition.md", "object",
          LIST_ENTITY + ("_Links",),
          sample=dict(_list_entity(-64, "Category", "Category"), _Links={"Self": "https://example.com/api/v1/List/-64"})),
    Route("category_items", "GET", "/List/Category/Items", "rest/List_Category/v1CategoryList_GetAll.md", "array",
          LIST_ITEM, query=("includeDeleted",),
          sample=[{"Id": 12, "Name": "Lead", "Tooltip": "New leads", "Deleted": False, "UdListDefinitionId": -64,
                   "Rank": 1, **_RIGHTS}]),
    Route("category_get", "POST", "/Agents/List/GetCategoryEntity", "agent/List_Agent/v1ListAgent_GetCategoryEntity.md",
          "object", CATEGORY_ENTITY, query=("categoryEntityId",), sample=_CATEGORY),
    Route("category_save", "POST", "/Agents/List/SaveCategoryEntity",
          "agent/List_Agent/v1ListAgent_SaveCategoryEntity.md", "object", CATEGORY_ENTITY,
          request=CATEGORY_ENTITY[:-2], sample=_CATEGORY),
    Route("category_groups", "GET", "/List/Category/Items/{itemId}/UserGroups",
          "rest/List_Category/v1CategoryList_GetCategoryUserGroupsForListItem.md", "array", SELECTABLE,
          sample=[_selectable(1, "Sales", True), _selectable(2, "Support", False)]),
    Route("category_headings_of", "GET", "/List/Category/Items/{itemId}/Headings",
          "rest/List_Category/v1CategoryList_GetCategoryHeadingsForListItem.md", "array", SELECTABLE,
          sample=[_selectable(100, "Leads", True)]),
    Route("category_groups_put", "PUT", "/List/Category/Items/{itemId}/UserGroups",
          "rest/List_Category/v1CategoryList_PutCategoryUserGroupsForListItem.md", "array", SELECTABLE,
          request=SELECTABLE[:-2], request_shape="array of objects",
          sample=[_selectable(1, "Sales", True), _selectable(2, "Support", True)]),
    Route("category_headings_put", "PUT", "/List/Category/Items/{itemId}/Headings",
          "rest/List_Category/v1CategoryList_PutCategoryHeadingsForListItem.md", "array", SELECTABLE,
          request=SELECTABLE[:-2], request_shape="array of objects", sample=[_selectable(100, "Leads", True)]),
    Route("headings", "GET", "/List/Category/Headings", "rest/List_Category/v1CategoryList_GetCategoryHeadings.md",
          "array", ("HeadingId", "Name", "Tooltip", "Deleted", "Rank", "UdListDefinitionId") + RIGHTS,
          sample=[{"HeadingId": 100, "Name": "Leads", "Tooltip": "", "Deleted": False, "Rank": 1,
                   "UdListDefinitionId": -64, **_RIGHTS}]),
    Route("user_groups", "GET", "/List/UserGroup/Items", "rest/List_UserGroup/v1UserGroupList_GetAllUserGroup.md",
          "array", ("Value", "Tooltip", "Id", "Rank", "Deleted") + RIGHTS, query=("includeDeleted",),
          sample=[{"Value": "Sales", "Tooltip": "", "Id": 1, "Rank": 1, "Deleted": False, **_RIGHTS},
                  {"Value": "Support", "Tooltip": "", "Id": 2, "Rank": 2, "Deleted": False, **_RIGHTS}]),
    Route("status_items", "GET", "/List/{udListDefinitionId}/Items",
          "rest/List_Item/v1ListItemEntity_GetAllFromListDefinition.md", "array", LIST_ITEM, query=("includeDeleted",),
          sample=[_STATUS]),
    Route("status_item", "GET", "/List/{udListDefinitionId}/Items/{id}",
          "rest/List_Item/v1ListItemEntity_GetFromListDefinition.md", "object", LIST_ITEM, sample=_STATUS),
    Route("status_add", "POST", "/List/{udListDefinitionId}/Items",
          "rest/List_Item/v1ListItemEntity_AddFromListDefinition.md", "object", LIST_ITEM, request=LIST_ITEM[:-2],
          sample=dict(_STATUS, Id=4, Name="Nurturing")),
    Route("status_save", "PUT", "/List/{udListDefinitionId}/Items/{id}",
          "rest/List_Item/v1ListItemEntity_SaveFromListDefinition.md", "object", LIST_ITEM, request=LIST_ITEM[:-2],
          sample=_STATUS),
    # The MDO list "associate": Name is the full name (mdo-providers/reference/associate.md's sample)
    Route("mdo_associate", "GET", "/MDOList/associate", "rest/List_MDO/v1MDOList_GetList.md", "array", MDO_ITEM,
          query=("flat",), sample=[_mdo(1, "Admin Adminson"), _mdo(2, "Arne Arnesen")]),
    Route("associates", "POST", "/Agents/Associate/GetAssociateList",
          "agent/Associate_Agent/v1AssociateAgent_GetAssociateList.md", "array",
          ("AssociateId", "Name", "PersonId", "Rank", "Tooltip", "Type", "GroupIdx", "FullName", "FormalName", "Deleted",
           "EjUserId", "UserName") + RIGHTS,
          request=(), request_shape="array of integers", quirk="U9",
          sample=[{"AssociateId": 1, "Name": "ADM0", "PersonId": 9, "Rank": 1, "Tooltip": "", "Type": "InternalAssociate",
                   "GroupIdx": 1, "FullName": "Admin Adminson", "FormalName": "Mr. Admin Adminson", "Deleted": False,
                   "EjUserId": 0, "UserName": "admin@example.com", **_RIGHTS},
                  {"AssociateId": 2, "Name": "ARNE", "PersonId": 10, "Rank": 2, "Tooltip": "", "Type": "InternalAssociate",
                   "GroupIdx": 1, "FullName": "Arne Arnesen", "FormalName": "Mr. Arne Arnesen", "Deleted": False,
                   "EjUserId": 0, "UserName": "arne@example.com", **_RIGHTS}]),
    Route("automation_get", "POST", "/Agents/List/GetAllAutomatedCategoryUpdates",
          "agent/List_Agent/v1ListAgent_GetAllAutomatedCategoryUpdates.md", "array", AUTOMATION, sample=[_RULE]),
    Route("automation_save", "POST", "/Agents/List/SaveAllAutomatedCategoryUpdates",
          "agent/List_Agent/v1ListAgent_SaveAllAutomatedCategoryUpdates.md", "array", AUTOMATION,
          request=("Settings",), sample=[_RULE]),
    Route("preference", "GET", "/Preference/{section}/{key}", "rest/Preference/v1Preference_GetPrefValue.md",
          "object", PREFERENCE,
          sample={"Level": "Database", "RawValue": "1", "Specification": {"Section": "Mailing", "Key": "EnableUTMSaving"},
                  "DisplayValue": "Yes", "DisplayTooltip": "", "DisplayType": "Bool", "TabOrder": None, "TargetId": 0,
                  "PrefDescId": 412, "TableName": "", "UserPreferenceId": 77, **_RIGHTS}),
    Route("preference_at_level", "GET", "/Preference/{section}/{key}/{prefLevel}",
          "rest/Preference/v1Preference_GetPrefValueAtLevel.md", "string", sample="1"),
    Route("preference_set", "PUT", "/Preference/{section}/{key}/{prefLevel}",
          "rest/Preference/v1Preference_SetPrefValueAtLevel.md", "none", query=("value",), status=204),
    Route("mdo_emailflow", "GET", "/MDOList/emailflow", "rest/List_MDO/v1MDOList_GetList.md", "array", MDO_ITEM,
          query=("flat",), sample=[_mdo(7, "Lead nurturing")]),
    Route("flow_get", "POST", "/Agents/Workflow/GetEmailFlow", "agent/Workflow_Agent/v1WorkflowAgent_GetEmailFlow.md",
          "object", (
              "EmailFlowId", "Name", "Description", "Status", "JumpToFinish", "StartOnlyOnce",
              "OverrideConsentSubscription", "FromType", "FromName", "FromAddr", "ReplyToType", "ReplyToAddr",
              "ReplyToName", "SmsSender", "UseGoogleAnalytics", "GaSource", "GaCampaign", "UseTimeframe",
              "SelectedDays", "TimeframeStart", "TimeframeEnd", "UseWorkflowStart", "WorkflowStart",
              "UseEnrollmentEnd", "EnrollmentEnd", "RemoveFromFlows", "TzLocation", "Folder", "Associate",
              "ShipmentType", "Steps", "Triggers", "Goals", "Filter", "BlockLists", "VisibleFor") + RIGHTS,
          query=("emailFlowId",),
          sample={"EmailFlowId": 7, "Name": "Lead nurturing", "Description": "Webinar follow-up", "Status": "Running",
                  "JumpToFinish": False, "StartOnlyOnce": True, "OverrideConsentSubscription": False,
                  "FromType": "FromOnlySpecified", "FromName": "Sales", "FromAddr": "sales@example.com",
                  "ReplyToType": "ReplyToEmpty", "ReplyToAddr": "", "ReplyToName": "", "SmsSender": "",
                  "UseGoogleAnalytics": False, "GaSource": "", "GaCampaign": "", "UseTimeframe": False,
                  "SelectedDays": "None", "TimeframeStart": "", "TimeframeEnd": "", "UseWorkflowStart": False,
                  "WorkflowStart": "", "UseEnrollmentEnd": False, "EnrollmentEnd": "", "RemoveFromFlows": [],
                  "TzLocation": None, "Folder": None, "Associate": None, "ShipmentType": None,
                  "Steps": [{"WorkflowStepId": 69, "WorkflowId": 7, "StepType": "SendEmail", "Rank": 1},
                            {"WorkflowStepId": 70, "WorkflowId": 7, "StepType": "DistributeToOwner", "Rank": 2}],
                  "Triggers": [], "Goals": [], "Filter": None, "BlockLists": [], "VisibleFor": [], **_RIGHTS}),
    Route("step_get", "POST", "/Agents/Workflow/GetWorkflowStep",
          "agent/Workflow_Agent/v1WorkflowAgent_GetWorkflowStep.md", "object", STEP_BASE,
          request=("WorkflowStepId",), extra=DISTRIBUTE_CARRIER, quirk="U8", sample=_STEP),
    Route("step_save", "POST", "/Agents/Workflow/SaveWorkflowStep",
          "agent/Workflow_Agent/v1WorkflowAgent_SaveWorkflowStep.md", "object",
          ("WorkflowStepId", "StepType", "SubSteps") + RIGHTS,
          request=("WorkflowStepId", "StepType", "SubSteps"),
          extra=("WorkflowId", "Rank") + DISTRIBUTE_CARRIER, quirk="U8", sample=dict(_STEP, SubSteps=[])),
)

BY_KEY = {r.key: r for r in ROUTES}


def route_for(method: str, path: str) -> Route:
    """The route a request (path relative to /api/v1) is, the most specific first."""
    for route in sorted(ROUTES, key=lambda r: (r.path.count("{"), -len(r.path))):
        if route.matches(method, path):
            return route
    raise LookupError(f"{method} {path}: not a route of the reference table")


@dataclass
class Seen:
    """What one request sent."""

    route: Route
    query: dict = field(default_factory=dict)
    body: object = None
