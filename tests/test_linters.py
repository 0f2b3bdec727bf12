"""The linters, as part of the suite (so of the README's test command and .ci/run): ruff, mypy on
leadconf/, and import-linter's layer contract. Their rules live in pyproject.toml; CONTRIBUTING.md
says why those. A finding fails the test with the tool's own output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

BIN = os.path.dirname(sys.executable)  # the venv's scripts, beside the python running the suite


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = os.path.join(BIN, tool)
    if not os.path.exists(exe):
        pytest.fail(f"{tool} is not installed beside {sys.executable}: pip install -e '.[test]'")
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _check(result: subprocess.CompletedProcess):
    assert result.returncode == 0, f"{' '.join(result.args)} exit {result.returncode}\n{result.stdout}{result.stderr}"


def test_ruff():
    _check(_run("ruff", "check", "--no-cache", "."))


def test_mypy():
    _check(_run("mypy", "--no-incremental", "--cache-dir", os.devnull))


def test_import_linter_layers():
    result = _run("lint-imports", "--no-cache")
    _check(result)
    assert "0 broken" in result.stdout and "3 kept" in result.stdout, result.stdout
