"""The nightly drift check of docs/getting-started.md (step 8): the config is `leadconf export`'s
output, and the recipe's drift job plans it with --detailed-exitcode every night. A hand change to
the tenant, of each kind an admin makes in Settings and maintenance, must make it exit 2.

Before issue 14 the export left out `lead_status: false`, `description: ""` and `prune`, so these
fields and lists were unmanaged and every one of these checks said "No changes" (exit 0)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.helpers import EXAMPLES, run_cli
from tests.pipeline.test_ci_github import Actions, _drift_job

EXISTING = os.path.join(EXAMPLES, "tenants", "existing-customer.json")


def _enable_lead_status_on_lead(doc):
    next(c for c in doc["categories"] if c["Name"] == "Lead")["EnableLeadStatus"] = True


def _add_a_tooltip(doc):
    next(c for c in doc["categories"] if c["Name"] == "Partner")["Tooltip"] = "Resellers and integrators"


def _add_a_lead_status(doc):
    doc["lead_statuses"].append({"Id": 99, "Name": "Nurture later", "Tooltip": "", "Rank": 99, "Deleted": False})


def _add_a_category(doc):
    doc["categories"].append({"CategoryId": 99, "Name": "Webinar lead", "CategoryGroup": "PotentialCustomer",
                              "Tooltip": "", "Rank": 99, "EnableLeadStatus": False, "CategoryFamilyId": 0,
                              "Deleted": False})


HAND_CHANGES = {
    "enable lead status on Lead": _enable_lead_status_on_lead,
    "add a tooltip": _add_a_tooltip,
    "add a lead status": _add_a_lead_status,
    "add a category": _add_a_category,
}


@pytest.fixture
def exported(work):
    """A repository whose leadconf.yaml is the export of its tenant: the example tenant with lead
    status on "Prospect" (the guide's step 3) and "Lead" live (it exists deleted there) without it."""
    shutil.copy(EXISTING, work.tenant)
    doc = work.read_tenant()
    next(c for c in doc["categories"] if c["Name"] == "Prospect")["EnableLeadStatus"] = True
    next(c for c in doc["categories"] if c["Name"] == "Lead")["Deleted"] = False
    with open(work.tenant, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    code, out, err = run_cli("export", "--target", work.target, "-o", "leadconf.yaml", cwd=work.path)
    assert code == 0, err
    return work


def test_the_export_plans_clean(exported):
    job = _drift_job(exported, Actions(exported.path))
    assert job.ok, job.log()
    assert job.step("Plan").outputs["exitcode"] == "0"


@pytest.mark.parametrize("change", list(HAND_CHANGES))
def test_a_hand_change_makes_the_nightly_check_exit_2(exported, change):
    doc = exported.read_tenant()
    HAND_CHANGES[change](doc)
    with open(exported.tenant, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    job = _drift_job(exported, Actions(exported.path))
    assert job.step("Plan").outputs["exitcode"] == "2", exported.file("drift.md") + job.log()
    assert not job.ok and "::error::drift" in job.step("Fail on drift or error").stdout


def test_the_minimal_export_leaves_defaults_unmanaged(work):
    """`--minimal` is the form before issue 14: a hand change to what it leaves out is not drift."""
    shutil.copy(EXISTING, work.tenant)
    code, out, err = run_cli("export", "--minimal", "--target", work.target, cwd=work.path)
    assert code == 0, err
    assert "prune" not in out and "lead_status: false" not in out and "description: ''" not in out
    code, full, err = run_cli("export", "--target", work.target, cwd=work.path)
    assert full.count("prune: true") == 2 and "lead_status: false" in full and "description: ''" in full


NEW_DATABASE = os.path.join(EXAMPLES, "tenants", "new-database.json")


def test_lead_status_enabled_by_hand_where_no_category_had_it_is_drift(work):
    """The issue's own scenario (G5 of the review): the export of a tenant with no lead-enabled
    category says `lead_status: false` on every category; lead status enabled on "Lead" by hand is
    drift (exit 2, the plan turns it off), with LC202 a warning, not an error (exit 1)."""
    shutil.copy(NEW_DATABASE, work.tenant)
    code, out, err = run_cli("export", "--target", work.target, "-o", "leadconf.yaml", cwd=work.path)
    assert code == 0, err
    doc = work.read_tenant()
    _enable_lead_status_on_lead(doc)
    with open(work.tenant, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    code, out, err = run_cli("plan", "--target", work.target, "--detailed-exitcode", cwd=work.path)
    assert code == 2, out + err
    assert "warning: LC202" in out + err
    assert "~ update" in out and "Lead" in out, out
    job = _drift_job(work, Actions(work.path))
    assert job.step("Plan").outputs["exitcode"] == "2", work.file("drift.md") + job.log()
