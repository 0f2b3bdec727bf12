"""The writing half of SuperOfficeBackend: one change each, the complete entity as last read."""

from __future__ import annotations

import logging

from leadconf.backends.superoffice import codec as api
from leadconf.backends.superoffice import quirks
from leadconf.backends.superoffice.answers import (
    ALL,
    AUTOMATION_SAVE,
    CATEGORY_SAVE,
    STEP_SAVE,
    UTM_LABEL,
    UTM_WRITE_PATH,
    expect_dict,
    shape_errors,
)
from leadconf.backends.superoffice.reads import Reads
from leadconf.errors import RemoteError, TargetError
from leadconf.model.tenant import FEATURE_AVAILABLE, FEATURE_UNLICENSED, AutomationRule, Category, DistributeStep, LeadStatus

log = logging.getLogger("leadconf.superoffice")


class Writes(Reads):
    """Writes through the Reads (the read_item -> write hand-over among them)."""

    def _gone(self, label, what_id):
        return RemoteError(f"it no longer exists in the tenant (id {what_id}); run plan again", item=label)


    def _create(self, label, send, find):
        """A create is never re-sent blindly (U10): after an unknown outcome, look for it first."""
        try:
            return send()
        except RemoteError as exc:
            if exc.extra.get("outcome") != "unknown":
                raise
            log.warning("%s: the create may or may not have happened (%s); re-reading to find out", label, exc)
        found = find()
        if found is not None:
            log.info("%s: the create had happened; found it on re-reading", label)
            return found
        try:
            return send()
        except RemoteError as exc:
            if exc.extra.get("outcome") == "unknown":
                exc.message += "; leadconf could not tell whether it was created: run plan again to see"
                exc.args = (str(exc),)
            raise

    def _write_category(self, item: Category) -> Category:
        label = f"category {item.name!r}"
        use_links = self._uses_links()
        if not use_links and (item.user_groups or item.headings):
            raise TargetError(
                f"{label}: user-group visibility and headings need \"Use grouping and user group filtering\" "
                "on the Company - Category list, which is off in this tenant (nothing was written)"
            )
        groups = heads = None
        if item.id is None:
            saved = self._create(
                label,
                lambda: self._api.post(CATEGORY_SAVE, json=api.category_to_api(item), item=label, idempotent=False),
                lambda: self._find_category(item.name, label),
            )
        else:
            parts = self._take(("category", item.id))
            if parts is None:
                got = self._read_category(item.id, item.name)
                parts = got[1:] if got else None
            if parts is None:
                raise self._gone(label, item.id)
            raw, groups, heads = parts
            body = api.category_to_api(item, quirks.body_of(raw))
            saved = self._api.post(CATEGORY_SAVE, json=body, item=label, idempotent=True)
        saved = expect_dict(saved, label, "POST", CATEGORY_SAVE)
        with shape_errors(label, "POST", CATEGORY_SAVE):
            cid = api.require_int(saved, "CategoryId", label)
        group_ids: tuple[int, ...] = ()
        head_ids: tuple[int, ...] = ()
        if use_links:
            group_ids = self._sync_links(f"/List/Category/Items/{cid}/UserGroups", item.user_groups, groups, label, "user group")
            head_ids = self._sync_links(f"/List/Category/Items/{cid}/Headings", item.headings, heads, label, "heading")
        with shape_errors(label, "POST", CATEGORY_SAVE):
            return api.category_from_api(saved, label, list(group_ids), list(head_ids))

    def _find_category(self, name, label):
        for entry in self._get_list("/List/Category/Items", "the Company - Category list", params=ALL):
            if isinstance(entry, dict) and quirks.same_name(entry.get("Name"), name):
                return self._get_category_raw(entry.get("Id"), label)
        return None

    def _sync_links(self, path, desired, current_raw, label, what) -> tuple[int, ...]:
        """Make the Selected set of a SelectableMDOListItem array equal `desired` (U5).

        `desired` None: not managed (a new item the config gives no visibility): the server's
        default stands, and is read back so the item returned is the item stored.
        """
        if current_raw is None:
            current_raw = self._get_list(path, label)
        with shape_errors(label, "GET", path):
            current = api.selected_ids(current_raw, f"{label}.{what}s")
        if desired is None:
            return current
        wanted = set(desired)
        known = {entry.get("Id") for entry in current_raw if isinstance(entry, dict)}
        unknown = sorted(wanted - known)
        if unknown:
            raise TargetError(f"{label}: {what} id(s) {unknown} do not exist in the tenant")
        if set(current) == wanted:
            return current
        body = [dict(quirks.body_of(entry), Selected=entry.get("Id") in wanted) for entry in current_raw]
        answer = self._api.put(path, json=body, item=label)
        if isinstance(answer, list):
            with shape_errors(label, "PUT", path):
                return api.selected_ids(answer, f"{label}.{what}s")
        return tuple(sorted(wanted))

    def _write_lead_status(self, item: LeadStatus) -> LeadStatus:
        label = f"lead status {item.name!r}"
        list_id = self._lead_status_list()
        if item.id is None:
            body = api.lead_status_to_api(item, {"UdListDefinitionId": list_id})
            path = f"/List/{list_id}/Items"
            saved = self._create(
                label,
                lambda: self._api.post(path, json=body, item=label, idempotent=False),
                lambda: self._find_status(list_id, item.name),
            )
        else:
            raw = self._take(("lead_status", item.id)) or self._get_status_raw(item.id)
            if raw is None:
                raise self._gone(label, item.id)
            body = api.lead_status_to_api(item, quirks.body_of(raw))
            path = f"/List/{list_id}/Items/{item.id}"
            saved = self._api.put(path, json=body, item=label)
        saved = saved if isinstance(saved, dict) else body
        with shape_errors(label, "POST" if item.id is None else "PUT", path):
            return api.lead_status_from_api(saved, label)

    def _find_status(self, list_id, name):
        for entry in self._get_list(f"/List/{list_id}/Items", "the lead-status list", params=ALL):
            if isinstance(entry, dict) and quirks.same_name(entry.get("Name"), name):
                return entry
        return None

    def _write_automation(self, rule: AutomationRule) -> AutomationRule:
        label = f"category automation {rule.trigger!r}"
        rules = self._take(("category_automation", None))
        state = FEATURE_AVAILABLE
        if rules is None:
            state, rules = self._automation_read()
        if rules is None:  # LC206 / LC214 refuse this at plan time; a caller other than plan gets here
            why = "answers with a licence error" if state == FEATURE_UNLICENSED else \
                "answers 404: it needs SuperOffice 11.7 or later"
            raise TargetError(f"{label}: this tenant has no category automation (the agent method {why}); "
                              "nothing was written")
        settings = [quirks.body_of(entry) for entry in rules if isinstance(entry, dict)]
        api.upsert_automation(settings, rule)
        answer = self._api.post(AUTOMATION_SAVE, json={"Settings": settings}, item=label, idempotent=True)
        stored = answer if isinstance(answer, list) else settings
        with shape_errors(label, "POST", AUTOMATION_SAVE):
            for entry in stored:
                if isinstance(entry, dict) and entry.get("TriggerType") == rule.trigger:
                    return api.automation_from_api(entry, label)
        raise RemoteError("the saved settings do not contain this trigger", method="POST", path=AUTOMATION_SAVE, item=label)

    def _write_utm(self, value) -> bool:
        value = bool(value)
        self._api.put(UTM_WRITE_PATH, params={"value": quirks.UTM_ON if value else quirks.UTM_OFF}, item=UTM_LABEL)
        return value

    def _write_distribution(self, step: DistributeStep) -> DistributeStep:
        label = f"lead distribution step {step.step_id} (flow {step.flow_id})"
        raw = self._take(("lead_distribution", step.step_id)) or self._get_step_raw(step.step_id)
        if raw is None:
            raise self._gone(label, step.step_id)
        if raw.get("StepType") != quirks.DISTRIBUTE_STEP:
            raise RemoteError(f"step {step.step_id} is a {raw.get('StepType')!r} step, not Distribute to owner", item=label)
        body = api.distribute_step_to_api(step, quirks.body_of(raw))
        answer = self._api.post(STEP_SAVE, json=body, item=label, idempotent=True)
        with shape_errors(label, "POST", STEP_SAVE):
            return api.distribute_step_from_api(answer if isinstance(answer, dict) else body, label)
