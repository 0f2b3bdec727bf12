"""The command line. It only wires the layers together and prints; nothing below it prints.

Heavy modules (yaml, jsonschema, pydantic, httpx) are imported inside the commands, so
that `leadconf --help` and shell completion stay fast.
"""

from __future__ import annotations

import importlib

import click

from leadconf import __version__

# command name -> "module:function"; loaded only when the command runs or its help is shown
_COMMANDS = {
    "validate": "leadconf.cli.validate:validate",
    "schema": "leadconf.cli.validate:schema",
    "plan": "leadconf.cli.reconcile:plan",
    "apply": "leadconf.cli.reconcile:apply",
    "export": "leadconf.cli.reconcile:export",
    "completion": "leadconf.cli.completion:completion",
    "login": "leadconf.cli.login:login",
    "logout": "leadconf.cli.login:logout",
    "doctor": "leadconf.cli.doctor:doctor",
    "undo": "leadconf.cli.undo:undo",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        _accept_global_options(command)
        return command


def _set_verbose(ctx, param, value):
    if value:
        ctx.find_root().ensure_object(dict)["verbose"] = True
        from leadconf.cli.common import enable_debug_log

        enable_debug_log()


def _set_color(ctx, param, value):
    if value is not None:
        ctx.find_root().ensure_object(dict)["color"] = value


_VERBOSE_HELP = "Log each API request (method, path, status, time; secrets redacted)."
_COLOR_HELP = "Colour the output (default: on a terminal, unless NO_COLOR)."


def _global_params() -> list[click.Option]:
    return [
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, callback=_set_verbose, help=_VERBOSE_HELP),
        click.Option(["--color/--no-color"], default=None, expose_value=False, callback=_set_color, help=_COLOR_HELP),
    ]


def _accept_global_options(command: click.Command) -> None:
    """The group's options are accepted after the command too (`leadconf plan -v`)."""
    taken = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for param in _global_params():
        if not taken & {*param.opts, *param.secondary_opts}:
            command.params.append(param)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="leadconf")
@click.option("-v", "--verbose", is_flag=True, help=_VERBOSE_HELP + " Also accepted after the command.")
@click.option("--color/--no-color", default=None, help=_COLOR_HELP + " Also accepted after the command.")
@click.pass_context
def cli(ctx, verbose, color):
    """Configuration as code for SuperOffice CRM lead management.

    \b
    Describe company categories, lead statuses, category automation and the
    Marketing Premium options in YAML; then:
      leadconf validate   check the YAML (schema and product rules)
      leadconf plan       show what would change in the tenant
      leadconf apply      carry the plan out
      leadconf export     write a tenant's current state as YAML

    \b
    Exit codes: 0 success, 1 error (invalid config, refused plan, failed
    apply, API error), 2 changes pending (plan --detailed-exitcode),
    3 usage error, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    ctx.obj["color"] = color
    if verbose:
        from leadconf.cli.common import enable_debug_log

        enable_debug_log()


def main(argv=None):
    from leadconf.cli.common import run

    return run(cli, argv)
