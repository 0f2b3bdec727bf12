"""The snapshot backend writes through a change log: one appended line per write, the file itself
rewritten once per apply; readers replay the log, so a crash loses nothing (snapshot_log.py)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from leadconf.backends import snapshot as snapshot_mod
from leadconf.backends.snapshot import SnapshotBackend
from leadconf.errors import TargetError
from leadconf.model.tenant import Category, LeadStatus
from tests.helpers import EXAMPLES, run_cli

EXISTING = os.path.join(EXAMPLES, "tenants", "existing-customer.json")


@pytest.fixture
def path(tmp_path):
    target = tmp_path / "tenant.json"
    shutil.copy(EXISTING, target)
    return str(target)


def _names(backend, kind="lead_statuses"):
    tenant = backend.read()
    return [i.name for i in (tenant.lead_statuses if kind == "lead_statuses" else tenant.categories)]


def test_an_apply_rewrites_the_snapshot_once_not_once_per_change(tmp_path, path, monkeypatch):
    """Regression: every write rewrote the whole file, which made a large apply quadratic."""
    writes = []
    real = snapshot_mod.atomic_write
    monkeypatch.setattr(snapshot_mod, "atomic_write", lambda p, data, *a, **k: (writes.append(p), real(p, data, *a, **k)))
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\npolicy: {max_change_percent: 100}\nlead_statuses:\n  items:\n"
                      + "".join(f"    - name: New {i}\n" for i in range(40)), encoding="utf-8")
    code, out, err = run_cli("apply", "-c", str(config), "--target", f"snapshot:{path}", "--auto-approve",
                             "--allow-large-change", "--journal-dir", str(tmp_path / "j"))
    assert code == 0, out + err
    assert writes == [path]
    assert not os.path.exists(path + ".wal")
    with open(path, encoding="utf-8") as fh:
        assert sum(s["Name"].startswith("New ") for s in json.load(fh)["lead_statuses"]) == 40


def test_a_write_is_seen_at_once_and_survives_a_crash(path):
    before = open(path, encoding="utf-8").read()
    backend = SnapshotBackend(path)
    created = backend.write("lead_status", LeadStatus(None, "Webinar", rank=9))
    lead = next(c for c in backend.read().categories if c.name == "Customer")
    backend.write("category", Category(lead.id, "Clients", lead.group, lead.tooltip, lead.rank, lead.enable_lead_status,
                                       lead.deleted, lead.family_id, lead.user_groups, lead.headings))
    # the process dies here: no lock released, no rewrite; the file is as it was
    assert open(path, encoding="utf-8").read() == before
    again = SnapshotBackend(path)  # the next run sees every write
    assert "Webinar" in _names(again) and "Clients" in _names(again, "categories")
    assert again.read_item("lead_status", created.id).name == "Webinar"
    with again.lock():  # ... and the next apply writes them into the file
        pass
    assert not os.path.exists(path + ".wal")
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert "Webinar" in [s["Name"] for s in doc["lead_statuses"]] and "Clients" in [c["Name"] for c in doc["categories"]]


def test_replaying_the_log_over_a_rewritten_file_changes_nothing(path):
    """A crash between the rewrite and the removal of the log: replaying it again is harmless."""
    backend = SnapshotBackend(path)
    with backend.lock():
        backend.write("lead_status", LeadStatus(None, "Webinar", rank=9))
        log = open(path + ".wal", "rb").read()
    with open(path + ".wal", "wb") as fh:
        fh.write(log)
    replayed = SnapshotBackend(path).read()
    assert [s.name for s in replayed.lead_statuses].count("Webinar") == 1


def test_a_torn_last_line_is_ignored_and_a_broken_one_refused(path):
    backend = SnapshotBackend(path)
    backend.write("lead_status", LeadStatus(None, "Webinar", rank=9))
    with open(path + ".wal", "ab") as fh:
        fh.write(b'{"kind": "lead_status", "item": {"id": 99, "na')
    assert "Webinar" in _names(SnapshotBackend(path))
    with open(path + ".wal", "ab") as fh:
        fh.write(b"\n" + json.dumps({"kind": "lead_status", "item": {"id": 98, "name": "Later"}}).encode() + b"\n")
    with pytest.raises(TargetError, match=r"\.wal:2: not a line of a snapshot change log"):
        SnapshotBackend(path).read()


def test_an_update_of_a_vanished_item_is_still_refused(path):
    backend = SnapshotBackend(path)
    with pytest.raises(TargetError, match="no longer in the snapshot"):
        backend.write("lead_status", LeadStatus(12345, "Ghost"))


def test_a_write_after_a_torn_line_starts_a_line_of_its_own(path):
    SnapshotBackend(path).write("lead_status", LeadStatus(None, "Webinar", rank=9))
    with open(path + ".wal", "ab") as fh:
        fh.write(b'{"kind": "lead_status", "item": {"id": 99, "na')  # a crash in the middle of a write
    SnapshotBackend(path).write("lead_status", LeadStatus(None, "Fair", rank=10))
    names = _names(SnapshotBackend(path))
    assert "Webinar" in names and "Fair" in names


def test_a_rewrite_that_fails_keeps_every_change_and_says_where(path, monkeypatch):
    from leadconf import fileio
    from leadconf.errors import FileError

    backend = SnapshotBackend(path)
    real = fileio._write
    monkeypatch.setattr(fileio, "_write", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(FileError, match=r"every change is kept in .*tenant\.json\.wal"):
        with backend.lock():
            backend.write("lead_status", LeadStatus(None, "Webinar", rank=9))
    monkeypatch.setattr(fileio, "_write", real)
    assert "Webinar" in _names(SnapshotBackend(path))
