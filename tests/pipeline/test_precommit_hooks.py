""".pre-commit-hooks.yaml: the hook definitions parse, select the right files, and run the way
pre-commit runs them (shlex-split entry, then args, then the file names appended)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest
import yaml

from tests.pipeline.ci_sim import ROOT, base_env
from tests.pipeline.conftest import CHANGE, INVALID

with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as _fh:
    HOOKS = {h["id"]: h for h in yaml.safe_load(_fh)}


def test_hooks_are_well_formed():
    assert set(HOOKS) == {"leadconf-validate", "leadconf-validate-dir", "leadconf-plan"}
    for hook in HOOKS.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit installs this repository (leadconf) into the hook's venv
        re.compile(hook.get("files", ""))
    assert HOOKS["leadconf-plan"]["stages"] == ["manual"]
    assert HOOKS["leadconf-plan"]["pass_filenames"] is False


def test_hooks_name_existing_commands():
    from leadconf.cli import _COMMANDS

    for hook in HOOKS.values():
        words = shlex.split(hook["entry"])
        script = " ".join(words)
        commands = re.findall(r"\bleadconf (\w+)", script)
        assert commands, hook["id"]
        assert set(commands) <= set(_COMMANDS), commands


@pytest.mark.parametrize("hook, path, selected", [
    ("leadconf-validate", "leadconf.yaml", True),
    ("leadconf-validate", "leadconf.yml", True),
    ("leadconf-validate", "tenants/prod/leadconf.yaml", True),
    ("leadconf-validate", "leadconf/categories.yaml", False),
    ("leadconf-validate", "other.yaml", False),
    ("leadconf-validate", "my-leadconf.yaml", False),
    ("leadconf-validate", ".github/workflows/leadconf.yml", False),  # where the CI recipe goes
    ("leadconf-validate-dir", "leadconf/categories.yaml", True),
    ("leadconf-validate-dir", "leadconf/lead-statuses.yml", True),
    ("leadconf-validate-dir", "leadconf/sub/x.yaml", False),
    ("leadconf-validate-dir", "leadconf.yaml", False),
    ("leadconf-validate-dir", "leadconf/__init__.py", False),
])
def test_files_patterns(hook, path, selected):
    # pre-commit selects with re.search against the path from the repository root: files, then exclude
    h = HOOKS[hook]
    chosen = bool(re.search(h["files"], path)) and not (h.get("exclude") and re.search(h["exclude"], path))
    assert chosen is selected


def _run_hook(hook_id: str, cwd: str, filenames=(), env=None) -> subprocess.CompletedProcess:
    hook = HOOKS[hook_id]
    cmd = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    if hook.get("pass_filenames", True):
        cmd += list(filenames)
    return subprocess.run(cmd, cwd=cwd, env=base_env(env), capture_output=True, text=True, timeout=120)


def _write(base, rel, text):
    path = os.path.join(base, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def test_validate_hook_checks_each_file_and_reports_every_error(tmp_path):
    _write(tmp_path, "tenants/a/leadconf.yaml", CHANGE)
    _write(tmp_path, "tenants/b/leadconf.yaml", INVALID)
    _write(tmp_path, "tenants/c/leadconf.yaml", INVALID)
    ok = _run_hook("leadconf-validate", tmp_path, ["tenants/a/leadconf.yaml"])
    assert ok.returncode == 0, ok.stderr
    assert "tenants/a/leadconf.yaml: valid" in ok.stdout
    bad = _run_hook("leadconf-validate", tmp_path,
                    ["tenants/b/leadconf.yaml", "tenants/a/leadconf.yaml", "tenants/c/leadconf.yaml"])
    assert bad.returncode == 1
    assert "tenants/b/leadconf.yaml:5:7: LC010" in bad.stderr
    assert "tenants/c/leadconf.yaml:5:7: LC010" in bad.stderr  # the failure of b does not hide c
    assert "tenants/a/leadconf.yaml: valid" in bad.stdout


def test_validate_hook_keeps_file_names_with_spaces(tmp_path):
    _write(tmp_path, "sales team/leadconf.yaml", CHANGE)
    proc = _run_hook("leadconf-validate", tmp_path, ["sales team/leadconf.yaml"])
    assert proc.returncode == 0, proc.stderr


def test_validate_dir_hook_validates_the_split_config_as_a_whole(tmp_path):
    _write(tmp_path, "leadconf/categories.yaml",
           "version: 1\ncompany_categories:\n  items:\n    - name: Lead\n      group: potential_customer\n"
           "      lead_status: true\n")
    _write(tmp_path, "leadconf/automation.yaml",
           "version: 1\ncategory_automation:\n  sale_registered:\n    category: Lead\n")
    whole = _run_hook("leadconf-validate-dir", tmp_path, ["leadconf/automation.yaml"])
    assert whole.returncode == 0, whole.stderr
    assert "leadconf/: valid" in whole.stdout
    # a change to one file is checked with the others: an error in a file that did not change shows
    _write(tmp_path, "leadconf/statuses.yaml", INVALID)
    broken = _run_hook("leadconf-validate-dir", tmp_path, ["leadconf/automation.yaml"])
    assert broken.returncode == 1 and "leadconf/statuses.yaml:5:7: LC010" in broken.stderr
    # and the files merge: the same item in two files is an error naming both
    os.remove(os.path.join(tmp_path, "leadconf", "statuses.yaml"))
    _write(tmp_path, "leadconf/more.yaml",
           "version: 1\ncompany_categories:\n  items:\n    - name: lead\n      group: potential_customer\n")
    twice = _run_hook("leadconf-validate-dir", tmp_path)
    assert twice.returncode == 1
    assert "leadconf/more.yaml:4" in twice.stderr and "leadconf/categories.yaml:4" in twice.stderr, twice.stderr


def test_plan_hook_shows_the_plan(work):
    work.config(CHANGE)
    proc = _run_hook("leadconf-plan", work.path, env={"LEADCONF_TARGET": work.target})
    assert proc.returncode == 0, proc.stderr
    assert "Plan: 0 to create, 1 to update, 1 to rename" in proc.stdout
