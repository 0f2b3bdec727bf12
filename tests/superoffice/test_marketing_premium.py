"""A Marketing Premium tenant over the Web API: plan, apply, plan again, export round trip; the UTM
preference's levels; licence errors; automation on a tenant without it; the request budget."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from leadconf.errors import AuthError, RemoteError
from tests.emulator.state import ApiError
from tests.helpers import EXAMPLES, run_cli

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "19-marketing-premium"
UTM = {"Section": "Mailing", "Key": "EnableUTMSaving"}


def existing_customer() -> dict:
    return json.loads((Path(EXAMPLES) / "tenants" / "existing-customer.json").read_text(encoding="utf-8"))


def test_apply_then_export_round_trips(emulator_factory, tmp_path):
    emu = emulator_factory(existing_customer())
    shutil.copy(SCENARIO / "config.yaml", tmp_path / "leadconf.yaml")
    code, out, err = run_cli("apply", "--target", emu.target, "--auto-approve", "--journal-dir", str(tmp_path / "j"),
                             cwd=tmp_path)
    assert code == 0, out + err
    step = emu.document()["flows"][0]["Steps"][0]
    assert (step["Associates"], step["DefaultAssociate"]) == ([1, 2], 2)  # "Anna Andersen" is ANNA, "Bob Berg" BOB

    exported = tmp_path / "exported.yaml"
    code, _, err = run_cli("export", "--target", emu.target, "-o", str(exported))
    assert code == 0, err
    doc = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert doc["marketing"]["utm_tracking"] is True
    assert doc["marketing"]["lead_distribution"]["flow"] == "Lead nurturing"
    assert doc["category_automation"]["sale_sold"]["category"] == "Customer"
    emu.requests.clear()
    code, out, err = run_cli("plan", "-c", str(exported), "--target", emu.target, "--detailed-exitcode")
    assert (code, out.splitlines()[-1]) == (0, "No changes. The tenant matches the configuration."), out + err
    assert emu.writes() == []


def _plan(emu, tmp_path, config: str):
    (tmp_path / "leadconf.yaml").write_text(config, encoding="utf-8")
    return run_cli("plan", "--target", emu.target, "--no-color", cwd=tmp_path)


def test_an_individual_override_is_named_and_the_plan_does_not_say_no_changes(emulator_factory, tmp_path):
    doc = existing_customer()
    doc["preferences"] = [{"Specification": UTM, "RawValue": "1", "Level": "Database"},
                          {"Specification": UTM, "RawValue": "0", "Level": "Individual"}]
    code, out, err = _plan(emulator_factory(doc), tmp_path, "version: 1\nmarketing:\n  utm_tracking: true\n")
    assert code == 0, err
    assert "LC302 UTM tracking: a value set at the Individual level (off) overrides" in out
    assert "No changes." not in out
    assert out.splitlines()[-1] == "Nothing to write, but the tenant does not match the configuration (see warning LC302)."
    # G9 of the review: the tenant does not match, so --detailed-exitcode says drift (was 0)
    code, out, err = run_cli("plan", "--target", emulator_factory(doc).target, "--detailed-exitcode", cwd=tmp_path)
    assert code == 2, out + err


def test_a_systemwide_value_hiding_the_database_one_is_named(emulator_factory, tmp_path):
    doc = existing_customer()
    doc["preferences"] = [{"Specification": UTM, "RawValue": "0", "Level": "SystemWide"},
                          {"Specification": UTM, "RawValue": "1", "Level": "Database"}]
    emu = emulator_factory(doc)
    # the emulator resolves the closest level, as SuperOffice does; a SystemWide value whose highest
    # override level is below Database wins over it: the emulator has no such ceiling, so stage it
    emu.state.pref = _closest_is(emu.state.pref, "SystemWide", "0")
    code, out, err = _plan(emu, tmp_path, "version: 1\nmarketing:\n  utm_tracking: true\n")
    assert code == 0, err
    assert "a value set at the SystemWide level (off) hides the tenant-wide (Database) value" in out
    assert "No changes." not in out


def _closest_is(pref, level, raw):
    def answer(section, key, at):
        got = pref(section, key, at)
        return dict(got, Level=level, RawValue=raw) if at is None else got
    return answer


def test_the_utm_value_is_written_tenant_wide_when_no_level_has_one(emulator_factory, tmp_path):
    doc = existing_customer()
    doc["preferences"] = []
    emu = emulator_factory(doc)
    (tmp_path / "leadconf.yaml").write_text("version: 1\nmarketing:\n  utm_tracking: true\n", encoding="utf-8")
    code, out, err = run_cli("apply", "--target", emu.target, "--auto-approve", "--journal-dir", str(tmp_path / "j"),
                             cwd=tmp_path)
    assert code == 0, out + err
    assert [(p["Level"], p["RawValue"]) for p in emu.document()["preferences"]] == [("Database", "1")]
    assert [r.path.rsplit("/", 1)[-1] for r in emu.writes()] == ["Database"]


def test_marketing_on_a_tenant_whose_flow_list_answers_a_licence_error_is_refused_before_writing(emulator_factory, tmp_path):
    doc = existing_customer()
    doc["features"] = {"marketing": "unlicensed"}
    emu = emulator_factory(doc)
    (tmp_path / "leadconf.yaml").write_text((SCENARIO / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("apply", "--target", emu.target, "--auto-approve", "--journal-dir", str(tmp_path / "j"),
                             cwd=tmp_path)
    assert code == 1
    assert "LC205 the tenant refuses Marketing Premium: its flow list answered with a licence error" in err
    assert emu.writes() == []


def test_automation_on_a_tenant_without_it_is_refused_at_plan_time(emulator_factory, tmp_path):
    emu = emulator_factory(existing_customer(), automation=False)
    (tmp_path / "leadconf.yaml").write_text(
        "version: 1\nlead_statuses:\n  items: [{name: Open}, {name: Brand new}]\n"
        "category_automation:\n  sale_sold: {category: Customer}\n", encoding="utf-8")
    code, out, err = run_cli("plan", "--target", emu.target, cwd=tmp_path)
    assert code == 1 and out == ""
    assert "LC214 the tenant has no category automation (the agent method answers 404" in err
    code, out, err = run_cli("apply", "--target", emu.target, "--auto-approve", "--journal-dir", str(tmp_path / "j"),
                             cwd=tmp_path)
    assert code == 1 and "LC214" in err
    assert emu.writes() == []  # nothing half-applied: the lead status was not created either


def test_plan_budget_with_grouping_off_is_the_list_reads_plus_one_per_category(emulator_factory, tmp_path):
    doc = existing_customer()
    doc["category_user_groups"], doc["category_headings"] = {}, {}
    emu = emulator_factory(doc, groups_and_headings=False)
    emu.requests.clear()
    code, out, err = _plan(emu, tmp_path, (SCENARIO / "config.yaml").read_text(encoding="utf-8"))
    assert code == 0, err
    calls = emu.api_requests()
    categories = len(doc["categories"])
    flows = len(doc["flows"])
    steps = sum(1 for f in doc["flows"] for s in f["Steps"] if s["StepType"] == "DistributeToOwner")
    # 11 list reads + GetAssociateList; one GetCategoryEntity per category; per flow and step
    assert len([r for r in calls if r.path.endswith("/GetCategoryEntity")]) == categories
    assert len(calls) == 12 + categories + flows + steps


def test_a_snapshot_writes_utm_at_the_tenant_level_not_over_a_users_own(tmp_path):
    doc = existing_customer()
    doc["preferences"] = [{"Specification": UTM, "RawValue": "0", "Level": "Individual"},
                          {"Specification": UTM, "RawValue": "0", "Level": "Database"}]
    tenant = tmp_path / "tenant.json"
    tenant.write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "leadconf.yaml").write_text("version: 1\nmarketing:\n  utm_tracking: true\n", encoding="utf-8")
    code, out, err = run_cli("apply", "--target", f"snapshot:{tenant}", "--auto-approve", "--journal-dir",
                             str(tmp_path / "j"), cwd=tmp_path)
    assert code == 0, out + err
    prefs = json.loads(tenant.read_text(encoding="utf-8"))["preferences"]
    assert [(p["Level"], p["RawValue"]) for p in prefs] == [("Individual", "0"), ("Database", "1")]
    code, out, _ = run_cli("plan", "--target", f"snapshot:{tenant}", cwd=tmp_path)
    assert "LC302" in out and "Individual level (off) overrides" in out


def test_a_licence_error_at_write_time_says_so(emulator_factory, open_backend):
    emu = emulator_factory(existing_customer())
    backend = open_backend(emu)
    step = backend.read().flows[0].distribute_steps[0]
    emu.state.marketing = "unlicensed"  # the licence went away between plan and apply
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_distribution", step)
    assert caught.value.status == 403
    assert str(caught.value).endswith("(a licence error: the tenant is not licensed for this feature; it was not written)")
    assert emu.writes() == []


def test_a_licence_error_on_the_preference_reads_as_no_utm(emulator_factory, open_backend):
    doc = existing_customer()
    doc["features"] = {"marketing": "unlicensed"}
    emu = emulator_factory(doc)
    emu.inject("status", status=403, match="GET .*/Preference/", times=None)  # an ErrorType naming no licence
    with pytest.raises(AuthError):
        open_backend(emu).read()  # not a licence error: it is not swallowed
    emu.clear_faults()
    original = emu.state.pref

    def refuse(section, key, level):
        raise ApiError(403, "Preferences of Marketing need a Marketing Premium licence", "SoLicenseException")

    emu.state.pref = refuse
    tenant = open_backend(emu).read()
    assert tenant.utm_tracking is None and tenant.features["marketing"] == "unlicensed"
    emu.state.pref = original


def test_associates_without_get_associate_list_keep_their_full_names(emulator_factory, open_backend):
    emu = emulator_factory(existing_customer())
    emu.inject("status", status=404, match="POST .*/GetAssociateList$", times=None)
    tenant = open_backend(emu).read()
    assert [(a.name, a.full_name) for a in tenant.associates][:2] == [("Anna Andersen", "Anna Andersen"), ("Bob Berg", "Bob Berg")]
