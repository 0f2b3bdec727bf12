"""`leadconf completion SHELL`: print the shell-completion script for bash, zsh or fish.

The script is click's own: the shell calls `leadconf` back with `_LEADCONF_COMPLETE=<shell>_complete`
and click answers with the commands, options and choices that fit. Only click is imported here,
so that printing the script (often done in a shell's start-up file) stays fast.
"""

from __future__ import annotations

import click

PROG_NAME = "leadconf"
COMPLETE_VAR = "_LEADCONF_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell):
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash: add to ~/.bashrc (bash 4.4 or newer):
            eval "$(leadconf completion bash)"
          or, faster at shell start, save it once:
            leadconf completion bash > ~/.local/share/bash-completion/completions/leadconf
    zsh:  add to ~/.zshrc, after compinit:
            eval "$(leadconf completion zsh)"
          or save it as _leadconf in a directory of your $fpath
    fish: leadconf completion fish > ~/.config/fish/completions/leadconf.fish

    Completes commands, options and choices (for example `--output`). Open a new
    shell (or source the file) after installing it.
    """
    from click.shell_completion import get_completion_class

    from leadconf.cli import cli

    cls = get_completion_class(shell)
    # The script calls `leadconf` back by this name with this variable; both fixed, whatever name
    # this process was started under (python -m leadconf, a venv path ...).
    script = cls(cli, {}, PROG_NAME, COMPLETE_VAR).source()
    click.echo(script, nl=not script.endswith("\n"))
