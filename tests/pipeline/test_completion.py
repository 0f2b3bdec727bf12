"""`leadconf completion bash|zsh|fish`: the scripts, and completion through click's protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from leadconf.cli.completion import completion
from tests.pipeline.ci_sim import BIN, ROOT, base_env

LEADCONF = os.path.join(BIN, "leadconf")


def _script(shell: str) -> str:
    result = CliRunner().invoke(completion, [shell])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _leadconf_completion leadconf"),
    ("zsh", "compdef _leadconf_completion leadconf"),
    ("fish", "complete --no-files --command leadconf"),
])
def test_each_shell_gets_its_script(shell, marker):
    script = _script(shell)
    assert marker in script
    assert f"_LEADCONF_COMPLETE={shell}_complete" in script
    assert script.endswith("\n") and not script.endswith("\n\n\n")


def test_unknown_shell_is_a_usage_error():
    result = CliRunner().invoke(completion, ["powershell"])
    assert result.exit_code == 2 and "'powershell' is not one of 'bash', 'zsh', 'fish'" in result.output


def test_the_module_imports_only_click():
    code = ("import sys; import leadconf.cli.completion; "
            "bad = [m for m in ('yaml', 'pydantic', 'jsonschema', 'deepdiff', 'httpx') if m in sys.modules]; "
            "print(bad)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def _complete(words: str, cword: int, shell="bash") -> list[str]:
    assert os.path.exists(LEADCONF), f"no leadconf console script beside {sys.executable}"
    env = base_env({"COMP_WORDS": words, "COMP_CWORD": str(cword), "_LEADCONF_COMPLETE": f"{shell}_complete"})
    proc = subprocess.run([LEADCONF], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_protocol_completes_commands():
    assert _complete("leadconf pl", 1) == ["plain,plan"]
    assert _complete("leadconf ex", 1) == ["plain,export"]


def test_protocol_completes_option_choices():
    assert _complete("leadconf plan --output ", 3) == ["plain,text", "plain,json", "plain,markdown", "plain,github"]
    assert "plain,--detailed-exitcode" in _complete("leadconf plan --det", 2)


def test_protocol_follows_the_one_grammar():
    """-o is a file in every command (completed as a file), --output a format; undo and the global
    options after a command are offered too (issue 14)."""
    assert _complete("leadconf plan -o ", 3) == ["file,"]
    assert _complete("leadconf undo --o", 2) == ["plain,--out"]
    assert "plain,--verbose" in _complete("leadconf plan --verb", 2)
    assert _complete("leadconf un", 1) == ["plain,undo"]


def test_sourced_bash_script_completes_leadconf_pl(tmp_path):
    script = tmp_path / "leadconf.bash"
    script.write_text(_script("bash"))
    probe = (
        f"source {script}\n"
        "complete -p leadconf\n"
        "declare -F _leadconf_completion\n"
        "COMP_WORDS=(leadconf pl); COMP_CWORD=1; COMPREPLY=()\n"
        "_leadconf_completion leadconf pl leadconf\n"
        'echo "reply: ${COMPREPLY[*]}"\n'
    )
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", probe], env=base_env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "complete -o nosort -F _leadconf_completion leadconf"
    assert lines[1] == "_leadconf_completion"
    assert lines[-1] == "reply: plan"


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_script_parses_in_its_shell(shell, tmp_path):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = tmp_path / f"leadconf.{shell}"
    script.write_text(_script(shell))
    proc = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_zsh_script_completes_in_zsh(tmp_path):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    script = tmp_path / "leadconf.zsh"
    script.write_text(_script("zsh"))
    # Run the completion function's protocol call the way the script does, then check the words.
    probe = f"""
autoload -U compinit && compinit -u
source {script}
print -r -- ${{_comps[leadconf]}}
"""
    proc = subprocess.run(["zsh", "-f", "-c", probe], env=base_env({"HOME": str(tmp_path)}), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "_leadconf_completion"


def test_fish_script_completes_in_fish(tmp_path):
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    script = tmp_path / "leadconf.fish"
    script.write_text(_script("fish"))
    proc = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C 'leadconf pl'"],
                          env=base_env({"HOME": str(tmp_path)}), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == ["plan"]
    assert "Show what would change" in proc.stdout  # with the command's short help


# -- wired into the CLI (the registration in leadconf/cli/__init__.py) ----------------------------

def test_completion_is_a_leadconf_command():
    from leadconf.cli import _COMMANDS

    assert _COMMANDS.get("completion") == "leadconf.cli.completion:completion"


def test_leadconf_completion_bash_end_to_end():
    proc = subprocess.run([sys.executable, "-m", "leadconf", "completion", "bash"], capture_output=True, text=True,
                          env=base_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "_leadconf_completion" in proc.stdout
    assert _complete("leadconf comp", 1) == ["plain,completion"]
