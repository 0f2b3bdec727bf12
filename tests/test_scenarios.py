"""The scenario suite: config + tenant -> the expected plan (golden files), then apply, then a
second plan that must show no changes. Every scenario runs against every backend.

Regenerate the golden files after an intended change with LEADCONF_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from tests.helpers import EXAMPLES, run_cli

HERE = os.path.join(os.path.dirname(__file__), "scenarios")
SCENARIOS = sorted(d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d)))
UPDATE = os.environ.get("LEADCONF_UPDATE_GOLDEN") == "1"


def _meta(name):
    with open(os.path.join(HERE, name, "scenario.yaml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _tenant_doc(meta):
    with open(os.path.join(EXAMPLES, "tenants", meta["tenant"]), encoding="utf-8") as fh:
        return json.load(fh)


def golden(path, actual):
    if UPDATE or not os.path.exists(path):
        if not UPDATE:
            pytest.fail(f"missing golden file {path}; run with LEADCONF_UPDATE_GOLDEN=1 to create it")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(actual)
        return
    with open(path, encoding="utf-8") as fh:
        expected = fh.read()
    assert actual == expected, f"output differs from {os.path.relpath(path)}"


class SnapshotTarget:
    name = "snapshot"

    def __init__(self, doc, tmp_path):
        self.path = tmp_path / "tenant.json"
        self.path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        self.target = f"snapshot:{self.path}"

    def document(self):
        return json.loads(self.path.read_text(encoding="utf-8"))


def _normalize(text, target):
    return text.replace(target, "<target>")


@pytest.fixture(params=["snapshot", "emulator"])
def make_target(request, tmp_path):
    def make(doc):
        if request.param == "snapshot":
            return SnapshotTarget(doc, tmp_path)
        emulator = request.getfixturevalue("emulator")
        emulator.reset(doc)
        return emulator

    make.backend = request.param
    return make


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name, make_target, tmp_path):
    meta = _meta(name)
    where = os.path.join(HERE, name)
    target = make_target(_tenant_doc(meta))
    base = ["-c", "config.yaml", "--target", target.target]
    journal = ["--journal-dir", str(tmp_path / "journal")]

    code, out, err = run_cli("plan", *base, "--no-color", "--detailed-exitcode", cwd=where)
    if meta.get("expect") == "error":
        assert code == 1, err
        assert out == ""
        golden(os.path.join(where, "errors.txt"), _normalize(err, target.target))
        return
    assert "Traceback" not in err
    golden(os.path.join(where, "plan.txt"), _normalize(out, target.target))
    changes = "No changes." not in out
    assert code == (2 if changes else 0), err

    code, out, err = run_cli("plan", *base, "--output", "json", cwd=where)
    assert code == 0, err
    golden(os.path.join(where, "plan.json"), _normalize(out, target.target))

    flags = list(meta.get("apply", []))
    for needed in meta.get("refused_without", []):
        before = target.document()
        without = [f for f in flags if f != needed]
        code, out, err = run_cli("apply", *base, "--auto-approve", *without, *journal, cwd=where)
        assert code == 1 and needed in err, (code, err)
        assert target.document() == before, "a refused apply changed the tenant"

    code, out, err = run_cli("apply", *base, "--auto-approve", *flags, *journal, cwd=where)
    assert code == 0, out + err

    code, out, err = run_cli("plan", *base, "--no-color", "--detailed-exitcode", cwd=where)
    assert (code, out.splitlines()[-1]) == (0, "No changes. The tenant matches the configuration."), out + err


def test_every_action_is_covered():
    """The suite's golden plans show every action at least once."""
    seen = set()
    for name in SCENARIOS:
        path = os.path.join(HERE, name, "plan.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                seen |= {c["action"] for c in json.load(fh)["changes"]}
    assert seen == {"create", "update", "rename", "restore", "reorder", "delete"}
