"""A backend that holds the tenant in memory: the backend contract (leadconf/backends/base.py) and
nothing else, for the core tests of diff -> plan -> apply. It records every write, and lets a test
change the tenant behind the apply's back (as another admin would)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import replace

from leadconf.model.tenant import Tenant


class MemoryBackend:
    description = "memory:test"
    locator = "memory:test"

    def __init__(self, tenant: Tenant):
        self.tenant = tenant.copy()
        self.writes: list[tuple[str, object]] = []
        self.reads_of_items: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self.before_write = None  # f(kind, item): a test's hook, run before each write is stored

    # -- reading ----------------------------------------------------------------------------------

    def read(self) -> Tenant:
        return self.tenant.copy()

    def _items(self, kind):
        t = self.tenant
        return {
            "category": (t.categories, lambda i: i.id),
            "lead_status": (t.lead_statuses, lambda i: i.id),
            "category_automation": (t.automation, lambda r: r.trigger),
            "lead_distribution": ([s for f in t.flows for s in f.distribute_steps], lambda s: s.step_id),
        }[kind]

    def read_item(self, kind, key):
        self.reads_of_items.append((kind, key))
        if kind == "utm_tracking":
            return self.tenant.utm_tracking
        items, key_of = self._items(kind)
        found = next((i for i in items if key_of(i) == key), None)
        return replace(found) if found is not None else None

    # -- writing ----------------------------------------------------------------------------------

    def write(self, kind, item):
        if self.before_write is not None:
            self.before_write(kind, item)
        self.writes.append((kind, item))
        if kind == "utm_tracking":
            self.tenant.utm_tracking = item
            return item
        if kind == "lead_distribution":
            self.tenant.flows = [
                replace(f, distribute_steps=tuple(item if s.step_id == item.step_id else s for s in f.distribute_steps))
                for f in self.tenant.flows
            ]
            return item
        if kind == "category_automation":
            self.tenant.automation = [r for r in self.tenant.automation if r.trigger != item.trigger] + [item]
            return item
        items, _ = self._items(kind)
        if item.id is None:
            item = replace(item, id=max((i.id for i in items), default=0) + 1)
            if kind == "category":
                item = replace(item, user_groups=item.user_groups or (), headings=item.headings or ())
            items.append(item)
        else:
            index = next(n for n, i in enumerate(items) if i.id == item.id)
            items[index] = item
        return replace(item)

    @contextmanager
    def lock(self):
        with self._lock:
            yield self

    def close(self):
        pass
