"""Issue 12, items 5 and 6: snapshot files (symlinks, locks, read-only files, ids and names that a
tenant cannot have, temporary copies of the tenant) and file-system faults as clear errors."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLES, ROOT, run_cli

TENANT = os.path.join(EXAMPLES, "tenants", "new-database.json")
CONFIG = os.path.join(EXAMPLES, "lead-management.yaml")


def _copy(tmp_path, name="tenant.json"):
    path = tmp_path / name
    shutil.copy(TENANT, path)
    return path


def _apply(target, tmp_path, *extra):
    return run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{target}", "--auto-approve",
                   "--journal-dir", str(tmp_path / "journal"), *extra)


def _no_bug(err: str):
    assert "internal error" not in err and "This is a bug" not in err and "Traceback" not in err, err


# -- symlinks and locks ---------------------------------------------------------------------------

def test_apply_through_a_symlink_writes_the_real_file(tmp_path):
    """Before: the link was replaced by a file, the real file stayed as it was, both runs passed."""
    real = _copy(tmp_path, "real.json")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    before = real.read_text(encoding="utf-8")
    code, out, err = _apply(link, tmp_path)
    assert code == 0, out + err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") != before
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{real}", "--detailed-exitcode")
    assert code == 0, out + err  # the real file holds the applied tenant


def test_the_lock_is_on_the_real_file_however_it_is_spelt(tmp_path, monkeypatch):
    import filelock

    real = _copy(tmp_path, "real.json")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "0.2")
    with filelock.FileLock(str(real) + ".lock"):
        code, _, err = _apply(link, tmp_path)
    assert code == 1 and "holds the lock" in err, err
    assert not (tmp_path / "link.json.lock").exists()


def test_a_read_only_snapshot_is_a_clear_error_and_stays_as_it_was(tmp_path):
    """Before: a read-only snapshot was replaced anyway (rename needs only the folder's permission)."""
    path = _copy(tmp_path)
    before = path.read_bytes()
    path.chmod(0o444)
    code, out, err = _apply(path, tmp_path)
    assert code == 1
    _no_bug(err)
    assert "read-only" in err and str(path) in err
    assert path.read_bytes() == before and (path.stat().st_mode & 0o777) == 0o444
    assert not (tmp_path / "journal").exists() or not list((tmp_path / "journal").iterdir())


# -- ids and names a tenant cannot have --------------------------------------------------------------

def _snapshot(tmp_path, categories=None, statuses=None):
    doc = json.loads(open(TENANT, encoding="utf-8").read())
    if categories is not None:
        doc["categories"] = categories
    if statuses is not None:
        doc["lead_statuses"] = statuses
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _cat(cid, name, deleted=False):
    return {"CategoryId": cid, "Name": name, "CategoryGroup": "PotentialCustomer", "Tooltip": "", "Rank": 1,
            "EnableLeadStatus": False, "CategoryFamilyId": 0, "Deleted": deleted}


@pytest.mark.parametrize("categories, expected", [
    # Before: a null id was accepted and the update of "Lead" became a create.
    ([_cat(None, "Lead"), _cat(2, "Customer")], ["categories[0].CategoryId", "'Lead'", "no valid id"]),
    ([_cat(1, "Lead"), _cat(1, "Customer")], ["id 1 appears twice", "'Lead'", "'Customer'"]),
    # Before: two live items with one name were accepted, and a prune deleted either.
    ([_cat(1, "Lead"), _cat(2, " lead ")], ["categories[0] 'Lead'", "categories[1] ' lead '", "one name"]),
])
def test_a_snapshot_a_tenant_cannot_have_is_refused_naming_the_items(tmp_path, categories, expected):
    path = _snapshot(tmp_path, categories=categories)
    for command in (["plan", "-c", CONFIG], ["export"]):
        code, _, err = run_cli(*command, "--target", f"snapshot:{path}")
        assert code == 1
        _no_bug(err)
        for part in expected:
            assert part in err, err


def test_a_deleted_item_may_share_a_live_items_name(tmp_path):
    path = _snapshot(tmp_path, statuses=[{"Id": 1, "Name": "Open", "Rank": 1, "Deleted": False},
                                         {"Id": 2, "Name": "OPEN", "Rank": 2, "Deleted": True}])
    code, out, err = run_cli("export", "--target", f"snapshot:{path}")
    assert code == 0, err


# -- temporary copies of the tenant -----------------------------------------------------------------

_KILL_IN_WRITE = """
import os, signal, sys
real = os.fsync
def fsync(fd):
    real(fd)
    link = os.readlink(f"/proc/self/fd/{fd}")
    if link.endswith(".tmp") and os.path.basename(link).startswith(".tenant.json."):  # the snapshot's temporary copy
        os.kill(os.getpid(), signal.SIGKILL)
os.fsync = fsync
from leadconf.cli import main
main(sys.argv[1:])
"""


def test_a_killed_apply_leaves_no_copy_of_the_tenant_after_the_next_run(tmp_path):
    """Before: a killed apply left `.leadconf-*.tmp` files holding a whole copy of the tenant."""
    path = _copy(tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_IN_WRITE, "apply", "-c", CONFIG, "--target", f"snapshot:{path}", "--auto-approve",
         "--journal-dir", str(tmp_path / "journal")],
        cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers, "the kill should have cut a write short"
    assert all((p.stat().st_mode & 0o077) == 0 for p in leftovers)  # readable by the owner alone meanwhile
    assert "Marketing qualified lead" in leftovers[0].read_text(encoding="utf-8")
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{path}")
    assert code == 0, err
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    path = _copy(tmp_path)
    mine = tmp_path / f".tenant.json.{os.getppid()}.leadconf-abc.tmp"  # a running process: our parent
    mine.write_text("{}")
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{path}")
    assert code == 0, err
    assert mine.exists()


def test_under_the_apply_lock_every_leftover_of_the_snapshot_is_removed(tmp_path):
    """Before: a leftover whose pid belonged to a running process (pid 1 in a container, our own
    pid reused, any live process) was never removed, with a copy of the tenant in it."""
    path = _copy(tmp_path)
    names = [f".tenant.json.{pid}.leadconf-abc.tmp" for pid in (1, os.getpid(), os.getppid())]
    for name in names:
        (tmp_path / name).write_text("{\"copy\": \"of the tenant\"}")
    code, out, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{path}", "--auto-approve",
                             "--journal-dir", str(tmp_path / "journal"))
    assert code == 0, out + err
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_leftover_with_our_own_pid_is_removed_without_the_lock(tmp_path):
    path = _copy(tmp_path)
    ours = tmp_path / f".tenant.json.{os.getpid()}.leadconf-abc.tmp"  # run_cli runs in this process
    ours.write_text("{}")
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{path}")
    assert code == 0, err
    assert not ours.exists()


# -- file-system faults and bad settings --------------------------------------------------------------

def _failing_writes(monkeypatch, suffix, code):
    from leadconf import fileio

    real = fileio._write

    def write(path, raw, mode):
        if path.endswith(suffix):
            raise OSError(code, os.strerror(code))
        return real(path, raw, mode)

    monkeypatch.setattr(fileio, "_write", write)


def test_a_full_disk_while_the_undo_plan_is_written_names_the_journal_and_the_command(tmp_path, monkeypatch):
    """Before: "internal error: OSError" after every change was made, and no undo plan."""
    path = _copy(tmp_path)
    _failing_writes(monkeypatch, ".undo.json", errno.ENOSPC)
    code, out, err = _apply(path, tmp_path)
    assert code == 1
    _no_bug(err)
    journal = next((tmp_path / "journal").glob("apply-*.jsonl"))
    assert "the changes were made" in err and "no space left on the device" in err
    assert f"leadconf undo {journal}" in err
    assert "Applied: 5 done" in out  # the report of what was done is still shown
    events = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    done = [e for e in events if e["type"] == "done"]
    assert len(done) == 5 and all(e["before"] is not None for e in done if e["key"] is not None)
    assert events[-1] == {"type": "end", "status": "complete"}


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left"), (errno.EFBIG, "too large"),
                                         (errno.EACCES, "permission denied"), (errno.EDQUOT, "quota")])
def test_a_file_system_fault_on_the_snapshot_is_a_clear_error(tmp_path, monkeypatch, code, words):
    path = _copy(tmp_path)
    before = path.read_bytes()
    _failing_writes(monkeypatch, "tenant.json", code)
    rc, out, err = _apply(path, tmp_path)
    assert rc == 1
    _no_bug(out + err)
    assert words in out + err and "cannot write the snapshot" in out + err
    assert path.read_bytes() == before


def test_a_journal_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    path = _copy(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{path}", "--auto-approve",
                             "--journal-dir", str(blocker / "journal"))
    assert code == 1
    _no_bug(err)
    assert "cannot create the journal folder" in err and "not a folder" in err


def test_a_plan_file_that_cannot_be_written_is_a_clear_error(tmp_path):
    path = _copy(tmp_path)
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{path}", "--out", str(tmp_path / "no" / "p.json"))
    assert code == 1
    _no_bug(err)
    assert "cannot write the plan file" in err and "the folder does not exist" in err


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_a_bad_lock_timeout_is_a_clear_error(tmp_path, monkeypatch, value):
    """Before: LEADCONF_LOCK_TIMEOUT=abc read "internal error … This is a bug" (snapshot), or was
    silently replaced by 10 s (Web API); -1 waited for ever."""
    path = _copy(tmp_path)
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", value)
    code, _, err = _apply(path, tmp_path)
    assert code == 1
    _no_bug(err)
    assert f"LEADCONF_LOCK_TIMEOUT={value!r}: expected a number of seconds" in err


@pytest.mark.parametrize("value", ["1e300", "86401"])
def test_a_lock_timeout_above_a_day_is_a_clear_error(tmp_path, monkeypatch, value):
    """Before: LEADCONF_LOCK_TIMEOUT=1e300 was accepted (a wait that never ends)."""
    path = _copy(tmp_path)
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", value)
    code, _, err = _apply(path, tmp_path)
    assert code == 1
    _no_bug(err)
    assert f"LEADCONF_LOCK_TIMEOUT={value!r}" in err and "86400" in err


def test_a_lock_timeout_of_a_day_is_accepted(tmp_path, monkeypatch):
    path = _copy(tmp_path)
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "86400")
    code, out, err = _apply(path, tmp_path)
    assert code == 0, out + err


def test_a_bad_lock_timeout_is_a_clear_error_over_the_web_api(emulator, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONF_LOCK_TIMEOUT", "abc")
    code, _, err = run_cli("apply", "-c", CONFIG, "--target", emulator.target, "--auto-approve",
                           "--journal-dir", str(tmp_path / "journal"))
    assert code == 1
    _no_bug(err)
    assert "LEADCONF_LOCK_TIMEOUT='abc'" in err
    assert emulator.writes() == []


def test_a_journal_that_cannot_record_a_made_change_says_the_change_was_made(tmp_path, monkeypatch):
    """Before: "cannot write the apply journal (no space …)", as if nothing had happened to the item."""
    from leadconf.apply import journal as journal_mod

    real = journal_mod.Journal._write

    def write(self, record):
        if record.get("type") == "done" and record.get("index") == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, record)

    monkeypatch.setattr(journal_mod.Journal, "_write", write)
    path = _copy(tmp_path)
    code, out, err = _apply(path, tmp_path)
    assert code == 1
    _no_bug(err)
    journal = next((tmp_path / "journal").glob("apply-*.jsonl"))
    assert "was changed in the tenant, but the journal could not record it" in err, err
    assert "no space left on the device" in err and f"leadconf apply --resume {journal}" in err
    monkeypatch.setattr(journal_mod.Journal, "_write", real)
    code, out, err = run_cli("apply", "--resume", str(journal), "--target", f"snapshot:{path}", "--auto-approve",
                             "--journal-dir", str(tmp_path / "journal"))
    assert code == 0, out + err
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{path}")
    assert code == 0 and "No changes" in out, out + err
