"""`leadconf undo [JOURNAL] [--out FILE]`: write the undo plan of an apply from its journal.

Every apply writes its undo plan when it ends (stopped by Ctrl-C too). This command writes it again
from the journal alone: after a crash or a second Ctrl-C, when the undo plan could not be written,
or to put it somewhere else. The plan covers every change the journal records, over an
interrupted run and any number of resumed ones; it is applied like any plan file.
"""

from __future__ import annotations

import os

import click

from leadconf.cli.common import echo_err, echo_out, open_target


@click.command()
@click.argument("journal", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False),
              help="Write the undo plan to this file (default: beside the journal, as .undo.json).")
@click.option("--journal-dir", default=os.path.join(".leadconf", "journal"), show_default=True,
              type=click.Path(file_okay=False), help="Where to look for the latest journal.")
@click.option("--rate-limit", type=click.FloatRange(min=0.1), help="API requests per second (default 10).")
def undo(journal, out_file, journal_dir, rate_limit):
    """Write the undo plan of the apply recorded in JOURNAL (default: the latest in --journal-dir).

    It undoes every change the journal shows made, over every run of that apply (an interrupted
    one and its resumes). It reads the tenant, changes nothing: apply the plan it writes with
    `leadconf apply UNDOFILE` (plus the allow flags it needs, as it says).
    """
    from leadconf.apply.undo import undo_of_journal

    undo_ = undo_of_journal(journal, journal_dir, lambda target: open_target(target, rate_limit))
    if undo_.plan is None:
        echo_out(f"Nothing to undo: the apply recorded in {undo_.journal} changed nothing.")
        return 0
    _say(undo_, undo_.write(out_file))
    return 0


def _say(undo_, path):
    import shlex

    from leadconf.plan.render import summary_line

    flags = "".join(f" {flag}" for flag in undo_.plan.allow_flags())
    echo_out(f"Undo plan: {path}: {summary_line(undo_.plan).removeprefix('Plan: ')}",
             f"To go back: leadconf apply {shlex.quote(path)}{flags}")
    if not undo_.finished:
        journal = undo_.journal
        echo_err(f"note: the apply recorded in {journal} did not finish; the undo plan covers the changes it made. "
                 f"To finish the apply instead: leadconf apply --resume {shlex.quote(journal)}")
