"""A saved plan (a plan file, or the plan a journal was started with) matched to its target and
ready for a session: which target it goes to, and how the session carries it out.

- A **sealed** plan file goes to its own target, as it is: a target named for it must be that
  target, and a config at hand may only tighten its policy (the plan's rails never loosen).
- An **unsealed** plan file goes to the target at hand (the one named, else $LEADCONF_TARGET, else
  the config's), which must be its own, and only as far as a fresh plan of the config confirms its
  changes (`ApplySession.apply_confirmed`; plan/confirm.py says which changes it may carry).
- A **journal** (`apply --resume`) goes to its own target, once its seal checks (journal_plan),
  resuming after the changes it shows made.

It prints nothing: `note` is told, in a line, when $LEADCONF_TARGET names another target than the
one a sealed plan or a journal goes to (that variable is a session's default, not a choice made for
this plan).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from leadconf.apply.journal import interrupted_changes, journal_plan, latest_unfinished, read_journal
from leadconf.errors import PlanFileError
from leadconf.plan.confirm import normal_target, require_same_target, tighter_policy
from leadconf.plan.plan import Plan

if TYPE_CHECKING:
    from leadconf.apply.runner import ApplyReport
    from leadconf.apply.session import ApplySession
    from leadconf.config.loader import LoadedConfig
    from leadconf.plan.planfile import SavedPlan

Note = Callable[[str], None]
Loader = Callable[[Sequence[str]], "LoadedConfig"]


@dataclass
class SavedApply:
    """A saved plan ready for a session. `confirm_with`: for an unsealed plan, the config whose
    fresh plan must confirm its changes; `journal`, `interrupted`: for a resume, the journal it goes
    on with and the changes it shows started but not finished."""

    target: str
    plan: Plan
    confirm_with: LoadedConfig | None = None
    journal: str | None = None
    interrupted: dict | None = None

    @property
    def sealed(self) -> bool:
        """Carried out as it is (a sealed plan file, or a journal's plan), not as a fresh plan confirms it."""
        return self.confirm_with is None

    def run(self, session: ApplySession) -> ApplyReport:
        """Carry the plan out with `session` (opened on `target`)."""
        if self.confirm_with is not None:
            return session.apply_confirmed(self.plan, self.confirm_with)
        return session.apply_plan(self.plan, journal_path=self.journal, interrupted=self.interrupted)


def saved_apply(saved: SavedPlan, what: str, load: Loader, given: str | None = None,
                configs: Sequence[str] = (), note: Note | None = None) -> SavedApply:
    """How the plan file `saved` (`what`: how errors name it) is carried out. `given`: the target
    named on the command line; `configs`: the config files named (for a sealed plan, a config is
    read only when named: its policy may only tighten the plan's); `load(configs)`: the config at
    hand (an unsealed plan always needs it, named or the default)."""
    plan = saved.plan
    where = plan.locator or plan.target
    if saved.sealed:
        _own_target(given, where, what, note)
        if configs:
            plan = tightened(plan, load(configs))
        return SavedApply(where, plan)
    loaded = load(configs)
    target = target_at_hand(given, loaded)
    require_same_target(target, where, what)
    return SavedApply(target, plan, confirm_with=loaded)


def tightened(plan: Plan, loaded: LoadedConfig) -> Plan:
    """`plan` under the stricter of its own policy and the config's: a plan may only tighten the rails."""
    from leadconf.vocabulary import policy_of

    return replace(plan, policy=tighter_policy(plan.policy, policy_of(loaded.config.policy)))


def target_at_hand(given: str | None, loaded: LoadedConfig) -> str:
    """The target an unsealed plan goes to: the one named, else $LEADCONF_TARGET, else the config's
    (never the plan file's own: an unsealed file may have been edited)."""
    from leadconf.backends.registry import resolve_targets

    (target,) = resolve_targets([given] if given else [], loaded.config.target)
    return target


def resumed_apply(journal: str | None, journal_dir: str, given: str | None = None,
                  note: Note | None = None) -> SavedApply:
    """How the interrupted apply of `journal` (default: the latest unfinished one in `journal_dir`)
    is finished: its plan, once the journal's seal checks, on its own target."""
    journal = journal or latest_unfinished(journal_dir)
    if not journal:
        raise PlanFileError(f"nothing to resume: no unfinished journal in {journal_dir}")
    header, events = read_journal(journal)
    plan = journal_plan(header, journal)
    where = plan.locator or plan.target
    _own_target(given, where, f"the journal {journal}", note)
    return SavedApply(where, plan, journal=journal, interrupted=interrupted_changes(events))


def _own_target(given: str | None, where: str, what: str, note: Note | None) -> None:
    """A plan that goes to its own target: a target named must be it; $LEADCONF_TARGET naming
    another is told to `note` (leadconf's own "Apply it with: leadconf apply plan.json" must work
    in a session that set it)."""
    if given:
        require_same_target(given, where, what)
        return
    from leadconf.backends.registry import ENV_TARGET

    env = os.environ.get(ENV_TARGET, "").strip()
    if env and note is not None and normal_target(env) != normal_target(where):
        note(f"{what} applies to its own target, not to ${ENV_TARGET} ({env})")
