"""An apply cut off at any point (SIGKILL between two writes) leaves a journal that says which
changes were made, and `leadconf apply --resume` finishes the job: the final tenant equals the one
an uninterrupted apply produces; and the undo plan the resumed apply writes takes back everything,
the killed run's changes included (issue 14). Tried at every cut point of a plan with a change of
every kind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLES, ROOT, run_cli
from tests.reliability import as_before, killer

CONFIG = os.path.join(os.path.dirname(__file__), "many-changes.yaml")
TENANT = os.path.join(EXAMPLES, "tenants", "existing-customer.json")

# Runs `leadconf apply` in a child process that SIGKILLs itself right after its Nth write.
KILLER = killer("leadconf.backends.snapshot", "SnapshotBackend")


def _apply_args(target, journal_dir):
    return ["apply", "-c", CONFIG, "--target", f"snapshot:{target}", "--auto-approve", "--allow-delete",
            "--allow-large-change", "--journal-dir", str(journal_dir)]


def _reference(tmp_path):
    """The tenant after an uninterrupted apply."""
    path = tmp_path / "reference.json"
    shutil.copy(TENANT, path)
    code, out, err = run_cli(*_apply_args(path, tmp_path / "ref-journal"))
    assert code == 0, out + err
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.slow
def test_every_cut_point_resumes_to_the_same_tenant(tmp_path):
    reference = _reference(tmp_path)
    with open(TENANT, encoding="utf-8") as fh:
        original = json.load(fh)
    # Count the backend writes of a whole apply (a reorder writes one item per moved rank).
    probe = tmp_path / "probe.json"
    shutil.copy(TENANT, probe)
    counter = subprocess.run(
        [sys.executable, "-c", KILLER.replace("os.kill(os.getpid(), signal.SIGKILL)", "pass")
         + "\n", *_apply_args(probe, tmp_path / "probe-journal")],
        env=dict(os.environ, KILL_AFTER_WRITES="1000000"), cwd=ROOT, capture_output=True, text=True,
    )
    assert counter.returncode == 0, counter.stderr
    total = _total_writes(tmp_path / "probe-journal")
    assert total >= 15, "the plan should exercise many writes"
    print(f"cut points tried: {total - 1}")

    for cut in range(1, total):
        work = tmp_path / f"cut-{cut}"
        work.mkdir()
        target = work / "tenant.json"
        shutil.copy(TENANT, target)
        journal_dir = work / "journal"
        child = subprocess.run(
            [sys.executable, "-c", KILLER, *_apply_args(target, journal_dir)],
            env=dict(os.environ, KILL_AFTER_WRITES=str(cut)), cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert child.returncode == -9, f"cut {cut}: the child was not killed: {child.stderr}"
        journal = next(journal_dir.glob("*.jsonl"))
        events = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert events[0]["type"] == "plan" and not any(e["type"] == "end" for e in events)
        # The journal says exactly which changes were made: every "done" is in the tenant.
        done = [e for e in events if e["type"] == "done"]
        assert len(done) <= cut

        code, out, err = run_cli("apply", "--resume", "--journal-dir", str(journal_dir), "--allow-delete",
                                 "--allow-large-change")
        assert code == 0, f"cut {cut}: {out}{err}"
        with open(target, encoding="utf-8") as fh:
            assert json.load(fh) == reference, f"cut {cut}: the resumed tenant differs from an uninterrupted apply"
        code, out, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{target}", "--detailed-exitcode")
        assert code == 0, f"cut {cut}: a plan after the resumed apply shows changes:\n{out}"
        undo = journal.with_name(journal.name.removesuffix(".jsonl") + ".undo.json")
        code, out, err = run_cli("apply", str(undo), "--allow-delete", "--allow-large-change", "--journal-dir",
                                 str(work / "undo-journal"))
        assert code == 0, f"cut {cut}: {out}{err}"
        with open(target, encoding="utf-8") as fh:
            assert as_before(original, json.load(fh)) == [], f"cut {cut}: the undo left changes behind"


def _total_writes(journal_dir) -> int:
    """Backend writes of a complete apply, from its journal: one per change, one per moved rank."""
    journal = next(journal_dir.glob("*.jsonl"))
    total = 0
    for line in journal.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["type"] == "done":
            after = event.get("after")
            is_reorder = isinstance(after, dict) and after and all(isinstance(v, int) for v in after.values())
            total += len(after) if is_reorder else 1
    return total
