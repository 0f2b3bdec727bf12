"""The inverse plan of an apply: the before-image of every change made, as a plan that
`leadconf apply PLANFILE` carries out to go back."""

from __future__ import annotations

from leadconf.apply.runner import DONE, ApplyReport
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.vocabulary import fingerprint, fingerprint_value, list_fingerprint

_REASON = "undo of the apply recorded in {journal}"
# The command that writes (and applies) the undo of a journal from the journal alone.
UNDO_COMMAND = "leadconf undo {journal}"


def write_undo_plan(plan: Plan, report: ApplyReport, journal_path: str) -> None:
    """Save the inverse plan beside the journal (report.undo). When it cannot be written (a full
    disk, no permission) after changes were made, the journal still holds every before-image:
    report.undo_error says so and names the command that writes the undo plan from it."""
    from leadconf.errors import LeadconfError
    from leadconf.fileio import atomic_write
    from leadconf.plan.planfile import dumps, plan_keys

    undo = inverse_plan(plan, report)
    if not undo.changes:
        return
    path = journal_path[: -len(".jsonl")] + ".undo.json"
    try:  # sealed with the run's key, as `plan --out` seals a plan: `apply UNDOFILE` checks it
        atomic_write(path, dumps(undo, plan_keys(create=True)), what="undo plan")
    except LeadconfError as exc:  # a file-system fault (FileError), or a key it cannot sign with
        report.undo_error = (
            f"the changes were made, but the undo plan could not be written: {exc}. The journal {journal_path} "
            f"holds everything the undo needs; once the cause is fixed, write it with: "
            f"{UNDO_COMMAND.format(journal=journal_path)}")
        return
    report.undo = path
    report.undo_deletes = undo.summary()["delete"] > 0


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
                changes.append(Change(action="reorder", kind=c.kind, name=c.name, key=None,
                                      before=c.after and {"order": c.after["order"]},
                                      after={"order": (c.before or {})["order"], "ranks": ranks}, reason=reason,
                                      source=c.source, fingerprint=_final_list_fingerprint(report, c.kind)))
            continue
        if c.action == "create":
            if c.kind == "category_automation":
                changes.append(Change(action="update", kind=c.kind, name=c.name, key=c.key, before={"enabled": True},
                                      after={"enabled": False}, reason=reason, source=c.source, fingerprint=fp))
            else:
                changes.append(Change(action="delete", kind=c.kind, name=c.name, key=outcome.key,
                                      before={"deleted": False}, after={"deleted": True},
                                      reason=reason + " (it created this item)", source=c.source, fingerprint=fp))
            continue
        before, after = dict(c.after or {}), dict(c.before or {})
        action = {"delete": "restore", "restore": "delete", "rename": "rename"}.get(c.action, "update")
        changes.append(Change(action=action, kind=c.kind, name=after.get("name", c.name), key=c.key, before=before,
                              after=after, reason=reason, source=c.source, fingerprint=fp,
                              meta={"old_name": c.name} if action == "rename" else {}))
    return Plan(
        target=plan.target,
        locator=plan.locator,
        changes=changes,
        config_digest="undo:" + (plan.config_digest or ""),
        config_files=plan.config_files,
        policy=plan.policy,
        list_sizes=plan.list_sizes,
    )


def _final_list_fingerprint(report: ApplyReport, kind: str) -> str:
    """The list as the whole apply left it (every plan-file change carries a fingerprint)."""
    return list_fingerprint([item for (k, _), item in report.final.items() if k == kind])


def _final_fingerprint(report: ApplyReport, change: Change, outcome) -> str | None:
    """The item's digest as the whole apply left it: a later change of the same apply (a reorder)
    may have moved it after its own change was made."""
    if change.kind == "utm_tracking":
        return fingerprint_value(report.final.get(("utm_tracking", None), outcome.after))
    if change.action == "reorder":
        return None
    key = outcome.key if outcome.key is not None else change.key
    item = report.final.get((change.kind, key), outcome.after)
    return fingerprint(item) if item is not None and not isinstance(item, (bool, dict)) else None
