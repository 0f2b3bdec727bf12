"""Behaviour a fresh sampled mutation run (seed 12, bench/results/mutation-12.md) found unpinned in the
core and the saved-plan modules: each test fails against one of its survivors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.diff import diff
from leadconf.errors import PlanFileError
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.plan.planfile import Keys, check_data, dumps
from leadconf.plan.planschema import check_plan_file
from tests.core.conftest import tenant


def _plan(name="Lead – Ünïcode") -> Plan:
    return Plan(target="snapshot:t.json", locator="snapshot:/srv/t.json",
                changes=[Change(action="update", kind="category", name=name, key=7, before={"lead_status": False},
                                after={"lead_status": True}, reason="r", fingerprint="0123456789abcdef")],
                config_digest="abc", config_files=["leadconf.yaml"], list_sizes={"category": 12, "lead_status": 5})


def test_a_saved_plan_keeps_non_ascii_names_as_they_are():
    text = dumps(_plan(), Keys(shared=None, local=None))
    assert "Lead – Ünïcode" in text and "\\u" not in text


@pytest.mark.parametrize("problems", [5, 6, 7])
def test_a_plan_file_refusal_lists_five_problems_and_counts_the_rest(problems):
    data = json.loads(json.dumps(_plan().to_file_dict()))
    data["changes"] = [dict(data["changes"][0], reason=1) for _ in range(problems - 1)]  # one problem each
    assert len(check_plan_file(data)) == problems  # ... and the summary that no longer matches
    with pytest.raises(PlanFileError) as refused:
        check_data(data, "plan.json")
    message = str(refused.value)
    assert message.count("; ") == 4, message
    if problems == 5:
        assert "more)" not in message, message
    else:
        assert message.endswith(f"(and {problems - 5} more)"), message


@pytest.mark.parametrize("level, how", [("SystemWide", "hides"), ("HardDefault", "hides"), ("Individual", "overrides")])
def test_the_utm_warning_says_whether_the_other_level_hides_or_overrides(config, level, how):
    live = replace(tenant(), utm_tracking=False, utm_override=level, utm_effective=False)
    loaded = config("""
        version: 1
        marketing:
          utm_tracking: true
    """)
    warnings = diff(loaded.config, live, loaded.source).warnings
    assert [w for w in warnings if f") {how} the tenant-wide" in w.message], [w.message for w in warnings]
