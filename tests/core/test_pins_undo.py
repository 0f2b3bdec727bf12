"""The undo plan (leadconf/apply/undo.py), pinned where the mutation runs of issue 10 found it loose:
the inverse of each kind of change, its fingerprints and list sizes, and which journal events it
takes back."""

from __future__ import annotations

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Made
from leadconf.apply.undo import final_state, inverse_plan
from leadconf.diff import build_plan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from tests.core.conftest import read_plan_file, tenant
from tests.core.memory import MemoryBackend


def test_the_undo_passes_over_a_journal_event_for_a_change_the_plan_does_not_have(tmp_path):
    t = tenant(["Alpha", "Beta"])
    plan = Plan(target="memory:test", changes=[Change(action="update", kind="category", name="Beta", key=2,
                                                      before={"tooltip": ""}, after={"tooltip": "B"})])
    undo = inverse_plan(plan, [Made(0, 2, None), Made(1, 1, None), Made(-1, 1, None)], final_state(t))
    assert [(c.action, c.name, c.before, c.after) for c in undo.changes] == [
        ("update", "Beta", {"tooltip": "B"}, {"tooltip": ""})]
