"""One apply against one backend, from a plan (saved, or made here from a config) to the undo plan.

The session holds the backend's lock for the whole of it, so that the plan (when it makes one), the
checks and the writes all see the same tenant; it refuses an unsafe plan (`Plan.raise_if_unsafe`),
asks `confirm`, carries the changes out journaled (runner.py) and saves the inverse plan beside the
journal. It prints nothing: `on_plan` is told the plan before anything is refused or asked, and the
caller shows the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leadconf.apply.journal import Journal
from leadconf.apply.runner import ApplyReport, apply_plan
from leadconf.apply.undo import write_undo_plan
from leadconf.errors import PlanError
from leadconf.plan.plan import Plan

if TYPE_CHECKING:
    from leadconf.backends.base import Backend
    from leadconf.config.loader import LoadedConfig

CANCELLED = "apply cancelled; nothing was changed"


@dataclass
class ApplySession:
    """backend         an open backend (the caller closes it)
    journal_dir     where the journal and the undo plan go
    allow_delete, allow_large_change   the safety rails lifted (Plan.raise_if_unsafe)
    continue_on_error  go on with the changes that do not depend on a failed one
    confirm         f(plan) -> bool, asked before a fresh plan is carried out; None: approved
    on_plan         f(plan, target), told every plan (and the backend's description) before it is
                    checked, to show it
    stop            an Event (threading.Event): when set, the apply stops after the change in flight
                    (report.interrupted); the journal and the undo plan cover what was done
    """

    backend: Backend
    journal_dir: str
    allow_delete: bool = False
    allow_large_change: bool = False
    continue_on_error: bool = False
    confirm: Callable[[Plan], bool] | None = None
    on_plan: Callable[[Plan, str], None] | None = None
    stop: Any = None
    journal_path: str | None = field(default=None, init=False)  # the journal, once there is one

    def apply_config(self, loaded: LoadedConfig) -> ApplyReport:
        """Plan `loaded` against the tenant as it is now, then carry the plan out, under one lock."""
        from leadconf.diff import build_plan  # the config's world: not loaded for a saved plan

        backend = self.backend
        with backend.lock():
            tenant = backend.read()
            plan = build_plan(loaded, tenant, backend.description, backend.locator)
            return self._carry_out(plan, tenant=tenant, ask=True)

    def apply_plan(self, plan: Plan, *, journal_path: str | None = None, interrupted: dict | None = None) -> ApplyReport:
        """Carry out a saved plan (approved by whoever saved it), or resume the apply journaled at
        `journal_path` (`interrupted`: the changes it shows as started but not finished)."""
        with self.backend.lock():
            return self._carry_out(plan, journal_path=journal_path, interrupted=interrupted)

    def apply_confirmed(self, saved: Plan, loaded: LoadedConfig) -> ApplyReport:
        """An unsealed saved plan: carried out as far as a fresh plan of `loaded`, made under the
        same lock as the writes, confirms every one of its changes (plan/confirm.py)."""
        from leadconf.diff import build_plan
        from leadconf.plan.confirm import confirmed

        backend = self.backend
        with backend.lock():
            tenant = backend.read()
            fresh = build_plan(loaded, tenant, backend.description, backend.locator)
            return self._carry_out(confirmed(saved, fresh), tenant=tenant)

    def _carry_out(self, plan: Plan, *, tenant=None, ask=False, journal_path=None, interrupted=None) -> ApplyReport:
        if self.on_plan is not None:
            self.on_plan(plan, self.backend.description)
        if not plan.has_changes:
            return ApplyReport(target=self.backend.description)
        plan.raise_if_unsafe(allow_delete=self.allow_delete, allow_large_change=self.allow_large_change)
        if ask and self.confirm is not None and not self.confirm(plan):
            raise PlanError(CANCELLED)
        if journal_path:
            journal = Journal(journal_path)
        else:
            journal = Journal.create(self.journal_dir, plan.to_file_dict(), self.backend.description)
        self.journal_path = journal.path
        try:
            report = apply_plan(plan, self.backend, journal=journal, continue_on_error=self.continue_on_error,
                                tenant=tenant, interrupted=interrupted, stop=self.stop)
        finally:
            journal.close()
        write_undo_plan(plan, report, journal.path)
        return report
