"""What every command shares: options, how errors become messages and exit codes."""

from __future__ import annotations

import logging
import os
import sys

import click

from leadconf.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ApplyError,
    ConfigError,
    LeadconfError,
    StalePlan,
)


def config_option(f):
    return click.option(
        "-c",
        "--config",
        "configs",
        multiple=True,
        type=click.Path(),
        help="Config file or directory (repeatable; sections merge). Default: leadconf.yaml (or leadconf.yml)",
    )(f)


def target_option(f):
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="TARGET",
        help="snapshot:PATH or superoffice:online/CustNNNNN or superoffice:URL. "
        "Default: $LEADCONF_TARGET, then the config's target:.",
    )(f)


DEFAULT_CONFIGS = ("leadconf.yaml", "leadconf.yml")


def default_configs(configs) -> list[str]:
    """The -c files given, else leadconf.yaml, else leadconf.yml (as CI and pre-commit accept both)."""
    if configs:
        return list(configs)
    found = next((name for name in DEFAULT_CONFIGS if os.path.exists(name)), DEFAULT_CONFIGS[0])
    return [found]


def open_target(target: str, rate_limit: float | None = None):
    """The backend of a target string, with the command's --rate-limit (None: the backend's own)."""
    from leadconf.backends.registry import open_backend

    options = {"rate_limit": rate_limit} if rate_limit else {}
    return open_backend(target, **options)


# --output json: every outcome is a JSON document on stdout, errors included. The command says so
# once it has parsed its options; an error before that (a usage error) is told by the arguments.
_JSON_ERRORS = {"on": False}


def json_errors(output: str) -> None:
    """Called by a command with its --output: with json, an error is also a JSON document on stdout."""
    _JSON_ERRORS["on"] = output == "json"


def _wants_json(argv) -> bool:
    args = list(sys.argv[1:] if argv is None else argv)
    return _JSON_ERRORS["on"] or "--output=json" in args or any(
        a == "--output" and b == "json" for a, b in zip(args, args[1:]))


def _echo_json_error(exc: Exception, code: int) -> None:

    error: dict = {"type": exc.__class__.__name__, "message": _message(exc)}
    if isinstance(exc, ConfigError):
        error["diagnostics"] = [d.to_dict() for d in exc.diagnostics]
    if isinstance(exc, StalePlan) and exc.items:
        error["items"] = list(exc.items)
    doc = {"ok": False, "exit_code": code, "error": error}
    from leadconf.backends.superoffice.redact import redact
    from leadconf.plan.escape import json_text

    click.echo(redact(json_text(doc), queries=False), nl=False)


def _message(exc: Exception) -> str:
    if isinstance(exc, click.ClickException):
        return exc.format_message()
    return str(exc)


def _hint_for_o(exc: click.UsageError) -> None:
    """-o is a file in every command that writes one; elsewhere, say where the format went."""
    if isinstance(exc, click.NoSuchOption) and exc.option_name == "-o":
        exc.message += (  # type: ignore[misc]  # click's own attribute, shown by exc.show()
" (-o/--out names a file, in the commands that write one: plan, export, schema, undo;"
                        " for the format: --output json)")


def enable_debug_log():
    """Debug logging of leadconf (each API request among it; secrets are redacted where logged)."""
    log = logging.getLogger("leadconf")
    for old in [h for h in log.handlers if getattr(h, "_leadconf_cli", False)]:
        log.removeHandler(old)  # one handler, on the current stderr, however often a process runs main()
    from leadconf.backends.superoffice.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler._leadconf_cli = True
    handler.addFilter(RedactingFilter())  # every leadconf logger, not only the HTTP ones
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)


def clean(message: object) -> str:
    """One line of ours, which may quote a server, a tenant or a file name: secrets masked (before
    anything else touches the text), then made safe as a whole. A line break in it is shown as an
    escape (`\\x0a`): only the caller knows which breaks are its own, so it passes each line apart."""
    from leadconf.backends.superoffice.redact import redact
    from leadconf.plan.escape import safe

    return safe(redact(message, queries=False))  # server text was masked, queries too, when read


def echo_err(*lines: object):
    """Lines of ours on stderr, one argument each: nothing inside one can start another."""
    for line in lines:
        click.echo(clean(line), err=True)


def echo_out(*lines: object):
    """Lines of ours on stdout; renderings (which escape their own values) go through echo_rendered."""
    for line in lines:
        click.echo(clean(line))


def echo_rendered(text: str, color: bool | None = None):
    """A plan or report rendered by leadconf.plan.render (values already escaped): secrets masked."""
    from leadconf.backends.superoffice.redact import redact

    click.echo(redact(text, queries=False), nl=False, color=color)


def report_error(exc: LeadconfError):
    """Print an error as the user should see it: no traceback, the file/item named."""
    if isinstance(exc, ConfigError):
        for diag in exc.diagnostics:
            echo_err(str(diag))
        return
    if isinstance(exc, StalePlan) and exc.items:
        echo_err(f"error: {exc}")
        for item in exc.items:
            echo_err(f"  - {item}")
        return
    head, *hints = exc.lines()
    echo_err(f"error: {head}", *hints)
    if isinstance(exc, ApplyError) and exc.report is not None:
        hint = getattr(exc.report, "hint", None)
        if hint:
            echo_err(hint)


def run(group: click.Group, argv=None):
    if os.environ.get("LEADCONF_LOG", "").lower() == "debug":
        enable_debug_log()
    _JSON_ERRORS["on"] = False
    try:
        rv = group.main(args=argv, prog_name="leadconf", standalone_mode=False)
    except LeadconfError as exc:
        report_error(exc)
        _exit_with(exc, exc.exit_code, argv)
    except click.exceptions.Abort:
        echo_err("Aborted.")
        sys.exit(EXIT_INTERRUPTED)
    except click.UsageError as exc:
        _hint_for_o(exc)
        exc.show()
        _exit_with(exc, EXIT_USAGE, argv)
    except click.ClickException as exc:
        exc.show()
        _exit_with(exc, EXIT_ERROR, argv)
    except KeyboardInterrupt:
        echo_err("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug of ours: say so in one line; the traceback only on request
        if logging.getLogger("leadconf").isEnabledFor(logging.DEBUG):
            raise
        echo_err(
            f"internal error: {exc.__class__.__name__}: {exc}",
            "This is a bug in leadconf; run again with LEADCONF_LOG=debug for the details, and report it.",
        )
        sys.exit(EXIT_ERROR)
    sys.exit(rv if isinstance(rv, int) else 0)


def _exit_with(exc: Exception, code: int, argv) -> None:
    if _wants_json(argv):
        _echo_json_error(exc, code)
    sys.exit(code)
