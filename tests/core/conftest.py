"""Building blocks of the core tests: a config from YAML text, a tenant from a few items, and the two
backends the core is tried against (in memory, and the snapshot file)."""

from __future__ import annotations

import json
import textwrap

import pytest

from leadconf.backends.snapshot import SNAPSHOT_FORMAT, SnapshotBackend
from leadconf.backends.superoffice import codec
from leadconf.config.loader import load_config
from leadconf.model.tenant import (
    AutomationRule,
    Category,
    DistributeStep,
    Flow,
    LeadStatus,
    NamedItem,
    Tenant,
)
from leadconf.plan.plan import Plan
from tests.core.memory import MemoryBackend


@pytest.fixture
def config(tmp_path):
    """config(yaml_text) -> a LoadedConfig, as `leadconf plan` loads it."""

    def load(text: str):
        path = tmp_path / "leadconf.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return load_config([str(path)], env={})

    return load


def tenant(categories=(), statuses=("Open",), **extra) -> Tenant:
    """A tenant from names: a string is a live item, ("Name", {fields}) one with fields. Ranks and
    ids follow the order given, 10 apart (as SuperOffice numbers them)."""
    cats, sts = [], []
    for n, entry in enumerate(categories, start=1):
        name, fields = (entry, {}) if isinstance(entry, str) else entry
        cats.append(Category(**{"id": n, "name": name, "rank": 10 * n, **fields}))
    for n, entry in enumerate(statuses, start=1):
        name, fields = (entry, {}) if isinstance(entry, str) else entry
        sts.append(LeadStatus(**{"id": 100 + n, "name": name, "rank": 10 * n, **fields}))
    return Tenant(categories=cats, lead_statuses=sts, **extra)


def snapshot_document(t: Tenant, other_steps: dict | None = None) -> dict:
    """The tenant as a snapshot file holds it. `other_steps`: flow id -> steps of other kinds, put
    before the flow's Distribute-to-owner steps."""
    doc = {
        "format": SNAPSHOT_FORMAT,
        "categories": [codec.category_to_api(c) for c in t.categories],
        "lead_statuses": [codec.lead_status_to_api(s) for s in t.lead_statuses],
        "category_automation": [codec.automation_to_api(r) for r in t.automation],
        "user_groups": [{"Id": g.id, "Name": g.name} for g in t.user_groups],
        "associates": [{"AssociateId": a.id, "Name": a.name} for a in t.associates],
        "flows": [{"WorkflowId": f.id, "Name": f.name,
                   "Steps": (other_steps or {}).get(f.id, []) + [codec.distribute_step_to_api(s) for s in f.distribute_steps]}
                  for f in t.flows],
        "licenses": sorted(t.licenses),
    }
    if t.utm_tracking is not None:
        doc["preferences"] = [{"Specification": {"Section": codec.UTM_SECTION, "Key": codec.UTM_KEY},
                               "RawValue": "1" if t.utm_tracking else "0", "Level": "Database"}]
    return doc


@pytest.fixture(params=["memory", "snapshot"])
def make_backend(request, tmp_path):
    """make_backend(tenant) -> a backend holding it: in memory, or in a snapshot file."""

    def make(t: Tenant, other_steps: dict | None = None):
        if request.param == "memory":
            return MemoryBackend(t)
        path = tmp_path / "tenant.json"
        path.write_text(json.dumps(snapshot_document(t, other_steps), indent=2), encoding="utf-8")
        return SnapshotBackend(str(path))

    return make


__all__ = ["AutomationRule", "Category", "DistributeStep", "Flow", "LeadStatus", "NamedItem", "tenant"]


def read_plan_file(path) -> Plan:
    """A plan file (an undo plan) as `leadconf apply PLANFILE` reads it: schema, seal, checksum."""
    from leadconf.plan import planfile

    return planfile.load(str(path), planfile.plan_keys()).plan
