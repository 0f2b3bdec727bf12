"""The emulated tenant: raw JSON dicts, seeded from a snapshot document, changed by the API.

It behaves as the documentation says (and, where the docs are silent, in the strictest plausible
way, so that a careless client gets caught):
- soft deletes only; names unique per list ignoring case, deleted items included;
- a body is bound to the whole entity: an omitted field takes its default (CategoryGroup
  Unknown, Rank 0, ...), it is not kept;
- the older PUT /List/Category/Items/{id} resets CategoryGroup and EnableLeadStatus (undocumented;
  the strict reading, so that mixing the two write paths shows);
- a preference written at level Undefined lands at the user's own (Individual) level;
- a feature the tenant is not licensed for answers 403 SoLicenseException (the reference does not
  document the answer; quirks.py U11), one its version lacks answers 404.

`variants` (a set of names in VARIANTS) makes it answer differently from the reference, so that
tests can show that leadconf (and `leadconf doctor`) notice.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone

CATEGORY_LIST_ID = -64  # "Negative numbers indicate TableNumber ... -64 = category"
LEAD_STATUS_LIST_ID = 31  # opaque on purpose: a client must find it through GET /List
USER_GROUP_LIST_ID = -16

CATEGORY_GROUPS = ("Unknown", "Customer", "PotentialCustomer", "Partner", "Lost", "Other")
TRIGGERS = ("None", "SaleRegistered", "SaleSold", "SaleLost", "LeadStatusChanged")
PREF_LEVELS = ("Undefined", "HardDefault", "SystemWide", "Database", "Group", "Individual", "PC")

CATEGORY_FIELDS = {
    "CategoryId": 0, "Name": "", "CategoryGroup": "Unknown", "Tooltip": "", "Rank": 0,
    "EnableLeadStatus": False, "CategoryFamilyId": 0, "Deleted": False,
}
LIST_ITEM_FIELDS = {"Id": 0, "Name": "", "Tooltip": "", "Rank": 0, "Deleted": False}
AUTOMATION_FIELDS = {"Enabled": False, "TriggerType": "None", "UserConfirmation": False, "DefaultCategory": 0, "LeadstatusId": 0}
STEP_FIELDS = {
    "WorkflowStepId": 0, "WorkflowId": 0, "StepType": "None", "Rank": 0, "Associates": [], "UserGroups": [],
    "OnlyToUnassigned": False, "DefaultAssociate": 0, "DistributeQueue": [],
}
RIGHTS = {"TableRight": None, "FieldProperties": {}}
# Answers that differ from the reference (or from a reading in quirks.py), for tests of doctor.
VARIANTS = (
    "preference-at-level-object",   # GET Preference/{s}/{k}/{level} answers a Preference object, not a string
    "associate-mdo-login-name",     # the MDO list "associate" gives the login name as Name
    "no-lead-status-list-type",     # GET /List has no entry with ListType LeadStatus
    "put-ignores-deleted",          # PUT /List/{id}/Items/{id} does not soft-delete
)


class ApiError(Exception):
    """An answer in SuperOffice's error format."""

    def __init__(self, status: int, message: str, error_type: str = "SoException"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _bind(body, fields: dict, what: str) -> dict:
    """Bind a JSON body to a whole entity: omitted fields take their defaults."""
    if body is None:
        raise ApiError(400, "Entity to save is not in request body", "ArgumentNullException")
    if not isinstance(body, dict):
        raise ApiError(400, f"Could not bind the request body to {what}", "SerializationException")
    entity = {}
    for key, default in fields.items():
        value = body.get(key, copy.deepcopy(default))
        if value is None:
            value = copy.deepcopy(default)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ApiError(400, f"{what}.{key}: expected a boolean", "SerializationException")
        if isinstance(default, int) and not isinstance(default, bool) and (isinstance(value, bool) or not isinstance(value, int)):
            raise ApiError(400, f"{what}.{key}: expected an integer", "SerializationException")
        if isinstance(default, str) and not isinstance(value, str):
            raise ApiError(400, f"{what}.{key}: expected a string", "SerializationException")
        if isinstance(default, list) and not (isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            raise ApiError(400, f"{what}.{key}: expected a list of ids", "SerializationException")
        entity[key] = value
    return entity


class TenantState:
    def __init__(self, document: dict | None = None, *, groups_and_headings: bool | None = None, automation: bool = True,
                 variants: set[str] | frozenset[str] = frozenset()):
        doc = copy.deepcopy(document or {})
        unknown = set(variants) - set(VARIANTS)
        if unknown:
            raise ValueError(f"unknown emulator variants {sorted(unknown)}; one of {', '.join(VARIANTS)}")
        self.variants = frozenset(variants)
        features = doc.get("features") or {}
        self.features = dict(features)
        # what the feature endpoints answer: "available", "unlicensed" (403 licence error), "missing" (404)
        self.marketing = features.get("marketing", "available")
        self.automation_state = features.get("automation", "available") if automation else "missing"
        self.context = doc.get("ContextIdentifier") or "Cust12345"
        self.licenses = [str(x).lower() for x in doc.get("licenses") or []]
        self.categories: dict[int, dict] = {}
        for entity in doc.get("categories") or []:
            e = {k: entity.get(k, v) if entity.get(k) is not None else v for k, v in CATEGORY_FIELDS.items()}
            self.categories[e["CategoryId"]] = e
        links_g = doc.get("category_user_groups") or {}
        links_h = doc.get("category_headings") or {}
        self.cat_groups = {int(k): list(v) for k, v in links_g.items()}
        self.cat_headings = {int(k): list(v) for k, v in links_h.items()}
        if groups_and_headings is None:
            # A document that records links comes from a tenant that uses them.
            groups_and_headings = any(links_g.values()) or any(links_h.values())
        self.use_links = bool(groups_and_headings)
        self.lead_statuses: dict[int, dict] = {}
        for item in doc.get("lead_statuses") or []:
            e = {k: item.get(k, v) if item.get(k) is not None else v for k, v in LIST_ITEM_FIELDS.items()}
            self.lead_statuses[e["Id"]] = e
        self.user_groups = [dict({"Tooltip": "", "Rank": 0, "Deleted": False}, **g) for g in doc.get("user_groups") or []]
        self.headings = [dict({"Tooltip": "", "Rank": 0, "Deleted": False, "UdListDefinitionId": CATEGORY_LIST_ID}, **h)
                         for h in doc.get("headings") or []]
        self.associates = [dict({"FullName": "", "Deleted": False}, **a) for a in doc.get("associates") or []]
        self.automation: list[dict] | None = (
            [dict(AUTOMATION_FIELDS, **r) for r in doc.get("category_automation") or []]
            if self.automation_state == "available" else None
        )
        self.prefs: dict[tuple[str, str], dict[str, str]] = {}
        for pref in doc.get("preferences") or []:
            spec = pref.get("Specification") or {}
            key = (spec.get("Section", ""), spec.get("Key", ""))
            self.prefs.setdefault(key, {})[pref.get("Level") or "Database"] = str(pref.get("RawValue", ""))
        self.flows = copy.deepcopy(doc.get("flows") or [])

    # -- the snapshot view ----------------------------------------------------------------------

    def document(self) -> dict:
        cats = list(self.categories.values())
        if self.use_links:
            groups = {str(c["CategoryId"]): list(self.cat_groups.get(c["CategoryId"], [])) for c in cats}
            heads = {str(c["CategoryId"]): list(self.cat_headings.get(c["CategoryId"], [])) for c in cats}
        else:
            groups = {str(k): list(v) for k, v in self.cat_groups.items()}
            heads = {str(k): list(v) for k, v in self.cat_headings.items()}
        prefs = []
        for (section, key), levels in self.prefs.items():
            for level in PREF_LEVELS:
                if level in levels:
                    prefs.append({"Specification": {"Section": section, "Key": key}, "RawValue": levels[level], "Level": level})
        return {
            "format": "leadconf-snapshot/1",
            "ContextIdentifier": self.context,
            "licenses": list(self.licenses),
            "categories": copy.deepcopy(cats),
            "category_user_groups": groups,
            "category_headings": heads,
            "lead_statuses": copy.deepcopy(list(self.lead_statuses.values())),
            "user_groups": copy.deepcopy(self.user_groups),
            "headings": copy.deepcopy(self.headings),
            "associates": copy.deepcopy(self.associates),
            "category_automation": copy.deepcopy(self.automation or []),
            "preferences": prefs,
            "flows": copy.deepcopy(self.flows),
            **({"features": dict(self.features)} if self.features else {}),
        }

    # -- lists ----------------------------------------------------------------------------------

    def list_definitions(self) -> list[dict]:
        def entity(list_id, name, list_type, links=False, custom=False):
            return {"Id": list_id, "Name": name, "Tooltip": "", "Deleted": False, "Rank": 0, "IsCustomList": custom,
                    "IsMDOList": True, "UseGroupsAndHeadings": links, "ListType": list_type,
                    "InUseByUserDefinedFields": False, **RIGHTS}

        # decoys around the two lists that matter, so that a client has to look them up
        return [
            entity(-12, "Business", "Business"),
            entity(CATEGORY_LIST_ID, "Category", "Category", self.use_links),
            entity(-22, "Country", "Country"),
            entity(LEAD_STATUS_LIST_ID, "Lead status",
                   "udlist" if "no-lead-status-list-type" in self.variants else "LeadStatus"),
            entity(7, "Supplier rating", "udlist", custom=True),
        ]

    def resolve_list(self, ref: str) -> str:
        low = ref.lower()
        if low in ("category", str(CATEGORY_LIST_ID)):
            return "category"
        if low in ("leadstatus", str(LEAD_STATUS_LIST_ID)):
            return "leadstatus"
        if low in ("usergroup", str(USER_GROUP_LIST_ID)):
            return "usergroup"
        raise ApiError(404, f"List {ref!r} not found", "SoNotFoundException")

    # -- categories -----------------------------------------------------------------------------

    def category_entity(self, cid: int) -> dict:
        e = self.categories.get(cid)
        if e is None:
            raise ApiError(404, f"CategoryEntity id {cid} not found", "SoNotFoundException")
        return dict(e, **RIGHTS)

    def category_item(self, e: dict) -> dict:
        return {"Id": e["CategoryId"], "Name": e["Name"], "Tooltip": e["Tooltip"], "Deleted": e["Deleted"],
                "UdListDefinitionId": CATEGORY_LIST_ID, "Rank": e["Rank"], **RIGHTS}

    def save_category(self, body) -> dict:
        e = _bind(body, CATEGORY_FIELDS, "CategoryEntity")
        if e["CategoryGroup"] not in CATEGORY_GROUPS:
            raise ApiError(400, f"CategoryEntity.CategoryGroup: unknown value {e['CategoryGroup']!r}", "SerializationException")
        cid = e["CategoryId"]
        if cid and cid not in self.categories:
            raise ApiError(404, f"CategoryEntity id {cid} not found", "SoNotFoundException")
        self._check_name(e["Name"], self.categories.values(), "CategoryId", cid, "Category")
        created = not cid
        if created:
            cid = e["CategoryId"] = max(self.categories, default=0) + 1
            if self.use_links:
                # "a newly added item will automatically be visible to all the user groups"
                self.cat_groups[cid] = [g["Id"] for g in self.user_groups if not g.get("Deleted")]
        self.categories[cid] = e
        return self.category_entity(cid)

    def put_category_item(self, cid: int, body) -> dict:
        """The older generic path: it knows nothing of group or lead flag, and resets them."""
        item = _bind(body, LIST_ITEM_FIELDS, "ListItemEntity")
        if cid not in self.categories:
            raise ApiError(404, f"Category id {cid} not found", "SoNotFoundException")
        self._check_name(item["Name"], self.categories.values(), "CategoryId", cid, "Category")
        e = self.categories[cid]
        e.update(Name=item["Name"], Tooltip=item["Tooltip"], Rank=item["Rank"], Deleted=item["Deleted"],
                 CategoryGroup="Unknown", EnableLeadStatus=False)
        return self.category_item(e)

    def add_category_item(self, body) -> dict:
        item = _bind(body, LIST_ITEM_FIELDS, "ListItemEntity")
        return self.category_item(self.categories[self.save_category(
            {"Name": item["Name"], "Tooltip": item["Tooltip"], "Rank": item["Rank"], "Deleted": item["Deleted"]})["CategoryId"]])

    def links(self, cid: int, kind: str) -> list[dict]:
        if cid not in self.categories:
            raise ApiError(404, f"Category id {cid} not found", "SoNotFoundException")
        pool = self.user_groups if kind == "groups" else self.headings
        id_key = "Id" if kind == "groups" else "HeadingId"
        chosen = (self.cat_groups if kind == "groups" else self.cat_headings).get(cid, [])
        return [
            {"Id": x[id_key], "Name": x["Name"], "ToolTip": x.get("Tooltip", ""), "Deleted": x.get("Deleted", False),
             "Rank": x.get("Rank", 0), "Type": "", "ColorBlock": 0, "IconHint": "", "Selected": x[id_key] in chosen,
             "LastChanged": _now(), "ChildItems": [], "ExtraInfo": "", "StyleHint": "", "Hidden": False,
             "FullName": x["Name"], **RIGHTS}
            for x in pool
        ]

    def set_links(self, cid: int, kind: str, body) -> list[dict]:
        if cid not in self.categories:
            raise ApiError(404, f"Category id {cid} not found", "SoNotFoundException")
        if not isinstance(body, list):
            raise ApiError(400, "Expected an array of SelectableMDOListItem", "SerializationException")
        pool = self.user_groups if kind == "groups" else self.headings
        known = {x["Id" if kind == "groups" else "HeadingId"] for x in pool}
        chosen = []
        for entry in body:
            if not isinstance(entry, dict) or not isinstance(entry.get("Id"), int) or not isinstance(entry.get("Selected", False), bool):
                raise ApiError(400, "Could not bind SelectableMDOListItem", "SerializationException")
            if entry["Id"] not in known:
                raise ApiError(400, f"Unknown id {entry['Id']}", "SoNotFoundException")
            if entry.get("Selected"):
                chosen.append(entry["Id"])
        # the array is the whole truth: what it leaves out is not selected
        (self.cat_groups if kind == "groups" else self.cat_headings)[cid] = chosen
        return self.links(cid, kind)

    # -- lead statuses --------------------------------------------------------------------------

    def status_item(self, e: dict) -> dict:
        return dict(e, UdListDefinitionId=LEAD_STATUS_LIST_ID, **RIGHTS)

    def get_status(self, sid: int) -> dict:
        e = self.lead_statuses.get(sid)
        if e is None:
            raise ApiError(404, f"List item id {sid} not found", "SoNotFoundException")
        return self.status_item(e)

    def add_status(self, body) -> dict:
        e = _bind(body, LIST_ITEM_FIELDS, "ListItemEntity")
        self._check_name(e["Name"], self.lead_statuses.values(), "Id", 0, "Lead status")
        e["Id"] = max(self.lead_statuses, default=0) + 1
        self.lead_statuses[e["Id"]] = e
        return self.status_item(e)

    def put_status(self, sid: int, body) -> dict:
        e = _bind(body, LIST_ITEM_FIELDS, "ListItemEntity")
        if sid not in self.lead_statuses:
            raise ApiError(404, f"List item id {sid} not found", "SoNotFoundException")
        self._check_name(e["Name"], self.lead_statuses.values(), "Id", sid, "Lead status")
        e["Id"] = sid
        if "put-ignores-deleted" in self.variants:
            e["Deleted"] = self.lead_statuses[sid]["Deleted"]
        self.lead_statuses[sid] = e
        return self.status_item(e)

    def delete_item(self, kind: str, item_id: int):
        table = self.categories if kind == "category" else self.lead_statuses
        if item_id not in table:
            raise ApiError(404, f"List item id {item_id} not found", "SoNotFoundException")
        table[item_id]["Deleted"] = True

    def _check_name(self, name, entities, id_key, own_id, what):
        if not name.strip():
            raise ApiError(400, f"{what}: the name is required", "SoValidationException")
        for other in entities:
            if other[id_key] != own_id and other["Name"].casefold() == name.casefold():
                state = " (deleted)" if other.get("Deleted") else ""
                raise ApiError(
                    400,
                    f"{what} {name!r} already exists{state}: names must be unique in a list, deleted items included",
                    "SoDuplicateException",
                )

    # -- user groups, headings, associates ------------------------------------------------------

    def user_group_items(self, include_deleted: bool) -> list[dict]:
        return [{"Value": g["Name"], "Tooltip": g.get("Tooltip", ""), "Id": g["Id"], "Rank": g.get("Rank", 0),
                 "Deleted": g.get("Deleted", False), **RIGHTS}
                for g in self.user_groups if include_deleted or not g.get("Deleted")]

    def heading_items(self) -> list[dict]:
        return [dict(h, **RIGHTS) for h in self.headings]

    @staticmethod
    def mdo_item(item_id, name, full_name="", deleted=False, rank=0) -> dict:
        """An MDOListItem (page v1MDOList_GetList): no Selected, LastChanged or Hidden, unlike the
        SelectableMDOListItem of the links."""
        return {"Id": item_id, "Name": name, "ToolTip": "", "Deleted": deleted, "Rank": rank, "Type": "",
                "ChildItems": [], "IconHint": "", "ColorBlock": 0, "ExtraInfo": "", "StyleHint": "",
                "FullName": full_name or name, **RIGHTS}

    def mdo_list(self, name: str) -> list[dict]:
        name = name.lower()
        if name == "associate":
            # the reference's sample (mdo-providers/reference/associate.md) shows the full name as Name
            login = "associate-mdo-login-name" in self.variants
            return [self.mdo_item(a["AssociateId"], a["Name"] if login else (a.get("FullName") or a["Name"]),
                                  a.get("FullName", ""), a.get("Deleted", False), i)
                    for i, a in enumerate(self.associates)]
        if name == "emailflow":
            self.require_marketing()
            return [self.mdo_item(f["WorkflowId"], f["Name"], rank=i) for i, f in enumerate(self.flows)]
        if name == "leadstatus":
            return [self.mdo_item(s["Id"], s["Name"], deleted=s["Deleted"], rank=s["Rank"]) for s in self.lead_statuses.values()]
        raise ApiError(404, f"MDO list {name!r} not found", "SoNotFoundException")

    def associate_list(self, body) -> list[dict]:
        """POST Agents/Associate/GetAssociateList: the Associate carriers of the ids in the body."""
        if not isinstance(body, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in body):
            raise ApiError(400, "associateIds: expected an array of integers", "SerializationException")
        by_id = {a["AssociateId"]: a for a in self.associates}
        return [{"AssociateId": i, "Name": by_id[i]["Name"], "PersonId": i, "Rank": n, "Tooltip": "",
                 "Type": "InternalAssociate", "GroupIdx": 1, "FullName": by_id[i].get("FullName", ""),
                 "FormalName": by_id[i].get("FullName", ""), "Deleted": by_id[i].get("Deleted", False),
                 "EjUserId": 0, "UserName": by_id[i]["Name"], **RIGHTS}
                for n, i in enumerate(body) if i in by_id]

    def principal(self) -> dict:
        return {
            "UserType": "InternalAssociate", "Associate": "ADMIN", "AssociateId": 1, "IsPerson": True,
            "PersonId": 1, "CountryId": 578, "HomeCountryId": 578, "ContactId": 1, "GroupId": 1, "BusinessId": 0,
            "CategoryId": 0, "ContactOwner": 0, "RoleId": 1, "RoleName": "Administrator", "RoleDescription": "",
            "RoleType": "Employee",
            "Licenses": [{"OwnerId": 1, "OwnerName": "SuperOffice", "OwnerDescription": "", "ModuleId": i + 1, "Name": name,
                          "Description": name, "Version": "", "LicenseType": "Named", "ExtraFlags": 0, "ExtraInfo": "",
                          "SortOrder": i, "LicenseNumber": 0, "IsHidden": False, "IsUnrestricted": False,
                          "ExpiryDate": "2099-12-31T00:00:00", **RIGHTS} for i, name in enumerate(self.licenses)],
            "FullName": "Admin", "EMailAddress": "admin@example.com", "FunctionRights": [], "EjUserId": 0,
            "EjAccessLevel": 0, "EjUserStatus": "Normal", "ProvidedCredentials": [], "SecondaryGroups": [],
            "DatabaseContextIdentifier": self.context, "UserName": "admin",
        }

    def require_marketing(self):
        if self.marketing == "unlicensed":
            raise ApiError(403, "This feature requires a Marketing Premium licence", "SoLicenseException")

    # -- automation -----------------------------------------------------------------------------

    def _require_automation(self):
        if self.automation_state == "unlicensed":
            raise ApiError(403, "Category automation requires a Sales Premium licence", "SoLicenseException")
        if self.automation is None:
            raise ApiError(404, "No such method", "NotFound")

    def get_automation(self) -> list[dict]:
        self._require_automation()
        return [dict(r, **RIGHTS) for r in self.automation]

    def save_automation(self, body) -> list[dict]:
        self._require_automation()
        if not isinstance(body, dict) or not isinstance(body.get("Settings"), list):
            raise ApiError(400, "Settings is not in request body", "ArgumentNullException")
        rules = [_bind(r, AUTOMATION_FIELDS, "AutomatedCategoryUpdate") for r in body["Settings"]]
        triggers = [r["TriggerType"] for r in rules]
        for r in rules:
            if r["TriggerType"] not in TRIGGERS:
                raise ApiError(400, f"Unknown TriggerType {r['TriggerType']!r}", "SerializationException")
            if r["DefaultCategory"] and r["DefaultCategory"] not in self.categories:
                raise ApiError(400, f"Category id {r['DefaultCategory']} not found", "SoNotFoundException")
            if r["LeadstatusId"] and r["LeadstatusId"] not in self.lead_statuses:
                raise ApiError(400, f"Lead status id {r['LeadstatusId']} not found", "SoNotFoundException")
        if len(set(triggers)) != len(triggers):
            raise ApiError(400, "Duplicate trigger type: one setting per trigger", "SoDuplicateException")
        self.automation = rules
        return self.get_automation()

    # -- preferences ----------------------------------------------------------------------------

    def pref(self, section: str, key: str, level: str | None):
        """GET Preference/{s}/{k}: a Preference object, the value closest to the user and its Level.
        GET Preference/{s}/{k}/{level}: "Response: string" (v1Preference_GetPrefValueAtLevel), ""
        when nothing is set at that level (undocumented; quirks.py U2)."""
        levels = self._pref_levels(section, key)
        if level is None:  # "the value defined closest to the user"
            found = next(((lv, levels[lv]) for lv in reversed(PREF_LEVELS) if lv in levels), None)
        else:
            level = self._level(level)
            if level == "Undefined":
                return self.pref(section, key, None)["RawValue"]
            found = (level, levels[level]) if level in levels else None
            if "preference-at-level-object" not in self.variants:
                return found[1] if found else ""
        lv, raw = found if found else ("Undefined", "")
        return {"Level": lv, "RawValue": raw, "Specification": {"Section": section, "Key": key}, "DisplayValue": raw,
                "DisplayTooltip": "", "DisplayType": "Bool", "TabOrder": None, "TargetId": 0, "PrefDescId": 0,
                "TableName": "", "UserPreferenceId": 0, **RIGHTS}

    def set_pref(self, section: str, key: str, level: str, value: str | None):
        if value is None:
            raise ApiError(400, "The value parameter is required", "ArgumentNullException")
        level = self._level(level)
        if level == "Undefined":
            level = "Individual"  # "0 or Undefined = the level closest to the user"
        self._pref_levels(section, key, create=True)[level] = value

    def _pref_levels(self, section, key, create=False) -> dict:
        for (s, k), levels in self.prefs.items():
            if s.lower() == section.lower() and k.lower() == key.lower():
                return levels
        if create:
            return self.prefs.setdefault((section, key), {})
        return {}

    @staticmethod
    def _level(level: str) -> str:
        if level.isdigit() and int(level) < len(PREF_LEVELS):
            return PREF_LEVELS[int(level)]
        for lv in PREF_LEVELS:
            if lv.lower() == level.lower():
                return lv
        raise ApiError(400, f"Unknown preference level {level!r}", "SerializationException")

    # -- flows ----------------------------------------------------------------------------------

    def email_flow(self, fid: int) -> dict:
        self.require_marketing()
        for f in self.flows:
            if f["WorkflowId"] == fid:
                steps = [{"WorkflowStepId": s["WorkflowStepId"], "WorkflowId": s.get("WorkflowId", fid),
                          "StepType": s.get("StepType", "None"), "Rank": s.get("Rank", 0)} for s in f.get("Steps") or []]
                return {"EmailFlowId": fid, "Name": f["Name"], "Description": "", "Status": "Running",
                        "JumpToFinish": False, "StartOnlyOnce": True, "OverrideConsentSubscription": False,
                        "FromType": "FromOnlySpecified", "FromName": "", "FromAddr": "", "ReplyToType": "ReplyToEmpty",
                        "ReplyToAddr": "", "ReplyToName": "", "SmsSender": "", "UseGoogleAnalytics": False,
                        "GaSource": "", "GaCampaign": "", "UseTimeframe": False, "SelectedDays": "None",
                        "TimeframeStart": "", "TimeframeEnd": "", "UseWorkflowStart": False, "WorkflowStart": "",
                        "UseEnrollmentEnd": False, "EnrollmentEnd": "", "RemoveFromFlows": [], "TzLocation": None,
                        "Folder": None, "Associate": None, "ShipmentType": None,
                        "Steps": steps, "Triggers": [], "Goals": [], "Filter": None, "BlockLists": [],
                        "VisibleFor": [], **RIGHTS}
        raise ApiError(404, f"EmailFlow id {fid} not found", "SoNotFoundException")

    def _find_step(self, step_id):
        for f in self.flows:
            for i, s in enumerate(f.get("Steps") or []):
                if s.get("WorkflowStepId") == step_id:
                    return f, i
        raise ApiError(404, f"WorkflowStep id {step_id} not found", "SoNotFoundException")

    def workflow_step(self, body) -> dict:
        self.require_marketing()
        if not isinstance(body, dict) or not isinstance(body.get("WorkflowStepId"), int):
            raise ApiError(400, "WorkflowStepId is not in request body", "ArgumentNullException")
        f, i = self._find_step(body["WorkflowStepId"])
        return dict(f["Steps"][i], **RIGHTS)

    def save_step(self, body) -> dict:
        self.require_marketing()
        if not isinstance(body, dict) or not body.get("WorkflowStepId"):
            raise ApiError(400, "Only existing steps can be saved here", "ArgumentException")
        f, i = self._find_step(body["WorkflowStepId"])
        if f["Steps"][i].get("StepType") == "DistributeToOwner":
            step = _bind(body, STEP_FIELDS, "WorkflowStepDistributeToOwner")
        else:
            step = _bind(body, {k: STEP_FIELDS[k] for k in ("WorkflowStepId", "WorkflowId", "StepType", "Rank")}, "WorkflowStep")
        f["Steps"][i] = step
        # the documented answer is a WorkflowStep (WorkflowStepId, StepType, SubSteps); the rest is the
        # concrete step type's carrier, as GetWorkflowStep gives it (quirks.py U8)
        return dict(step, SubSteps=[], **RIGHTS)
