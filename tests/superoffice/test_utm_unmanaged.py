"""G6 (issue 11) of the review: a config that does not manage UTM tracking plans whatever the UTM
preference answers; a config that manages it gets a clear error, named once."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import EXAMPLES, run_cli

NO_MARKETING = "version: 1\nlead_statuses:\n  items:\n    - name: Open\n"
UTM = "version: 1\nmarketing:\n  utm_tracking: true\n"


def _doc() -> dict:
    doc = json.loads((Path(EXAMPLES) / "tenants" / "existing-customer.json").read_text(encoding="utf-8"))
    doc["licenses"] = [*doc.get("licenses", []), "marketingpremium"]
    doc.pop("features", None)
    return doc


def _plan(emu, tmp_path, config):
    (tmp_path / "leadconf.yaml").write_text(config, encoding="utf-8")
    return run_cli("plan", "--target", emu.target, "--no-color", cwd=tmp_path)


def test_a_config_without_marketing_plans_whatever_the_utm_preference_answers(emulator_factory, tmp_path):
    emu = emulator_factory(_doc())
    emu.inject("shape", body={"Level": "Nowhere", "RawValue": "1"}, match=r"GET .*/Preference/Mailing/EnableUTMSaving$", times=None)
    code, out, err = _plan(emu, tmp_path, UTM)
    assert code != 0 and "UTM tracking (preference" in err, out + err  # the shape is noticed where it matters
    assert err.count("UTM tracking (preference") == 1, err  # ... and named once
    code, out, err = _plan(emu, tmp_path, NO_MARKETING)
    assert code == 0, out + err


def test_export_leaves_an_unreadable_utm_preference_out_and_says_so(emulator_factory, tmp_path):
    emu = emulator_factory(_doc())
    emu.inject("shape", body="sapiente", match=r"GET .*/Preference/Mailing/EnableUTMSaving$", times=None)
    code, out, err = run_cli("export", "--target", emu.target, "-o", str(tmp_path / "e.yaml"))
    assert code == 0, out + err
    assert "warning: marketing.utm_tracking left out (unmanaged): UTM tracking (preference" in err, err
    assert "utm_tracking" not in (tmp_path / "e.yaml").read_text(encoding="utf-8")
    code, out, err = run_cli("plan", "-c", str(tmp_path / "e.yaml"), "--target", emu.target, "--detailed-exitcode")
    assert code == 0, out + err
