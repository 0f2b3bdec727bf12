"""The apply session (leadconf/apply/session.py), pinned where the mutation runs of issue 10 found it
loose: a saved plan is not asked about again, and applying one loads nothing of the config's world."""

from __future__ import annotations

import subprocess
import sys

from leadconf.apply import ApplySession
from leadconf.diff import build_plan
from tests.core.conftest import tenant
from tests.core.memory import MemoryBackend


def test_a_saved_plan_is_carried_out_without_asking_again(config, tmp_path):
    backend = MemoryBackend(tenant(["Customer"]))
    plan = build_plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer}\n    - {name: Partner}\n"),
                      backend.read(), backend.description, backend.locator)
    asked = []
    session = ApplySession(backend, journal_dir=str(tmp_path / "j"), confirm=lambda p: asked.append(p) or False)
    report = session.apply_plan(plan)  # approved by whoever saved it
    assert report.ok and asked == []
    assert [c.name for c in backend.read().categories] == ["Customer", "Partner"]


def test_the_session_module_loads_neither_pydantic_nor_the_config_models():
    code = ("import sys, leadconf.apply.session; "
            "print(sorted(m for m in sys.modules if m == 'pydantic' or m.startswith('leadconf.config')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
