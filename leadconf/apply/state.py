"""The tenant as apply sees it while it works: names resolved to ids, updated after every write,
and the one function per kind that turns a change into the complete item to write.

Kinds dispatch through one table (`_KINDS`): where the tenant holds the items, how an item is
keyed, how a new one starts; the change's `after` fields land on it through vocabulary.FIELDS, the
same table the diff reads. A value kind (the UTM setting) is held as its value, under the key None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from leadconf.errors import PlanError
from leadconf.model.tenant import AutomationRule, Category, LeadStatus, Tenant, associate_ids
from leadconf.vocabulary import FIELD, LIST_KINDS, REF_LISTS, TRIGGER_TO_API, VALUE_KINDS, fingerprint, kind_words, name_key


@dataclass(frozen=True)
class _Kind:
    items: Callable[[Tenant], Iterable[Any]]  # the tenant's items of this kind
    key: Callable[[Any], Any]  # the item's key: what read_item and a change's `key` hold
    new: Callable[[Any, dict], Any] | None  # a new item for a create (a value kind: its value): f(change key, after)


_KINDS = {
    "category": _Kind(lambda t: t.categories, lambda i: i.id,
                      lambda key, after: Category(id=None, name=after["name"], user_groups=None, headings=None)),
    "lead_status": _Kind(lambda t: t.lead_statuses, lambda i: i.id, lambda key, after: LeadStatus(id=None, name=after["name"])),
    "category_automation": _Kind(lambda t: t.automation, lambda r: r.trigger, lambda key, after: AutomationRule(trigger=key)),
    "utm_tracking": _Kind(lambda t: [t.utm_tracking], lambda value: None, lambda key, after: after["utm_tracking"]),
    "lead_distribution": _Kind(lambda t: [s for f in t.flows for s in f.distribute_steps], lambda s: s.step_id, None),
}


class TenantState:
    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.items: dict[str, dict] = {kind: {k.key(i): i for i in k.items(tenant)} for kind, k in _KINDS.items()}
        self._by_name = {kind: {name_key(i.name): i.id for i in self.items[kind].values()} for kind in LIST_KINDS}
        self._refs = {ref: {name_key(i.name): i.id for i in getattr(tenant, REF_LISTS[ref]) if not i.deleted}
                      for ref in ("user group", "heading")}
        self._refs["associate"] = associate_ids(tenant.associates)  # by login name or full name

    # -- lookups ----------------------------------------------------------------------------------

    @property
    def utm_tracking(self):
        return self.items["utm_tracking"].get(None)

    def final(self) -> dict:
        """(kind, key) -> item of everything held now (the UTM setting under ("utm_tracking", None))."""
        return {(kind, key): item for kind, items in self.items.items() for key, item in items.items()}

    def tenant_list(self, kind):
        """A list as it is now, in the order the tenant model keeps it."""
        return list(self.items[kind].values())

    def get(self, kind, key):
        return self.items[kind].get(None if kind in VALUE_KINDS else key)

    def by_name(self, kind, name):
        item_id = self._by_name[kind].get(name_key(name))
        return self.items[kind].get(item_id) if item_id is not None else None

    def ref_ids(self, what, names) -> tuple[int, ...]:
        """The ids of the items named (live ones only); a name that is not there is an error."""
        if what in LIST_KINDS:
            return tuple(sorted({self.live_id(what, n) for n in names}))
        table = self._refs[what]
        missing = [n for n in names if name_key(n) not in table]
        if missing:
            raise PlanError(f"{what} {', '.join(map(repr, missing))} not found in the tenant")
        return tuple(sorted({table[name_key(n)] for n in names}))

    def live_id(self, kind, name) -> int:
        item = self.by_name(kind, name)
        if item is None or item.deleted:
            raise PlanError(f"{kind_words(kind)} {name!r} not found in the tenant (live)")
        return item.id

    def update(self, kind, item):
        key = _KINDS[kind].key(item)
        if kind in LIST_KINDS:
            old = self.items[kind].get(key)
            if old is not None:
                self._by_name[kind].pop(name_key(old.name), None)
            self._by_name[kind][name_key(item.name)] = key
        self.items[kind][key] = item

    # -- change -> the complete item to write ---------------------------------------------------

    def current(self, change):
        """The live item a change is about (None: not there); the setting itself for utm_tracking."""
        if change.action == "create" and change.kind in LIST_KINDS:
            return self.by_name(change.kind, change.after["name"])
        return self.get(change.kind, change.key)

    def target(self, change, current, *, with_rank=True):
        """`current` with the change's `after` fields applied (a new item for a create)."""
        kind, after = change.kind, change.after
        if kind in VALUE_KINDS:
            return _KINDS[kind].new(None, after)
        if current is not None:
            item = replace(current)
        else:
            key = change.key
            if kind == "category_automation" and not key:
                key = TRIGGER_TO_API.get(change.name)
            item = _KINDS[kind].new(key, after)
        fields = FIELD[kind]
        for name, value in after.items():
            if name == "rank":
                if with_rank:
                    item.rank = value
                continue
            f = fields.get(name)
            if f is not None:
                setattr(item, f.attr, self._model_value(f, value, getattr(item, f.attr)))
        return item

    def _model_value(self, f, value, now):
        if f.enum is not None:
            return f.enum[value]
        if f.ref and f.many:
            return self.ref_ids(f.ref, value)
        if f.ref:
            if not value:
                return now if f.keep_if_empty else 0
            return self.ref_ids(f.ref, [value])[0]
        return value


def same(a, b) -> bool:
    return fingerprint(a) == fingerprint(b) if not isinstance(a, bool) else a == b


__all__ = ["TenantState", "same"]
