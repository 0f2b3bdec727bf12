"""`renamed_from` checked against the tenant: LC215 (an earlier name that finds nothing) and LC216
(the new and the earlier name both live)."""

from __future__ import annotations

import os
import shutil

from leadconf.model.tenant import Category, LeadStatus
from tests.config.test_tenant_rules import check, tenant
from tests.config.util import TENANTS
from tests.helpers import run_cli


def test_a_typo_in_renamed_from_is_a_warning_with_a_did_you_mean(write):
    found = check(write, """
        version: 1
        lead_statuses:
          items: [{name: Open}, {name: Reached, renamed_from: Qualifed}]
        """)
    assert [(d.rule, d.severity, d.line, d.column) for d in found] == [("LC215", "warning", 3, 55)]
    assert found[0].message == (
        "lead status 'Reached': no lead status in the tenant is named 'Qualifed', so it will be created, not renamed; "
        "did you mean 'Qualified'? (live lead statuses the config does not name: Qualified)")


def test_no_warning_once_the_rename_is_done_or_when_an_earlier_name_is_found(write):
    # after the apply the earlier name is gone and the new one is there: the steady state
    assert check(write, "version: 1\nlead_statuses:\n  items: [{name: Qualified, renamed_from: Qualifying}]\n") == []
    # one of several earlier names is enough, deleted items included (the rename restores it)
    assert check(write, "version: 1\nlead_statuses:\n  items: [{name: Warm, renamed_from: [Tepid, Cold]}]\n") == []


def test_both_names_live_is_an_error(write):
    found = check(write, """
        version: 1
        company_categories:
          items:
            - {name: Prospect, renamed_from: Customer}
        """)
    assert [(d.rule, d.severity) for d in found] == [("LC216", "error")]
    assert "'Prospect' is renamed from 'Customer', but both exist live in the tenant" in found[0].message
    assert "Drop renamed_from" in found[0].message and "deleted: true" in found[0].message


def test_an_earlier_name_that_is_deleted_or_the_same_item_is_no_error(write):
    live = tenant(categories=[Category(1, "Lead", "PotentialCustomer", enable_lead_status=True),
                              Category(2, "Old", "Other", deleted=True)],
                  lead_statuses=[LeadStatus(1, "Open"), LeadStatus(2, "Qualified")])
    assert check(write, "version: 1\ncompany_categories:\n  items: [{name: Lead, renamed_from: Old}]\n", live) == []
    assert check(write, "version: 1\nlead_statuses:\n  items: [{name: Qualified, renamed_from: Open}]\n", live) != []


def test_deleted_items_are_not_checked(write):
    assert check(write, "version: 1\nlead_statuses:\n  items: [{name: Gone, renamed_from: Nothing, deleted: true}]\n") == []


def _tenant_copy(tmp_path):
    path = tmp_path / "tenant.json"
    shutil.copy(os.path.join(TENANTS, "new-database.json"), path)
    return f"snapshot:{path}"


def test_the_issue_typo_through_plan(tmp_path):
    """Regression: renamed_from: Contactng quietly became '+ create', leaving two statuses."""
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\nlead_statuses:\n  items:\n    - name: Reaching out\n      renamed_from: Contactng\n",
                      encoding="utf-8")
    code, out, err = run_cli("plan", "-c", str(config), "--target", _tenant_copy(tmp_path))
    assert code == 0, err
    assert ":5:21: warning: LC215" in out and "did you mean 'Contacting'?" in out


def test_the_issue_rename_onto_a_live_name_through_plan(tmp_path):
    """Regression: Qualified renamed_from Contacting, when both exist, gave "No changes"."""
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\nlead_statuses:\n  items:\n    - name: Qualified\n      renamed_from: Contacting\n",
                      encoding="utf-8")
    code, out, err = run_cli("plan", "-c", str(config), "--target", _tenant_copy(tmp_path), "--detailed-exitcode")
    assert code == 1, out + err
    assert ":5:21: LC216" in err and "No changes" not in out
