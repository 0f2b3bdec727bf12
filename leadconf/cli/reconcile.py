"""`leadconf plan`, `leadconf apply`, `leadconf export`: thin wiring of config, backend, plan, apply."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import click

from leadconf.cli.common import (
    config_option,
    default_configs,
    echo_err,
    echo_out,
    echo_rendered,
    json_errors,
    open_target,
    target_option,
)

_OUTPUTS = click.Choice(["text", "json", "markdown", "github"])


def _file_not_format(value):
    """-o is a file in every command; `plan -o json` (the format, in leadconf 0.1) gets a hint."""
    if value in _OUTPUTS.choices:
        raise click.BadParameter(f"-o/--out is the file to save the plan to, not the format: did you mean "
                                 f"--output {value}? (to save a plan in a file named {value!r}: --out ./{value})",
                                 param_hint="'-o'")
    return value


def _global_color():
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("color") if isinstance(obj, dict) else None


def _color(flag) -> bool:
    if flag is not None:
        return flag
    return sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _targets(targets, targets_file, loaded):
    from leadconf.backends.registry import resolve_targets

    listed = list(targets)
    if targets_file:
        try:
            with open(targets_file, encoding="utf-8") as fh:
                listed += [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as exc:
            raise click.UsageError(f"--targets-file {targets_file}: {exc.strerror}") from None
    return resolve_targets(listed, loaded.config.target if loaded else None)


def _plan_one(loaded, target, rate_limit):
    from leadconf.diff import build_plan

    backend = open_target(target, rate_limit)
    try:
        return build_plan(loaded, backend.read(), backend.description, backend.locator)
    finally:
        backend.close()


def _run_each(targets, parallel, fn):
    """fn(target) for every target, at most `parallel` at once; results (or errors) in order."""
    from leadconf.errors import LeadconfError

    def guarded(target):
        try:
            return fn(target), None
        except LeadconfError as exc:
            return None, exc

    if len(targets) == 1:
        result, exc = guarded(targets[0])
        if exc is not None:
            raise exc
        return [(targets[0], result, None)]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return [(t, *r) for t, r in zip(targets, pool.map(guarded, targets))]


def json_text(document) -> str:
    from leadconf.plan.escape import json_text as text

    return text(document)


def _render(plan, output, color):
    from leadconf.plan import render

    if output == "text":
        return render.text(plan, color=color)
    return render.RENDERERS[output](plan)


@click.command()
@config_option
@target_option
@click.option("--targets-file", type=click.Path(dir_okay=False), help="A file with one target per line.")
@click.option("--output", type=_OUTPUTS, default="text", show_default=True, help="How to show the plan (the format).")
@click.option("-o", "--out", "plan_out", type=click.Path(dir_okay=False), callback=lambda ctx, p, v: _file_not_format(v),
              help="Save the plan to this FILE for `leadconf apply PLANFILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error).")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal, unless NO_COLOR).")
@click.option("--parallel", type=click.IntRange(1, 32), default=8, show_default=True, help="Targets planned at once.")
@click.option("--rate-limit", type=click.FloatRange(min=0.1), help="API requests per second per tenant (default 10).")
def plan(configs, targets, targets_file, output, plan_out, detailed_exitcode, color, parallel, rate_limit):
    """Show what would change in the tenant to match the config."""
    from leadconf.config.loader import load_config
    from leadconf.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK

    json_errors(output)
    color = _color(color if color is not None else _global_color())
    loaded = load_config(default_configs(configs))
    chosen = _targets(targets, targets_file, loaded)
    if plan_out and len(chosen) > 1:
        raise click.UsageError("--out saves one plan: give one target")
    results = _run_each(chosen, parallel, lambda t: _plan_one(loaded, t, rate_limit))
    code = EXIT_OK
    many = len(results) > 1
    documents = []
    for target, result, exc in results:
        if exc is not None:
            from leadconf.cli.common import report_error

            if many:
                echo_err(f"== {target}: failed")
            report_error(exc)
            code = EXIT_ERROR
            documents.append({"target": target, "error": str(exc)})
            continue
        if output == "json" and many:
            documents.append(result.to_dict())
        else:
            if many and output in ("text", "markdown"):
                echo_out(f"== {target}" if output == "text" else "")
            echo_rendered(_render(result, output, color), color=color)
        if result.differs and detailed_exitcode and code == EXIT_OK:  # LC302 too: the tenant differs
            code = EXIT_CHANGES
        if plan_out:
            from leadconf.cli.saved import save_plan

            save_plan(plan_out, result)
    if output == "json" and many:
        echo_rendered(json_text(documents))
    return code


def _confirm(request):
    """Ask on the terminal; a Ctrl-C at the question cancels at once."""

    def confirm(plan_) -> bool:
        from leadconf.errors import PlanError

        if sys.stdin is None or not sys.stdin.isatty():  # None: started with standard input closed
            raise PlanError("apply needs confirmation: no terminal to ask on. Review the plan, then pass --auto-approve.")
        request.prompting = True
        try:
            return click.confirm("Apply these changes?", default=False, err=True)
        finally:
            request.prompting = False

    return confirm


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False))
@config_option
@target_option
@click.option("--targets-file", type=click.Path(dir_okay=False), help="A file with one target per line.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option("--allow-delete", is_flag=True, help="Allow a plan that (soft-)deletes items.")
@click.option("--allow-large-change", is_flag=True, help="Allow a plan over the policy's change threshold.")
@click.option("--continue-on-error", is_flag=True, help="Go on with the changes that do not depend on a failed one.")
@click.option("--resume", is_flag=True, help="Finish an interrupted apply (PLANFILE: its journal; default: the latest unfinished).")
@click.option("--journal-dir", default=os.path.join(".leadconf", "journal"), show_default=True, type=click.Path(file_okay=False), help="Where journals and undo plans go.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True, help="How to report (the format).")
@click.option("--color/--no-color", default=None)
@click.option("--parallel", type=click.IntRange(1, 32), default=8, show_default=True, help="Targets applied at once.")
@click.option("--rate-limit", type=click.FloatRange(min=0.1), help="API requests per second per tenant (default 10).")
def apply(planfile, configs, targets, targets_file, auto_approve, allow_delete, allow_large_change, continue_on_error,
          resume, journal_dir, output, color, parallel, rate_limit):
    """Carry out a plan: a saved PLANFILE, or a fresh plan of the config.

    Changes run in a safe order, each one journaled; afterwards an undo plan is saved that
    `leadconf apply UNDOFILE` runs to go back (`leadconf undo` writes it again from the journal).
    Ctrl-C or SIGTERM stops after the change in flight, says how to resume or undo, and exits 130.
    """
    from leadconf.cli.interrupt import stop_on_signals
    from leadconf.cli.saved import plan_keys

    json_errors(output)
    plan_keys()  # a LEADCONF_PLAN_KEY the undo plan cannot be signed with is refused before any change
    rails = {"journal_dir": journal_dir, "allow_delete": allow_delete, "allow_large_change": allow_large_change,
             "continue_on_error": continue_on_error}
    color = _color(color if color is not None else _global_color())
    with stop_on_signals() as request:
        rails["stop"] = request.event
        if resume:
            return _resume(planfile, targets, rails, rate_limit, output)
        if planfile:
            return _apply_saved(planfile, configs, targets, rails, rate_limit, output)
        return _apply_config(configs, targets, targets_file, auto_approve, rails, rate_limit, output, color, parallel,
                             request)


def _with_session(target, rate_limit, rails, run, **hooks):
    """run(session) on an ApplySession over the opened target; the backend is closed after."""
    from leadconf.apply import ApplySession
    from leadconf.errors import ApplyInterrupted

    backend = open_target(target, rate_limit)
    session = ApplySession(backend, **rails, **hooks)
    try:
        return run(session)
    except KeyboardInterrupt:
        journal = session.journal_path if session.journal_path and os.path.exists(session.journal_path) else None
        raise ApplyInterrupted(*_abandoned(target, journal, rails)).with_hints(*_abandoned_hints(journal, rails)) from None
    finally:
        backend.close()


def _abandoned(target, journal, rails) -> tuple[str, str | None]:
    if journal is None:
        return f"apply to {target} interrupted before its first change; nothing was changed", None
    return f"apply to {target} interrupted in the middle of a change (the write in flight was abandoned).", journal


def _abandoned_hints(journal, rails) -> tuple[str, ...]:
    if journal is None:
        return ()
    return (_journal_counts(journal), f"Journal: {journal}", f"To finish it: {_resume_command(journal, rails)}",
            f"To go back instead: leadconf undo {_quote(journal)}, then apply the undo plan it writes")


def _journal_counts(journal) -> str:
    """The done and remaining counts of an abandoned apply, from its journal (every run of it)."""
    from leadconf.apply.journal import progress, read_journal
    from leadconf.errors import LeadconfError

    try:
        n = progress(*read_journal(journal))
    except LeadconfError as exc:
        return f"(no counts: {exc})"
    return (f"Interrupted: {n['done']} done, {n['already']} already done, {n['failed']} failed, {n['in_flight']} "
            f"abandoned in flight, {n['not_started']} not started.")


def _resume_command(journal, rails) -> str:
    flags = [f for f, on in (("--allow-delete", rails.get("allow_delete")),
                             ("--allow-large-change", rails.get("allow_large_change")),
                             ("--continue-on-error", rails.get("continue_on_error"))) if on]
    return " ".join(["leadconf apply --resume", _quote(journal), *flags])


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)


def _apply_saved(planfile, configs, targets, rails, rate_limit, output):
    from leadconf.cli.saved import apply_saved

    target, report = apply_saved(planfile, configs, targets, _session(rate_limit, rails), output)
    return _finish([(target, report, None)], output, rails)


def _resume(journal_path, targets, rails, rate_limit, output):
    from leadconf.cli.saved import resume

    target, report = resume(journal_path, rails["journal_dir"], targets, _session(rate_limit, rails), output)
    return _finish([(target, report, None)], output, rails)


def _session(rate_limit, rails):
    return lambda target, run, **hooks: _with_session(target, rate_limit, rails, run, **hooks)


def _apply_config(configs, targets, targets_file, auto_approve, rails, rate_limit, output, color, parallel, request):
    from leadconf.config.loader import load_config

    loaded = load_config(default_configs(configs))
    chosen = _targets(targets, targets_file, loaded)
    if len(chosen) > 1 and not auto_approve:
        raise click.UsageError("applying to several targets needs --auto-approve (review their plans first)")
    hooks = {"confirm": None if auto_approve else _confirm(request), "on_plan": None}
    if output == "text" and len(chosen) == 1:
        hooks["on_plan"] = lambda plan_, target: echo_rendered(_render(plan_, "text", color), color=color)
    results = _run_each(chosen, parallel, lambda t: _with_session(t, rate_limit, rails, lambda s: s.apply_config(loaded), **hooks))
    return _finish(results, output, rails)


def _finish(results, output, rails):
    from leadconf.apply.runner import raise_if_failed
    from leadconf.cli.common import report_error
    from leadconf.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, LeadconfError

    code = EXIT_OK
    documents = []
    for target, report, exc in results:
        if exc is not None:
            if len(results) > 1:
                echo_err(f"== {target}: failed")
            report_error(exc)
            documents.append({"target": target, "ok": False, "error": str(exc)})
            code = max(code, exc.exit_code)
            continue
        documents.append({**report.to_dict(), **_next_steps(report, rails)})
        if output == "text":
            _print_report(report, many=len(results) > 1, rails=rails)
        if report.undo_error:
            echo_err(f"error: {report.undo_error}")
            code = max(code, EXIT_ERROR)
        if report.interrupted:
            code = EXIT_INTERRUPTED
        elif not report.ok:
            code = max(code, EXIT_ERROR)
            if output == "text" and len(results) == 1:
                try:
                    raise_if_failed(report)
                except LeadconfError as err:
                    report_error(err)
    if output == "json":
        echo_rendered(json_text(documents[0] if len(documents) == 1 else documents))
    return code


def _next_steps(report, rails) -> dict:
    """The commands that finish or undo an apply that did not finish (for the JSON report)."""
    if report.ok or not report.journal:
        return {}
    steps = {"resume_command": _resume_command(report.journal, rails)}
    if report.undo:
        steps["undo_command"] = _undo_command(report)
    return steps


def _undo_command(report) -> str:
    return " ".join([f"leadconf apply {_quote(report.undo)}", *report.undo_flags])


def _print_report(report, many, rails):
    from leadconf.apply.runner import DONE
    from leadconf.plan.change import KIND_TITLES

    prefix = f"{report.target}: " if many else ""
    if not report.outcomes:
        if many:
            echo_out(f"{prefix}no changes.")
        return
    for o in report.outcomes:
        what = KIND_TITLES[o.change.kind] if o.change.action == "reorder" else f"{o.change.kind.replace('_', ' ')} {o.change.name}"
        line = f"  {o.status:<12} {o.change.action:<8} {what}"
        if o.error:
            line += f": {o.error}"
        echo_out(prefix + line)
    c = report.counts()
    head = "Interrupted" if report.interrupted else "Applied"
    echo_out(f"{prefix}{head}: {c[DONE]} done, {c['already done']} already done, {c['failed']} failed, "
             f"{c['skipped']} skipped, {c['not started']} not started.")
    if report.journal:
        echo_out(f"{prefix}Journal: {report.journal}")
    if report.undo:
        echo_out(f"{prefix}Undo plan: {report.undo} (to go back: {_undo_command(report)})")
    if report.interrupted and report.journal:
        echo_out(f"{prefix}To finish it: {_resume_command(report.journal, rails)}")


@click.command()
@target_option
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@click.option("--include-deleted", is_flag=True, help="List deleted items too, as deleted: true.")
@click.option("--minimal", is_flag=True, help="Leave out fields at their default and prune nothing (everything else unmanaged); "
              "by default the export manages every field of the lists it writes, and prunes them, so that a plan shows hand changes.")
@click.option("--schema-ref", metavar="PATH|URL", help="Start the file with a yaml-language-server modeline to this schema.")
@click.option("--rate-limit", type=click.FloatRange(min=0.1), help="API requests per second (default 10).")
def export(targets, out_file, include_deleted, minimal, schema_ref, rate_limit):
    """Write the tenant's current state as a config file."""
    from leadconf.backends.registry import resolve_targets
    from leadconf.export import export_config, to_yaml
    from leadconf.fileio import atomic_write

    chosen = resolve_targets(targets, None)
    if len(chosen) != 1:
        raise click.UsageError("export reads one target")
    backend = open_target(chosen[0], rate_limit)
    try:
        tenant = backend.read()
        text = to_yaml(export_config(tenant, include_deleted=include_deleted, minimal=minimal), schema_ref)
    finally:
        backend.close()
    if tenant.utm_error:
        echo_err(f"warning: marketing.utm_tracking left out (unmanaged): {tenant.utm_error}")
    if out_file:
        atomic_write(out_file, text)
        echo_err(f"Exported {chosen[0]} to {out_file}")
    else:
        click.echo(text, nl=False)
