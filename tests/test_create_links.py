"""A category created by apply gets the links SuperOffice would give it, on both backends.

SuperOffice makes a new item of a list with "Use grouping and user group filtering" visible to every
user group (docs/superoffice-backend.md); `visible_for` and `headings` given at creation replace that
default. The snapshot backend must do the same, or a dry run on a snapshot differs from the tenant.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.helpers import EXAMPLES, run_cli

EXISTING = os.path.join(EXAMPLES, "tenants", "existing-customer.json")
BACKENDS = ["snapshot", "emulator"]


@pytest.fixture
def target(request, tmp_path):
    """(target string, read the tenant document back) for the backend named by the parameter."""
    if request.param == "snapshot":
        path = tmp_path / "tenant.json"
        shutil.copy(EXISTING, path)
        return f"snapshot:{path}", lambda: json.loads(path.read_text(encoding="utf-8"))
    emulator = request.getfixturevalue("emulator")
    with open(EXISTING, encoding="utf-8") as fh:
        emulator.reset(json.load(fh))
    return emulator.target, emulator.document


def _create(target: str, tmp_path, extra: str = "") -> None:
    config = tmp_path / "leadconf.yaml"
    config.write_text("version: 1\ncompany_categories:\n  items:\n    - name: Webinar lead\n"
                      "      group: potential_customer\n" + extra, encoding="utf-8")
    code, out, err = run_cli("apply", "-c", str(config), "--target", target, "--auto-approve",
                             "--journal-dir", str(tmp_path / "j"))
    assert code == 0, out + err
    code, out, err = run_cli("plan", "-c", str(config), "--target", target, "--detailed-exitcode")
    assert code == 0, out + err


def _links(doc: dict, part: str) -> list[int]:
    new_id = next(c["CategoryId"] for c in doc["categories"] if c["Name"] == "Webinar lead")
    return sorted((doc.get(part) or {}).get(str(new_id), []))


@pytest.mark.parametrize("target", BACKENDS, indirect=True)
def test_a_new_category_is_visible_to_every_user_group(target, tmp_path):
    where, document = target
    _create(where, tmp_path)
    doc = document()
    live_groups = sorted(g["Id"] for g in doc["user_groups"] if not g.get("Deleted"))
    assert _links(doc, "category_user_groups") == live_groups
    assert _links(doc, "category_headings") == []


@pytest.mark.parametrize("target", BACKENDS, indirect=True)
def test_visible_for_and_headings_given_at_creation_are_written(target, tmp_path):
    where, document = target
    _create(where, tmp_path, "      visible_for: [Marketing]\n      headings: [Leads, Customers]\n")
    doc = document()
    assert _links(doc, "category_user_groups") == [2]
    assert _links(doc, "category_headings") == [100, 101]


@pytest.mark.parametrize("target", BACKENDS, indirect=True)
def test_an_empty_visible_for_at_creation_is_written(target, tmp_path):
    where, document = target
    _create(where, tmp_path, "      visible_for: []\n")
    assert _links(document(), "category_user_groups") == []


def test_a_snapshot_without_grouping_records_no_links(tmp_path):
    """A list without grouping shows every item to every group: no links are invented for it."""
    path = tmp_path / "tenant.json"
    shutil.copy(os.path.join(EXAMPLES, "tenants", "new-database.json"), path)
    _create(f"snapshot:{path}", tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert not any((doc.get("category_user_groups") or {}).values())
