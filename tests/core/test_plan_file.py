"""The plan file's checksum, pinned: a change to how it is computed would silently invalidate every
plan saved by the previous version (CONTRIBUTING.md, "Releasing")."""

from __future__ import annotations

import json

import pytest

from leadconf.errors import PlanFileError
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan

# Computed by leadconf 0.1.0 (main at 2decc4b) for the plan below; it must never change silently.
EXPECTED_CHECKSUM = "sha256:a4f36f476d37b2ae4e94d5f388722dd7d3284f274281052d5d2954fbbe10c954"


def _plan() -> Plan:
    return Plan(
        target="snapshot:tenant.json",
        locator="snapshot:/srv/tenant.json",
        changes=[Change(action="update", kind="category", name="Lead – Ünïcode", key=7,
                        before={"lead_status": False}, after={"lead_status": True},
                        reason="fields differ from the config: lead_status", source="leadconf.yaml:4",
                        fingerprint="0123456789abcdef")],
        config_digest="abc",
        config_files=["leadconf.yaml"],
        list_sizes={"category": 12, "lead_status": 5},
    )


def test_the_checksum_of_a_known_plan_is_the_one_the_previous_version_computed():
    assert _plan().to_file_dict()["checksum"] == EXPECTED_CHECKSUM


def test_a_plan_saved_by_the_previous_version_still_loads():
    saved = json.loads(json.dumps(_plan().to_file_dict(), ensure_ascii=False))  # as written to disk
    assert saved["policy"] == {"max_change_percent": 30.0, "min_list_size": 10}
    loaded = Plan.from_file_dict(saved)
    assert loaded.changes == _plan().changes and loaded.locator == "snapshot:/srv/tenant.json"


@pytest.mark.parametrize("edit", [
    lambda d: d["changes"][0]["after"].update(lead_status=False),
    lambda d: d["policy"].update(max_change_percent=100),
    lambda d: d.update(locator="snapshot:/elsewhere.json"),
])
def test_any_edit_after_saving_is_refused(edit):
    saved = _plan().to_file_dict()
    edit(saved)
    with pytest.raises(PlanFileError, match="checksum mismatch"):
        Plan.from_file_dict(saved)


def test_an_unknown_group_in_a_plan_file_is_said_once():
    from leadconf.plan.planschema import check_plan_file

    data = json.loads(json.dumps(_plan().to_file_dict()))
    data["changes"][0].update(before={"group": "lost"}, after={"group": "bogus"})
    problems = check_plan_file(data)
    about_group = [p for p in problems if "after.group" in p]
    assert about_group == ["changes[0].after.group: expected one of customer, potential_customer, partner, lost, "
                           "other, none, got 'bogus'"], problems
