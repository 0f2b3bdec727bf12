"""`leadconf validate` and `leadconf schema`.

Only click is imported at module level: `leadconf --help` imports this module to list the
commands, and must not pay for yaml, jsonschema or pydantic.
"""

from __future__ import annotations

import sys

import click

from leadconf.cli.common import config_option, default_configs, echo_err, echo_out, target_option


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.command()
@click.argument("files", nargs=-1, type=click.Path(), metavar="[CONFIG]...")
@config_option
@target_option
@click.option(
    "--output",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: one 'file:line:col: RULE message' line per finding on stderr; json: one JSON object on stdout (ok, exit_code, findings); "
    "github: workflow annotations on stdout.",
)
def validate(files, configs, targets, output):
    """Check the configuration: YAML, schema and the product's rules.

    Each CONFIG given as an argument (a file or a directory) is checked as a
    config of its own, as pre-commit passes them; -c files (repeatable) merge
    into one config. With --target, also check against the tenant's current
    state (user groups, headings, associates, flows, licences). Exits 0 when
    valid (warnings allowed), 1 when not.
    """
    if files and configs:
        raise click.UsageError("give config files either as arguments (each checked alone) or with -c (merged), not both")
    units = [[f] for f in files] if files else [default_configs(configs)]
    results = [(paths, _findings(paths, targets)) for paths in units]
    findings = [d for _, found in results for d in found]
    invalid = any(d.severity == "error" for d in findings)

    if output == "json":
        from leadconf.plan import escape

        # one object, as every --output json error is ({"ok", "exit_code", "error"}): README, rules.md
        doc = {"ok": not invalid, "exit_code": 1 if invalid else 0, "findings": [d.to_dict() for d in findings]}
        click.echo(escape.json_text(doc), nl=False)
    elif output == "github":
        for diag in findings:
            click.echo(_annotation(diag))
    else:
        for paths, found in results:
            for diag in found:
                echo_err(str(diag))
            errors = sum(d.severity == "error" for d in found)
            warnings = len(found) - errors
            counts = ", ".join(p for p in (_count(errors, "error") if errors else "", _count(warnings, "warning") if warnings else "") if p)
            label = ", ".join(paths)
            if errors:
                echo_err(f"{label}: invalid ({counts})")
            else:
                echo_out(f"{label}: valid" + (f" ({counts})" if counts else ""))
    if invalid:
        click.get_current_context().exit(1)


def _findings(paths, targets) -> list:
    from leadconf.config.loader import load_config, sort_key
    from leadconf.errors import ConfigError

    try:
        loaded = load_config(paths)
        findings = list(loaded.warnings)
    except ConfigError as exc:
        return list(exc.diagnostics)
    if targets:
        findings = sorted(findings + _check_targets(loaded, targets), key=sort_key(loaded.files))
    return findings


def _annotation(diag) -> str:
    """A GitHub workflow command: the finding shows on the YAML line in the pull request."""
    from leadconf.plan import escape

    level = "error" if diag.severity == "error" else "warning"
    where = []
    if diag.file:
        where.append(f"file={escape.github_property(diag.file)}")
        if diag.line:
            where += [f"line={int(diag.line)}", f"col={int(diag.column or 1)}"]
    head = f"::{level} " + ",".join(where) if where else f"::{level}"
    return f"{head}::{escape.github_message(f'{diag.rule} {diag.message}'.strip())}"


# validate reads a tenant only when asked to: no $LEADCONF_TARGET or target: default here, so
# that checking a file never needs credentials or a network. The shared option's help says otherwise.
for _param in validate.params:
    if _param.name == "targets":
        _param.help = ("Also check against this tenant's current state (repeatable): snapshot:PATH, "
                       "superoffice:online/CustNNNNN or superoffice:URL. Only when given.")


def _check_targets(loaded, targets) -> list:
    """Tenant rules for each target; with several targets each finding names its target."""
    from dataclasses import replace

    from leadconf.cli.common import open_target
    from leadconf.config.rules import check_against_tenant

    findings = []
    for target in targets:
        backend = open_target(target)
        try:
            tenant = backend.read()
        finally:
            backend.close()
        found = check_against_tenant(loaded, tenant)
        if len(targets) > 1:
            found = [replace(d, message=f"{d.message} [{target}]") for d in found]
        findings += found
    return findings


@click.command()
@click.option("-o", "--out", "output", type=click.Path(dir_okay=False), help="Write the schema to FILE instead of stdout.")
@click.option("--output", "old_output", type=click.Path(dir_okay=False), hidden=True,
              help="The spelling of --out before 0.2 (--output is a format everywhere else).")
def schema(output, old_output):
    """Print the JSON Schema (2020-12) of the config file.

    Editors use it through a first line such as
    '# yaml-language-server: $schema=schemas/leadconf.schema.json'.
    """
    from leadconf.config.schema import schema_text

    if old_output is not None:  # unambiguous here (the schema has one format): still works, with a hint
        echo_err("note: `schema --output FILE` is now `schema -o/--out FILE` (--output names a format elsewhere)")
        output = output or old_output
    text = schema_text()
    if output is None:
        sys.stdout.write(text)
        return
    from leadconf.fileio import atomic_write

    atomic_write(output, text, what="schema file")  # readers never see half a schema; a public file (0644, or the old mode)
