"""Carry a plan out, one change at a time, through a backend.

Each change is checked against the tenant twice: once when the apply starts (is the item still
as the plan saw it, or already as the plan wants it?) and again just before it is written (did
it change while we worked?). An item already in its planned state is skipped, so an apply that
was cut off finishes by running the same plan again, and the result equals an uninterrupted run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field

from leadconf.apply.journal import Journal
from leadconf.apply.state import TenantState, same
from leadconf.errors import ApplyError, FileError, LeadconfError, StalePlan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.vocabulary import (
    LIST_KINDS,
    VALUE_KINDS,
    item_fingerprint,
    kind_words,
    list_fingerprint,
    name_key,
)

log = logging.getLogger("leadconf.apply")

DONE, ALREADY, FAILED, SKIPPED, NOT_STARTED = "done", "already done", "failed", "skipped", "not started"


@dataclass
class Outcome:
    index: int
    change: Change
    status: str = NOT_STARTED
    error: str | None = None
    key: object = None
    before: object = None  # the item before the change (for the inverse plan)
    after: object = None

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "action": self.change.action,
            "kind": self.change.kind,
            "name": self.change.name,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class ApplyReport:
    target: str
    outcomes: list[Outcome] = field(default_factory=list)
    journal: str | None = None
    undo: str | None = None
    # the tenant as the apply left it (kind, key) -> item; the undo plan's fingerprints come from it
    final: dict = field(default_factory=dict, repr=False)
    undo_flags: list[str] = field(default_factory=list)  # the allow flags `apply UNDOFILE` needs
    undo_error: str | None = None  # the undo plan could not be written (the journal has what it needs)
    interrupted: bool = False  # stopped between two changes by a signal (SIGINT, SIGTERM)

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(o.status in (DONE, ALREADY) for o in self.outcomes)

    def counts(self) -> dict:
        out = {s: 0 for s in (DONE, ALREADY, FAILED, SKIPPED, NOT_STARTED)}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    @property
    def hint(self) -> str | None:
        if self.ok:
            return None
        where = f" --resume {self.journal}" if self.journal else ""
        if self.interrupted:
            return f"To finish it: leadconf apply{where} (changes already made are skipped)."
        return f"Fix the cause, then finish with: leadconf apply{where} (changes already made are skipped)."

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "ok": self.ok,
            "counts": self.counts(),
            "changes": [o.to_dict() for o in self.outcomes],
            "journal": self.journal,
            "undo": self.undo,
            **({"undo_error": self.undo_error} if self.undo_error else {}),
            "interrupted": self.interrupted,
        }


def _plain(data: dict) -> dict:
    return json.loads(json.dumps(data, default=list))  # tuples as lists, as the journal has them


def _partly_done(before_image, current, target) -> bool:
    """True when `current` differs from the before-image only in fields where it already has the
    target's value: a change cut off halfway, which writing the whole target completes."""
    if not isinstance(before_image, dict) or current is None or isinstance(current, bool):
        return False
    now, want = _plain(asdict(current)), _plain(asdict(target))
    return all(now[k] == want.get(k) for k in now if before_image.get(k, now[k]) != now[k] and k in want)


def classify(state: TenantState, change: Change, interrupted=None) -> tuple[str, str | None]:
    """("pending" | "already" | "stale", why) for one change against the tenant as it is now."""
    if change.action == "reorder":
        ranks = (change.after or {})["ranks"]
        items = {n: _reorder_item(state, change, n) for n in ranks}
        missing = [n for n, item in items.items() if item is None]
        if missing:
            return "stale", f"{', '.join(map(repr, missing[:5]))} no longer in the list"
        if all(items[n].rank == r for n, r in ranks.items()):
            return "already", None
        return "pending", None
    current = state.current(change)
    if change.action == "create" and change.kind in LIST_KINDS:
        if current is None:
            return "pending", None
        if same(state.target(change, current, with_rank=False), current):
            return "already", None
        return "stale", "an item of that name exists now"
    if current is None and change.kind != "category_automation":
        return "stale", "no longer in the tenant"
    try:
        target = state.target(change, current)
    except LeadconfError:
        return "pending", None  # an unresolvable name: reported, with the item, when it runs
    if same(target, current):
        return "already", None
    now = item_fingerprint(change.kind, current)
    if change.fingerprint is not None and now != change.fingerprint:
        if interrupted is not None and _partly_done(interrupted, current, target):
            return "pending", None
        return "stale", "changed since the plan was made"
    return "pending", None


def _moved_lists(plan: Plan, state: TenantState) -> list[str]:
    """Lists the plan reorders or prunes must be as the plan saw them: an item added or moved
    since would be left out of the prune, or put in the wrong place. Checked only before a first
    attempt: a resumed apply has moved them itself."""
    moved = []
    for kind, expected in plan.list_fingerprints.items():
        if list_fingerprint(state.tenant_list(kind)) != expected:
            moved.append(f"{kind_words(kind)} list: items were added, removed, renamed or moved since the plan")
    return moved


def _reorder_item(state: TenantState, change: Change, name: str):
    """An item a reorder moves: by its id (it may not carry its new name yet), else by name."""
    item_id = ((change.after or {}).get("ids") or {}).get(name)
    item = state.get(change.kind, item_id) if item_id is not None else None
    return item if item is not None else state.by_name(change.kind, name)


def _depends_on_failure(change: Change, failed: list[Change]) -> bool:
    for f in failed:
        if change.action == "reorder" and f.kind == change.kind:
            return True
        if change.kind == "category_automation" and f.kind in LIST_KINDS:
            names = {name_key(str(v)) for v in (change.after or {}).values() if isinstance(v, str)}
            if name_key(f.name) in names:
                return True
    return False


def apply_plan(plan: Plan, backend, *, journal: Journal | None = None, continue_on_error=False,
               tenant=None, interrupted: dict | None = None, stop=None) -> ApplyReport:
    """Carry out `plan` against `backend`; the caller holds `backend.lock()`.

    `tenant`: the tenant as just read under the same lock (saves reading it again); `interrupted`:
    index -> before-image of the changes a resumed journal shows as started but not finished;
    `stop`: an Event (threading.Event) set to stop between two changes, the one in flight finished.
    """
    report = ApplyReport(target=plan.target, journal=journal.path if journal else None)
    state = TenantState(tenant if tenant is not None else backend.read())
    report.outcomes = [Outcome(i, c) for i, c in enumerate(plan.changes)]
    _refuse_if_stale(plan, state, report.outcomes, interrupted or {})
    failed: list[Change] = []
    for outcome in report.outcomes:
        if outcome.status == ALREADY:
            if journal:
                journal.done(outcome.index, _key_now(state, outcome.change), None, None, status="already")
            continue
        if stop is not None and stop.is_set():
            report.interrupted = True
            break  # the rest stays "not started"
        if failed and not continue_on_error:
            continue  # stays "not started"
        if failed and _depends_on_failure(outcome.change, failed):
            outcome.status, outcome.error = SKIPPED, "depends on a change that failed"
            continue
        if not _run_one(state, backend, outcome, journal):
            failed.append(outcome.change)
    if journal:
        journal.end("interrupted" if report.interrupted else "complete" if report.ok else "failed")
    report.final = state.final()
    return report


def _key_now(state: TenantState, change: Change):
    """The key of the item a change found already made: a created item's id, for the undo."""
    if change.key is not None or change.kind not in LIST_KINDS:
        return change.key
    current = state.current(change)
    return getattr(current, "id", None)


def _refuse_if_stale(plan: Plan, state: TenantState, outcomes: list[Outcome], interrupted: dict) -> None:
    """Mark the changes already made; refuse the whole plan (StalePlan) if any item changed."""
    stale = []
    for outcome in outcomes:
        verdict, why = classify(state, outcome.change, interrupted.get(outcome.index))
        if verdict == "already":
            outcome.status = ALREADY
        elif verdict == "stale":
            stale.append(f"{kind_words(outcome.change.kind)} {outcome.change.name!r}: {why}")
    if not interrupted and not any(o.status == ALREADY for o in outcomes):
        stale += _moved_lists(plan, state)
    if stale:
        raise StalePlan(
            f"the tenant changed since the plan was made; nothing was applied. Plan again. Changed items ({len(stale)}):",
            stale,
        )


def _run_one(state: TenantState, backend, outcome: Outcome, journal: Journal | None) -> bool:
    """Carry out one change, journaled; False when it failed."""
    if journal:
        journal.start(outcome.index, _before_image(state, outcome.change))
    try:
        _carry_out(state, backend, outcome)
    except LeadconfError as exc:
        outcome.status, outcome.error = FAILED, str(exc)
        if journal:
            journal.failed(outcome.index, str(exc))
        log.info("apply: change %d failed: %s", outcome.index, exc)
        return False
    outcome.status = DONE
    if journal:
        try:
            journal.done(outcome.index, outcome.key, outcome.before, outcome.after)
        except FileError as exc:
            # The write is in the tenant: say so, or the user takes the change for one never made.
            raise FileError(f"{kind_words(outcome.change.kind)} {outcome.change.name!r} was changed in the tenant, but "
                            f"the journal could not record it: {exc}. `leadconf apply --resume {journal.path}` "
                            "finds it made and carries out the rest") from None
    return True


def _before_image(state: TenantState, change: Change):
    """What the journal keeps before a change: the item, or for a reorder the ranks it may move (a
    reorder cut off halfway is undone from these, not from the part a resumed run moved)."""
    if change.action != "reorder":
        return state.current(change)
    items = {name: _reorder_item(state, change, name) for name in (change.after or {})["ranks"]}
    return {name: item.rank for name, item in items.items() if item is not None}


def _fresh(state, backend, change: Change, key, expected):
    """Re-read the item just before writing it; refuse if it moved under us."""
    fresh = backend.read_item(change.kind, key)
    if not same(fresh, expected):
        raise StalePlan(f"{change.kind.replace('_', ' ')} {change.name!r} changed while the apply ran; not overwritten")
    return fresh


def _carry_out(state: TenantState, backend, outcome: Outcome):
    change = outcome.change
    if change.action == "reorder":
        before, after = {}, {}
        for name, rank in (change.after or {})["ranks"].items():
            item = _reorder_item(state, change, name)
            if item.rank == rank:
                continue
            fresh = _fresh(state, backend, change, item.id, item)
            written = backend.write(change.kind, _with_rank(fresh, rank))
            state.update(change.kind, written)
            before[name], after[name] = item.rank, rank
        outcome.before, outcome.after = before, after
        return
    current = state.current(change)
    value_kind = change.kind in VALUE_KINDS
    key = None if value_kind or (change.action == "create" and change.kind in LIST_KINDS) else change.key
    if key is not None or value_kind:
        fresh = _fresh(state, backend, change, key, current)
    else:
        fresh = current
    target = state.target(change, fresh)
    written = backend.write(change.kind, target)
    state.update(change.kind, written)
    outcome.before, outcome.after = fresh, written
    outcome.key = getattr(written, "id", getattr(written, "trigger", key)) if not isinstance(written, bool) else None


def _with_rank(item, rank):
    from dataclasses import replace

    return replace(item, rank=rank)


def raise_if_failed(report: ApplyReport):
    if not report.ok:
        c = report.counts()
        first = next((o for o in report.outcomes if o.status == FAILED), None)
        cause = f"; first failure: {first.change.kind.replace('_', ' ')} {first.change.name!r}: {first.error}" if first else ""
        raise ApplyError(
            f"apply did not finish: {c[DONE]} done, {c[ALREADY]} already done, {c[FAILED]} failed, "
            f"{c[SKIPPED]} skipped, {c[NOT_STARTED]} not started{cause}",
            report,
        )
