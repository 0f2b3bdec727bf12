"""The tenant as apply sees it while it works: names resolved to ids, updated after every write,
and the one function per kind that turns a change into the complete item to write."""

from __future__ import annotations

from dataclasses import replace

from leadconf.config.models import GROUP_TO_API, name_key
from leadconf.errors import PlanError
from leadconf.model.tenant import AutomationRule, Category, LeadStatus, Tenant, fingerprint


# Config field -> model attribute, where the value needs no translation.
_LIST_FIELDS = {"name": "name", "description": "tooltip", "lead_status": "enable_lead_status", "deleted": "deleted"}


class TenantState:
    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.items = {
            "category": {c.id: c for c in tenant.categories},
            "lead_status": {s.id: s for s in tenant.lead_statuses},
            "category_automation": {r.trigger: r for r in tenant.automation},
            "lead_distribution": {s.step_id: s for f in tenant.flows for s in f.distribute_steps},
        }
        self.utm_tracking = tenant.utm_tracking
        self._by_name = {
            kind: {name_key(i.name): i.id for i in self.items[kind].values()} for kind in ("category", "lead_status")
        }
        self._refs = {
            "user group": {name_key(g.name): g.id for g in tenant.user_groups if not g.deleted},
            "heading": {name_key(h.name): h.id for h in tenant.headings if not h.deleted},
            "associate": {name_key(a.name): a.id for a in tenant.associates if not a.deleted},
        }

    # -- lookups ----------------------------------------------------------------------------------

    def tenant_list(self, kind):
        """A list as it is now, in the order the tenant model keeps it."""
        return list(self.items[kind].values())

    def get(self, kind, key):
        if kind == "utm_tracking":
            return self.utm_tracking
        return self.items[kind].get(key)

    def by_name(self, kind, name):
        item_id = self._by_name[kind].get(name_key(name))
        return self.items[kind].get(item_id) if item_id is not None else None

    def ref_ids(self, what, names) -> tuple[int, ...]:
        table = self._refs[what]
        missing = [n for n in names if name_key(n) not in table]
        if missing:
            raise PlanError(f"{what} {', '.join(map(repr, missing))} not found in the tenant")
        return tuple(sorted({table[name_key(n)] for n in names}))

    def live_id(self, kind, name) -> int:
        item = self.by_name(kind, name)
        if item is None or item.deleted:
            raise PlanError(f"{kind.replace('_', ' ')} {name!r} not found in the tenant (live)")
        return item.id

    def update(self, kind, item):
        if kind == "utm_tracking":
            self.utm_tracking = item
            return
        if kind == "category_automation":
            self.items[kind][item.trigger] = item
            return
        if kind == "lead_distribution":
            self.items[kind][item.step_id] = item
            return
        old = self.items[kind].get(item.id)
        if old is not None:
            self._by_name[kind].pop(name_key(old.name), None)
        self.items[kind][item.id] = item
        self._by_name[kind][name_key(item.name)] = item.id

    # -- change -> the complete item to write ---------------------------------------------------

    def target(self, kind, current, after: dict, *, with_rank=True):
        """`current` with the change's `after` fields applied (a new item for a create)."""
        if kind in ("category", "lead_status"):
            if current is not None:
                item = replace(current)
            elif kind == "category":
                item = Category(id=None, name=after["name"], user_groups=None, headings=None)
            else:
                item = LeadStatus(id=None, name=after["name"])
            for field, value in after.items():
                if field in _LIST_FIELDS:
                    setattr(item, _LIST_FIELDS[field], value)
                elif field == "group":
                    item.group = GROUP_TO_API[value]
                elif field == "visible_for":
                    item.user_groups = self.ref_ids("user group", value)
                elif field == "headings":
                    item.headings = self.ref_ids("heading", value)
                elif field == "rank" and with_rank:
                    item.rank = value
            return item
        if kind == "category_automation":
            raise AssertionError("use automation_target")
        if kind == "utm_tracking":
            return after["utm_tracking"]
        if kind == "lead_distribution":
            item = replace(current)
            if "associates" in after:
                item.associates = self.ref_ids("associate", after["associates"])
            if "user_groups" in after:
                item.user_groups = self.ref_ids("user group", after["user_groups"])
            if "only_unassigned" in after:
                item.only_unassigned = after["only_unassigned"]
            if "fallback" in after:
                item.default_associate = self.ref_ids("associate", [after["fallback"]])[0] if after["fallback"] else 0
            return item
        raise ValueError(f"unknown kind {kind!r}")

    def automation_target(self, trigger_api, current, after: dict):
        item = replace(current) if current is not None else AutomationRule(trigger=trigger_api)
        if "enabled" in after:
            item.enabled = after["enabled"]
        if "confirm" in after:
            item.user_confirmation = after["confirm"]
        if after.get("category"):
            item.category_id = self.live_id("category", after["category"])
        if after.get("lead_status"):
            item.lead_status_id = self.live_id("lead_status", after["lead_status"])
        return item


def same(a, b) -> bool:
    return fingerprint(a) == fingerprint(b) if not isinstance(a, bool) else a == b


__all__ = ["TenantState", "same"]
