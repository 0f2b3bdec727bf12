"""No secret in any artifact of a full run through the CLI: stdout, stderr (with --verbose debug
logging), plan files, journals, undo plans, exports, error messages."""

from __future__ import annotations

import base64
import json
import os

from tests.emulator import DEFAULT_APP_TOKEN, DEFAULT_TICKET, DEFAULT_USER
from tests.helpers import EXAMPLES, run_cli

CONFIG = os.path.join(os.path.dirname(__file__), "many-changes.yaml")
with open(os.path.join(EXAMPLES, "tenants", "existing-customer.json"), encoding="utf-8") as fh:
    TENANT = json.load(fh)


def test_no_secret_in_any_artifact(emulator, tmp_path, monkeypatch):
    emulator.reset(TENANT)
    work = tmp_path / "work"
    work.mkdir()
    outputs = []

    def cli(*args):
        code, out, err = run_cli("--verbose", *args, cwd=str(work))
        outputs.append(out + err)
        return code

    target = ["--target", emulator.target]
    journal = ["--journal-dir", str(work / "journal")]
    assert cli("validate", "-c", CONFIG, *target) == 0
    assert cli("plan", "-c", CONFIG, *target, "--out", str(work / "plan.json")) == 0
    assert cli("plan", "-c", CONFIG, *target, "--output", "json") == 0
    assert cli("plan", "-c", CONFIG, *target, "--output", "markdown") == 0
    emulator.inject("status", status=500, on_write=3)
    assert cli("apply", str(work / "plan.json"), "--allow-delete", "--allow-large-change", *journal) == 1
    emulator.clear_faults()
    assert cli("apply", "--resume", "--allow-delete", "--allow-large-change", *journal) == 0
    undo = next((work / "journal").glob("*.undo.json"))
    assert cli("apply", str(undo), "--allow-delete", "--allow-large-change", *journal) == 0
    assert cli("export", *target, "-o", str(work / "exported.yaml")) == 0
    # wrong credentials: the error names the variables, never their values
    monkeypatch.setenv("SUPEROFFICE_APP_TOKEN", DEFAULT_APP_TOKEN + "-wrong")
    assert cli("plan", "-c", CONFIG, *target) == 1
    monkeypatch.delenv("SUPEROFFICE_TICKET")
    monkeypatch.delenv("SUPEROFFICE_APP_TOKEN")
    monkeypatch.setenv("SUPEROFFICE_USERNAME", DEFAULT_USER[0])
    monkeypatch.setenv("SUPEROFFICE_PASSWORD", DEFAULT_USER[1] + "-wrong")
    assert cli("plan", "-c", CONFIG, *target) == 1

    files = [p for p in work.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".json", ".jsonl", ".yaml"}
    text = "\n".join(outputs) + "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert "GET " in text and "SaveCategoryEntity" in text, "the verbose log should show the requests"
    basic = base64.b64encode(f"{DEFAULT_USER[0]}:{DEFAULT_USER[1]}-wrong".encode()).decode()
    secrets = [DEFAULT_TICKET, DEFAULT_APP_TOKEN, DEFAULT_USER[1], basic, DEFAULT_TICKET.split(":", 1)[1]]
    assert [s for s in secrets if s in text] == []
