"""The reading half of SuperOfficeBackend: each part of the tenant, as raw JSON and as model items."""

from __future__ import annotations

import threading

from leadconf.backends.superoffice import codec as api
from leadconf.backends.superoffice import quirks
from leadconf.backends.superoffice.answers import (
    ALL,
    ASSOCIATES_GET,
    AUTOMATION_GET,
    CATEGORY_GET,
    FLOW_GET,
    FLOW_LIST,
    STEP_GET,
    UTM_LABEL,
    UTM_PATH,
    expect_dict,
    expect_list,
    licence_refusal,
    shape_errors,
    utm_level_path,
)
from leadconf.backends.superoffice.client import MISSING, ApiClient
from leadconf.backends.superoffice.target import Target
from leadconf.errors import AuthError, RemoteError, TargetError
from leadconf.model.tenant import FEATURE_AVAILABLE, FEATURE_MISSING, FEATURE_UNLICENSED, NamedItem


class Reads:
    """The attributes below are set by SuperOfficeBackend.__init__."""

    _api: ApiClient
    _target: Target
    description: str
    _status_list: int | None
    _use_links: bool | None
    _licenses: frozenset[str] | None
    _fresh: dict
    _fresh_lock: threading.Lock

    def _get_list(self, path, item, params=None) -> list:
        return expect_list(self._api.get(path, params=params, item=item), item, "GET", path)

    def _principal(self) -> dict:
        path = "/User/currentPrincipal"
        principal = expect_dict(self._api.get(path, item="the current user"), "the current user", "GET", path)
        with shape_errors("the current user", "GET", path):
            self._licenses = api.licenses_from_principal(principal)
        return principal

    def _lead_status_list(self, refresh=False) -> int:
        if self._status_list is None or refresh:
            lists = self._get_list("/List", "the list of lists", params=ALL)
            found = quirks.find_lead_status_list(lists)
            if not isinstance(found, int) or isinstance(found, bool):
                raise TargetError(
                    f"{self.description}: GET /List shows no lead-status list (lead status needs SuperOffice 11.4 or later)"
                )
            self._status_list = found
        return self._status_list

    def _uses_links(self, refresh=False) -> bool:
        if self._use_links is None or refresh:
            path = "/List/Category"
            entity = expect_dict(self._api.get(path, item="the Company - Category list"), "the Company - Category list", "GET", path)
            self._use_links = bool(entity.get("UseGroupsAndHeadings"))
        return self._use_links

    def _get_category_raw(self, cid, label):
        raw = self._api.post(CATEGORY_GET, params={"categoryEntityId": cid}, item=label, idempotent=True, missing_ok=True)
        if raw is MISSING or raw is None:
            return None
        return expect_dict(raw, label, "POST", CATEGORY_GET)

    def _read_category(self, cid, name):
        """(Category, raw entity, raw user groups, raw headings), or None when it is gone."""
        label = f"category {name!r}" if name else f"category {cid}"
        raw = self._get_category_raw(cid, label)
        if raw is None:
            return None
        if isinstance(raw.get("Name"), str):
            label = f"category {raw['Name']!r}"
        groups = heads = None
        if self._uses_links():
            groups = self._get_list(f"/List/Category/Items/{cid}/UserGroups", label)
            heads = self._get_list(f"/List/Category/Items/{cid}/Headings", label)
        with shape_errors(label, "POST", CATEGORY_GET):
            category = api.category_from_api(
                raw, label,
                list(api.selected_ids(groups, f"{label}.UserGroups")) if groups is not None else None,
                list(api.selected_ids(heads, f"{label}.Headings")) if heads is not None else None,
            )
        return category, raw, groups, heads

    def _get_status_raw(self, sid):
        path = f"/List/{self._lead_status_list()}/Items/{sid}"
        raw = self._api.get(path, item=f"lead status {sid}", missing_ok=True)
        if raw is MISSING or raw is None:
            return None
        return expect_dict(raw, f"lead status {sid}", "GET", path)

    def _automation_raw(self):
        """The automation settings as read, or None for a tenant without the agent method (U4)."""
        return self._automation_read()[1]

    def _automation_read(self) -> tuple[str, list | None]:
        """(feature state, the settings as read): "missing" on a 404 (U4), "unlicensed" on a
        licence error (U11)."""
        try:
            rules = self._api.post(AUTOMATION_GET, item="category automation", idempotent=True, missing_ok=True)
        except RemoteError as exc:
            if licence_refusal(exc):
                return FEATURE_UNLICENSED, None
            raise
        if rules is MISSING:
            return FEATURE_MISSING, None
        return FEATURE_AVAILABLE, expect_list(rules if rules is not None else [], "category automation", "POST", AUTOMATION_GET)

    def _flow_list(self) -> tuple[str, list]:
        """(Marketing Premium's state, the flow list): the flow list's own answer decides (U11)."""
        try:
            items = self._api.get(FLOW_LIST, params={"flat": "true"}, item="the flow list", missing_ok=True)
        except RemoteError as exc:
            if licence_refusal(exc):
                return FEATURE_UNLICENSED, []
            raise
        if items is MISSING:
            return FEATURE_MISSING, []
        return FEATURE_AVAILABLE, expect_list(items, "the flow list", "GET", FLOW_LIST)

    def _read_utm(self) -> tuple[bool, str, bool]:
        """(tenant-wide value, overriding level or "", effective value) of the UTM preference (U2)."""
        pref = expect_dict(self._api.get(UTM_PATH, item=UTM_LABEL), UTM_LABEL, "GET", UTM_PATH)
        with shape_errors(UTM_LABEL, "GET", UTM_PATH):
            effective = api.preference_from_api(pref, "Preference")
        return api.resolve_utm(effective, self._utm_at_level)

    def _read_utm_if_licensed(self) -> tuple[bool | None, str, bool]:
        """As _read_utm, but a licence error (U11) reads as "not there" rather than failing the read."""
        try:
            return self._read_utm()
        except RemoteError as exc:
            if licence_refusal(exc):
                return None, "", False
            raise

    def _read_utm_deferred(self) -> tuple[bool | None, str, bool, str]:
        """As _read_utm_if_licensed, plus the error ("" if none): an answer that cannot be read
        (or a failed request) is kept, not raised, so that a plan that does not manage UTM
        tracking does not depend on it (Tenant.utm_error). A refused login still fails the read."""
        try:
            return (*self._read_utm_if_licensed(), "")
        except AuthError:
            raise
        except RemoteError as exc:
            return None, "", False, str(exc)

    def _utm_at_level(self, level: str) -> str | None:
        path = utm_level_path(level)
        answer = self._api.get(path, item=UTM_LABEL, missing_ok=True)
        if answer is MISSING:
            return None
        with shape_errors(UTM_LABEL, "GET", path):
            return api.preference_at_level(answer, "the answer")

    def _read_associates(self) -> list[NamedItem]:
        """The MDO list "associate", with the login names GetAssociateList gives for its ids (U9)."""
        what = "the associate list"
        items = self._get_list("/MDOList/associate", what, params={"flat": "true"})
        with shape_errors(what, "GET", "/MDOList/associate"):
            ids = [api.require_int(x, "Id", f"associates[{i}]") for i, x in enumerate(items)]
        carriers: list = []
        if ids:  # a tenant without the agent method (404) leaves the full names as the only names
            answer = self._api.post(ASSOCIATES_GET, json=ids, item=what, idempotent=True, missing_ok=True)
            if answer is not MISSING:
                carriers = expect_list(answer if answer is not None else [], what, "POST", ASSOCIATES_GET)
        with shape_errors(what, "POST", ASSOCIATES_GET):
            return api.associates_from_api(items, carriers)

    def _get_step_raw(self, step_id):
        label = f"lead distribution step {step_id}"
        raw = self._api.post(STEP_GET, json={"WorkflowStepId": step_id}, item=label, idempotent=True, missing_ok=True)
        if raw is MISSING or raw is None:
            return None
        return expect_dict(raw, label, "POST", STEP_GET)

    def _read_flow(self, mdo_item):
        with shape_errors("the flow list", "GET", "/MDOList/emailflow"):
            fid = api.require_int(mdo_item, "Id", "flow list item")
        label = f"flow {mdo_item.get('Name')!r}"
        flow = self._api.post(FLOW_GET, params={"emailFlowId": fid}, item=label, idempotent=True, missing_ok=True)
        if flow is MISSING or flow is None:
            return None
        flow = expect_dict(flow, label, "POST", FLOW_GET)
        steps = []
        for step in flow.get("Steps") or []:
            if isinstance(step, dict) and step.get("StepType") == quirks.DISTRIBUTE_STEP:
                # GetEmailFlow documents only the step's base fields (U8): fetch it whole
                steps.append(self._get_step_raw(step.get("WorkflowStepId")) or step)
        with shape_errors(label, "POST", FLOW_GET):
            return api.flow_from_email_flow(flow, steps, label)

    # -- the read_item -> write hand-over -------------------------------------------------------

    def _remember(self, key: tuple, value: object) -> None:
        with self._fresh_lock:
            self._fresh[key] = value

    def _take(self, key: tuple):
        with self._fresh_lock:
            return self._fresh.pop(key, None)
