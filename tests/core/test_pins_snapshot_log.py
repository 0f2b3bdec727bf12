"""The snapshot's change log (leadconf/backends/snapshot_log.py), pinned where the mutation runs of
issue 10 found it loose: the faults of the log file said in its own words, and its bytes."""

from __future__ import annotations

import json
import os

import pytest

from leadconf.backends.snapshot import SnapshotBackend
from leadconf.backends.snapshot_log import ChangeLog
from leadconf.errors import FileError, TargetError
from leadconf.model.tenant import LeadStatus
from tests.core.conftest import snapshot_document, tenant


def _snapshot(tmp_path) -> str:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(snapshot_document(tenant(["Customer"]))), encoding="utf-8")
    return str(path)


def test_the_log_keeps_non_ascii_names_as_utf8(tmp_path):
    path = _snapshot(tmp_path)
    SnapshotBackend(path).write("lead_status", LeadStatus(id=None, name="Åpen – ønsket", rank=20))
    with open(path + ".wal", "rb") as fh:
        raw = fh.read()
    assert "Åpen – ønsket".encode() in raw and raw.endswith(b"\n")
    assert [s.name for s in SnapshotBackend(path).read().lead_statuses] == ["Open", "Åpen – ønsket"]


def test_a_log_that_cannot_be_read_is_said_so(tmp_path):
    path = _snapshot(tmp_path)
    os.mkdir(path + ".wal")
    with pytest.raises(TargetError) as caught:
        SnapshotBackend(path).read()
    assert str(caught.value) == f"{path}.wal: cannot read the snapshot's change log (Is a directory)"


def test_a_log_that_cannot_be_written_changes_nothing_and_says_so(tmp_path):
    path = _snapshot(tmp_path)
    os.symlink("/dev/full", path + ".wal")  # every write fails: no space left
    log = ChangeLog(path)
    with pytest.raises(FileError) as caught:
        log.append("lead_status", LeadStatus(id=2, name="Won"))
    assert str(caught.value).startswith(f"{path}.wal: cannot write the snapshot's change log (")
    assert str(caught.value).endswith("); nothing was changed")


def test_a_log_whose_write_failed_still_closes(tmp_path):
    """Before: after an append that failed to flush (a full disk), the bytes stayed in the file's
    buffer, and close() (at the end of every command) raised a bare OSError."""
    path = _snapshot(tmp_path)
    os.symlink("/dev/full", path + ".wal")
    log = ChangeLog(path)
    with pytest.raises(FileError):
        log.append("lead_status", LeadStatus(id=2, name="Won"))
    log.close()


def test_removing_a_log_that_is_not_there_is_no_error(tmp_path):
    path = _snapshot(tmp_path)
    ChangeLog(path).remove()
    assert sorted(os.listdir(tmp_path)) == ["tenant.json"]


def test_a_log_that_cannot_be_removed_is_said_so(tmp_path):
    path = _snapshot(tmp_path)
    os.mkdir(path + ".wal")
    with pytest.raises(FileError) as caught:
        ChangeLog(path).remove()
    assert str(caught.value).startswith(f"{path}.wal: cannot remove the snapshot's change log (")


def test_a_blank_line_in_the_log_does_not_hide_the_writes_after_it(tmp_path):
    path = _snapshot(tmp_path)
    backend = SnapshotBackend(path)
    backend.write("lead_status", LeadStatus(id=None, name="Won", rank=20))
    with open(path + ".wal", "ab") as fh:
        fh.write(b"\n")  # an empty line, as an editor or a copy might leave
    SnapshotBackend(path).write("lead_status", LeadStatus(id=None, name="Lost", rank=30))
    assert [s.name for s in SnapshotBackend(path).read().lead_statuses] == ["Open", "Won", "Lost"]


def test_a_torn_last_line_of_a_long_log_is_ignored(tmp_path):
    path = _snapshot(tmp_path)
    backend = SnapshotBackend(path)
    for n in range(300):
        backend.write("lead_status", LeadStatus(id=None, name=f"Status {n}", rank=n))
    with open(path + ".wal", "ab") as fh:
        fh.write(b'{"kind": "lead_status", "item": {"id": 999, "na')  # cut off mid-write
    assert len(SnapshotBackend(path).read().lead_statuses) == 301


def test_a_log_whose_file_takes_no_bytes_fails_instead_of_looping(tmp_path):
    """An unbuffered write returns how much it placed; a file that takes nothing is an error, not
    an endless retry."""
    from leadconf.fileio import AppendLog

    log = AppendLog(str(tmp_path / "log"))
    real = log._open()

    class TakesNothing:
        def __getattr__(self, name):
            return getattr(real, name)

        def write(self, data):
            return 0

    log._fh = TakesNothing()  # type: ignore[assignment]
    with pytest.raises(OSError, match="took no bytes"):
        log.append("x")
    log.close()
    assert (tmp_path / "log").read_bytes() == b""
