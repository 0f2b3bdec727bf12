"""`leadconf apply PLANFILE` and `leadconf apply --resume`: a saved plan (or a journal's) checked,
unsealed and matched to its target before a session carries it out (plan/planfile.py says how)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import click

from leadconf.cli.common import default_configs, echo_err
from leadconf.plan.plan import Plan

Opener = Callable[..., Any]  # reconcile._with_session: (target, rate_limit, rails, run, **hooks) -> report


def given_target(targets: Sequence[str]) -> str | None:
    """The target the command line names for a saved plan, if any (one at most)."""
    if len(targets) > 1:
        raise click.UsageError("a plan file applies to one target")
    return targets[0] if targets else None


def _note_env_target(where: str, what: str) -> None:
    """$LEADCONF_TARGET is a session's default, not a choice made for this plan: a sealed plan or a
    journal still goes to its own target (the one reviewed; leadconf's own "Apply it with: leadconf
    apply plan.json" must work in a session that set it), and this says so, naming both."""
    from leadconf.backends.registry import ENV_TARGET
    from leadconf.plan.confirm import normal_target

    env = os.environ.get(ENV_TARGET, "").strip()
    if env and normal_target(env) != normal_target(where):
        echo_err(f"note: {what} applies to its own target, not to ${ENV_TARGET} ({env})")


def plan_keys(create: bool = False):
    """The plan keys of this run; the shared one is a secret, masked wherever it might turn up."""
    from leadconf.backends.superoffice import redact
    from leadconf.plan.planfile import plan_keys as keys_of

    keys = keys_of(create=create)
    redact.register(*(k.decode("utf-8", "replace") for k in (keys.shared, keys.local) if k))
    return keys


def save_plan(path: str, plan_: Plan) -> None:
    """`plan --out`: the plan file, sealed with the run's key."""
    from leadconf.fileio import atomic_write
    from leadconf.plan.planfile import dumps

    atomic_write(path, dumps(plan_, plan_keys(create=True)), what="plan file")
    echo_err(f"Plan saved to {path}. Apply it with: leadconf apply {path}")


def _banner(output: str, how: str = ""):
    if output != "text":
        return None

    def banner(plan_: Plan, target: str) -> None:
        from leadconf.plan.render import summary_line

        note = f" ({how})" if how else ""
        echo_err(f"Applying the saved plan to {target}{note}: {summary_line(plan_).removeprefix('Plan: ')}")

    return banner


def apply_saved(planfile: str, configs: Sequence[str], targets: Sequence[str], session: Opener, output: str):
    """(target, report) of a saved plan: a sealed one as it is, on its own target; an unsealed one
    as far as a fresh plan of the config confirms it, on the target at hand, which must be its."""
    from leadconf.plan.confirm import require_same_target, tighter_policy
    from leadconf.vocabulary import policy_of

    given = given_target(targets)
    saved = _load_plan_file(planfile)
    plan_ = saved.plan
    where = plan_.locator or plan_.target
    if saved.sealed:
        if given:
            require_same_target(given, where, f"the plan file {planfile}")
        else:
            _note_env_target(where, f"the plan file {planfile}")
        if configs:  # a config at hand: the plan's policy may only tighten it
            plan_ = replace(plan_, policy=tighter_policy(plan_.policy, policy_of(_load(configs).config.policy)))
        return where, session(where, lambda s: s.apply_plan(plan_), on_plan=_banner(output))
    loaded = _load(configs)
    target = _unsealed_target(given, loaded)
    require_same_target(target, where, f"the plan file {planfile}")
    return target, session(target, lambda s: s.apply_confirmed(plan_, loaded),
                           on_plan=_banner(output, "unsealed, confirmed by a fresh plan of the config"))


def _load_plan_file(planfile: str):
    """The saved plan; a config given where the plan file goes (`apply leadconf.yaml`) gets a hint."""
    from leadconf.errors import PlanFileError
    from leadconf.plan import planfile as files

    try:
        return files.load(planfile, plan_keys())
    except PlanFileError as exc:
        if not str(planfile).lower().endswith((".yaml", ".yml")):
            raise
        raise PlanFileError(str(exc)).with_hints(f"A config goes after -c: leadconf apply -c {planfile}  "
                                                 "(PLANFILE is a plan saved by `leadconf plan --out`)") from None


def _load(configs: Sequence[str]):
    from leadconf.config.loader import load_config

    return load_config(default_configs(configs))


def _unsealed_target(given: str | None, loaded) -> str:
    """The target at hand (--target, else $LEADCONF_TARGET, else the config's): never the file's."""
    from leadconf.backends.registry import resolve_targets

    chosen = resolve_targets([given] if given else [], loaded.config.target)
    if len(chosen) != 1:
        raise click.UsageError("a plan file applies to one target")
    return chosen[0]


def resume(journal_path: str | None, journal_dir: str, targets: Sequence[str], session: Opener, output: str):
    """(target, report) of an interrupted apply finished from its journal, on the journal's target."""
    from leadconf.apply import latest_unfinished, read_journal
    from leadconf.apply.journal import interrupted_changes, journal_plan
    from leadconf.errors import PlanFileError
    from leadconf.plan.confirm import require_same_target

    given = given_target(targets)
    journal_path = journal_path or latest_unfinished(journal_dir)
    if not journal_path:
        raise PlanFileError(f"nothing to resume: no unfinished journal in {journal_dir}")
    header, events = read_journal(journal_path)
    plan_ = journal_plan(header, journal_path)
    where = plan_.locator or plan_.target
    if given:
        require_same_target(given, where, f"the journal {journal_path}")
    else:
        _note_env_target(where, f"the journal {journal_path}")
    interrupted = interrupted_changes(events)
    report = session(where, lambda s: s.apply_plan(plan_, journal_path=journal_path, interrupted=interrupted),
                     on_plan=_banner(output))
    return plan_.target, report
