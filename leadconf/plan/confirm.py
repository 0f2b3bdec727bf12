"""What a saved plan may do when nothing proves who made it, and how its policy combines.

An unsealed plan file (no $LEADCONF_PLAN_KEY, or a file without a signature) may have been edited
by anyone who could touch it between two CI jobs. It is carried out only as far as a fresh plan of
the config at hand, against the tenant as it is now, confirms it: every one of its changes must be
in the fresh plan, field for field and fingerprint for fingerprint. Then the fresh plan's own
facts (list sizes and fingerprints, target) are used, and the saved plan's policy can only tighten
the config's.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace

from leadconf.errors import PlanFileError, StalePlan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan


def _identity(change: Change) -> str:
    """What a change does: all of it but the words that explain it (its reason, and its source,
    which depends on how the config's path was spelt)."""
    what = {k: v for k, v in change.to_dict().items() if k not in ("reason", "source")}
    return json.dumps(what, sort_keys=True, ensure_ascii=False)


def tighter_policy(*policies: dict) -> dict:
    """The strictest of several policies: the lowest share of a list, over the smallest lists."""
    given = [p for p in policies if p]
    return {
        "max_change_percent": float(min(p["max_change_percent"] for p in given)),
        "min_list_size": int(min(p["min_list_size"] for p in given)),
    }


def confirmed(saved: Plan, fresh: Plan) -> Plan:
    """The saved plan's changes, as the fresh plan confirms them (StalePlan naming each one it
    does not). Changes only the fresh plan has (the tenant moved since) are left out: apply does
    what was reviewed, and the next plan shows the rest."""
    fresh_ids = {_identity(c) for c in fresh.changes}
    unconfirmed = [c for c in saved.changes if _identity(c) not in fresh_ids]
    if unconfirmed:
        raise StalePlan(
            f"the plan file is not sealed, and a fresh plan of the config does not confirm {len(unconfirmed)} of "
            "its changes (the file was edited, or the config or the tenant changed since); nothing was applied. "
            "Plan again, or seal plans with LEADCONF_PLAN_KEY:",
            [f"{c.action} {c.kind.replace('_', ' ')} {c.name!r}" for c in unconfirmed[:20]],
        )
    wanted = {_identity(c) for c in saved.changes}
    return replace(fresh, changes=[c for c in fresh.changes if _identity(c) in wanted],
                   policy=tighter_policy(saved.policy, fresh.policy), warnings=[])


def normal_target(target: str) -> str:
    """A target as a comparable value: a snapshot by its real path, others as written (trimmed,
    ignoring case and a trailing slash)."""
    target = target.strip()
    if target.startswith("snapshot:"):
        return "snapshot:" + os.path.realpath(target[len("snapshot:"):])
    return target.rstrip("/").casefold()


def require_same_target(given: str, planned: str, what: str) -> None:
    """Refuse a target other than the one the plan (or journal) is for: the target reviewers saw
    is the target written to."""
    if normal_target(given) != normal_target(planned):
        raise PlanFileError(f"the target {given} is not the target of {what} ({planned}); nothing was applied. "
                            "Plan again for that target.")
