"""`leadconf doctor --target superoffice:…`: check leadconf's readings of the Web API on a real tenant.

The checks are in leadconf/backends/superoffice/doctor.py; this module opens the target and prints
the table. Exit 1 when any reading differs from what the tenant answered.
"""

from __future__ import annotations

import os

import click

from leadconf.cli.common import echo_out
from leadconf.errors import EXIT_ERROR, TargetError


@click.command()
@click.option("--target", metavar="TARGET",
              help="superoffice:online/CustNNNNN or superoffice:URL (a sandbox). Default: $LEADCONF_TARGET.")
@click.option("--write-test", is_flag=True,
              help="Also create, rename and soft-delete a scratch lead status named \"leadconf doctor scratch …\".")
def doctor(target, write_test):
    """Check each assumption leadconf makes about the Web API against a live tenant.

    Prints one row per assumption of quirks.py: holds, differs or unknown, and what the tenant
    answered. Exit code 1 when any assumption differs.
    """
    from leadconf.backends.registry import ENV_TARGET
    from leadconf.backends.superoffice import open_superoffice
    from leadconf.backends.superoffice.doctor import DIFFERS, run_checks

    chosen = target or os.environ.get(ENV_TARGET, "").strip()
    scheme, sep, rest = chosen.partition(":")
    if scheme != "superoffice" or not sep or not rest:
        raise TargetError(f"doctor needs --target superoffice:online/CustNNNNN or superoffice:URL, not {chosen!r}")
    backend = open_superoffice(rest)
    try:
        findings = run_checks(backend.client, write_test=write_test)
    finally:
        backend.close()
    echo_out(f"Target: {backend.description}", "", *_table(findings), "")
    differs = sum(1 for f in findings if f.verdict == DIFFERS)
    echo_out(f"{len(findings)} checked: {differs} differ." if differs else f"{len(findings)} checked: none differs.")
    return EXIT_ERROR if differs else 0


def _table(findings) -> list[str]:
    """One line per finding: what the tenant answered is escaped with the line (echo_out)."""
    rows = [("assumption", "verdict", "seen")] + [(f.assumption, f.verdict, _printable(f.seen)) for f in findings]
    width = max(len(r[0]) for r in rows)
    return [f"{a:<{width}}  {v:<8} {s}" for a, v, s in rows]


def _printable(text: str) -> str:
    """What the tenant answered, with control characters escaped: no line or colour is injected."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
