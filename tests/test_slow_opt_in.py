"""Tests marked `slow` are opt-in (conftest.py): a plain run skips them, --run-slow adds them,
-m slow runs only them. Checked on a throwaway test file with the repository's own conftest.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT

SAMPLE = """
import pytest

def test_quick():
    pass

@pytest.mark.slow
def test_long():
    pass
"""


@pytest.mark.parametrize("args, outcome", [
    ([], "1 passed, 1 skipped"),
    (["--run-slow"], "2 passed"),
    (["-m", "slow"], "1 passed, 1 deselected"),
])
def test_slow_tests_run_only_when_asked_for(tmp_path, args, outcome):
    shutil.copy(os.path.join(ROOT, "conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    slow: long\n", encoding="utf-8")
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *args],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert outcome in run.stdout, run.stdout
    if not args:
        assert "slow: run with --run-slow (or -m slow)" in run.stdout
