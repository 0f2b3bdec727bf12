import json
import os
import shutil

import pytest

from tests.pipeline.ci_sim import ROOT

NEW_DB = os.path.join(ROOT, "examples", "tenants", "new-database.json")

# Against new-database.json: one update (lead status on Lead) and one rename (a lead status).
CHANGE = """\
version: 1
company_categories:
  items:
    - name: Lead
      group: potential_customer
      lead_status: true
    - name: Marketing qualified lead
    - name: Opportunity
    - name: Lost opportunity
lead_statuses:
  items:
    - name: Open
    - name: Working
      renamed_from: Contacting
    - name: Disqualified
    - name: Re-nurture
    - name: Qualified
"""

# The same, and Re-nurture retired: a delete.
DELETE = CHANGE.replace("    - name: Re-nurture\n", "    - name: Re-nurture\n      deleted: true\n")

# Lead statuses have no group: a schema error (LC010) at line 5.
INVALID = """\
version: 1
lead_statuses:
  items:
    - name: Open
      group: customer
"""


class Workdir:
    """A checkout of a config repository: leadconf.yaml, and the tenant as a snapshot file."""

    def __init__(self, path):
        self.path = str(path)
        self.tenant = os.path.join(self.path, "tenant.json")
        shutil.copy(NEW_DB, self.tenant)
        self.target = "snapshot:tenant.json"

    def config(self, text: str):
        with open(os.path.join(self.path, "leadconf.yaml"), "w", encoding="utf-8") as fh:
            fh.write(text)

    def read_tenant(self) -> dict:
        with open(self.tenant, encoding="utf-8") as fh:
            return json.load(fh)

    def file(self, name: str) -> str:
        with open(os.path.join(self.path, name), encoding="utf-8") as fh:
            return fh.read()

    def exists(self, name: str) -> bool:
        return os.path.exists(os.path.join(self.path, name))

    def lead_status_names(self) -> list[str]:
        return [s["Name"] for s in self.read_tenant()["lead_statuses"] if not s.get("Deleted")]


@pytest.fixture
def work(tmp_path):
    os.makedirs(tmp_path / "repo")
    return Workdir(tmp_path / "repo")


@pytest.fixture
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: the github-script steps cannot be run")
    return path
