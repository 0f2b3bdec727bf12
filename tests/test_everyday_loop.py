"""Issue 14, the admin's everyday loop: the empty-list rail, `leadconf undo`, one CLI grammar."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.helpers import EXAMPLES, run_cli

EXISTING = os.path.join(EXAMPLES, "tenants", "existing-customer.json")


@pytest.fixture
def tenant(tmp_path):
    path = tmp_path / "tenant.json"
    shutil.copy(EXISTING, path)
    return path


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the rail counts empty lists ----------------------------------------------------------------


@pytest.mark.parametrize("section", ["company_categories", "lead_statuses"])
def test_prune_with_no_items_needs_the_mass_delete_flag(tenant, tmp_path, section):
    """A list of 6 categories is under the policy's floor (10): deleting all of it needed only
    --allow-delete. Emptying a list is a mass delete whatever its size."""
    config = _write(tmp_path / "empty.yaml", f"version: 1\n{section}:\n  prune: true\n  items: []\n")
    args = ["apply", "-c", config, "--target", f"snapshot:{tenant}", "--auto-approve", "--journal-dir", str(tmp_path / "j")]
    before = tenant.read_text()
    code, out, err = run_cli(*args, "--allow-delete")
    if section == "lead_statuses":  # LC106 first: pruning would delete 'Open'
        assert code == 1 and "LC106" in err
        return
    assert code == 1, out + err
    assert "deletes every item of the list (6 of 6)" in err and "--allow-large-change" in err
    assert tenant.read_text() == before
    code, out, err = run_cli(*args, "--allow-delete", "--allow-large-change")
    assert code == 0, out + err
    assert all(c["Deleted"] for c in json.loads(tenant.read_text())["categories"])


def test_a_partial_prune_of_a_small_list_still_needs_only_allow_delete(tenant, tmp_path):
    config = _write(tmp_path / "some.yaml", "version: 1\ncompany_categories:\n  prune: true\n  items:\n"
                    "  - name: Customer\n  - name: Prospect\n")
    code, out, err = run_cli("apply", "-c", config, "--target", f"snapshot:{tenant}", "--auto-approve",
                             "--allow-delete", "--journal-dir", str(tmp_path / "j"))
    assert code == 0, out + err


# -- one CLI grammar ----------------------------------------------------------------------------

NEW_DB = os.path.join(EXAMPLES, "tenants", "new-database.json")
LEAD_MGMT = os.path.join(EXAMPLES, "lead-management.yaml")


def test_o_is_a_file_in_every_command(tmp_path):
    target = f"snapshot:{NEW_DB}"
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", target, "-o", str(tmp_path / "plan.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "plan.json").read_text())["format"] == "leadconf-plan/1"
    code, out, err = run_cli("export", "--target", target, "-o", str(tmp_path / "export.yaml"))
    assert code == 0 and (tmp_path / "export.yaml").read_text().count("version: 1") == 1, err
    code, out, err = run_cli("schema", "-o", str(tmp_path / "schema.json"))
    assert code == 0 and json.loads((tmp_path / "schema.json").read_text())
    code, out, err = run_cli("schema", "--output", str(tmp_path / "old.json"))  # the old spelling still works
    assert code == 0 and (tmp_path / "old.json").read_text() == (tmp_path / "schema.json").read_text()
    assert "schema -o/--out FILE" in err


def test_o_with_a_format_gets_a_hint(tmp_path):
    code, out, err = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{NEW_DB}", "-o", "json")
    assert code == 3 and "did you mean --output json?" in err
    code, out, err = run_cli("apply", "-o", "json")
    assert code == 3 and "for the format: --output json" in err
    code, out, err = run_cli("validate", "-o", "json")
    assert code == 3 and "for the format: --output json" in err


@pytest.mark.parametrize("args", [["plan", "-v"], ["plan", "--verbose"], ["plan", "--no-color"], ["validate", "-v"],
                                  ["plan", "--color"], ["export", "-v"], ["undo", "-v", "--journal-dir", "nowhere"]])
def test_global_options_after_the_command(args, tmp_path):
    extra = {"plan": ["-c", LEAD_MGMT, "--target", f"snapshot:{NEW_DB}"], "validate": [LEAD_MGMT],
             "export": ["--target", f"snapshot:{NEW_DB}"], "undo": []}[args[0]]
    code, out, err = run_cli(*args, *extra, cwd=str(tmp_path))
    assert "No such option" not in err
    assert code == (1 if args[0] == "undo" else 0), err  # undo: no journal to undo


def test_verbose_after_the_command_logs(tmp_path, emulator):
    code, out, err = run_cli("plan", "-v", "-c", LEAD_MGMT, "--target", emulator.target)
    assert code in (0, 1), err
    assert "DEBUG leadconf" in err and "GET " in err


def test_color_after_the_command_colours(tmp_path):
    code, out, _ = run_cli("plan", "-c", LEAD_MGMT, "--target", f"snapshot:{NEW_DB}", "--color")
    assert code == 0 and "\x1b[" in out
    code, out, _ = run_cli("--color", "plan", "-c", LEAD_MGMT, "--target", f"snapshot:{NEW_DB}")
    assert code == 0 and "\x1b[" in out


def test_apply_of_a_config_file_hints_at_c(tmp_path):
    code, out, err = run_cli("apply", LEAD_MGMT)
    assert code == 1
    assert f"A config goes after -c: leadconf apply -c {LEAD_MGMT}" in err


def test_default_config_lookup_finds_yml(tmp_path):
    shutil.copy(LEAD_MGMT, tmp_path / "leadconf.yml")
    code, out, err = run_cli("plan", "--target", f"snapshot:{NEW_DB}", cwd=str(tmp_path))
    assert code == 0, err
    assert "leadconf.yml:" in out
    code, out, err = run_cli("validate", cwd=str(tmp_path))
    assert code == 0 and out == "leadconf.yml: valid\n", out + err


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_output_json_writes_a_json_document_on_errors_too(tmp_path, command):
    bad = _write(tmp_path / "bad.yaml", "version: 1\ncompany_categories:\n  items:\n  - name: A\n    group: klant\n")
    code, out, err = run_cli(command, "-c", bad, "--target", f"snapshot:{NEW_DB}", "--output", "json",
                             "--journal-dir" if command == "apply" else "--detailed-exitcode",
                             *([str(tmp_path / "j")] if command == "apply" else []))
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and doc["exit_code"] == 1
    assert doc["error"]["diagnostics"][0]["file"] == bad and doc["error"]["diagnostics"][0]["line"] == 5
    assert "bad.yaml:5" in err  # and the message for a person on stderr, as before
    code, out, err = run_cli(command, "-c", bad, "--output=json", "--bogus")
    assert code == 3 and json.loads(out)["error"]["type"] == "NoSuchOption"


# -- leadconf undo --------------------------------------------------------------------------------


def test_undo_writes_the_undo_plan_of_the_latest_apply(tenant, tmp_path):
    code, out, err = run_cli("undo", cwd=str(tmp_path))
    assert code == 1 and "nothing to undo: no journal in .leadconf/journal" in err
    config = os.path.join(os.path.dirname(__file__), "reliability", "many-changes.yaml")
    code, out, err = run_cli("apply", "-c", config, "--target", "snapshot:tenant.json", "--auto-approve",
                             "--allow-delete", "--allow-large-change", cwd=str(tmp_path))
    assert code == 0, out + err
    own = next((tmp_path / ".leadconf" / "journal").glob("*.undo.json"))
    code, out, err = run_cli("undo", "-o", "undo.json", cwd=str(tmp_path))
    assert code == 0, out + err
    assert out.splitlines()[-1] == "To go back: leadconf apply undo.json --allow-delete"
    written, saved = json.loads((tmp_path / "undo.json").read_text()), json.loads(own.read_text())
    assert written["changes"] == saved["changes"]  # the same plan, from the journal alone
    code, out, err = run_cli("undo", str(own.with_suffix("").with_suffix(".jsonl")), cwd=str(tmp_path))
    assert code == 0 and f"Undo plan: {own}:" in out
