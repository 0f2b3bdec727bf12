"""The Plan value object: the changes, the warnings, and what the plan was computed from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from leadconf.errors import Diagnostic, PlanFileError, UnsafePlan
from leadconf.plan.change import ACTIONS, Change
from leadconf.plan.safety import unsafe_reasons
from leadconf.vocabulary import policy_defaults

# Warnings that mean the tenant, as its users see it, differs from the config whatever apply writes.
UNMATCHED = ("LC302",)
FORMAT_VERSION = "1"
PLAN_FILE_FORMAT = "leadconf-plan/1"


@dataclass
class Plan:
    target: str
    changes: list[Change] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    config_digest: str = ""
    config_files: list[str] = field(default_factory=list)
    policy: dict = field(default_factory=policy_defaults)
    list_sizes: dict = field(default_factory=dict)  # live, not deleted items per list kind
    locator: str = ""  # where a saved plan finds its tenant again, if not at `target`
    list_fingerprints: dict = field(default_factory=dict)  # kind -> digest of each list reordered or pruned

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def differs(self) -> bool:
        """The tenant does not match the config: changes to make, or a difference no write of
        leadconf fixes (LC302). What `plan --detailed-exitcode` reports as drift (exit 2)."""
        return bool(self.changes) or any(w.rule in UNMATCHED for w in self.warnings)

    def summary(self) -> dict:
        counts = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def raise_if_unsafe(self, *, allow_delete: bool = False, allow_large_change: bool = False) -> None:
        """Refuse (UnsafePlan) what apply does only when told to: deletes, and changing more of a
        list than the plan's policy allows (plan/safety.py has the rules)."""
        problems = unsafe_reasons(self, allow_delete=allow_delete, allow_large_change=allow_large_change)
        if problems:
            raise UnsafePlan("apply refused:").with_hints(*(f"  - {p}" for p in problems))

    def allow_flags(self) -> list[str]:
        """The apply flags this plan needs, each tried alone through raise_if_unsafe: what a
        printed `leadconf apply PLANFILE` command must carry to run as printed."""
        flags = []
        for flag, others in (("--allow-delete", {"allow_large_change": True}),
                             ("--allow-large-change", {"allow_delete": True})):
            try:
                self.raise_if_unsafe(**others)
            except UnsafePlan:
                flags.append(flag)
        return flags

    def to_dict(self) -> dict:
        """The documented JSON form of `plan --output json` (format_version 1)."""
        return {
            "format_version": FORMAT_VERSION,
            "target": self.target,
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "warnings": [w.to_dict() for w in self.warnings],
        }

    # -- the plan file -----------------------------------------------------------------------------

    def to_file_dict(self) -> dict:
        body = {
            "format": PLAN_FILE_FORMAT,
            **self.to_dict(),
            "config": {"digest": self.config_digest, "files": self.config_files},
            "policy": self.policy,
            "list_sizes": self.list_sizes,
            "locator": self.locator or self.target,
            "list_fingerprints": self.list_fingerprints,
        }
        return {**body, "checksum": _checksum(body)}

    @classmethod
    def from_file_dict(cls, data) -> Plan:
        if not isinstance(data, dict) or data.get("format") != PLAN_FILE_FORMAT:
            raise PlanFileError(f"not a leadconf plan file (expected \"format\": \"{PLAN_FILE_FORMAT}\")")
        body = {k: v for k, v in data.items() if k != "checksum"}
        if data.get("checksum") != _checksum(body):
            raise PlanFileError("the plan file was changed after it was saved (checksum mismatch); plan again")
        try:
            return cls(
                target=data["target"],
                changes=[Change.from_dict(c) for c in data["changes"]],
                warnings=[Diagnostic(**w) for w in data.get("warnings", [])],
                config_digest=data["config"]["digest"],
                config_files=list(data["config"]["files"]),
                policy=dict(data["policy"]),
                list_sizes=dict(data.get("list_sizes", {})),
                locator=str(data.get("locator") or data["target"]),
                list_fingerprints=dict(data.get("list_fingerprints") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanFileError(f"the plan file is incomplete or malformed ({exc.__class__.__name__}: {exc})") from None


def _checksum(body: dict) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
