"""The /api/v1 endpoints the emulator serves, as documented (superoffice.md section 2).

dispatch() returns (status, JSON value); state changes happen in TenantState under the server's lock.
"""

from __future__ import annotations

import re

from tests.emulator.state import LEAD_STATUS_LIST_ID, ApiError, TenantState

_ROUTES = []


def route(method: str, pattern: str):
    regex = re.compile("^" + pattern + "$", re.IGNORECASE)

    def register(fn):
        _ROUTES.append((method, regex, fn))
        return fn

    return register


def dispatch(state: TenantState, method: str, rest: str, query: dict, body):
    allowed = False
    for m, regex, fn in _ROUTES:
        match = regex.match(rest)
        if match is None:
            continue
        allowed = True
        if m == method:
            return fn(state, query, body, *match.groups())
    if allowed:
        raise ApiError(405, f"{method} is not supported on {rest}", "MethodNotAllowed")
    raise ApiError(404, f"No endpoint {rest}", "NotFound")


def _flag(query, name, default=False) -> bool:
    value = query.get(name)
    return default if value is None else value.strip().lower() in ("true", "1")


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ApiError(400, f"{what}: expected an integer, got {text!r}", "ArgumentException") from None


# -- the current user ------------------------------------------------------------------------------

@route("GET", r"/User/currentPrincipal")
def principal(state, query, body):
    return 200, state.principal()


# -- list definitions and items ---------------------------------------------------------------------

@route("GET", r"/List")
def lists(state, query, body):
    return 200, state.list_definitions()


@route("GET", r"/List/([^/]+)")
def list_definition(state, query, body, ref):
    kind = state.resolve_list(ref)
    for entity in state.list_definitions():
        if (kind == "category" and entity["ListType"] == "Category") or (kind == "leadstatus" and entity["Id"] == LEAD_STATUS_LIST_ID):
            base = f"https://www.example.com/api/v1/List/{entity['Id']}"  # ListEntityWithLinks
            return 200, dict(entity, _Links={"Self": base, "Items": base + "/Items"})
    raise ApiError(404, f"List {ref!r} not found", "SoNotFoundException")


@route("GET", r"/List/Category/Headings")
def category_headings(state, query, body):
    return 200, state.heading_items()


@route("GET", r"/List/([^/]+)/Items")
def list_items(state, query, body, ref):
    kind = state.resolve_list(ref)
    include = _flag(query, "includeDeleted")
    if kind == "category":
        items = [state.category_item(e) for e in state.categories.values()]
    elif kind == "leadstatus":
        items = [state.status_item(e) for e in state.lead_statuses.values()]
    else:
        return 200, state.user_group_items(include)
    return 200, [i for i in items if include or not i["Deleted"]]


@route("POST", r"/List/([^/]+)/Items")
def add_list_item(state, query, body, ref):
    kind = state.resolve_list(ref)
    if kind == "category":
        return 200, state.add_category_item(body)
    if kind == "leadstatus":
        return 200, state.add_status(body)
    raise ApiError(403, "User groups are not edited here", "SoAccessDeniedException")


@route("GET", r"/List/([^/]+)/Items/(-?\d+)")
def list_item(state, query, body, ref, item_id):
    kind = state.resolve_list(ref)
    item_id = _int(item_id, "itemId")
    if kind == "category":
        return 200, state.category_item(state.category_entity(item_id))
    if kind == "leadstatus":
        return 200, state.get_status(item_id)
    for g in state.user_group_items(True):
        if g["Id"] == item_id:
            return 200, g
    raise ApiError(404, f"User group id {item_id} not found", "SoNotFoundException")


@route("PUT", r"/List/([^/]+)/Items/(-?\d+)")
def put_list_item(state, query, body, ref, item_id):
    kind = state.resolve_list(ref)
    item_id = _int(item_id, "itemId")
    if kind == "category":
        return 200, state.put_category_item(item_id, body)
    if kind == "leadstatus":
        return 200, state.put_status(item_id, body)
    raise ApiError(403, "User groups are not edited here", "SoAccessDeniedException")


@route("DELETE", r"/List/([^/]+)/Items/(-?\d+)")
def delete_list_item(state, query, body, ref, item_id):
    kind = state.resolve_list(ref)
    if kind == "usergroup":
        raise ApiError(403, "It is not permitted to delete a UserGroup", "SoAccessDeniedException")
    state.delete_item(kind, _int(item_id, "itemId"))
    return 204, None


@route("GET", r"/List/Category/Items/(-?\d+)/(UserGroups|Headings)")
def get_links(state, query, body, item_id, which):
    return 200, state.links(_int(item_id, "itemId"), "groups" if which.lower() == "usergroups" else "headings")


@route("PUT", r"/List/Category/Items/(-?\d+)/(UserGroups|Headings)")
def put_links(state, query, body, item_id, which):
    return 200, state.set_links(_int(item_id, "itemId"), "groups" if which.lower() == "usergroups" else "headings", body)


@route("GET", r"/MDOList/([^/]+)")
def mdo_list(state, query, body, name):
    return 200, state.mdo_list(name)


# -- the Associate agent ----------------------------------------------------------------------------

@route("POST", r"/Agents/Associate/GetAssociateList")
def get_associate_list(state, query, body):
    return 200, state.associate_list(body)


# -- the List agent ---------------------------------------------------------------------------------

@route("POST", r"/Agents/List/GetCategoryEntity")
def get_category_entity(state, query, body):
    return 200, state.category_entity(_int(query.get("categoryEntityId"), "categoryEntityId"))


@route("POST", r"/Agents/List/SaveCategoryEntity")
def save_category_entity(state, query, body):
    return 200, state.save_category(body)


@route("POST", r"/Agents/List/GetAllAutomatedCategoryUpdates")
def get_automation(state, query, body):
    return 200, state.get_automation()


@route("POST", r"/Agents/List/SaveAllAutomatedCategoryUpdates")
def save_automation(state, query, body):
    return 200, state.save_automation(body)


# -- preferences ------------------------------------------------------------------------------------

@route("GET", r"/Preference/([^/]+)/([^/]+)")
def get_pref(state, query, body, section, key):
    return 200, state.pref(section, key, None)


@route("GET", r"/Preference/([^/]+)/([^/]+)/([^/]+)")
def get_pref_at(state, query, body, section, key, level):
    return 200, state.pref(section, key, level)


@route("PUT", r"/Preference/([^/]+)/([^/]+)/([^/]+)")
def set_pref_at(state, query, body, section, key, level):
    state.set_pref(section, key, level, query.get("value"))
    return 204, None


# -- the Workflow agent -----------------------------------------------------------------------------

@route("POST", r"/Agents/Workflow/GetEmailFlow")
def get_email_flow(state, query, body):
    return 200, state.email_flow(_int(query.get("emailFlowId"), "emailFlowId"))


@route("POST", r"/Agents/Workflow/GetWorkflowStep")
def get_workflow_step(state, query, body):
    return 200, state.workflow_step(body)


@route("POST", r"/Agents/Workflow/SaveWorkflowStep")
def save_workflow_step(state, query, body):
    return 200, state.save_step(body)


# -- translation of multi-language strings ----------------------------------------------------------

_ML = re.compile(r'^\s*(?:[A-Z]{2}:"[^"]*"\s*;?\s*)+$')
_PAIR = re.compile(r'([A-Z]{2}):"([^"]*)"')
_LANGUAGE_CODES = {"en": ("US", "GB", "EN"), "no": ("NO",), "nb": ("NO",), "nn": ("NO",), "sv": ("SE", "SV"),
                   "da": ("DK", "DA"), "de": ("GE", "DE"), "nl": ("NL",), "fi": ("FI", "SF")}


def translate(value, language: str):
    """What the API does without SO-Language: x: multi-language strings become one language."""
    if isinstance(value, list):
        return [translate(v, language) for v in value]
    if isinstance(value, dict):
        return {k: translate(v, language) for k, v in value.items()}
    if isinstance(value, str) and _ML.match(value):
        pairs = dict(_PAIR.findall(value))
        for code in _LANGUAGE_CODES.get(language[:2], (language[:2].upper(),)):
            if code in pairs:
                return pairs[code]
        return next(iter(pairs.values()))
    return value
