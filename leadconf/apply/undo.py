"""The inverse plan of an apply: the before-image of every change its journal shows made, as a
plan that `leadconf apply PLANFILE` carries out to go back.

It is made from the journal, not from one run's report, so that it covers everything one plan did
over an interrupted run and any number of resumed ones (journal.made_changes): by the apply itself
when it ends (`write_undo_plan`), and from the journal alone by `leadconf undo` (`undo_of_journal`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from leadconf.apply.journal import Made, finished, journal_plan, latest_journal, made_changes, read_journal, undo_path
from leadconf.apply.runner import ApplyReport
from leadconf.backends.base import Backend
from leadconf.errors import PlanFileError
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.vocabulary import LIST_KINDS, VALUE_KINDS, fingerprint, item_fingerprint, list_fingerprint

_REASON = "undo of the apply recorded in {journal}"
# The command that writes (and applies) the undo of a journal from the journal alone.
UNDO_COMMAND = "leadconf undo {journal}"


def write_undo_plan(plan: Plan, report: ApplyReport, journal_path: str) -> None:
    """Save the inverse of everything the journal shows done, over every run of it (a resumed
    apply undoes the changes of the runs before it too), beside the journal (report.undo). When it
    cannot be written (a full disk, no permission) after changes were made, the journal still holds
    every before-image: report.undo_error says so and names the command that writes the undo plan
    from it."""
    from leadconf.errors import LeadconfError

    if not os.path.exists(journal_path):
        return  # nothing was written: every change was already made
    _, events = read_journal(journal_path)
    undo = inverse_plan(plan, made_changes(events), report.final, journal_path)
    if not undo.changes:
        return
    path = undo_path(journal_path)
    try:
        save_undo(undo, path)
    except LeadconfError as exc:  # a file-system fault (FileError), or a key it cannot sign with
        report.undo_error = (
            f"the changes were made, but the undo plan could not be written: {exc}. The journal {journal_path} "
            f"holds everything the undo needs; once the cause is fixed, write it with: "
            f"{UNDO_COMMAND.format(journal=journal_path)}")
        return
    report.undo = path
    report.undo_flags = undo.allow_flags()


def inverse_plan(plan: Plan, made: list[Made], final: Mapping, journal: str | None = None) -> Plan:
    """`made`: the changes of `plan` that were carried out, in the order they were made;
    `final`: (kind, key) -> the item as the tenant holds it now (a dataclass of the tenant model),
    ("utm_tracking", None) -> the preference; the undo's fingerprints come from it."""
    changes = []
    reason = _REASON.format(journal=journal or "this run")
    for m in reversed(made):
        if not 0 <= m.index < len(plan.changes):
            continue
        inverse = _inverse(plan.changes[m.index], m, final, reason)
        if inverse is not None:
            changes.append(inverse)
    return Plan(
        target=plan.target,
        locator=plan.locator,
        changes=changes,
        config_digest="undo:" + (plan.config_digest or ""),
        config_files=plan.config_files,
        policy=plan.policy,
        list_sizes=_final_list_sizes(final, plan.list_sizes),
    )


def _inverse(c: Change, m: Made, final: Mapping, reason: str) -> Change | None:
    if c.action == "reorder":
        ranks = m.before if isinstance(m.before, dict) else {}
        if not ranks:
            return None
        return Change(action="reorder", kind=c.kind, name=c.name, key=None,
                      before=c.after and {"order": c.after["order"]},
                      after={"order": (c.before or {})["order"], "ranks": ranks}, reason=reason,
                      source=c.source, fingerprint=_final_list_fingerprint(final, c.kind))
    key = m.key if m.key is not None else c.key
    fp = _final_fingerprint(final, c, key)
    if c.action == "create":
        if c.kind == "category_automation":
            return Change(action="update", kind=c.kind, name=c.name, key=c.key, before={"enabled": True},
                          after={"enabled": False}, reason=reason, source=c.source, fingerprint=fp)
        return Change(action="delete", kind=c.kind, name=c.name, key=key, before={"deleted": False},
                      after={"deleted": True}, reason=reason + " (it created this item)", source=c.source,
                      fingerprint=fp)
    before, after = dict(c.after or {}), dict(c.before or {})
    action = {"delete": "restore", "restore": "delete", "rename": "rename"}.get(c.action, "update")
    return Change(action=action, kind=c.kind, name=after.get("name", c.name), key=c.key, before=before,
                  after=after, reason=reason, source=c.source, fingerprint=fp,
                  meta={"old_name": c.name} if action == "rename" else {})


def _final_list_sizes(final: Mapping, planned: Mapping) -> dict:
    """The live items of each list as the apply left them: the undo's safety rails measure its
    changes against the list it changes, not against the list the original plan found."""
    sizes = dict(planned)
    for kind in LIST_KINDS:
        items = [item for (k, _), item in final.items() if k == kind]
        if items:
            sizes[kind] = sum(1 for item in items if not item.deleted)
    return sizes


def _final_list_fingerprint(final: Mapping, kind: str) -> str:
    """The list as the whole apply left it (every plan-file change carries a fingerprint)."""
    return list_fingerprint([item for (k, _), item in final.items() if k == kind])


def _final_fingerprint(final: Mapping, change: Change, key) -> str | None:
    """The item's digest as the tenant holds it after the apply: a later change of the same apply
    (a reorder) may have moved it after its own change was made."""
    if change.kind in VALUE_KINDS:
        return item_fingerprint(change.kind, final.get((change.kind, None)))
    item = final.get((change.kind, key))
    return fingerprint(item) if item is not None and not isinstance(item, (bool, dict)) else None


def save_undo(undo: Plan, path: str) -> None:
    """Write the undo plan to `path`, sealed with this run's plan key, as `plan --out` seals a plan,
    so that `apply UNDOFILE` takes it as it is. Raises a LeadconfError when it cannot sign or write."""
    from leadconf.fileio import atomic_write
    from leadconf.plan.planfile import dumps, plan_keys

    atomic_write(path, dumps(undo, plan_keys(create=True)), what="undo plan")


def final_state(tenant) -> dict:
    """(kind, key) -> item of a tenant read now, in the form `inverse_plan` takes."""
    from leadconf.apply.state import TenantState

    return TenantState(tenant).final()


@dataclass
class JournalUndo:
    """The undo of the apply a journal records (`leadconf undo`). `plan`: the inverse plan, None
    when the apply changed nothing; `finished`: the apply ran to its end (else the undo covers the
    changes it made, and `leadconf apply --resume` would finish it instead)."""

    journal: str
    plan: Plan | None
    finished: bool

    def write(self, out: str | None = None) -> str:
        """Save the undo plan, sealed, to `out` (default: beside the journal); its path."""
        assert self.plan is not None, "nothing to undo"
        path = out or undo_path(self.journal)
        save_undo(self.plan, path)
        return path


def undo_of_journal(journal: str | None, journal_dir: str, open_target: Callable[[str], Backend]) -> JournalUndo:
    """The undo of every change the journal at `journal` (default: the latest in `journal_dir`)
    shows made, over every run of its apply, once its seal checks. The tenant is read now, through
    `open_target(target)` (a backend this closes), for the undo's fingerprints: apply refuses the
    undo if an item changes after this. Nothing is written, to the tenant or to a file."""
    journal = journal or latest_journal(journal_dir)
    if not journal:
        raise PlanFileError(f"nothing to undo: no journal in {journal_dir}")
    header, events = read_journal(journal)
    plan = journal_plan(header, journal)
    made = made_changes(events)
    if not made:
        return JournalUndo(journal, None, finished(events))
    backend = open_target(plan.locator or plan.target)
    try:
        final = final_state(backend.read())
    finally:
        backend.close()
    return JournalUndo(journal, inverse_plan(plan, made, final, journal), finished(events))
