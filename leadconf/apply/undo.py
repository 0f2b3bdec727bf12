"""The inverse plan of an apply: the before-image of every change made, as a plan that
`leadconf apply PLANFILE` carries out to go back."""

from __future__ import annotations

from leadconf.apply.runner import DONE, ApplyReport
from leadconf.model.tenant import fingerprint
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan

_REASON = "undo of the apply recorded in {journal}"


def inverse_plan(plan: Plan, report: ApplyReport) -> Plan:
    changes = []
    for outcome in reversed(report.outcomes):
        if outcome.status != DONE:
            continue
        c = outcome.change
        reason = _REASON.format(journal=report.journal or "this run")
        fp = _final_fingerprint(report, c, outcome)
        if c.action == "reorder":
            ranks = outcome.before or {}
            if ranks:
                changes.append(Change("reorder", c.kind, c.name, None, c.after and {"order": c.after["order"]},
                                      {"order": c.before["order"], "ranks": ranks}, reason, c.source, None))
            continue
        if c.action == "create":
            if c.kind == "category_automation":
                changes.append(Change("update", c.kind, c.name, c.key, {"enabled": True}, {"enabled": False}, reason, c.source, fp))
            else:
                changes.append(Change("delete", c.kind, c.name, outcome.key, {"deleted": False}, {"deleted": True},
                                      reason + " (it created this item)", c.source, fp))
            continue
        before, after = dict(c.after or {}), dict(c.before or {})
        action = {"delete": "restore", "restore": "delete", "rename": "rename"}.get(c.action, "update")
        name = after.get("name", c.name)
        meta = {"old_name": c.name} if action == "rename" else {}
        changes.append(Change(action, c.kind, name, c.key, before, after, reason, c.source, fp, meta))
    return Plan(
        target=plan.target,
        locator=plan.locator,
        changes=changes,
        config_digest="undo:" + (plan.config_digest or ""),
        config_files=plan.config_files,
        policy=plan.policy,
        list_sizes=plan.list_sizes,
    )


def _final_fingerprint(report: ApplyReport, change: Change, outcome) -> str | None:
    """The item's digest as the whole apply left it: a later change of the same apply (a reorder)
    may have moved it after its own change was made."""
    if change.kind == "utm_tracking":
        from leadconf.diff import fingerprint_value

        return fingerprint_value(report.final.get(("utm_tracking", None), outcome.after))
    if change.action == "reorder":
        return None
    key = outcome.key if outcome.key is not None else change.key
    item = report.final.get((change.kind, key), outcome.after)
    return fingerprint(item) if item is not None and not isinstance(item, (bool, dict)) else None
