"""One config, many tenants: plan and apply per tenant, bounded parallelism, one exit code."""

from __future__ import annotations

import json
import os
import shutil

from tests.helpers import EXAMPLES, run_cli

LEAD_MGMT = os.path.join(EXAMPLES, "lead-management.yaml")
NEW_DB = os.path.join(EXAMPLES, "tenants", "new-database.json")


def _tenants(tmp_path, n):
    paths = []
    for i in range(n):
        path = tmp_path / f"tenant-{i}.json"
        shutil.copy(NEW_DB, path)
        paths.append(path)
    return paths


def test_plan_several_targets(tmp_path):
    a, b = _tenants(tmp_path, 2)
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{a}", "--target", f"snapshot:{b}",
                             "--detailed-exitcode")
    assert code == 2, err
    assert f"== snapshot:{a}" in out and f"== snapshot:{b}" in out
    assert out.count("Plan: 0 to create, 4 to update") == 2


def test_targets_file_json_and_one_failing_tenant(tmp_path):
    good = _tenants(tmp_path, 3)
    targets = tmp_path / "targets.txt"
    targets.write_text("# partner tenants\n" + "\n".join(f"snapshot:{p}" for p in good) + f"\nsnapshot:{tmp_path}/missing.json\n")
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--targets-file", str(targets), "--output", "json", "--parallel", "2")
    assert code == 1
    documents = json.loads(out)
    assert len(documents) == 4
    assert [d["summary"]["update"] for d in documents[:3]] == [4, 4, 4]
    assert "no such snapshot file" in documents[3]["error"]
    assert "missing.json" in err


def test_apply_several_targets_needs_auto_approve(tmp_path):
    a, b = _tenants(tmp_path, 2)
    args = ["apply", "-c", LEAD_MGMT, "--target", f"snapshot:{a}", "--target", f"snapshot:{b}",
            "--journal-dir", str(tmp_path / "j")]
    code, _, err = run_cli(*args)
    assert code == 3 and "--auto-approve" in err
    code, out, err = run_cli(*args, "--auto-approve")
    assert code == 0, out + err
    code, out, _ = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{a}", "--target", f"snapshot:{b}",
                           "--detailed-exitcode")
    assert code == 0 and out.count("No changes.") == 2


def test_many_emulated_tenants(emulator_factory, tmp_path):
    """The same over the Web API (one emulated tenant named twice: two plans in parallel)."""
    emulator = emulator_factory()
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", emulator.target, "--target", emulator.target,
                             "--parallel", "2", "--output", "json")
    assert code == 0, err
    assert [d["summary"]["update"] for d in json.loads(out)] == [4, 4]
