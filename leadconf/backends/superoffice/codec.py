"""SuperOffice JSON shapes <-> the tenant model.

The snapshot file and the REST backend both speak the API's field names; this module is the one
place that knows them. Reading is forgiving about missing fields (the API's defaults apply), strict
about wrong types (a snapshot or a response in the wrong shape is an error, never a guess).
"""

from __future__ import annotations

from leadconf.model.tenant import (
    AutomationRule,
    Category,
    DistributeStep,
    Flow,
    LeadStatus,
    NamedItem,
    Tenant,
)
from leadconf.vocabulary import API_TO_GROUP

CATEGORY_GROUPS = tuple(API_TO_GROUP)  # the API's CategoryGroup values (Unknown = none)
UTM_SECTION, UTM_KEY = "Mailing", "EnableUTMSaving"
PREF_LEVELS = ("Undefined", "HardDefault", "SystemWide", "Database", "Group", "Individual", "PC")
TENANT_LEVEL = "Database"  # where leadconf reads and writes the tenant-wide value
FEATURE_STATES = ("available", "unlicensed", "missing")


class ShapeError(ValueError):
    """A JSON value that is not in the shape the API documents. The message says where."""


def _get(obj, key, kind, where, default=None):
    if not isinstance(obj, dict):
        raise ShapeError(f"{where}: expected an object, got {type(obj).__name__}")
    value = obj.get(key, default)
    if value is None:
        return default
    if kind is int and isinstance(value, bool):
        raise ShapeError(f"{where}.{key}: expected an integer, got a boolean")
    if kind is float:
        kind = (int, float)
    if not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else "number"
        raise ShapeError(f"{where}.{key}: expected {want}, got {type(value).__name__}")
    return value


def require_int(obj, key: str, where: str) -> int:
    """A mandatory integer field (an id), or ShapeError."""
    value = _get(obj, key, int, where)
    if value is None:
        raise ShapeError(f"{where}.{key}: missing")
    return value


def _ids(value, where) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ShapeError(f"{where}: expected a list of integer ids")
    return tuple(value)


# -- categories -----------------------------------------------------------------------------------

def category_from_api(entity: dict, where: str = "category", user_groups=None, headings=None) -> Category:
    group = _get(entity, "CategoryGroup", str, where, "Unknown")
    if group not in CATEGORY_GROUPS:
        raise ShapeError(f"{where}.CategoryGroup: unknown group {group!r}")
    return Category(
        id=_get(entity, "CategoryId", int, where),
        name=_get(entity, "Name", str, where, ""),
        group=group,
        tooltip=_get(entity, "Tooltip", str, where, ""),
        rank=_get(entity, "Rank", int, where, 0),
        enable_lead_status=_get(entity, "EnableLeadStatus", bool, where, False),
        deleted=_get(entity, "Deleted", bool, where, False),
        family_id=_get(entity, "CategoryFamilyId", int, where, 0),
        user_groups=_ids(user_groups, f"{where}.UserGroups"),
        headings=_ids(headings, f"{where}.Headings"),
    )


def category_to_api(item: Category, base: dict | None = None) -> dict:
    """The complete CategoryEntity to send: what was last read, with our fields applied.

    SuperOffice binds a body to the whole entity, so a field left out would take its default.
    """
    entity = dict(base or {})
    entity.update(
        CategoryId=item.id or 0,
        Name=item.name,
        CategoryGroup=item.group,
        Tooltip=item.tooltip,
        Rank=item.rank,
        EnableLeadStatus=item.enable_lead_status,
        CategoryFamilyId=item.family_id,
        Deleted=item.deleted,
    )
    return entity


# -- generic list items (lead statuses, user groups) ----------------------------------------------

def lead_status_from_api(item: dict, where: str = "lead status") -> LeadStatus:
    return LeadStatus(
        id=_get(item, "Id", int, where),
        name=_get(item, "Name", str, where, ""),
        tooltip=_get(item, "Tooltip", str, where, ""),
        rank=_get(item, "Rank", int, where, 0),
        deleted=_get(item, "Deleted", bool, where, False),
    )


def lead_status_to_api(item: LeadStatus, base: dict | None = None) -> dict:
    entity = dict(base or {})
    entity.update(Id=item.id or 0, Name=item.name, Tooltip=item.tooltip, Rank=item.rank, Deleted=item.deleted)
    return entity


def named_from_api(item: dict, id_key: str, where: str) -> NamedItem:
    return NamedItem(
        id=_get(item, id_key, int, where),
        name=_get(item, "Name", str, where, ""),
        deleted=_get(item, "Deleted", bool, where, False),
        full_name=_get(item, "FullName", str, where, ""),
    )


# -- category automation --------------------------------------------------------------------------

def automation_from_api(item: dict, where: str = "automation") -> AutomationRule:
    trigger = _get(item, "TriggerType", str, where, "None")
    return AutomationRule(
        trigger=trigger,
        enabled=_get(item, "Enabled", bool, where, False),
        user_confirmation=_get(item, "UserConfirmation", bool, where, False),
        category_id=_get(item, "DefaultCategory", int, where, 0),
        lead_status_id=_get(item, "LeadstatusId", int, where, 0),
    )


def automation_to_api(rule: AutomationRule, base: dict | None = None) -> dict:
    entity = dict(base or {})
    entity.update(
        Enabled=rule.enabled,
        TriggerType=rule.trigger,
        UserConfirmation=rule.user_confirmation,
        DefaultCategory=rule.category_id,
        LeadstatusId=rule.lead_status_id,
    )
    return entity


def upsert_automation(settings: list, rule: AutomationRule) -> None:
    """Put `rule` into a list of AutomatedCategoryUpdate entities, in place: over the entity of its
    trigger (its other fields kept), else appended. The snapshot file and SaveAutomationSettings
    both hold the settings this way."""
    for i, entity in enumerate(settings):
        if isinstance(entity, dict) and entity.get("TriggerType") == rule.trigger:
            settings[i] = automation_to_api(rule, entity)
            return
    settings.append(automation_to_api(rule))


# -- flows ----------------------------------------------------------------------------------------

def distribute_step_from_api(step: dict, where: str, flow_id: int = 0) -> DistributeStep:
    """`flow_id`: the flow the step was read in, for a step that leaves its WorkflowId out."""
    return DistributeStep(
        step_id=_get(step, "WorkflowStepId", int, where, 0),
        flow_id=_get(step, "WorkflowId", int, where, flow_id),
        associates=_ids(step.get("Associates"), f"{where}.Associates"),
        user_groups=_ids(step.get("UserGroups"), f"{where}.UserGroups"),
        only_unassigned=_get(step, "OnlyToUnassigned", bool, where, True),
        default_associate=_get(step, "DefaultAssociate", int, where, 0),
        rank=_get(step, "Rank", int, where, 0),
    )


def distribute_step_to_api(step: DistributeStep, base: dict | None = None) -> dict:
    entity = dict(base or {})
    if step.flow_id:  # 0 = not known: never move the step to a flow 0 the server did not name
        entity["WorkflowId"] = step.flow_id
    entity.update(
        WorkflowStepId=step.step_id,
        StepType="DistributeToOwner",
        Rank=step.rank,
        Associates=list(step.associates),
        UserGroups=list(step.user_groups),
        OnlyToUnassigned=step.only_unassigned,
        DefaultAssociate=step.default_associate,
    )
    entity.setdefault("DistributeQueue", [])
    return entity


def flow_from_api(flow: dict, where: str) -> Flow:
    steps = _get(flow, "Steps", list, where, [])
    flow_id = _get(flow, "WorkflowId", int, where)
    distribute = tuple(
        distribute_step_from_api(s, f"{where}.Steps[{i}]", flow_id)
        for i, s in enumerate(steps)
        if isinstance(s, dict) and s.get("StepType") == "DistributeToOwner"
    )
    return Flow(id=flow_id, name=_get(flow, "Name", str, where, ""), distribute_steps=distribute)


# -- preferences ----------------------------------------------------------------------------------

def pref_bool(raw) -> bool:
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def utm_from_preferences(prefs: list, where: str = "preferences") -> tuple[bool, str, bool] | None:
    """A snapshot's UTM preference values (one entry per level): resolved as the Web API resolves them."""
    levels: dict[str, str] = {}
    for i, pref in enumerate(prefs):
        spec = _get(pref, "Specification", dict, f"{where}[{i}]", {})
        if spec.get("Section") == UTM_SECTION and spec.get("Key") == UTM_KEY:
            level = _get(pref, "Level", str, f"{where}[{i}]", TENANT_LEVEL)
            if level not in PREF_LEVELS:
                raise ShapeError(f"{where}[{i}].Level: unknown level {level!r}")
            levels[level] = str(pref.get("RawValue", ""))
    if not levels:
        return None
    closest = max(levels, key=PREF_LEVELS.index)
    return resolve_utm((closest, levels[closest]), levels.get)


# -- shapes that only the Web API uses (the snapshot stores the simpler forms above) --------------

def user_group_from_api(item: dict, where: str = "user group") -> NamedItem:
    """GET /List/UserGroup/Items gives the name as "Value"; the snapshot stores "Name"."""
    if isinstance(item, dict) and "Name" not in item and "Value" in item:
        item = dict(item, Name=item["Value"])
    return named_from_api(item, "Id", where)


def associate_from_mdo(item: dict, where: str = "associate") -> NamedItem:
    """An item of the MDO list "associate": Id, Name (the full name, as the reference's sample shows)."""
    full = _get(item, "Name", str, where, "")
    return NamedItem(id=require_int(item, "Id", where), name=full, full_name=full,
                     deleted=_get(item, "Deleted", bool, where, False))


def associates_from_api(mdo_items: list, carriers: list, where: str = "associates") -> list[NamedItem]:
    """The MDO list's associates, with the login name (Associate.Name) and FullName of the carriers
    that POST Agents/Associate/GetAssociateList answered (U9). One it did not answer keeps its full
    name as its only name."""
    by_id = {}
    for i, carrier in enumerate(carriers):
        by_id[require_int(carrier, "AssociateId", f"{where}.GetAssociateList[{i}]")] = (carrier, i)
    out = []
    for i, item in enumerate(mdo_items):
        listed = associate_from_mdo(item, f"{where}[{i}]")
        carrier, j = by_id.get(listed.id, (None, 0))
        if carrier is None:
            out.append(listed)
            continue
        at = f"{where}.GetAssociateList[{j}]"
        out.append(NamedItem(
            id=listed.id,
            name=_get(carrier, "Name", str, at, "") or listed.name,
            full_name=_get(carrier, "FullName", str, at, "") or listed.full_name,
            deleted=_get(carrier, "Deleted", bool, at, False) or listed.deleted,
        ))
    return out


def selected_ids(items, where: str) -> tuple[int, ...]:
    """The ids of the Selected entries of a SelectableMDOListItem array, sorted."""
    if not isinstance(items, list):
        raise ShapeError(f"{where}: expected a list of SelectableMDOListItem")
    ids = []
    for i, entry in enumerate(items):
        if _get(entry, "Selected", bool, f"{where}[{i}]", False):
            ids.append(_get(entry, "Id", int, f"{where}[{i}]", 0))
    return tuple(sorted(ids))


def licenses_from_principal(principal: dict, where: str = "currentPrincipal") -> frozenset[str]:
    """The licence names of GET /User/currentPrincipal (Licenses[].Name), lower-cased."""
    names = set()
    for i, lic in enumerate(_get(principal, "Licenses", list, where, [])):
        name = _get(lic, "Name", str, f"{where}.Licenses[{i}]", "")
        if name:
            names.add(name.lower())
    return frozenset(names)


def preference_from_api(pref, where: str = "preference") -> tuple[str, str]:
    """GET Preference/{section}/{key} (a Preference object): (Level, RawValue).

    Level is where the value closest to the user is defined; "Undefined" when none is."""
    level = _get(pref, "Level", str, where, "Undefined")
    canonical = next((lv for lv in PREF_LEVELS if lv.casefold() == level.casefold()), None)
    if canonical is None:
        raise ShapeError(f"{where}.Level: unknown preference level {level!r}")
    return canonical, _get(pref, "RawValue", str, where, "")


def preference_at_level(answer, where: str = "preference") -> str | None:
    """GET Preference/{section}/{key}/{prefLevel}: a JSON string; "" is no value at that level (U2)."""
    if answer is None:
        return None
    if not isinstance(answer, str):
        raise ShapeError(f"{where}: expected a JSON string, got {_json_type(answer)}")
    return answer if answer.strip() else None


def _json_type(value) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def resolve_utm(effective: tuple[str, str], at_level) -> tuple[bool, str, bool]:
    """(tenant-wide value, overriding level or "", effective value) of the UTM preference.

    `effective` is (Level, RawValue) as GET Preference/{section}/{key} answers; `at_level(level)` is
    the raw value defined at one level, or None (asked only when needed: each ask is a request).
    The tenant-wide value is the one at Database, else the closest level below it. A more specific
    level (Group, Individual, PC) overrides it for the signed-in user; a less specific level whose
    value wins although Database has one hides it (its "highest override level" is below Database)."""
    level, raw = effective
    if level == "Undefined":  # no value at any level: nothing to look up
        return False, "", False
    if level == TENANT_LEVEL:
        return pref_bool(raw), "", pref_bool(raw)
    database = at_level(TENANT_LEVEL)
    specific = PREF_LEVELS.index(level) > PREF_LEVELS.index(TENANT_LEVEL) if level in PREF_LEVELS else False
    if database is not None:
        return pref_bool(database), level, pref_bool(raw)
    if not specific:
        return pref_bool(raw), "", pref_bool(raw)
    below = next((v for v in (at_level("SystemWide"), at_level("HardDefault")) if v is not None), "")
    return pref_bool(below), level, pref_bool(raw)


def flow_from_email_flow(flow: dict, steps: list, where: str = "flow") -> Flow:
    """An EmailFlow (Agents/Workflow/GetEmailFlow) with its steps fetched whole."""
    doc = {"WorkflowId": _get(flow, "EmailFlowId", int, where), "Name": _get(flow, "Name", str, where, ""), "Steps": steps}
    return flow_from_api(doc, where)


# -- the whole tenant (snapshot documents) --------------------------------------------------------

def tenant_from_document(doc: dict) -> Tenant:
    """Build a Tenant from a snapshot document (the parts in the API's shapes)."""
    if not isinstance(doc, dict):
        raise ShapeError("a snapshot is a JSON object")

    def part(key):
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ShapeError(f"{key}: expected a list")
        return value

    def links(key):
        value = doc.get(key) or {}
        if not isinstance(value, dict):
            raise ShapeError(f"{key}: expected an object keyed by CategoryId")
        return value

    vis, heads = links("category_user_groups"), links("category_headings")
    categories = []
    for i, entity in enumerate(part("categories")):
        where = f"categories[{i}]"
        cid = _get(entity, "CategoryId", int, where)
        categories.append(category_from_api(entity, where, vis.get(str(cid)), heads.get(str(cid))))
    _unique_ids(categories, "categories", "CategoryId")
    licenses = part("licenses")
    if not all(isinstance(x, str) for x in licenses):
        raise ShapeError("licenses: expected a list of licence names")
    grouping = (doc.get("category_list") or {}).get("UseGroupsAndHeadings") if isinstance(doc.get("category_list"), dict) else None
    if grouping is not None and not isinstance(grouping, bool):
        raise ShapeError("category_list.UseGroupsAndHeadings: expected true or false")
    if grouping is None:  # not recorded: a list whose items have links uses them (as the emulator decides)
        grouping = any(c.user_groups or c.headings for c in categories)
    context = doc.get("ContextIdentifier", "")
    if not isinstance(context, str):
        raise ShapeError("ContextIdentifier: expected a string")
    lead_statuses = [lead_status_from_api(x, f"lead_statuses[{i}]") for i, x in enumerate(part("lead_statuses"))]
    _unique_ids(lead_statuses, "lead_statuses", "Id")
    return Tenant(
        categories=categories,
        lead_statuses=lead_statuses,
        user_groups=[named_from_api(x, "Id", f"user_groups[{i}]") for i, x in enumerate(part("user_groups"))],
        headings=[named_from_api(x, "HeadingId", f"headings[{i}]") for i, x in enumerate(part("headings"))],
        associates=[named_from_api(x, "AssociateId", f"associates[{i}]") for i, x in enumerate(part("associates"))],
        automation=[automation_from_api(x, f"category_automation[{i}]") for i, x in enumerate(part("category_automation"))],
        **_utm_fields(utm_from_preferences(part("preferences"))),
        flows=[flow_from_api(x, f"flows[{i}]") for i, x in enumerate(part("flows"))],
        licenses=frozenset(x.lower() for x in licenses),
        context=context,
        category_grouping=grouping,
        features=_features(doc.get("features")),
    )


def _utm_fields(resolved: tuple[bool, str, bool] | None) -> dict:
    if resolved is None:
        return {"utm_tracking": None}
    value, override, effective = resolved
    return {"utm_tracking": value, "utm_override": override, "utm_effective": effective if override else None}


def _features(value) -> dict[str, str]:
    """A snapshot's optional "features": {"marketing"|"automation": "available"|"unlicensed"|"missing"}."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and v in FEATURE_STATES for k, v in value.items()
    ):
        raise ShapeError(f"features: expected an object of {' / '.join(FEATURE_STATES)} by feature name")
    return dict(value)


def _unique_ids(items, where: str, key: str):
    """Ids are primary keys in SuperOffice: a list that repeats one is not a tenant's state."""
    seen = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise ShapeError(f"{where}[{i}].{key}: id {item.id} appears twice")
        seen.add(item.id)
