"""Validation's happy path without pydantic (config/fastpath.py) accepts only what the models and
the schema accept, and builds the values the models build."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given

from leadconf.config import fastpath
from leadconf.config import schema as schema_mod
from leadconf.config.models import Config
from tests.config.test_fuzz import EXAMPLE_DATA, FAST, _model_accepts, mutated_data
from tests.helpers import ROOT


def _plain(obj):
    """The built objects (or a model) as nested dicts and lists, with each scalar's type kept."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump()
    if hasattr(obj, "__dict__"):
        obj = vars(obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return (type(obj).__name__, obj)


def _agrees(data) -> bool:
    built = fastpath.build(data)
    if built is None:
        return False
    assert _model_accepts(data), "the fast path accepted a document the models refuse"
    assert schema_mod.validator().is_valid(data), "the fast path accepted a document the schema refuses"
    assert _plain(built) == _plain(Config.model_validate(data)), "the fast path built other values than the models"
    return True


def test_every_example_takes_the_fast_path_with_the_models_values():
    assert all(_agrees(data) for data in EXAMPLE_DATA)


def test_what_the_models_normalise_is_normalised():
    data = {"version": 1, "policy": {"max_change_percent": 30},
            "company_categories": {"items": [{"name": "Lead", "group": "PotentialCustomer"}]}}
    assert _agrees(data)
    built = fastpath.build(data)
    assert built.company_categories.items[0].group == "potential_customer"
    assert built.policy.max_change_percent == 30.0 and isinstance(built.policy.max_change_percent, float)
    assert built.lead_statuses is None and built.company_categories.prune is False


def test_what_only_the_full_path_can_explain_is_left_to_it():
    for data in ({"version": 1, "policy": {"min_list_size": 5.0}},  # the schema's integer, not the models'
                 {"version": 1, "target": None},  # null: "not written" for the models, refused by the schema
                 {"version": True},
                 {"version": 1, "lead_statuses": {"items": [{"name": "Open\n"}]}}):
        assert fastpath.build(data) is None


@FAST
@given(mutated_data())
def test_mutated_documents(data):
    _agrees(data)


def test_the_everyday_plan_does_not_import_pydantic(tmp_path):
    tenant = tmp_path / "tenant.json"
    tenant.write_bytes(open(f"{ROOT}/examples/tenants/new-database.json", "rb").read())
    code = ("import sys; from leadconf.cli import main\n"
            f"try:\n    main(['plan', '-c', 'examples/lead-management.yaml', '--target', 'snapshot:{tenant}'])\n"
            "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'jsonschema')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
