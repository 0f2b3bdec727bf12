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


def snapshot_document(t: Tenant) -> dict:
    return {
        "format": SNAPSHOT_FORMAT,
        "categories": [codec.category_to_api(c) for c in t.categories],
        "lead_statuses": [codec.lead_status_to_api(s) for s in t.lead_statuses],
        "category_automation": [codec.automation_to_api(r) for r in t.automation],
    }


@pytest.fixture(params=["memory", "snapshot"])
def make_backend(request, tmp_path):
    """make_backend(tenant) -> a backend holding it: in memory, or in a snapshot file."""

    def make(t: Tenant):
        if request.param == "memory":
            return MemoryBackend(t)
        path = tmp_path / "tenant.json"
        path.write_text(json.dumps(snapshot_document(t), indent=2), encoding="utf-8")
        return SnapshotBackend(str(path))

    return make


__all__ = ["AutomationRule", "Category", "DistributeStep", "Flow", "LeadStatus", "NamedItem", "tenant"]
