"""Fixtures shared by the reliability tests: a tenant copy, and a backend that refuses one category
until the test says the cause is fixed (without undoing the suite's isolated environment)."""

from __future__ import annotations

import os
import shutil

import pytest

from leadconf.backends.snapshot import SnapshotBackend
from leadconf.errors import RemoteError
from tests.helpers import EXAMPLES

CONFIG = os.path.join(os.path.dirname(__file__), "many-changes.yaml")
TENANT = os.path.join(EXAMPLES, "tenants", "existing-customer.json")
FLAGS = ["--auto-approve", "--allow-delete", "--allow-large-change"]


@pytest.fixture
def tenant(tmp_path):
    path = tmp_path / "tenant.json"
    shutil.copy(TENANT, path)
    return path


class _Refusal:
    def __init__(self):
        self.active = True

    def fix(self):
        """The cause is fixed: writes of the category go through from now on."""
        self.active = False


@pytest.fixture
def failing_category(monkeypatch):
    """The backend refuses every write of the category 'Webinar lead' (as an API would, with a
    status) until `failing_category.fix()`."""
    real = SnapshotBackend.write
    refusal = _Refusal()

    def write(self, kind, item):
        if refusal.active and kind == "category" and getattr(item, "name", "") == "Webinar lead":
            raise RemoteError("Name is not valid", method="POST", path="/api/v1/Agents/List/SaveCategoryEntity",
                              status=400, error_type="SoException", item="category 'Webinar lead'")
        return real(self, kind, item)

    monkeypatch.setattr(SnapshotBackend, "write", write)
    return refusal
