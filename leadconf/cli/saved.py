"""`leadconf apply PLANFILE` and `leadconf apply --resume`: the plan file read (plan/planfile.py
checks it and its seal), handed to apply/saved.py, which decides its target and how a session
carries it out, and the session's progress shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _note(text: str) -> None:
    echo_err(f"note: {text}")


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
    as far as a fresh plan of the config confirms it, on the target at hand, which must be its
    (apply/saved.py decides which)."""
    from leadconf.apply.saved import saved_apply

    given = given_target(targets)
    saved = saved_apply(_load_plan_file(planfile), f"the plan file {planfile}", _load, given=given,
                        configs=configs, note=_note)
    how = "" if saved.sealed else "unsealed, confirmed by a fresh plan of the config"
    return saved.target, session(saved.target, saved.run, on_plan=_banner(output, how))


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


def resume(journal_path: str | None, journal_dir: str, targets: Sequence[str], session: Opener, output: str):
    """(target, report) of an interrupted apply finished from its journal, on the journal's target."""
    from leadconf.apply.saved import resumed_apply

    given = given_target(targets)
    resumed = resumed_apply(journal_path, journal_dir, given=given, note=_note)
    return resumed.plan.target, session(resumed.target, resumed.run, on_plan=_banner(output))
