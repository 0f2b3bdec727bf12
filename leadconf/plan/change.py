"""One planned change, in the config's vocabulary (names, not ids), so that a plan reads the way the
YAML does and a saved plan can be reviewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadconf.vocabulary import KIND_TITLES, KINDS, LIST_KINDS

ACTIONS = ("create", "update", "rename", "restore", "reorder", "delete")

@dataclass(frozen=True, kw_only=True)
class Change:
    action: str
    kind: str
    name: str  # the item's name as the config has it (the trigger for automation)
    key: Any = None  # the live item's id / trigger / step id; None for a create and for utm_tracking
    before: dict | None = None  # the fields that change, as they are now (None for a create)
    after: dict | None = None  # ... and as they will be (the whole item for a create)
    reason: str = ""
    source: str | None = None  # "file:line" of the YAML that asks for it
    fingerprint: str | None = None  # the live item's (or list's, for reorder) digest at plan time
    meta: dict = field(default_factory=dict)  # renderer hints, e.g. {"old_name": ...}

    def to_dict(self) -> dict:
        return {
            "action": self.action,
            "kind": self.kind,
            "name": self.name,
            "key": self.key,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "source": self.source,
            "fingerprint": self.fingerprint,
            **({"meta": self.meta} if self.meta else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        return cls(
            action=data["action"],
            kind=data["kind"],
            name=data["name"],
            key=data.get("key"),
            before=data.get("before"),
            after=data.get("after"),
            reason=data.get("reason", ""),
            source=data.get("source"),
            fingerprint=data.get("fingerprint"),
            meta=data.get("meta") or {},
        )


__all__ = ["ACTIONS", "KINDS", "KIND_TITLES", "LIST_KINDS", "Change"]
