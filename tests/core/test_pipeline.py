"""diff -> plan -> apply through the public API of each layer, against both a backend in memory and
the snapshot file: the CLI tests and the golden plans reach the same code from the outside."""

from __future__ import annotations

import os

import pytest

from leadconf.apply import ApplySession
from leadconf.diff import build_plan, diff
from leadconf.errors import PlanError, UnsafePlan
from tests.core.conftest import read_plan_file, tenant

CUSTOMER = ("Customer", {"group": "Customer"})

CONFIG = """
    version: 1
    company_categories:
      items:
        - {name: Lead, group: potential_customer, lead_status: true}
        - {name: Customer, group: customer}
        - {name: Partner, group: partner}
    lead_statuses:
      items:
        - name: Open
        - name: Contacting
"""


def _session(backend, tmp_path, **options):
    return ApplySession(backend, journal_dir=str(tmp_path / "journal"), **options)


def test_apply_then_plan_again_shows_no_changes(config, make_backend, tmp_path):
    loaded = config(CONFIG)
    backend = make_backend(tenant([CUSTOMER, ("Lead", {"group": "Customer"})]))
    first = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert [(c.action, c.kind, c.name) for c in first.changes] == [
        ("update", "category", "Lead"),
        ("create", "category", "Partner"),
        ("create", "lead_status", "Contacting"),
        ("reorder", "category", "category list"),
    ]
    report = _session(backend, tmp_path).apply_plan(first)
    assert report.ok and report.counts()["done"] == 4
    again = build_plan(loaded, backend.read(), backend.description, backend.locator)
    assert again.changes == []
    names = [(c.name, c.group, c.enable_lead_status) for c in sorted(backend.read().categories, key=lambda c: c.rank)]
    assert names == [("Lead", "PotentialCustomer", True), ("Customer", "Customer", False), ("Partner", "Partner", False)]


def test_the_diff_is_pure(config):
    loaded = config(CONFIG)
    t = tenant([CUSTOMER])
    before = repr(t)
    one, two = diff(loaded.config, t), diff(loaded.config, t)
    assert one == two and repr(t) == before


def test_a_session_plans_under_the_lock_and_shows_the_plan_before_it_asks(config, make_backend, tmp_path):
    backend = make_backend(tenant([CUSTOMER]))
    seen = []
    session = _session(backend, tmp_path, on_plan=lambda plan, target: seen.append(("plan", target, len(plan.changes))),
                       confirm=lambda plan: seen.append(("confirm", len(plan.changes))) or True)
    report = session.apply_config(config(CONFIG))
    assert seen == [("plan", backend.description, 4), ("confirm", 4)]
    assert report.ok and report.journal and os.path.exists(report.journal)


def test_no_changes_returns_an_empty_report_without_asking_or_journaling(config, make_backend, tmp_path):
    backend = make_backend(tenant([CUSTOMER]))
    asked = []
    session = _session(backend, tmp_path, confirm=lambda plan: asked.append(plan) or True)
    report = session.apply_config(config("version: 1\ncompany_categories:\n  items:\n    - {name: Customer, group: customer}\n"))
    assert report.outcomes == [] and report.journal is None and asked == []
    assert not os.path.exists(tmp_path / "journal")


def test_a_declined_confirmation_changes_nothing(config, tmp_path):
    from tests.core.memory import MemoryBackend

    backend = MemoryBackend(tenant([CUSTOMER]))
    with pytest.raises(PlanError, match="apply cancelled; nothing was changed"):
        _session(backend, tmp_path, confirm=lambda plan: False).apply_config(config(CONFIG))
    assert backend.writes == [] and not os.path.exists(tmp_path / "journal")


def test_an_unsafe_plan_is_refused_before_it_is_confirmed_or_written(config, tmp_path):
    from tests.core.memory import MemoryBackend

    backend = MemoryBackend(tenant([CUSTOMER, "Old"]))
    asked = []
    loaded = config("version: 1\ncompany_categories:\n  prune: true\n  items:\n    - {name: Customer, group: customer}\n")
    with pytest.raises(UnsafePlan, match="--allow-delete"):
        _session(backend, tmp_path, confirm=lambda plan: asked.append(plan) or True).apply_config(loaded)
    assert asked == [] and backend.writes == []
    report = _session(backend, tmp_path, allow_delete=True).apply_config(loaded)
    assert report.ok and [c.deleted for c in backend.read().categories] == [False, True]


def test_the_undo_plan_goes_back(config, make_backend, tmp_path):

    backend = make_backend(tenant([CUSTOMER, ("Lead", {"group": "Customer"})]))
    original = backend.read()
    report = _session(backend, tmp_path).apply_config(config(CONFIG))
    assert report.undo and "--allow-delete" in report.undo_flags  # it created items: going back deletes them

    undo = read_plan_file(report.undo)
    back = _session(backend, tmp_path, allow_delete=True, allow_large_change=True).apply_plan(undo)
    assert back.ok
    now = backend.read()
    live = sorted((c.name, c.group, c.rank) for c in now.categories if not c.deleted)
    assert live == sorted((c.name, c.group, c.rank) for c in original.categories)
    assert {s.name for s in now.lead_statuses if not s.deleted} == {"Open"}
