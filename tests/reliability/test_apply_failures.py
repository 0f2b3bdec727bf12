"""Stop or continue after a failed change; two applies at once; a change made while applying."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from leadconf.backends.snapshot import SnapshotBackend
from tests.helpers import ROOT, run_cli
from tests.reliability.conftest import CONFIG, FLAGS


def _report(out):
    return json.loads(out)


def test_stops_at_the_first_failure(tenant, tmp_path, failing_category):
    code, out, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--output", "json",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 1
    report = _report(out)
    statuses = [c["status"] for c in report["changes"]]
    failed = statuses.index("failed")
    assert set(statuses[:failed]) <= {"done", "already done"}
    assert set(statuses[failed + 1:]) == {"not started"}
    failure = report["changes"][failed]
    assert failure["name"] == "Webinar lead" and "HTTP 400" in failure["error"] and "SaveCategoryEntity" in failure["error"]


def test_continue_on_error_skips_what_depends_on_the_failure(tenant, tmp_path, failing_category):
    code, out, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--output", "json",
                             "--continue-on-error", "--journal-dir", str(tmp_path / "j"))
    assert code == 1
    by_name = {(c["kind"], c["name"]): c for c in _report(out)["changes"]}
    assert by_name[("category", "Webinar lead")]["status"] == "failed"
    # The automation rule names the failed category; the category reorder needs it too.
    assert by_name[("category_automation", "lead_status_changed")]["status"] == "skipped"
    assert by_name[("category", "category list")]["status"] == "skipped"
    assert by_name[("category", "Event lead")]["status"] == "done"
    assert by_name[("utm_tracking", "utm_tracking")]["status"] == "done"


def test_resume_after_a_failure(tenant, tmp_path, failing_category):
    journal = tmp_path / "j"
    assert run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--journal-dir", str(journal))[0] == 1
    failing_category.fix()
    code, out, err = run_cli("apply", "--resume", "--journal-dir", str(journal), "--allow-delete", "--allow-large-change")
    assert code == 0, out + err
    assert run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0


def test_two_applies_at_once(tenant, tmp_path):
    """Both processes finish; one waits for the other, and the second then has nothing to do."""
    cmd = [sys.executable, "-m", "leadconf", "apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS]
    env = dict(os.environ, LEADCONF_LOCK_TIMEOUT="60")
    procs = [subprocess.Popen(cmd + ["--journal-dir", str(tmp_path / f"j{i}")], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert sum("No changes." in r[0] for r in results) == 1, results
    json.loads(tenant.read_text())  # whole, valid JSON
    assert run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0


def test_a_change_made_while_applying_is_not_overwritten(tenant, tmp_path, monkeypatch):
    """Someone edits an item in the tenant after apply started: apply re-reads it and refuses."""
    real = SnapshotBackend.read_item
    edited = {}

    def read_item(self, kind, key):
        if kind == "category" and not edited:
            doc = json.loads(tenant.read_text())
            for entity in doc["categories"]:
                if entity["CategoryId"] == key:
                    entity["Tooltip"] = "edited in the CRM meanwhile"
            tenant.write_text(json.dumps(doc))
            edited["done"] = key
        return real(self, kind, key)

    monkeypatch.setattr(SnapshotBackend, "read_item", read_item)
    code, out, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--output", "json",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 1
    report = _report(out)
    failed = [c for c in report["changes"] if c["status"] == "failed"]
    assert len(failed) == 1 and "changed while the apply ran" in failed[0]["error"]
    doc = json.loads(tenant.read_text())
    assert any(e["Tooltip"] == "edited in the CRM meanwhile" for e in doc["categories"])
