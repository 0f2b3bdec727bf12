"""The command line as a user meets it: start-up, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLES, ROOT, run_cli

NEW_DB = os.path.join(EXAMPLES, "tenants", "new-database.json")
EXISTING = os.path.join(EXAMPLES, "tenants", "existing-customer.json")
LEAD_MGMT = os.path.join(EXAMPLES, "lead-management.yaml")
HEAVY = ("yaml", "jsonschema", "pydantic", "deepdiff", "httpx", "tenacity", "filelock")


@pytest.fixture
def tenant(tmp_path):
    path = tmp_path / "tenant.json"
    shutil.copy(NEW_DB, path)
    return path


def test_help_imports_nothing_heavy():
    """`leadconf --help` stays fast: it lists the commands without importing the stack."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "leadconf", "--help"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "plan" in proc.stdout and "validate" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_version_and_usage_errors():
    code, out, _ = run_cli("--version")
    assert code == 0 and "leadconf" in out
    code, _, err = run_cli("plan", "--output", "yaml")
    assert code == 3 and "Invalid value" in err
    code, _, err = run_cli("frobnicate")
    assert code == 3


def test_first_command_of_the_readme(tenant):
    """The README's main job: plan the example against the example tenant."""
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}")
    assert code == 0, err
    assert "Company – Category" in out and "Contact – Lead status" in out
    assert out.rstrip().splitlines()[-1].startswith("Plan: ")


def test_detailed_exitcode(tenant):
    assert run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 2
    assert run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--auto-approve",
                   "--journal-dir", str(tenant.parent / "j"))[0] == 0
    assert run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0


def test_target_from_environment_and_config(tenant, monkeypatch, tmp_path):
    monkeypatch.setenv("LEADCONF_TARGET", f"snapshot:{tenant}")
    assert run_cli("plan", "-c", LEAD_MGMT)[0] == 0
    monkeypatch.delenv("LEADCONF_TARGET")
    code, _, err = run_cli("plan", "-c", LEAD_MGMT)
    assert code == 1 and "no target" in err
    config = tmp_path / "with-target.yaml"
    config.write_text(f"version: 1\ntarget: snapshot:{tenant}\ncompany_categories:\n  items:\n    - name: Lead\n")
    assert run_cli("plan", "-c", str(config))[0] == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such snapshot file"),
        ("{not json", "not valid JSON"),
        ("[]", "a snapshot is a JSON object"),
        ('{"format": "other/1"}', 'expected "format": "leadconf-snapshot/1"'),
        ('{"format": "leadconf-snapshot/1", "categories": [{"CategoryId": "x"}]}', "categories[0].CategoryId"),
        ('{"format": "leadconf-snapshot/1", "categories": [{"CategoryId": 1, "CategoryGroup": "Vip"}]}', "unknown group"),
        # regression: a repeated id made the diff's ordering raise StopIteration (found by the fuzz)
        ('{"format": "leadconf-snapshot/1", "categories": [{"CategoryId": 1, "Name": "A"}, {"CategoryId": 1, "Name": "B"}]}',
         "categories[1].CategoryId: id 1 appears twice"),
    ],
)
def test_bad_snapshot_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "tenant.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{path}")
    assert code == 1 and message in err and "Traceback" not in err, err


def test_unknown_target_kind():
    code, _, err = run_cli("plan", "-c", LEAD_MGMT, "--target", "ftp:somewhere")
    assert code == 1 and "unknown kind" in err


def test_apply_refuses_without_a_terminal(tenant):
    code, _, err = run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}",
                           "--journal-dir", str(tenant.parent / "j"))
    assert code == 1 and "--auto-approve" in err
    with open(tenant) as fh, open(NEW_DB) as orig:
        assert json.load(fh) == json.load(orig)


def test_saved_plan_is_refused_when_the_tenant_changed(tenant, tmp_path):
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--out", str(plan_file))[0] == 0
    doc = json.loads(tenant.read_text())
    doc["categories"][0]["Tooltip"] = "edited by someone in the CRM"
    tenant.write_text(json.dumps(doc))
    changed = tenant.read_text()
    code, out, err = run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "changed since the plan" in err and "'Lead'" in err, err
    assert tenant.read_text() == changed, "a refused apply must change nothing"


def test_saved_plan_applies_exactly(tenant, tmp_path):
    plan_file = tmp_path / "plan.json"
    run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--out", str(plan_file))
    code, out, err = run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"))
    assert code == 0, err
    assert run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0


def test_edited_plan_file_is_refused(tenant, tmp_path):
    plan_file = tmp_path / "plan.json"
    run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--out", str(plan_file))
    data = json.loads(plan_file.read_text())
    data["changes"][0]["after"]["description"] = "sneaky"
    plan_file.write_text(json.dumps(data))
    code, _, err = run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "changed after it was saved" in err


@pytest.mark.parametrize("content", ["", "{", "[1]", '{"format": "leadconf-plan/1"}', "\xff\xfe"])
def test_broken_plan_file_is_a_clear_error(tmp_path, content):
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(content.encode("latin-1"))
    code, _, err = run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "Traceback" not in err and err.startswith("error: "), err


def test_undo_plan_goes_back(tenant, tmp_path):
    original = json.loads(tenant.read_text())
    code, out, err = run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--auto-approve",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 0, err
    undo = next((tmp_path / "j").glob("*.undo.json"))
    assert f"Undo plan: {undo}" in out
    code, out, err = run_cli("apply", str(undo), "--journal-dir", str(tmp_path / "j2"))
    assert code == 0, err
    assert json.loads(tenant.read_text()) == original


@pytest.mark.parametrize("example", ["new-database.json", "existing-customer.json"])
def test_export_round_trips(example, tmp_path):
    tenant = tmp_path / example
    shutil.copy(os.path.join(EXAMPLES, "tenants", example), tenant)
    exported = tmp_path / "exported.yaml"
    code, _, err = run_cli("export", "--target", f"snapshot:{tenant}", "-o", str(exported),
                           "--schema-ref", "leadconf.schema.json")
    assert code == 0, err
    assert exported.read_text().startswith("# yaml-language-server: $schema=leadconf.schema.json\n")
    assert run_cli("validate", "-c", str(exported))[0] == 0
    code, out, err = run_cli("plan", "-c", str(exported), "--target", f"snapshot:{tenant}", "--detailed-exitcode")
    assert code == 0, out + err


def test_no_color_and_color(tenant, monkeypatch):
    _, out, _ = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--color")
    assert "\x1b[" in out
    _, out, _ = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}")
    assert "\x1b[" not in out  # not a terminal


def test_json_plan_is_the_documented_shape(tenant):
    code, out, _ = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--output", "json")
    data = json.loads(out)
    assert data["format_version"] == "1"
    assert set(data["summary"]) == {"create", "update", "rename", "restore", "reorder", "delete"}
    for change in data["changes"]:
        assert {"action", "kind", "name", "before", "after", "reason", "source"} <= set(change)
        assert change["kind"] in ("category", "lead_status", "category_automation", "utm_tracking", "lead_distribution")
        assert change["source"] and change["source"].startswith(LEAD_MGMT + ":")


def test_two_applies_cannot_interleave(tenant, tmp_path, monkeypatch):
    import filelock

    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "0.2")
    with filelock.FileLock(str(tenant) + ".lock"):
        code, _, err = run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--auto-approve",
                               "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "holds the lock" in err


def test_undo_after_an_apply_that_changed_and_moved_an_item(tmp_path):
    """Regression: the undo plan was refused as stale when one apply both updated an item and moved
    it in a reorder (its fingerprint came from the update, not from the tenant the apply left)."""
    tenant = tmp_path / "tenant.json"
    shutil.copy(EXISTING, tenant)
    original = json.loads(tenant.read_text())
    config = tmp_path / "leadconf.yaml"
    config.write_text("version: 1\ncompany_categories:\n  items:\n    - name: Prospect\n      lead_status: true\n"
                      "    - name: Customer\n")
    code, out, err = run_cli("apply", "-c", str(config), "--target", f"snapshot:{tenant}", "--auto-approve",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 0 and "reorder  Company – Category" in out, out + err
    undo = next((tmp_path / "j").glob("*.undo.json"))
    assert "--allow-delete" not in out  # the undo deletes nothing
    code, out, err = run_cli("apply", str(undo), "--journal-dir", str(tmp_path / "j2"))
    assert code == 0, out + err
    assert json.loads(tenant.read_text()) == original


def test_a_refused_apply_leaves_no_journal(tenant, tmp_path):
    plan_file = tmp_path / "plan.json"
    run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--out", str(plan_file))
    doc = json.loads(tenant.read_text())
    doc["categories"][0]["Tooltip"] = "changed"
    tenant.write_text(json.dumps(doc))
    assert run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"))[0] == 1
    assert not list((tmp_path / "j").glob("*.jsonl")) if (tmp_path / "j").exists() else True
    code, _, err = run_cli("apply", "--resume", "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "nothing to resume" in err


def test_saved_plan_applies_from_another_directory(tenant, tmp_path):
    plan_file = tmp_path / "plan.json"
    relative = os.path.relpath(tenant)
    run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{relative}", "--out", str(plan_file))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, err = run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"), cwd=str(elsewhere))
    assert code == 0, out + err
    assert "Applying the saved plan to snapshot:" in err


def test_undo_plan_applies_from_another_directory(tenant, tmp_path):
    """Regression: undo plans recorded the snapshot target as the user typed it (relative)."""
    relative = os.path.relpath(tenant)
    code, out, err = run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{relative}", "--auto-approve",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 0, err
    undo = next((tmp_path / "j").glob("*.undo.json"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, err = run_cli("apply", str(undo), "--journal-dir", str(tmp_path / "j2"), cwd=str(elsewhere))
    assert code == 0, out + err
    with open(tenant) as fh, open(NEW_DB) as orig:
        assert json.load(fh) == json.load(orig)


def test_missing_snapshot_leaves_no_lock_file(tmp_path):
    code, _, err = run_cli("apply", "-c", LEAD_MGMT, "--target", "snapshot:missing.json", "--auto-approve",
                           "--journal-dir", str(tmp_path / "j"), cwd=str(tmp_path))
    assert code == 1 and "no such snapshot file" in err
    assert not (tmp_path / "missing.json.lock").exists()


def test_saved_plan_refused_when_a_pruned_list_gained_an_item(tmp_path):
    """A plan that prunes a list must see the list as it is: an item added since would escape the
    prune (and one moved would land in the wrong place after a reorder)."""
    tenant = tmp_path / "tenant.json"
    shutil.copy(EXISTING, tenant)
    config = tmp_path / "leadconf.yaml"
    config.write_text("version: 1\nlead_statuses:\n  prune: true\n  items:\n    - name: Open\n    - name: Contacting\n"
                      "company_categories:\n  items:\n    - name: Prospect\n      lead_status: true\n")
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", "-c", str(config), "--target", f"snapshot:{tenant}", "--out", str(plan_file))[0] == 0
    doc = json.loads(tenant.read_text())
    doc["lead_statuses"].append({"Id": 99, "Name": "Added meanwhile", "Tooltip": "", "Rank": 9, "Deleted": False})
    tenant.write_text(json.dumps(doc))
    code, _, err = run_cli("apply", str(plan_file), "--allow-delete", "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "lead status list: items were added" in err, err
    assert json.loads(tenant.read_text()) == doc


class _Terminal:
    """stdin as a terminal on which the user types `answer`."""

    def __init__(self, answer):
        import io

        self._buffer = io.StringIO(answer)

    def isatty(self):
        return True

    def readline(self, *args):
        return self._buffer.readline(*args)

    def read(self, *args):
        return self._buffer.read(*args)


@pytest.mark.parametrize("answer, code", [("y\n", 0), ("n\n", 1), ("\n", 1)])
def test_apply_asks_on_a_terminal(tenant, tmp_path, monkeypatch, answer, code):
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    before = tenant.read_text()
    got, out, err = run_cli("apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}", "--journal-dir", str(tmp_path / "j"))
    assert got == code, out + err
    assert "Apply these changes?" in err
    if code:
        assert "apply cancelled; nothing was changed" in err and tenant.read_text() == before
    else:
        assert "Applied: 5 done" in out


@pytest.mark.parametrize("example", ["new-database.json", "existing-customer.json"])
def test_export_round_trips_over_the_web_api(example, emulator, tmp_path):
    with open(os.path.join(EXAMPLES, "tenants", example), encoding="utf-8") as fh:
        emulator.reset(json.load(fh))
    exported = tmp_path / "exported.yaml"
    code, _, err = run_cli("export", "--target", emulator.target, "-o", str(exported))
    assert code == 0, err
    code, out, err = run_cli("plan", "-c", str(exported), "--target", emulator.target, "--detailed-exitcode")
    assert code == 0, out + err
    assert emulator.writes() == []


def test_a_new_category_keeps_the_default_visibility(emulator, tmp_path):
    """Regression: a category created without visible_for was made visible to no user group; the
    config leaves visibility unmanaged, so SuperOffice's default (every user group) must stand."""
    with open(EXISTING, encoding="utf-8") as fh:
        emulator.reset(json.load(fh))
    config = tmp_path / "leadconf.yaml"
    config.write_text("version: 1\ncompany_categories:\n  items:\n    - name: Webinar lead\n      group: potential_customer\n")
    code, out, err = run_cli("apply", "-c", str(config), "--target", emulator.target, "--auto-approve",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 0, out + err
    doc = emulator.document()
    new_id = next(c["CategoryId"] for c in doc["categories"] if c["Name"] == "Webinar lead")
    assert sorted(doc["category_user_groups"][str(new_id)]) == [g["Id"] for g in doc["user_groups"]]


@pytest.mark.parametrize("backend", ["snapshot", "emulator"])
def test_visibility_on_a_list_without_grouping_is_refused_at_plan_time(backend, tenant, emulator, tmp_path):
    """Before LC213 the Web API refused the write halfway through the apply."""
    target = f"snapshot:{tenant}" if backend == "snapshot" else emulator.target
    config = tmp_path / "leadconf.yaml"
    config.write_text("version: 1\ncompany_categories:\n  items:\n    - name: Lead\n      visible_for: [Sales]\n")
    code, out, err = run_cli("plan", "-c", str(config), "--target", target)
    assert code == 1 and "LC213" in err and ":5:20:" in err, err


def test_apply_with_standard_input_closed(tenant, tmp_path):
    """Regression: with fd 0 closed (as some CI runners start jobs) sys.stdin is None, and asking
    whether it was a terminal was an internal error instead of the refusal."""
    proc = subprocess.run([sys.executable, "-m", "leadconf", "apply", "-c", LEAD_MGMT, "--target", f"snapshot:{tenant}",
                           "--journal-dir", str(tmp_path / "j")], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert proc.returncode == 1, proc.stderr
    assert "--auto-approve" in proc.stderr and "internal error" not in proc.stderr
