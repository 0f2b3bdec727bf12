"""`leadconf doctor` against the emulator answering as documented, and answering divergently."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli


def rows(out: str) -> dict[str, tuple[str, str]]:
    """assumption id ("U2 GET Preference/…") -> (verdict, seen), from the printed table."""
    found = {}
    for line in out.splitlines():
        for verdict in ("holds", "differs", "unknown"):
            marker = f"  {verdict} "
            if marker in line and line[:1] == "U":
                head, _, seen = line.partition(marker)
                found[head.strip()] = (verdict, seen.strip())
    return found


def verdicts(out: str) -> dict[str, str]:
    return {k.split(" ", 1)[0] + " " + k.split(" ", 2)[1]: v for k, (v, _) in rows(out).items()}


def test_every_assumption_holds_on_a_tenant_answering_as_documented(so):
    code, out, err = run_cli("doctor", "--target", so.target)
    assert code == 0, out + err
    found = rows(out)
    assert len(found) == 9
    assert {v for v, _ in found.values()} == {"holds"}, out
    assert "none differs" in out
    seen = {k.split(" ", 1)[0]: s for k, (_, s) in found.items()}
    assert "list id 31 (ListType 'LeadStatus')" in found[next(k for k in found if k.startswith("U1"))][1]
    assert "available: 2 flow(s)" in seen["U3/U11"]
    assert "MDO Name = full name for 3" in seen["U9"]
    assert so.writes() == []  # without --write-test, doctor only reads


@pytest.mark.parametrize("variant, assumption", [
    ("preference-at-level-object", "U2 GET Preference/Mailing/EnableUTMSaving/Database"),
    ("associate-mdo-login-name", "U9 the MDO list"),
    ("no-lead-status-list-type", "U1 the lead-status list"),
])
def test_a_divergent_answer_is_reported_and_exits_1(emulator_factory, tenant_doc, variant, assumption):
    emu = emulator_factory(tenant_doc, variants={variant})
    code, out, err = run_cli("doctor", "--target", emu.target)
    assert code == 1, out + err
    differing = [k for k, (v, _) in rows(out).items() if v == "differs"]
    assert [k for k in differing if k.startswith(assumption)], out
    assert "1 differ" in out or "differ." in out


def test_an_override_of_the_utm_preference_differs_naming_the_level(emulator_factory, tenant_doc):
    tenant_doc["preferences"].append(
        {"Specification": {"Section": "Mailing", "Key": "EnableUTMSaving"}, "RawValue": "0", "Level": "Group"})
    code, out, _ = run_cli("doctor", "--target", emulator_factory(tenant_doc).target)
    assert code == 1
    (verdict, seen), = [v for k, v in rows(out).items() if k.startswith("U2 the UTM value in effect")]
    assert verdict == "differs" and "a value set at the Group level (off) is in effect" in seen and "tenant-wide: on" in seen


def test_licence_errors_and_missing_automation_are_read_as_the_features_state(emulator_factory, tenant_doc):
    tenant_doc["features"] = {"marketing": "unlicensed"}
    code, out, _ = run_cli("doctor", "--target", emulator_factory(tenant_doc, automation=False).target)
    found = {k.split(" ", 1)[0]: v for k, v in rows(out).items()}
    assert found["U3/U11"][0] == "holds" and "a licence error: HTTP 403 SoLicenseException" in found["U3/U11"][1]
    assert found["U4/U11"] == ("holds", "missing: HTTP 404 (the tenant is older than 11.7)")
    assert found["U8"][0] == "unknown"
    assert code == 0, out


def test_write_test_creates_renames_and_soft_deletes_a_scratch_lead_status(so):
    before = {s["Id"] for s in so.document()["lead_statuses"]}
    code, out, err = run_cli("doctor", "--target", so.target, "--write-test")
    assert code == 0, out + err
    (verdict, seen), = [v for k, v in rows(out).items() if k.startswith("U7")]
    assert verdict == "holds" and "created, renamed, soft-deleted" in seen
    scratch = [s for s in so.document()["lead_statuses"] if s["Id"] not in before]
    assert len(scratch) == 1
    assert scratch[0]["Name"].startswith("leadconf doctor scratch ") and scratch[0]["Name"].endswith(" (renamed)")
    assert scratch[0]["Deleted"] is True  # soft-deleted, never hard-deleted


def test_write_test_reports_a_save_that_does_not_soft_delete(emulator_factory, tenant_doc):
    emu = emulator_factory(tenant_doc, variants={"put-ignores-deleted"})
    code, out, _ = run_cli("doctor", "--target", emu.target, "--write-test")
    assert code == 1
    (verdict, seen), = [v for k, v in rows(out).items() if k.startswith("U7")]
    assert verdict == "differs" and "Deleted true did not soft-delete it" in seen
    # G9 of the review: it says the scratch status stays live, and names it
    scratch = [s for s in emu.document()["lead_statuses"] if s["Name"].startswith("leadconf doctor scratch")]
    assert len(scratch) == 1 and not scratch[0]["Deleted"]
    assert f"the scratch lead status {scratch[0]['Name']!r} stays live; retire it by hand" in seen
    assert "soft-deleted;" not in seen  # not claimed


def test_doctor_needs_a_superoffice_target(tmp_path):
    code, _, err = run_cli("doctor", "--target", f"snapshot:{tmp_path / 't.json'}")
    assert code == 1 and "doctor needs --target superoffice:" in err


def test_answers_cannot_inject_lines_into_the_terminal(emulator_factory, tenant_doc):
    tenant_doc["licenses"] = ["eve\nu9 forged line  holds  \x1b[31mevil"]  # licence names are shown
    code, out, _ = run_cli("doctor", "--target", emulator_factory(tenant_doc).target)
    assert "\x1b" not in out and "\nu9 forged" not in out
    assert "eve\\nu9 forged line" in out


def test_answers_cannot_carry_a_ci_command(emulator_factory, tenant_doc):
    """Before: control characters were escaped but `##vso[` and a line starting `::` went out whole."""
    tenant_doc["licenses"] = ["x\r\n##vso[task.setvariable variable=X]yes ``` ~~~"]
    code, out, _ = run_cli("doctor", "--target", emulator_factory(tenant_doc).target)
    assert "##vso[" not in out and "```" not in out
