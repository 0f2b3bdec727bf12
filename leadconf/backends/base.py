"""The backend contract: read the tenant; carry out one write.

Everything above this layer (diff, plan, apply) talks to a `Backend` and never knows whether it is
a snapshot file or a live tenant. A backend converts between the tenant model and its storage and
nothing more: it takes no decisions about what to change.

Kinds of item and what `write` receives for them:

    "category"             model.Category (id None = create); the complete item, visibility included
    "lead_status"          model.LeadStatus (id None = create)
    "category_automation"  model.AutomationRule (one trigger; the others are left as they are)
    "utm_tracking"         bool
    "lead_distribution"    model.DistributeStep (the step of an existing flow)

`write` returns the item as stored (with its new id for a create). `read_item` returns the item as it
is now, or None when it is gone.

The read_item -> write hand-over, explicitly: apply calls `read_item(kind, key)` just before it
writes an existing item (every write but the create of a list item), to catch changes made since
the plan. A backend may keep what that call read and send it back with the write (the SuperOffice
backend does: fields leadconf does not model survive the write untouched); a `write` that finds no
such read (a caller other than apply) must read the item itself. It never writes from stale data.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from leadconf.model import Tenant
from leadconf.vocabulary import KINDS  # the kinds of item `read_item` and `write` take

__all__ = ["KINDS", "Backend"]


class Backend(Protocol):
    #: how the target is shown in plans and reports (never with credentials)
    description: str
    #: the target string a saved plan records to find the tenant again (may equal description)
    locator: str

    def read(self) -> Tenant:
        """The whole current state."""

    def read_item(self, kind: str, key: Any) -> Any:
        """One item as it is now: key is the item id, the trigger for automation, the step id for
        lead distribution, and None for utm_tracking."""

    def write(self, kind: str, item: Any) -> Any:
        """Carry out one change, completely or not at all."""

    def lock(self) -> AbstractContextManager:
        """Held for the whole of an apply, so that two applies cannot interleave."""

    def close(self) -> None:
        ...
