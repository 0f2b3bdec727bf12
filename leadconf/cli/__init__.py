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
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="leadconf")
@click.option("-v", "--verbose", is_flag=True, help="Log each API request (method, path, status, time; secrets redacted).")
@click.pass_context
def cli(ctx, verbose):
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
    if verbose:
        from leadconf.cli.common import enable_debug_log

        enable_debug_log()


def main(argv=None):
    from leadconf.cli.common import run

    return run(cli, argv)
