"""The same guarantee over the Web API: an apply cut off at any write (the server failing that
write, the connection dropped after the server carried it out, or the process killed) is finished
by `leadconf apply --resume`, and the tenant ends exactly as after an uninterrupted apply."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLES, ROOT, run_cli
from tests.reliability import killer

CONFIG = os.path.join(os.path.dirname(__file__), "many-changes.yaml")
with open(os.path.join(EXAMPLES, "tenants", "existing-customer.json"), encoding="utf-8") as fh:
    TENANT = json.load(fh)
FLAGS = ["--auto-approve", "--allow-delete", "--allow-large-change"]

KILLER = killer("leadconf.backends.superoffice.backend", "SuperOfficeBackend")


def _apply(emulator, journal_dir, *extra):
    return run_cli("apply", "-c", CONFIG, "--target", emulator.target, *FLAGS, "--journal-dir", str(journal_dir), *extra)


@pytest.fixture
def reference(emulator, tmp_path):
    """The tenant after an uninterrupted apply, and the number of write requests it took."""
    emulator.reset(TENANT)
    code, out, err = _apply(emulator, tmp_path / "reference")
    assert code == 0, out + err
    doc, writes = emulator.document(), len(emulator.writes())
    assert writes >= 15
    return doc, writes


def _resume_and_check(emulator, journal_dir, reference_doc, label):
    code, out, err = run_cli("apply", "--resume", "--journal-dir", str(journal_dir), "--allow-delete", "--allow-large-change")
    assert code == 0, f"{label}: {out}{err}"
    assert emulator.document() == reference_doc, f"{label}: the resumed tenant differs from an uninterrupted apply"
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", emulator.target, "--detailed-exitcode")
    assert code == 0, f"{label}: a plan after the resumed apply shows changes:\n{out}{err}"


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["server-error", "html-error-page", "malformed-answer", "dropped-after-carrying-out"])
def test_every_failed_write_resumes_to_the_same_tenant(emulator, reference, tmp_path, fault):
    reference_doc, writes = reference
    for cut in range(1, writes + 1):
        emulator.reset(TENANT)
        if fault == "server-error":
            emulator.inject("status", status=500, on_write=cut)
        elif fault == "html-error-page":
            emulator.inject("html", status=500, on_write=cut)
        elif fault == "malformed-answer":
            emulator.inject("malformed", on_write=cut)
        else:
            emulator.inject("drop", apply=True, on_write=cut)
        journal_dir = tmp_path / f"{fault}-{cut}"
        code, out, err = _apply(emulator, journal_dir)
        if fault != "dropped-after-carrying-out":
            assert code == 1 and "Traceback" not in err, f"cut {cut}: {out}{err}"
            assert "first failure:" in err and "HTTP" in err or "JSON" in err, f"cut {cut}: {err}"
        else:
            assert code == 0, f"cut {cut}: a lost answer must be recovered: {out}{err}"
            assert emulator.document() == reference_doc, f"cut {cut}: a lost answer changed the outcome"
            continue
        emulator.clear_faults()
        _resume_and_check(emulator, journal_dir, reference_doc, f"cut {cut}")


@pytest.mark.slow
def test_killed_between_two_writes(emulator, reference, tmp_path):
    reference_doc, writes = reference
    env = dict(os.environ)
    for cut in range(1, writes, 3):  # every third cut point: each costs a process start
        emulator.reset(TENANT)
        journal_dir = tmp_path / f"kill-{cut}"
        child = subprocess.run(
            [sys.executable, "-c", KILLER, "apply", "-c", CONFIG, "--target", emulator.target, *FLAGS,
             "--journal-dir", str(journal_dir)],
            env=dict(env, KILL_AFTER_WRITES=str(cut)), cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert child.returncode == -9, f"cut {cut}: not killed: {child.stdout}{child.stderr}"
        _resume_and_check(emulator, journal_dir, reference_doc, f"kill after write {cut}")
