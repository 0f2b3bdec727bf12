"""`leadconf doctor`: check each reading of quirks.py against a live tenant's own answers.

No test here can reach SuperOffice, so the first user checks our assumptions in a minute. Each
check asks the tenant one or two questions and says whether the reading holds, differs, or cannot
be told ("unknown"), with what was seen. With `write_test`, a clearly named scratch lead status is
created, renamed and soft-deleted (SuperOffice never hard-deletes list items, nor does leadconf),
to check that whole-entity saves behave as leadconf assumes.

The checks only read through the client; nothing here prints (leadconf/cli/doctor.py does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from leadconf.backends.superoffice import codec, quirks
from leadconf.backends.superoffice.answers import (
    ALL,
    ASSOCIATES_GET,
    AUTOMATION_GET,
    FLOW_GET,
    FLOW_LIST,
    STEP_GET,
    UTM_PATH,
    licence_refusal,
    utm_level_path,
)
from leadconf.backends.superoffice.client import MISSING, ApiClient
from leadconf.errors import RemoteError

HOLDS, DIFFERS, UNKNOWN = "holds", "differs", "unknown"
SCRATCH_PREFIX = "leadconf doctor scratch"


@dataclass(frozen=True)
class Finding:
    """One row of the report: an assumption of quirks.py, the verdict, and what the tenant said."""

    assumption: str
    verdict: str  # HOLDS, DIFFERS or UNKNOWN
    seen: str


Check = Callable[[ApiClient], Finding]


def run_checks(api: ApiClient, *, write_test: bool = False, now: datetime | None = None) -> list[Finding]:
    """Every check, in the order of quirks.py; a check that cannot ask its question says unknown."""
    checks: list[Check] = [
        check_lead_status_list, check_preference_object, check_preference_at_level, check_preference_level,
        check_marketing, check_automation, check_grouping, check_distribute_step, check_associates,
    ]
    findings = [_guarded(check, api) for check in checks]
    if write_test:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        findings.append(_guarded(lambda a: check_whole_entity_saves(a, stamp), api))
    return findings


def _guarded(check: Check, api: ApiClient) -> Finding:
    try:
        return check(api)
    except RemoteError as exc:
        return Finding(_title(check), UNKNOWN, f"the tenant answered with an error: {exc}")


# -- U1 ---------------------------------------------------------------------------------------------

def check_lead_status_list(api: ApiClient) -> Finding:
    """U1 the lead-status list is the GET /List entry whose ListType is LeadStatus"""
    title = _title(check_lead_status_list)
    lists = _as_list(api.get("/List", params=ALL, item="the list of lists"))
    typed = [e for e in lists if isinstance(e, dict) and str(e.get("ListType", "")).casefold() == "leadstatus"]
    if typed:
        return Finding(title, HOLDS, f"list id {typed[0].get('Id')} (ListType {typed[0].get('ListType')!r})")
    found = quirks.find_lead_status_list(lists)
    if found is not None:
        entry = next(e for e in lists if isinstance(e, dict) and e.get("Id") == found)
        return Finding(title, DIFFERS,
                       f"found by its Name only: list id {found}, ListType {entry.get('ListType')!r}")
    return Finding(title, DIFFERS, f"none of the {len(lists)} lists is a lead-status list (before 11.4?)")


# -- U2 ---------------------------------------------------------------------------------------------

def check_preference_object(api: ApiClient) -> Finding:
    """U2 GET Preference/Mailing/EnableUTMSaving answers a Preference object with its Level"""
    title = _title(check_preference_object)
    answer = api.get(UTM_PATH, item="the UTM preference")
    if not isinstance(answer, dict):
        return Finding(title, DIFFERS, f"a JSON {_kind(answer)}: {_short(answer)}")
    try:
        level, raw = codec.preference_from_api(answer)
    except codec.ShapeError as exc:
        return Finding(title, DIFFERS, str(exc))
    return Finding(title, HOLDS, f"Level {level}, RawValue {raw!r}")


def check_preference_at_level(api: ApiClient) -> Finding:
    """U2 GET Preference/Mailing/EnableUTMSaving/Database answers a JSON string ("" = no value there)"""
    title = _title(check_preference_at_level)
    answer = api.get(utm_level_path(quirks.PREFERENCE_LEVEL), item="the UTM preference", missing_ok=True)
    if answer is MISSING:
        return Finding(title, DIFFERS, "HTTP 404")
    if not isinstance(answer, str):
        return Finding(title, DIFFERS, f"a JSON {_kind(answer)}: {_short(answer)}")
    return Finding(title, HOLDS, f"{answer!r}" + (" (no value at Database)" if not answer.strip() else ""))


def check_preference_level(api: ApiClient) -> Finding:
    """U2 the UTM value in effect is the tenant-wide one (no level overrides or hides Database)"""
    title = _title(check_preference_level)
    answer = api.get(UTM_PATH, item="the UTM preference")
    try:
        effective = codec.preference_from_api(answer)
        value, override, shown = codec.resolve_utm(effective, lambda level: _at_level(api, level))
    except codec.ShapeError as exc:
        return Finding(title, UNKNOWN, f"could not read the levels: {exc}")
    if override:
        return Finding(title, DIFFERS, f"a value set at the {override} level ({_on_off(shown)}) is in effect for this user; "
                                       f"tenant-wide: {_on_off(value)}")
    return Finding(title, HOLDS, f"in effect from level {effective[0]}: {_on_off(value)}")


def _at_level(api: ApiClient, level: str) -> str | None:
    answer = api.get(utm_level_path(level), item="the UTM preference", missing_ok=True)
    return None if answer is MISSING else codec.preference_at_level(answer)


# -- U3, U4, U11 ------------------------------------------------------------------------------------

def check_marketing(api: ApiClient) -> Finding:
    """U3/U11 Marketing Premium is decided by the flow list's answer (a licence error = not licensed)"""
    title = _title(check_marketing)
    names = _licence_names(api)
    try:
        items = api.get(FLOW_LIST, params={"flat": "true"}, item="the flow list", missing_ok=True)
    except RemoteError as exc:
        verdict = HOLDS if licence_refusal(exc) else DIFFERS
        what = "a licence error" if verdict == HOLDS else "an error not recognised as a licence error"
        return Finding(title, verdict, f"{what}: HTTP {exc.status} {exc.error_type or ''} {exc.message}; licences: {names}")
    if items is MISSING:
        return Finding(title, UNKNOWN, f"HTTP 404 (no flow list); licences: {names}")
    if not isinstance(items, list):
        return Finding(title, DIFFERS, f"a JSON {_kind(items)} instead of an array; licences: {names}")
    return Finding(title, HOLDS, f"available: {len(items)} flow(s); licences: {names}")


def check_automation(api: ApiClient) -> Finding:
    """U4/U11 category automation is decided by its agent method's answer (404 = before 11.7)"""
    title = _title(check_automation)
    try:
        rules = api.post(AUTOMATION_GET, item="category automation", idempotent=True, missing_ok=True)
    except RemoteError as exc:
        if licence_refusal(exc):
            return Finding(title, HOLDS, f"not licensed: HTTP {exc.status} {exc.error_type}")
        return Finding(title, DIFFERS, f"an error that is neither 404 nor a licence error: {exc}")
    if rules is MISSING:
        return Finding(title, HOLDS, "missing: HTTP 404 (the tenant is older than 11.7)")
    if not isinstance(rules, list):
        return Finding(title, DIFFERS, f"a JSON {_kind(rules)} instead of an array")
    return Finding(title, HOLDS, f"available: {len(rules)} rule(s)")


def _licence_names(api: ApiClient) -> str:
    try:
        names = sorted(codec.licenses_from_principal(api.get("/User/currentPrincipal", item="the current user")))
    except (RemoteError, codec.ShapeError):
        return "(not readable)"
    shown = ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")
    return shown or "(none listed)"


# -- U5 ---------------------------------------------------------------------------------------------

def check_grouping(api: ApiClient) -> Finding:
    """U5 GET /List/Category says UseGroupsAndHeadings; its items' UserGroups are SelectableMDOListItems"""
    title = _title(check_grouping)
    entity = api.get("/List/Category", item="the Company - Category list")
    flag = entity.get("UseGroupsAndHeadings") if isinstance(entity, dict) else None
    if not isinstance(flag, bool):
        return Finding(title, DIFFERS, f"UseGroupsAndHeadings is {_short(flag)}")
    items = _as_list(api.get("/List/Category/Items", item="the Company - Category list"))
    if not flag or not items:
        return Finding(title, HOLDS, f"UseGroupsAndHeadings {str(flag).lower()}")
    first = items[0].get("Id") if isinstance(items[0], dict) else None
    groups = api.get(f"/List/Category/Items/{first}/UserGroups", item=f"category {first}")
    ok = isinstance(groups, list) and all(isinstance(g, dict) and "Selected" in g and "Id" in g for g in groups)
    seen = f"UseGroupsAndHeadings true; category {first}: {len(groups) if isinstance(groups, list) else _short(groups)} user group(s)"
    return Finding(title, HOLDS if ok else DIFFERS, seen + ("" if ok else ", not SelectableMDOListItems"))


# -- U8, U9 -----------------------------------------------------------------------------------------

def check_associates(api: ApiClient) -> Finding:
    """U9 the MDO list "associate" gives full names; GetAssociateList gives the login names"""
    title = _title(check_associates)
    items = [x for x in _as_list(api.get("/MDOList/associate", params={"flat": "true"}, item="the associate list"))
             if isinstance(x, dict)]
    ids = [x.get("Id") for x in items if isinstance(x.get("Id"), int)]
    if not ids:
        return Finding(title, UNKNOWN, "the associate list is empty")
    carriers = api.post(ASSOCIATES_GET, json=ids, item="the associate list", idempotent=True, missing_ok=True)
    if not isinstance(carriers, list):
        return Finding(title, DIFFERS, f"GetAssociateList with the bare array of ids answered {_short(carriers)}")
    login = {c.get("AssociateId"): c for c in carriers if isinstance(c, dict)}
    full = sum(1 for x in items if x.get("Name") == (login.get(x.get("Id")) or {}).get("FullName"))
    logins = sum(1 for x in items if x.get("Name") == (login.get(x.get("Id")) or {}).get("Name"))
    seen = f"{len(items)} associate(s): MDO Name = full name for {full}, = login name for {logins}; " \
           f"GetAssociateList answered {len(login)}"
    holds = len(login) == len(ids) and full >= logins
    return Finding(title, HOLDS if holds else DIFFERS, seen)


def check_distribute_step(api: ApiClient) -> Finding:
    """U8 GetWorkflowStep answers a Distribute-to-owner step whole (Associates, UserGroups, ...)"""
    title = _title(check_distribute_step)
    try:
        flows = api.get(FLOW_LIST, params={"flat": "true"}, item="the flow list", missing_ok=True)
    except RemoteError as exc:
        return Finding(title, UNKNOWN, f"no flows to look at ({exc.error_type or exc.status})")
    for flow_item in _as_list(flows):
        fid = flow_item.get("Id") if isinstance(flow_item, dict) else None
        flow = api.post(FLOW_GET, params={"emailFlowId": fid}, item=f"flow {fid}", idempotent=True, missing_ok=True)
        for step in (flow.get("Steps") or []) if isinstance(flow, dict) else []:
            if isinstance(step, dict) and step.get("StepType") == quirks.DISTRIBUTE_STEP:
                whole = api.post(STEP_GET, json={"WorkflowStepId": step.get("WorkflowStepId")},
                                 item="a workflow step", idempotent=True)
                fields = ("Associates", "UserGroups", "OnlyToUnassigned", "DefaultAssociate")
                missing = [f for f in fields if not isinstance(whole, dict) or f not in whole]
                seen = f"step {step.get('WorkflowStepId')} of flow {fid}"
                return Finding(title, DIFFERS if missing else HOLDS,
                               seen + (f": no {', '.join(missing)}" if missing else ": the whole carrier"))
    return Finding(title, UNKNOWN, "no flow has a Distribute-to-owner step")


# -- U7, the write test -----------------------------------------------------------------------------

def check_whole_entity_saves(api: ApiClient, stamp: str) -> Finding:
    """U7 whole-entity saves (a scratch lead status created, renamed and soft-deleted)"""
    title = _title(check_whole_entity_saves)
    list_id = quirks.find_lead_status_list(_as_list(api.get("/List", params=ALL, item="the list of lists")))
    if list_id is None:
        return Finding(title, UNKNOWN, "no lead-status list to write to")
    name = f"{SCRATCH_PREFIX} {stamp}"
    tooltip = "Created by leadconf doctor --write-test; soft-deleted at once. Safe to ignore."
    path = f"/List/{list_id}/Items"
    created = api.post(path, json={"Id": 0, "Name": name, "Tooltip": tooltip, "Deleted": False,
                                   "UdListDefinitionId": list_id, "Rank": 9999}, item=f"lead status {name!r}", idempotent=False)
    sid = created.get("Id") if isinstance(created, dict) else None
    if not isinstance(sid, int) or not sid:
        return Finding(title, DIFFERS, f"the create answered {_short(created)} (no new Id)")
    problems = _rename_and_delete(api, f"{path}/{sid}", name, tooltip)
    live = any(p.startswith(_STAYS_LIVE) for p in problems)
    seen = f"scratch lead status {name!r} (id {sid}): created, renamed" + ("" if live else ", soft-deleted")
    return Finding(title, DIFFERS if problems else HOLDS, seen + (f"; but {'; '.join(problems)}" if problems else ""))


_STAYS_LIVE = "Deleted true did not soft-delete it"


def _rename_and_delete(api: ApiClient, item_path: str, name: str, tooltip: str) -> list[str]:
    problems: list[str] = []
    raw = api.get(item_path, item="the scratch lead status")
    if not isinstance(raw, dict):
        return [f"reading it back answered {_short(raw)}"]
    renamed = dict(quirks.body_of(raw), Name=f"{name} (renamed)")
    api.put(item_path, json=renamed, item="the scratch lead status")
    after = api.get(item_path, item="the scratch lead status")
    if not isinstance(after, dict):
        return [f"reading it back answered {_short(after)}"]
    if after.get("Name") != renamed["Name"]:
        problems.append(f"the rename did not stick (Name {after.get('Name')!r})")
    if after.get("Tooltip") != tooltip or after.get("Rank") != raw.get("Rank"):
        problems.append("the rename changed fields it did not touch")
    api.put(item_path, json=dict(quirks.body_of(after), Deleted=True), item="the scratch lead status")
    gone = api.get(item_path, item="the scratch lead status")
    if not isinstance(gone, dict) or not gone.get("Deleted"):
        problems.append(f"{_STAYS_LIVE}: the scratch lead status {renamed['Name']!r} stays live; retire it by hand "
                        "(Settings and maintenance, Lists, Lead status)")
    listed = _as_list(api.get(item_path.rsplit("/", 1)[0], params=ALL, item="the lead-status list"))
    if not any(isinstance(e, dict) and e.get("Id") == raw.get("Id") for e in listed):
        problems.append("it is not listed with includeDeleted=true")
    return problems


# -- helpers ----------------------------------------------------------------------------------------

def _title(check: Callable) -> str:
    """A check's assumption, as its docstring states it (the write test's is wrapped in a lambda)."""
    doc = check.__doc__ if check.__name__ != "<lambda>" else check_whole_entity_saves.__doc__
    return (doc or check.__name__).strip().splitlines()[0]


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _on_off(value: bool) -> str:
    return "on" if value else "off"
