"""`leadconf validate` output formats, exit codes, and the cost of importing the command."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.config.util import validate
from tests.helpers import ROOT

WARNS = "version: 1\nlead_statuses:\n  items:\n    - name: 'Open '\n"  # LC113, and LC103 is not in play
BROKEN = "version: 1\nlead_statuses:\n  items:\n    - name: Open\n      deleted: true\n    - name: open\n"


def test_text_output_valid_with_warnings(write):
    path = write("c.yaml", WARNS)
    code, out, err = validate("-c", path)
    assert code == 0
    assert out == f"{path}: valid (1 warning)\n"
    assert err.startswith(f"{path}:4:13: warning: LC113 ")


def test_text_output_invalid(write):
    path = write("c.yaml", BROKEN)
    code, out, err = validate("-c", path)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [f"{path}:5:16", f"{path}:6:13"]
    assert lines[0].split(": ", 1)[1].startswith("LC106 ")
    assert lines[1].split(": ", 1)[1].startswith("LC104 ")
    assert lines[-1] == f"{path}: invalid (2 errors)"
    assert "Traceback" not in err


def test_json_output(write):
    path = write("c.yaml", BROKEN)
    code, out, err = validate("-c", path, "--output", "json")
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert (doc["ok"], doc["exit_code"]) == (False, 1)
    found = doc["findings"]
    assert [(f["line"], f["column"], f["rule"], f["severity"]) for f in found] == [(5, 16, "LC106", "error"), (6, 13, "LC104", "error")]
    assert set(found[0]) == {"file", "line", "column", "rule", "severity", "message"}
    assert found[0]["file"] == path


def test_json_output_valid_lists_warnings(write):
    path = write("c.yaml", WARNS)
    code, out, err = validate("-c", path, "--output", "json")
    assert (code, err) == (0, "")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["LC113"]
    path = write("d.yaml", "version: 1\n")
    code, out, _ = validate("-c", path, "--output", "json")
    assert (code, json.loads(out)) == (0, {"ok": True, "exit_code": 0, "findings": []})


def test_json_output_for_a_file_error(tmp_path):
    code, out, _err = validate("-c", str(tmp_path / "missing.yaml"), "--output", "json")
    assert code == 1
    assert json.loads(out)["findings"] == [{"file": str(tmp_path / "missing.yaml"), "line": None, "column": None,
                                            "rule": "LC001", "severity": "error", "message": "no such file"}]


def test_json_output_is_one_object_shape_for_findings_and_for_a_target_error(write, tmp_path):
    """G9 of the review: findings were a bare array, a target error an object. Both are objects
    with "ok" and "exit_code" now; "findings" or "error" says which."""
    path = write("c.yaml", "version: 1\n")
    code, out, _ = validate("-c", path, "--target", f"snapshot:{tmp_path / 'none.json'}", "--output", "json")
    doc = json.loads(out)
    assert code != 0 and doc["ok"] is False and doc["exit_code"] == code and "error" in doc
    code, out, _ = validate("-c", path, "--output", "json")
    assert set(json.loads(out)) == {"ok", "exit_code", "findings"}


def test_several_configs_are_named_in_the_summary(write):
    a = write("a.yaml", "version: 1\n")
    b = write("b.yaml", "version: 1\nlead_statuses: {items: [{name: Open}]}\n")
    assert validate("-c", a, "-c", b)[:2] == (0, f"{a}, {b}: valid\n")


def test_bad_target_is_an_error_without_traceback(write):
    path = write("c.yaml", "version: 1\n")
    code, _out, err = validate("-c", path, "--target", "nonsense")
    assert code == 1
    assert err.startswith("error: ") and "Traceback" not in err


def test_usage_error_exit_code(write):
    path = write("c.yaml", "version: 1\n")
    assert validate("-c", path, "--output", "xml")[0] == 3


def test_importing_the_command_stays_light():
    # `leadconf --help` imports this module to list the commands.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import leadconf.cli.validate"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & {"yaml", "jsonschema", "pydantic", "deepdiff", "httpx"}
