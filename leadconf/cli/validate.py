"""`leadconf validate` and `leadconf schema`.

Only click is imported at module level: `leadconf --help` imports this module to list the
commands, and must not pay for yaml, jsonschema or pydantic.
"""

from __future__ import annotations

import sys

import click

from leadconf.cli.common import config_option, default_configs, echo_err, target_option


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.command()
@config_option
@target_option
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one 'file:line:col: RULE message' line per finding on stderr; json: a JSON array on stdout.",
)
def validate(configs, targets, output):
    """Check the configuration: YAML, schema and the product's rules.

    With --target, also check it against the tenant's current state (user
    groups, headings, associates, flows, licences). Exits 0 when valid
    (warnings allowed), 1 when not.
    """
    from leadconf.config.loader import load_config, sort_key
    from leadconf.errors import ConfigError

    paths = default_configs(configs)
    label = ", ".join(paths)
    try:
        loaded = load_config(paths)
        findings = list(loaded.warnings)
    except ConfigError as exc:
        loaded, findings = None, list(exc.diagnostics)
    if loaded is not None and targets:
        findings = sorted(findings + _check_targets(loaded, targets), key=sort_key(loaded.files))
    errors = sum(d.severity == "error" for d in findings)
    warnings = len(findings) - errors

    if output == "json":
        import json

        click.echo(json.dumps([d.to_dict() for d in findings], indent=2, ensure_ascii=False))
    else:
        for diag in findings:
            echo_err(str(diag))
        counts = ", ".join(p for p in (_count(errors, "error") if errors else "", _count(warnings, "warning") if warnings else "") if p)
        if errors:
            echo_err(f"{label}: invalid ({counts})")
        else:
            click.echo(f"{label}: valid" + (f" ({counts})" if counts else ""))
    if errors:
        click.get_current_context().exit(1)


# validate reads a tenant only when asked to: no $LEADCONF_TARGET or target: default here, so
# that checking a file never needs credentials or a network. The shared option's help says otherwise.
for _param in validate.params:
    if _param.name == "targets":
        _param.help = ("Also check against this tenant's current state (repeatable): snapshot:PATH, "
                       "superoffice:online/CustNNNNN or superoffice:URL. Only when given.")


def _check_targets(loaded, targets) -> list:
    """Tenant rules for each target; with several targets each finding names its target."""
    from dataclasses import replace

    from leadconf.backends.registry import open_backend
    from leadconf.config.rules import check_against_tenant

    findings = []
    for target in targets:
        backend = open_backend(target)
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
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write the schema to FILE instead of stdout.")
def schema(output):
    """Print the JSON Schema (2020-12) of the config file.

    Editors use it through a first line such as
    '# yaml-language-server: $schema=schemas/leadconf.schema.json'.
    """
    from leadconf.config.schema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
        return
    _write_atomic(output, text)


def _write_atomic(path: str, text: str):
    """Write to a temporary file beside `path`, then rename: readers never see half a schema."""
    import os
    import stat
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".leadconf-schema-", suffix=".tmp", dir=directory)
    try:
        try:  # mkstemp makes the file private; the schema is a public file: keep the old mode or use 0644
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
